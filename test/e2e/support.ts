import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseFile } from '../../src/cli/openStore.js';
import { removeOrphanedBundles } from '../../src/cli/sdkBundles.js';
import { systemClock } from '../../src/cli/systemClock.js';
import { openSqliteStore } from '../../src/store/sqlite/openSqliteStore.js';
import { WorkspaceService, type CreatedWorkspace } from '../../src/workspaces/WorkspaceService.js';
import { seededRandom as coreRandom } from '../../src/core/common/random.js';

/**
 * Helpers for the end-to-end tests: the attune command run from source (through tsx, no
 * build), server children, temporary data folders, and a seeded random generator.
 */

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** A tiny entry that calls main(process.argv) from src/cli/main.ts. */
export const attuneEntry = fileURLToPath(new URL('./fixtures/attune.ts', import.meta.url));

/**
 * The environment of a child: ours without any ATTUNE_* setting but ATTUNE_STORAGE_THREAD (so
 * that the suites run in either storage mode: `ATTUNE_STORAGE_THREAD=worker npx vitest run
 * test/e2e/crash.test.ts`), plus `extra`.
 */
export function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('ATTUNE_') || key === 'ATTUNE_STORAGE_THREAD') env[key] = value;
  return { ...env, ATTUNE_LOG_LEVEL: 'warn', ...extra };
}

const children = new Set<ChildProcess>();

/** The attune command as installed: bin/attune.js on the build in dist/. */
export const builtEntry = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));

/**
 * Spawns `attune <args>` from source (or, with `entry: builtEntry`, from dist/). The child is
 * tracked until it exits, for killChildren().
 */
export function spawnAttune(args: readonly string[], env: Readonly<Record<string, string>> = {}, entry: 'source' | 'built' = 'source'): ChildProcess {
  const child = spawn(process.execPath, entry === 'source' ? ['--import', 'tsx', attuneEntry, ...args] : [builtEntry, ...args], {
    cwd: repoRoot,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Kills every child these helpers started that is still running (for afterEach/afterAll). */
export function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function collect(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text += chunk;
  });
  return () => text;
}

export interface CliResult extends Exit {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `attune <args>` to completion. */
export async function runAttune(args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 30_000, entry: 'source' | 'built' = 'source'): Promise<CliResult> {
  const child = spawnAttune(args, env, entry);
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = await exitOf(child);
  clearTimeout(timer);
  // 'exit' can come before the pipes are drained; 'close' comes after.
  if (child.stdout !== null && !child.stdout.readableEnded) await new Promise((resolve) => child.once('close', resolve));
  return { ...exit, stdout: stdout(), stderr: stderr() };
}

export interface ServerChild {
  readonly child: ChildProcess;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<Exit>;
}

const listeningLine = /^attune listening on (http:\/\/\S+) \(data: (.*)\)$/m;

/** Starts `attune serve --port 0 --data DIR` (from source, or with `entry: 'built'` from dist/) and waits for its listening line. */
export async function startServerChild(dataDir: string, env: Readonly<Record<string, string>> = {}, extraArgs: readonly string[] = [], entry: 'source' | 'built' = 'source'): Promise<ServerChild> {
  const child = spawnAttune(['serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir, ...extraArgs], env, entry);
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  const exited = exitOf(child);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not print its listening line within 30 s; stderr:\n${stderr()}`));
    }, 30_000);
    const onData = () => {
      const match = listeningLine.exec(stdout());
      if (match === null) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      if (match[2] !== dataDir) reject(new Error(`the server reports data folder ${match[2]}, not ${dataDir}`));
      else resolve(match[1]!);
    };
    child.stdout?.on('data', onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${exit.code ?? exit.signal}) before listening; stderr:\n${stderr()}`));
    });
  });
  return { child, url, stdout, stderr, exited };
}

const tempDirs: string[] = [];

export function makeTempDir(prefix = 'attune-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes the folders made by makeTempDir, and the browser SDK builds of server children that were killed. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  removeOrphanedBundles();
}

export function databasePath(dataDir: string): string {
  return join(dataDir, databaseFile);
}

/** Creates a workspace in a data folder the way `attune workspace create` does, in-process. */
export async function createWorkspaceIn(dataDir: string, name: string, identity?: { readonly verification: boolean }): Promise<CreatedWorkspace> {
  const store = openSqliteStore({ path: databasePath(dataDir), synchronous: 'full' });
  try {
    return await new WorkspaceService(store.workspaces, systemClock).create(name, identity);
  } finally {
    await store.close();
  }
}

export interface LoggedEvent {
  readonly seq: number;
  readonly messageId: string;
  readonly type: string;
  readonly profileId: string;
}

