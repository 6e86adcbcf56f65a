import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createInterface } from 'node:readline';
import type { AttuneConfig } from '../config/config.js';
import { AuditTrail } from '../audit/AuditTrail.js';
import type { ActorKind } from '../core/audit/Actor.js';
import type { AuditEntry, ChainHead } from '../core/audit/AuditEntry.js';
import { ChainVerifier, type ChainVerification } from '../core/audit/hashChain.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { sha256Hex } from '../store/auditHash.js';
import type { AuditQuery } from '../store/ports.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { openConfigStore } from './openStore.js';
import { systemClock } from './systemClock.js';

export interface AuditListOptions {
  readonly workspace?: string;
  readonly action?: string;
  readonly actorKind?: string;
  readonly actor?: string;
  readonly targetKind?: string;
  readonly target?: string;
  readonly since?: string;
  readonly until?: string;
  readonly after?: string;
  readonly limit?: string;
  readonly json: boolean;
}

const actorKinds: readonly ActorKind[] = ['user', 'key', 'cli', 'system'];

function usage(field: string, detail: string): AttuneError {
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail, field });
}

function timeOption(field: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw usage(field, `${field} must be an ISO 8601 time, got "${text}"`);
  return at;
}

function wholeOption(field: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw usage(field, `${field} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

/** `--anchor SEQ:HASH`, a position and hash kept from an earlier verification or export. */
export function parseAnchor(text: string): ChainHead {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text);
  if (match === null) throw usage('--anchor', `an anchor is SEQ:HASH (a position and its 64-hex SHA-256), got "${text}"`);
  return { seq: Number(match[1]), hash: match[2]! };
}

/** The query the options describe; a bad option is a usage error naming it. */
export function auditQueryOf(options: AuditListOptions): AuditQuery {
  if (options.actorKind !== undefined && !actorKinds.includes(options.actorKind as ActorKind)) throw usage('--actor-kind', `--actor-kind is one of ${actorKinds.join(', ')}`);
  const since = timeOption('--since', options.since);
  const until = timeOption('--until', options.until);
  const after = wholeOption('--after', options.after, 0, Number.MAX_SAFE_INTEGER);
  return {
    limit: wholeOption('--limit', options.limit, 1, 100_000) ?? 100,
    ...(options.actorKind === undefined ? {} : { actorKind: options.actorKind as ActorKind }),
    ...(options.actor === undefined ? {} : { actorId: options.actor }),
    ...(options.action === undefined ? {} : { action: options.action }),
    ...(options.targetKind === undefined ? {} : { targetKind: options.targetKind }),
    ...(options.target === undefined ? {} : { targetId: options.target }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(after === undefined ? {} : { after }),
  };
}

/** One line per entry, for people: position, time, actor, origin, action, target, and the paths that changed. */
export function auditLine(entry: AuditEntry): string {
  const actor = `${entry.actor.kind}:${entry.actor.id}${entry.actor.role === undefined ? '' : ` (${entry.actor.role})`}`;
  const origin = [entry.origin.via, entry.origin.ip, entry.origin.userAgent].filter((p) => p !== undefined).join(' ');
  const changed = entry.changes === undefined ? '' : `  ${entry.changes.map((c) => `${c.op} ${c.path === '' ? '/' : c.path}`).join(', ')}`;
  return `${String(entry.seq).padStart(6)}  ${new Date(entry.at).toISOString()}  ${actor}  [${origin}]  ${entry.action} ${entry.target.kind}:${entry.target.id}${changed}`;
}

async function withTrail<T>(config: AttuneConfig, workspace: string | undefined, work: (trail: AuditTrail, workspaceId: string) => Promise<T>): Promise<T> {
  // Reads only (and appends by the services), so beside a running server like `attune keys`.
  const store = openConfigStore(config);
  try {
    const chosen = await chooseWorkspace(store.workspaces, workspace);
    return await work(new AuditTrail({ store: store.audit, clock: systemClock }), chosen.id);
  } finally {
    await store.close();
  }
}

/** `attune audit list`: entries of a workspace, filtered, in order. */
export async function auditListCommand(config: AttuneConfig, options: AuditListOptions): Promise<void> {
  const query = auditQueryOf(options);
  await withTrail(config, options.workspace, async (trail, workspaceId) => {
    const entries = await trail.query(workspaceId, query);
    if (options.json) process.stdout.write(`${JSON.stringify(entries)}\n`);
    else for (const entry of entries) process.stdout.write(`${auditLine(entry)}\n`);
  });
}

/** `attune audit export`: the workspace's whole chain as JSON lines, to a file or stdout. */
export async function auditExportCommand(config: AttuneConfig, options: { workspace?: string; out?: string }): Promise<void> {
  await withTrail(config, options.workspace, async (trail, workspaceId) => {
    const out: NodeJS.WritableStream = options.out === undefined ? process.stdout : createWriteStream(options.out);
    let count = 0;
    for await (const page of trail.entries(workspaceId)) {
      count += page.length;
      if (!out.write(page.map((entry) => `${JSON.stringify(entry)}\n`).join(''))) await once(out, 'drain');
    }
    if (out !== process.stdout) {
      out.end();
      await finished(out);
      process.stderr.write(`${count} audit entries of ${workspaceId} written to ${options.out!}\n`);
    }
  });
}

/**
 * Verifies an exported file (JSON lines) alone: its own last entry is its head. A chain whose
 * oldest entries retention purged starts after its anchor: the file then starts at its first
 * entry's link (the anchor the store keeps; pass it with `--anchor` to hold the file to it).
 */
export async function verifyExportFile(path: string, workspaceId: string | undefined, anchors: readonly ChainHead[]): Promise<ChainVerification> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let verifier: ChainVerifier | undefined;
  let last: ChainHead | null = null;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim().length === 0) continue;
    let entry: AuditEntry;
    try {
      entry = JSON.parse(line) as AuditEntry;
    } catch {
      return { ok: false, entries: last?.seq ?? 0, position: (last?.seq ?? 0) + 1, fault: 'hash', detail: `line ${lineNumber} is not JSON` };
    }
    verifier ??= new ChainVerifier(workspaceId ?? entry.workspaceId, sha256Hex, anchors, entry.seq > 1 && entry.prevHash !== null ? { seq: entry.seq - 1, hash: entry.prevHash } : null);
    const broken = verifier.push(entry);
    if (broken !== undefined) return broken;
    last = { seq: entry.seq, hash: entry.hash };
  }
  return (verifier ?? new ChainVerifier(workspaceId ?? '', sha256Hex, anchors)).finish(last);
}

function report(verdict: ChainVerification, json: boolean, what: string): void {
  if (json) process.stdout.write(`${JSON.stringify(verdict)}\n`);
  else if (verdict.ok) {
    process.stdout.write(`${what}: intact, ${verdict.entries} entries${verdict.head === null ? '' : `; head ${verdict.head.seq}:${verdict.head.hash} (keep it, and check it later with --anchor)`}\n`);
  } else {
    process.stdout.write(`${what}: BROKEN at entry ${verdict.position} (${verdict.fault}): ${verdict.detail}; ${verdict.entries} entries verified before it\n`);
  }
  // A broken chain is the command's failure: scripts and schedules see it.
  if (!verdict.ok) process.exitCode = 1;
}

/** `attune audit verify`: the workspace's chain in the store, or an exported file (`--file`). */
export async function auditVerifyCommand(config: AttuneConfig, options: { workspace?: string; file?: string; anchor?: readonly string[]; json: boolean }): Promise<void> {
  const anchors = (options.anchor ?? []).map(parseAnchor);
  if (options.file !== undefined) {
    report(await verifyExportFile(options.file, options.workspace, anchors), options.json, options.file);
    return;
  }
  await withTrail(config, options.workspace, async (trail, workspaceId) => {
    report(await trail.verify(workspaceId, anchors), options.json, `audit trail of ${workspaceId}`);
  });
}
