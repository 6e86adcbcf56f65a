import type { AttuneConfig } from '../config/config.js';
import { seededRandom } from '../core/common/random.js';
import { createEngine, type Engine } from '../engine/createEngine.js';
import type { Workspace } from '../store/ports.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { openStore } from './openStore.js';
import { systemClock, uuidIds } from './systemClock.js';

/**
 * Opens the data folder for `command` (it holds the folder: see openStore), picks the
 * workspace, runs `work` with an engine over the store, closes the store. Exit code 0.
 */
export async function withEngine(config: AttuneConfig, command: string, workspaceId: string | undefined, work: (engine: Engine, workspace: Workspace) => Promise<void>): Promise<number> {
  const store = openStore(config, command);
  try {
    const workspace = await chooseWorkspace(store.workspaces, workspaceId);
    const engine = createEngine({ store, clock: systemClock, ids: uuidIds, random: seededRandom(0), decisionSampleRate: 0 });
    await work(engine, workspace);
    return 0;
  } finally {
    await store.close();
  }
}
