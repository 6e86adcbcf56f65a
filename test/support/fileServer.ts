import { join } from 'node:path';
import { rebuildCommand } from '../../src/cli/rebuildCommand.js';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { loadConfig } from '../../src/config/config.js';
import type { Clock } from '../../src/core/common/ports.js';
import { openStore, type EmbeddedStore } from '../../src/engine/openStore.js';
import { buildServer, type AttuneServer } from '../../src/server/buildServer.js';
import type { CreatedWorkspace } from '../../src/workspaces/WorkspaceService.js';

/** A server on the SQLite file of a data folder, for tests that restart it or rebuild the folder. */
export interface FileServer {
  readonly server: AttuneServer;
  readonly store: EmbeddedStore;
}

/** Opens the data folder's file (recovered) behind a server; `close` with `server.app.close()`. */
export async function openFileServer(dataDir: string, options: { readonly writer?: 'inline' | 'worker'; readonly clock?: Clock } = {}): Promise<FileServer> {
  const store = openStore({ path: join(dataDir, 'attune.db'), synchronous: 'normal', writer: options.writer ?? 'inline', maxPendingEvents: 100_000 });
  const server = await buildServer({ store, clock: options.clock ?? systemClock, ids: uuidIds, adminToken: null, logger: false });
  await store.recovered;
  return { server, store };
}

/** Two workspaces with fixed ids (`<prefix>_a`, `<prefix>_b`), no identity verification and no holdout. */
export async function twoWorkspaces(running: FileServer, prefix: string): Promise<[CreatedWorkspace, CreatedWorkspace]> {
  const a = await running.server.workspaces.create('workspace A', { verification: false }, `${prefix}_a`);
  const b = await running.server.workspaces.create('workspace B', { verification: false }, `${prefix}_b`);
  for (const w of [a, b]) await running.store.experiments.setMeasurement(w.id, { holdoutShare: 0 });
  return [a, b];
}

/** `attune rebuild` of every workspace of the folder (its JSON output swallowed); the exit status. */
export async function rebuildQuietly(dataDir: string): Promise<number> {
  const stdout = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await rebuildCommand(loadConfig({ dataDir }, {}), { json: true });
  } finally {
    process.stdout.write = stdout;
  }
}
