import type { AttuneConfig } from '../config/config.js';
import { seededRandom } from '../core/common/random.js';
import { createEngine } from '../engine/createEngine.js';
import type { RetentionReport } from '../retention/RetentionService.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { openStore } from './openStore.js';
import { systemClock, uuidIds } from './systemClock.js';

export interface RetentionPurgeOptions {
  /** One workspace; every workspace when absent. */
  readonly workspace?: string;
  readonly dryRun: boolean;
}

/**
 * `attune retention purge [--workspace <id>] [--dry-run]`: the engine's RetentionService, as
 * behind POST /admin/v1/retention/purge, for one workspace or each in turn. It takes the data
 * folder (a purge deletes log rows the engine's memory was derived from; a running server
 * purges on its own schedule), and prints one report per workspace as JSON.
 */
export async function retentionPurgeCommand(config: AttuneConfig, options: RetentionPurgeOptions): Promise<void> {
  const store = openStore(config, 'retention purge');
  try {
    await store.recovered;
    const engine = createEngine({ store, clock: systemClock, ids: uuidIds, random: seededRandom(0), decisionSampleRate: 0 });
    const workspaces = options.workspace === undefined ? await store.workspaces.listWorkspaces() : [await chooseWorkspace(store.workspaces, options.workspace)];
    const reports: RetentionReport[] = [];
    for (const workspace of workspaces) reports.push(await engine.retention.purge(workspace.id, { dryRun: options.dryRun }));
    process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  } finally {
    await store.close();
  }
}
