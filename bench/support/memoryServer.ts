/**
 * Child process of the `memory` benchmark: the Attune server (buildServer over the embedded
 * store, as `attune serve` runs it) with the know benchmark's 20 features and 50 segments, on
 * the data folder ATTUNE_BENCH_MEMORY_DATA (created on the first start, reopened after a
 * SIGKILL). The data folder is taken as `attune serve` takes it (lockDataFolder), so a restart
 * after the kill also takes over the dead process's lock.
 *
 * ATTUNE_BENCH_MEMORY_WRITE_BEHIND=manual turns the periodic write-behind off (the state is
 * written only when the parent sends `flush`), so that everything ingested after a flush is a
 * log tail beyond the checkpoint; otherwise the engine's defaults apply.
 *
 * Messages (IPC): the child sends `ready` (port, write key, workspace, recovery report); the
 * parent sends `flush` (write the state behind now), `digest` (the decision rows of some
 * users, canonical JSON: the state compared before the kill and after recovery) and `stop`.
 */
import { join } from 'node:path';
import { lockDataFolder } from '../../src/engine/dataFolderLock.js';
import { databaseFile } from '../../src/cli/openStore.js';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { loadConfig } from '../../src/config/config.js';
import { openStore } from '../../src/engine/openStore.js';
import { buildServer } from '../../src/server/buildServer.js';
import { knowFeatures, knowSegments } from './knowWorkspace.js';

export interface MemoryUser {
  readonly userId: string | null;
  readonly anonymousId: string | null;
}

export type MemoryParentMessage =
  | { readonly type: 'flush' }
  | { readonly type: 'digest'; readonly users: readonly MemoryUser[] }
  | { readonly type: 'stop' };

export type MemoryChildMessage =
  | {
    readonly type: 'ready';
    readonly port: number;
    readonly writeKey: string;
    readonly workspaceId: string;
    readonly recovery: { readonly checkpoint: number; readonly replayedEvents: number; readonly millis: number };
    /** From the process's start (before modules load) to the end of recovery. */
    readonly startupMillis: number;
  }
  | { readonly type: 'flushed'; readonly millis: number }
  | { readonly type: 'digest'; readonly rows: readonly (string | null)[] }
  | { readonly type: 'stopped' };

const dataDir = process.env['ATTUNE_BENCH_MEMORY_DATA'];
if (dataDir === undefined) throw new Error('ATTUNE_BENCH_MEMORY_DATA must name the data folder');
const manual = process.env['ATTUNE_BENCH_MEMORY_WRITE_BEHIND'] === 'manual';
const config = loadConfig({ dataDir, host: '127.0.0.1', port: '0' });
const release = lockDataFolder(dataDir, 'bench');
const store = openStore({
  path: join(dataDir, databaseFile),
  synchronous: config.synchronous,
  maxPendingEvents: config.maxPendingEvents,
  // Every profile of the benchmark stays in memory: eviction is not what is measured here.
  // (The write-behind interval is a timer: 2^31 - 1 ms is the longest Node keeps.)
  cacheBytes: 4 * 1024 ** 3,
  dedupeWindowMillis: config.dedupeHours * 3_600_000,
  ...(manual ? { stateWriteMillis: 2 ** 31 - 1, maxChangedProfiles: Number.MAX_SAFE_INTEGER } : {}),
});
const recovery = await store.recovered;
const startupMillis = performance.now();
const { app, workspaces } = await buildServer({ store, clock: systemClock, ids: uuidIds, adminToken: config.adminToken, corsOrigins: config.corsOrigins, logger: false });

// The workspace: created with its definitions on the first start, found again after a restart.
let workspace = (await store.workspaces.listWorkspaces())[0];
let writeKey: string;
if (workspace === undefined) {
  const created = await workspaces.create('memory-bench');
  const now = systemClock.now();
  for (const feature of knowFeatures) await store.knowledgeConfig.putFeature(created.id, feature, now);
  for (const segment of knowSegments) await store.knowledgeConfig.putSegment(created.id, segment, now);
  workspace = (await store.workspaces.listWorkspaces())[0]!;
  writeKey = created.writeKey;
} else {
  writeKey = process.env['ATTUNE_BENCH_MEMORY_WRITE_KEY'] ?? '';
}
const workspaceId = workspace.id;
await app.listen({ host: config.host, port: config.port });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('expected a TCP address');

/** Sorted keys: the same state gives the same text whichever order its objects were built in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

const send = (message: MemoryChildMessage, then?: () => void) => process.send?.(message, undefined, undefined, then);
process.on('message', (message: MemoryParentMessage) => {
  void (async () => {
    if (message.type === 'flush') {
      const started = performance.now();
      await store.flushState();
      send({ type: 'flushed', millis: performance.now() - started });
    } else if (message.type === 'digest') {
      const rows: (string | null)[] = [];
      for (const u of message.users) {
        const row = await store.decisions.findDecisionProfile(workspaceId, u.userId, u.anonymousId);
        rows.push(row === undefined ? null : canonical(row));
      }
      send({ type: 'digest', rows });
    } else {
      await app.close();
      release();
      send({ type: 'stopped' }, () => process.exit(0));
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
send({ type: 'ready', port: address.port, writeKey, workspaceId, recovery, startupMillis });
