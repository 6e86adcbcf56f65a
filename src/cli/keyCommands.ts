import type { AttuneConfig } from '../config/config.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { isSecretKeyScope, secretKeyScopes, type SecretKeyScope } from '../core/access/accessMatrix.js';
import type { ApiKeyRecord, KeyKind, Workspace } from '../store/ports.js';
import { isDatabaseOpenElsewhere } from '../store/sqlite/exclusiveLock.js';
import type { SqliteStore } from '../store/sqlite/openSqliteStore.js';
import { isKeyLive } from '../workspaces/apiKeys.js';
import { keyAudit, type KeyChange } from '../workspaces/keyAudit.js';
import { keyCacheMillis, WorkspaceService } from '../workspaces/WorkspaceService.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { writeLogRecord } from './logLines.js';
import { configWorkspaces, openConfigStore } from './openStore.js';
import { systemClock } from './systemClock.js';

export interface KeyCommandOptions {
  readonly workspace?: string;
  readonly json: boolean;
  /** For `keys create secret`: full (default), read or decide. */
  readonly scope?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A key as lists show it (the admin API's ApiKey without the key): never the key itself. */
function keyView(key: ApiKeyRecord, now: number) {
  return { id: key.id, kind: key.kind, scope: key.scope, prefix: key.prefix, createdAt: iso(key.createdAt), expiresAt: key.expiresAt === null ? null : iso(key.expiresAt), revoked: !isKeyLive(key, now) };
}

function keyLine(key: ApiKeyRecord, now: number): string {
  const state = key.expiresAt === null ? 'live' : isKeyLive(key, now) ? `live until ${iso(key.expiresAt)} (rotated)` : `revoked ${iso(key.expiresAt)}`;
  return `${key.id}  ${key.kind.padEnd(6)}  ${key.prefix}...  created ${iso(key.createdAt)}  ${state}${key.scope === null ? '' : `  scope ${key.scope}`}`;
}

/** The API's key changes are logged by the server; the command line logs the same record to stderr, in the same format. */
function audit(change: KeyChange, key: ApiKeyRecord): void {
  writeLogRecord(process.stderr, systemClock.now(), `key ${change}`, keyAudit(change, key, 'cli'));
}

/** Opens the store and the workspace, runs `work` with the same WorkspaceService the API uses, and closes the store. */
async function withWorkspace<T>(config: AttuneConfig, id: string | undefined, work: (service: WorkspaceService, workspace: Workspace, store: SqliteStore) => Promise<T>): Promise<T> {
  const store = openConfigStore(config);
  try {
    const workspace = await chooseWorkspace(store.workspaces, id);
    return await work(configWorkspaces(store), workspace, store);
  } finally {
    await store.close();
  }
}

/** `attune keys list`: every key of the workspace, live and revoked, by id, kind and prefix. */
export async function listKeysCommand(config: AttuneConfig, options: KeyCommandOptions): Promise<void> {
  await withWorkspace(config, options.workspace, async (service, workspace) => {
    const keys = await service.listKeys(workspace.id);
    const now = systemClock.now();
    if (options.json) process.stdout.write(`${JSON.stringify(keys.map((k) => keyView(k, now)))}\n`);
    else {
      process.stdout.write(`Keys of workspace ${workspace.id} (${workspace.name}):\n`);
      for (const key of keys) process.stdout.write(`  ${keyLine(key, now)}\n`);
    }
  });
}

function keyKind(kind: string): KeyKind {
  if (kind === 'write' || kind === 'secret') return kind;
  throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the kind of key is "write" (collect events) or "secret" (administer), not "${kind}"`, field: '<kind>' });
}

function keyScope(kind: KeyKind, scope: string): SecretKeyScope {
  if (kind === 'write') throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'a write key has no scope: its rights are fixed (events.collect, decide)', field: '--scope' });
  if (isSecretKeyScope(scope)) return scope;
  throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the scope of a secret key is ${secretKeyScopes.join(', ')} (docs/access.md), not "${scope}"`, field: '--scope' });
}

/** `attune keys create write|secret [--scope full|read|decide]`: a new key, printed now only (Attune keeps its hash). */
export async function createKeyCommand(config: AttuneConfig, kind: string, options: KeyCommandOptions): Promise<void> {
  const checked = keyKind(kind);
  const scope = options.scope === undefined ? undefined : keyScope(checked, options.scope);
  await withWorkspace(config, options.workspace, async (service, workspace) => {
    const created = await service.createKey(workspace.id, checked, scope);
    audit('created', created.record);
    const now = systemClock.now();
    if (options.json) process.stdout.write(`${JSON.stringify({ ...keyView(created.record, now), key: created.plain })}\n`);
    else {
      process.stdout.write(`New ${checked}${created.record.scope === null ? '' : ` (scope ${created.record.scope})`} key of workspace ${workspace.id} (${workspace.name}): ${created.record.id}\n`);
      process.stdout.write(`  ${created.plain}\n`);
      process.stdout.write('The key is shown only now; Attune stores its hash.\n');
    }
  });
}

/**
 * `attune keys revoke KEY_ID`: the key stops working at once for every process that reads the
 * file afterwards. A server running on the same folder trusts a key it has checked for a
 * while (its key cache, as for a key revoked on another node); like `features load`, which
 * waits for a server's model cache, the command then waits that long, so that the key is
 * refused everywhere once it ends.
 */
export async function revokeKeyCommand(config: AttuneConfig, keyId: string, options: KeyCommandOptions): Promise<void> {
  await withWorkspace(config, options.workspace, async (service, workspace, store) => {
    const revoked = await service.revokeKey(workspace.id, keyId);
    audit('revoked', revoked);
    if (isDatabaseOpenElsewhere(store.db)) {
      const wait = keyCacheMillis + 1000;
      process.stderr.write(`attune: another process (a running attune serve?) has this data folder open and may trust the key for ${Math.ceil(wait / 1000)} s more (its key cache); waiting until it cannot\n`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    if (options.json) process.stdout.write(`${JSON.stringify(keyView(revoked, systemClock.now()))}\n`);
    else process.stdout.write(`Revoked ${revoked.kind} key ${revoked.id} (${revoked.prefix}...) of workspace ${workspace.id}.\n`);
  });
}