/** The whole event log of a workspace read with better-sqlite3 (the server must be stopped). */
export function readLogDirect(dataDir: string, workspaceId: string): LoggedEvent[] {
  const db = new Database(databasePath(dataDir), { readonly: true });
  try {
    return db
      .prepare('SELECT seq, message_id AS messageId, type, profile_id AS profileId FROM events WHERE workspace_id = ? ORDER BY seq')
      .all(workspaceId) as LoggedEvent[];
  } finally {
    db.close();
  }
}

interface EventPage {
  readonly events: readonly { seq: number; messageId: string; type: string }[];
  readonly next: number | null;
}

/** The whole event log of a workspace through GET /admin/v1/events, page by page. */
export async function readLogOverHttp(url: string, secretKey: string, pageSize = 5000): Promise<{ seq: number; messageId: string; type: string }[]> {
  const all: { seq: number; messageId: string; type: string }[] = [];
  let after = 0;
  for (;;) {
    const response = await fetch(`${url}/admin/v1/events?after=${after}&limit=${pageSize}`, { headers: { authorization: `Bearer ${secretKey}` } });
    if (response.status !== 200) throw new Error(`GET /admin/v1/events answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as EventPage;
    all.push(...page.events);
    if (page.next === null) return all;
    after = page.next;
  }
}

/**
 * Checks what must hold of a database however the process ended: SQLite's integrity check,
 * every identity on a live profile, and the live profiles' event counts adding up to the log.
 */
export function checkDatabase(dataDir: string, workspaceId: string): { integrity: string; orphanIdentities: number; countedEvents: number; loggedEvents: number } {
  const db = new Database(databasePath(dataDir), { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const orphanIdentities = db
      .prepare('SELECT count(*) FROM identities i LEFT JOIN profiles p ON p.workspace_id = i.workspace_id AND p.id = i.profile_id WHERE i.workspace_id = ? AND (p.id IS NULL OR p.merged_into IS NOT NULL)')
      .pluck()
      .get(workspaceId) as number;
    const countedEvents = (db
      .prepare('SELECT sum(c.value) FROM profiles p, json_each(p.event_counts) c WHERE p.workspace_id = ? AND p.merged_into IS NULL')
      .pluck()
      .get(workspaceId) as number | null) ?? 0;
    const loggedEvents = db.prepare('SELECT count(*) FROM events WHERE workspace_id = ?').pluck().get(workspaceId) as number;
    return { integrity, orphanIdentities, countedEvents, loggedEvents };
  } finally {
    db.close();
  }
}

export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

export type BatchOutcome =
  | { readonly kind: 'answered'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'failed'; readonly error: string };

/** POSTs one batch to /v1/batch; a connection failure is an outcome, not an exception. */
export async function postBatch(url: string, writeKey: string, batch: readonly unknown[]): Promise<BatchOutcome> {
  try {
    const response = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basicAuth(writeKey), 'content-type': 'application/json' },
      body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { kind: 'answered', status: response.status, body };
  } catch (error) {
    return { kind: 'failed', error: error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error) };
  }
}

export interface StreamOptions {
  readonly url: string;
  readonly writeKey: string;
  /** The events of batch number `index`. */
  readonly makeBatch: (index: number) => readonly unknown[];
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Batches at most; the stream also ends when every sender has seen its request fail. */
  readonly maxBatches: number;
}

export interface StreamResult {
  /** Every batch that was sent (its request was started), by index. */
  readonly sent: Map<number, readonly unknown[]>;
  /** What became of each sent batch. */
  readonly outcomes: Map<number, BatchOutcome>;
  /** Indexes of the batches answered 200. */
  readonly acked: Set<number>;
}

/**
 * Streams batches with `concurrency` requests in flight until `maxBatches` were sent or the
 * server stops answering (each sender stops at its first request that is not answered 200).
 */
export async function streamBatches(options: StreamOptions, onAck?: (acked: number) => void): Promise<StreamResult> {
  const sent = new Map<number, readonly unknown[]>();
  const outcomes = new Map<number, BatchOutcome>();
  const acked = new Set<number>();
  let next = 0;
  const sender = async () => {
    while (next < options.maxBatches) {
      const index = next++;
      const batch = options.makeBatch(index);
      sent.set(index, batch);
      const outcome = await postBatch(options.url, options.writeKey, batch);
      outcomes.set(index, outcome);
      if (outcome.kind !== 'answered' || outcome.status !== 200) return;
      acked.add(index);
      onAck?.(acked.size);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, sender));
  return { sent, outcomes, acked };
}

/** The core's seeded generator (mulberry32) as a function, so that a failing random run can be replayed. */
export function seededRandom(seed: number): () => number {
  const random = coreRandom(seed);
  return () => random.next();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The promise's value, or 'timeout' when it takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** messageIds of the events of a batch built by these tests. */
export function messageIdsOf(batch: readonly unknown[]): string[] {
  return batch.map((event) => (event as { messageId: string }).messageId);
}
