import { join } from 'node:path';
import type { AttuneConfig } from '../config/config.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { FeatureDefinitionError } from '../core/features/compileFeatures.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { SegmentDefinitionError } from '../core/segments/compileSegments.js';
import { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { rebuildWorkspace, type RebuildSummary } from '../knowledge/rebuild.js';
import type { Workspace } from '../store/ports.js';
import { lockDatabaseExclusively } from '../store/sqlite/exclusiveLock.js';
import { databaseFile, openStore } from './openStore.js';
import { progressBar } from './progressBar.js';
import { systemClock } from './systemClock.js';

export interface RebuildCommandOptions {
  /** One workspace; all of them when absent. */
  readonly workspace?: string;
  readonly json: boolean;
}

const seconds = (millis: number) => Math.round(millis) / 1000;

async function modelOf(models: KnowledgeModels, workspace: Workspace): Promise<KnowledgeModel> {
  try {
    return await models.get(workspace.id);
  } catch (error) {
    if (error instanceof FeatureDefinitionError || error instanceof SegmentDefinitionError) {
      throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the definitions of workspace ${workspace.id} do not compile: ${error.message}`, cause: error });
    }
    throw error;
  }
}

/**
 * `attune rebuild`: recomputes every workspace's (or one workspace's) derived state from its
 * event log. It holds the database file exclusively, so it refuses to start while a server
 * or an import has the file open, and a server cannot open it until the rebuild ends.
 */
export async function rebuildCommand(config: AttuneConfig, options: RebuildCommandOptions): Promise<number> {
  // Rebuilding every workspace replaces the whole derived state: it need not (and, when the
  // state is ahead of the log, could not) be recovered first.
  // Inline: the exclusive lock below is refused while another connection (a storage thread's) has the file open.
  const store = openStore(config, 'rebuild', undefined, { rebuildsEverything: options.workspace === undefined, writer: 'inline' });
  try {
    lockDatabaseExclusively(store.db, join(config.dataDir, databaseFile));
    let workspaces: readonly Workspace[];
    if (options.workspace === undefined) workspaces = await store.workspaces.listWorkspaces();
    else {
      const one = await store.workspaces.getWorkspace(options.workspace);
      if (one === undefined) throw new AttuneError('ATTUNE_WORKSPACE_NOT_FOUND', { detail: `no workspace "${options.workspace}"`, field: '--workspace' });
      workspaces = [one];
    }
    const models = new KnowledgeModels(store.knowledgeConfig, systemClock, { experiments: store.experiments });
    // Compile every model first: a workspace whose definitions fail stops the command before any reset.
    const plans = [];
    for (const workspace of workspaces) plans.push({ workspace, model: await modelOf(models, workspace) });

    const summaries: RebuildSummary[] = [];
    for (const { workspace, model } of plans) {
      const bar = progressBar(process.stderr, `rebuild ${workspace.id}`, 'events');
      const summary = await rebuildWorkspace(store, workspace, model, {
        onProgress: ({ done, total }) => bar.update({ bytes: done, totalBytes: total, rows: done }),
      });
      // The data-quality volume is a tally of the log too (the other quality counters are not: the log lacks what they count).
      await store.quality.recountVolume(workspace.id);
      bar.finish();
      summaries.push(summary);
      if (!options.json) {
        process.stdout.write(`${workspace.id} (${workspace.name}): ${summary.events.toLocaleString('en')} events replayed, `
          + `${summary.profiles.toLocaleString('en')} profiles, ${summary.merges.toLocaleString('en')} merges in ${seconds(summary.millis)} s\n`);
      }
    }
    const totals = {
      events: summaries.reduce((n, s) => n + s.events, 0),
      profiles: summaries.reduce((n, s) => n + s.profiles, 0),
      merges: summaries.reduce((n, s) => n + s.merges, 0),
      seconds: seconds(summaries.reduce((n, s) => n + s.millis, 0)),
    };
    if (options.json) {
      const list = summaries.map((s) => ({ workspace: s.workspaceId, events: s.events, profiles: s.profiles, merges: s.merges, seconds: seconds(s.millis) }));
      process.stdout.write(`${JSON.stringify({ workspaces: list, ...totals })}\n`);
    } else if (summaries.length === 0) {
      process.stdout.write('There is no workspace to rebuild.\n');
    } else if (summaries.length > 1) {
      process.stdout.write(`${summaries.length} workspaces: ${totals.events.toLocaleString('en')} events replayed, `
        + `${totals.profiles.toLocaleString('en')} profiles, ${totals.merges.toLocaleString('en')} merges in ${totals.seconds} s\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
