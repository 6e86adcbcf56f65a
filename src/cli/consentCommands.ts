import type { AttuneConfig } from '../config/config.js';
import { seededRandom } from '../core/common/random.js';
import type { ConsentSettingsChange } from '../core/consent/ConsentSettingsChange.js';
import { createEngine } from '../engine/createEngine.js';
import type { ConsentSettingsView, ConsentSettingsUpdate } from '../knowledge/KnowledgeAdmin.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { openStore } from './openStore.js';
import { systemClock, uuidIds } from './systemClock.js';

export interface ConsentSetOptions {
  /** Purposes refused until the person grants them. */
  readonly optIn: readonly string[];
  /** Purposes granted until the person refuses them (the built-in default of every standard purpose). */
  readonly optOut: readonly string[];
}

function printView(workspaceId: string, view: ConsentSettingsView | ConsentSettingsUpdate): void {
  const defaults = Object.entries(view.resolved.defaults).map(([purpose, granted]) => `${purpose} ${granted ? 'opt-out (granted until refused)' : 'opt-in (refused until granted)'}`);
  process.stdout.write(`Consent defaults of ${workspaceId}${view.settings === null ? ' (built-in)' : ''}:\n`);
  for (const line of defaults) process.stdout.write(`  ${line}\n`);
  process.stdout.write(`  other purposes: ${view.resolved.defaultGranted ? 'granted' : 'refused'} until the person decides\n`);
  if ('evaluation' in view && view.evaluation !== null) {
    process.stdout.write(`${view.evaluation.profiles} profiles evaluated: ${view.evaluation.entered} segment entries, ${view.evaluation.left} exits\n`);
  }
}

/**
 * `attune consent show|set`: the workspace's consent defaults through the engine's
 * KnowledgeAdmin, as behind `GET`/`PUT /admin/v1/consent` (docs/consent.md). `set` replaces the
 * settings: the purposes named are opt-in or opt-out, the others and the category map built in.
 */
export async function consentCommand(config: AttuneConfig, action: 'show' | 'set', options: { workspace?: string; json: boolean } & Partial<ConsentSetOptions>): Promise<void> {
  const store = openStore(config, `consent ${action}`);
  try {
    const engine = createEngine({ store, clock: systemClock, ids: uuidIds, random: seededRandom(0), decisionSampleRate: 0 });
    const workspace = await chooseWorkspace(store.workspaces, options.workspace);
    let view: ConsentSettingsView | ConsentSettingsUpdate;
    if (action === 'show') view = await engine.knowledgeAdmin.consentSettings(workspace.id);
    else {
      const defaults: Record<string, boolean> = {};
      for (const purpose of options.optOut ?? []) defaults[purpose] = true;
      for (const purpose of options.optIn ?? []) defaults[purpose] = false;
      const change: ConsentSettingsChange = { defaults };
      view = await engine.knowledgeAdmin.setConsentSettings(workspace.id, change);
    }
    if (options.json) process.stdout.write(`${JSON.stringify({ workspace: workspace.id, ...view })}\n`);
    else printView(workspace.id, view);
  } finally {
    await store.close();
  }
}
