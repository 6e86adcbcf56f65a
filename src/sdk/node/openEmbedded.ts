import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { seededRandom } from '../../core/common/random.js';
import { createEngine, type Engine } from '../../engine/createEngine.js';
import { lockDataFolder } from '../../engine/dataFolderLock.js';
import { openStore } from '../../engine/openStore.js';
import { AttuneClient, type AttuneClientOptions } from './AttuneClient.js';
import { inProcessTransport } from './inProcessTransport.js';
import { shopWorkspaceId } from '../../examples/shopExample.js';
import type { Workspace } from '../../store/ports.js';

export interface EmbeddedOptions extends Omit<AttuneClientOptions, 'transport'> {
  /** Folder of the SQLite file (attune.db), as `attune serve --data`. */
  readonly dataDir: string;
  /** The workspace to use; created (named "embedded") when the store has none and none is given. */
  readonly workspaceId?: string;
  /** Share of decisions recorded (default 1). */
  readonly decisionSampleRate?: number;
}

/**
 * Attune inside this process: opens the embedded store, wires the engine, and returns a
 * client whose calls go straight to it. `close()` flushes the client and closes the store.
 * Do not run it on a data folder a running server is using: both would write the same file.
 */
export async function openEmbedded(options: EmbeddedOptions): Promise<{ client: AttuneClient; engine: Engine; workspaceId: string; close(): Promise<void> }> {
  mkdirSync(options.dataDir, { recursive: true });
  // The embedded engine holds the folder's profiles in memory, as a server does: one owner at a time.
  const release = lockDataFolder(options.dataDir, 'sdk (embedded)');
  let store: ReturnType<typeof openStore>;
  try {
    store = openStore({ path: join(options.dataDir, 'attune.db'), synchronous: 'full', maxPendingEvents: 100_000 });
  } catch (error) {
    release();
    throw error;
  }
  const clock = { now: () => Date.now() };
  const engine = createEngine({
    store, clock, ids: { next: () => randomUUID() }, random: seededRandom(Date.now() ^ process.pid), decisionSampleRate: options.decisionSampleRate ?? 1,
  });
  let workspaceId = options.workspaceId;
  let workspace: Workspace;
  try {
    // Not the example shop's workspace, which `attune serve` creates by itself.
    workspaceId ??= (await engine.workspaces.list()).find((w) => w.id !== shopWorkspaceId)?.id ?? (await engine.workspaces.create('embedded')).id;
    workspace = await engine.workspaces.get(workspaceId);
  } catch (error) {
    await store.close();
    release();
    throw error;
  }
  const { dataDir: _dataDir, workspaceId: _workspaceId, decisionSampleRate: _rate, ...clientOptions } = options;
  const client = new AttuneClient({ ...clientOptions, transport: inProcessTransport(engine, workspace) });
  return {
    client, engine, workspaceId,
    async close() {
      await client.close();
      await engine.decisions.flushRecords();
      await engine.personalizer.flushEvents();
      await engine.qualityCounters.flush();
      try {
        await store.close();
      } finally {
        release();
      }
    },
  };
}
