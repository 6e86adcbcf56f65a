import { readFileSync, statSync } from 'node:fs';
import type { AttuneConfig } from '../config/config.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { seededRandom } from '../core/common/random.js';
import { createEngine } from '../engine/createEngine.js';
import type { DefinitionsLoad } from '../knowledge/KnowledgeAdmin.js';
import { DefinitionsFileError, parseDefinitionsFile, type DefinitionKind } from '../knowledge/definitionsFile.js';
import type { DefinitionChange } from '../store/ports.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { openStore } from './openStore.js';
import { systemClock, uuidIds } from './systemClock.js';

export interface LoadDefinitionsOptions {
  readonly workspace?: string;
  /** Delete the stored definitions of this kind that the file does not hold. */
  readonly replace: boolean;
  readonly json: boolean;
}

/** Definition files are small; a bigger file is a mistake (an event export, say). */
const maxFileBytes = 10 * 1024 * 1024;

function readDefinitionsText(file: string): string {
  try {
    const stats = statSync(file);
    if (!stats.isFile()) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${file} is not a file`, field: '<file>' });
    if (stats.size > maxFileBytes) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${file} is larger than 10 MB`, field: '<file>' });
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof AttuneError) throw error;
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, field: '<file>' });
  }
}

/**
 * `attune features load FILE` and `attune segments load FILE`: the engine's KnowledgeAdmin,
 * as behind the admin API, checks every definition and the workspace's resulting
 * configuration, saves them in one commit, then brings the profiles in line (a changed
 * feature restarts from now; new and changed segments are evaluated for every profile).
 * Loading does not backfill: features count events collected from then on, until
 * `attune rebuild` replays the log.
 */
export async function loadDefinitionsCommand(config: AttuneConfig, kind: DefinitionKind, file: string, options: LoadDefinitionsOptions): Promise<number> {
  const text = readDefinitionsText(file);
  const store = openStore(config, `${kind} load`);
  try {
    const engine = createEngine({ store, clock: systemClock, ids: uuidIds, random: seededRandom(0), decisionSampleRate: 0 });
    const workspace = await chooseWorkspace(store.workspaces, options.workspace);
    let ignored: number;
    let load: DefinitionsLoad;
    try {
      const loaded = kind === 'features' ? parseDefinitionsFile(text, file, 'features') : parseDefinitionsFile(text, file, 'segments');
      ignored = loaded.ignored;
      load = await engine.knowledgeAdmin.loadDefinitions(workspace.id, loaded, options.replace);
    } catch (error) {
      if (error instanceof DefinitionsFileError) {
        const count = error.problems.length;
        const intro = `${file}: ${count} ${count === 1 ? 'fault' : 'faults'}; nothing was saved\n`;
        throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${intro}${error.message}`, field: '<file>', cause: error });
      }
      throw error;
    }
    const { result, resetFeatures, evaluation } = load;
    const outcomes: Readonly<Record<string, DefinitionChange>> = kind === 'features' ? result.features : result.segments;
    const count = (change: DefinitionChange) => Object.values(outcomes).filter((c) => c === change).length;
    const changed = count('created') + count('updated') + count('deleted') > 0;

    if (options.json) {
      process.stdout.write(`${JSON.stringify({
        workspace: workspace.id, kind, [kind]: outcomes,
        created: count('created'), updated: count('updated'), unchanged: count('unchanged'), deleted: count('deleted'),
        reset: resetFeatures, evaluation,
      })}\n`);
      return 0;
    }
    process.stdout.write(`${kind} of ${workspace.id}: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged, ${count('deleted')} deleted\n`);
    for (const [name, change] of Object.entries(outcomes)) if (change !== 'unchanged') process.stdout.write(`  ${change.padEnd(8)} ${name}\n`);
    if (resetFeatures.length > 0) process.stdout.write(`Cleared on every profile (the definition changed): ${resetFeatures.join(', ')}\n`);
    if (evaluation !== null) process.stdout.write(`${evaluation.profiles} profiles evaluated: ${evaluation.entered} segment entries, ${evaluation.left} exits\n`);
    if (ignored > 0) {
      const other = kind === 'features' ? 'segments' : 'features';
      const noun = ignored === 1 ? other.slice(0, -1) : other;
      process.stdout.write(`The file also holds ${ignored} ${noun}, not loaded here: run attune ${other} load ${file}\n`);
    }
    if (changed) {
      process.stdout.write('Definitions apply to events collected from now on; to compute them over the events already stored,\n'
        + 'stop the server and run: attune rebuild' + (options.workspace === undefined ? '' : ` --workspace ${workspace.id}`) + '\n');
    }
    return 0;
  } finally {
    await store.close();
  }
}
