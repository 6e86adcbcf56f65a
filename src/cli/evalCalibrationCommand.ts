import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { seededRandom } from '../core/common/random.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { PropensityReport } from '../decide/ContextualBandits.js';
import { createEngine } from '../engine/createEngine.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { openStore } from './openStore.js';
import { systemClock, uuidIds } from './systemClock.js';

interface CalibrationFlags {
  readonly data?: string;
  readonly workspace?: string;
  readonly placement: string;
  readonly json?: boolean;
}

/**
 * Adds `calibration` to the `eval` group: the calibration of a placement's learned propensities,
 * rebuilt from the data folder's decision records and interaction events as a server does on
 * start (the same report as GET /admin/v1/placements/:id/propensity). It takes the data folder,
 * so it refuses while a server runs on it: ask that server's endpoint instead.
 *
 * @example addEvalCalibrationCommand(program.command('eval'))
 */
export function addEvalCalibrationCommand(evalGroup: Command): void {
  evalGroup.command('calibration')
    .description('the calibration of a placement\'s learned propensities (expected value with propensity kind learned): reliability table, ECE, Brier and log loss per action, '
      + 'rebuilt from the recorded decisions and their interaction events')
    .option('--data <dir>', 'the data folder (env ATTUNE_DATA); stop the server first, or use its GET /admin/v1/placements/:id/propensity')
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .requiredOption('--placement <id>', 'the placement')
    .option('--json', 'print the models as the admin endpoint answers them')
    .action(async (flags: CalibrationFlags) => {
      const store = openStore(loadConfig(flags.data === undefined ? {} : { dataDir: flags.data }), 'eval calibration');
      try {
        await store.recovered;
        const workspace = await chooseWorkspace(store.workspaces, flags.workspace);
        const engine = createEngine({ store, clock: systemClock, ids: uuidIds, random: seededRandom(0), decisionSampleRate: 0 });
        const model = await engine.decisionModels.get(workspace.id);
        if (!model.placements.has(flags.placement)) {
          throw new AttuneError('ATTUNE_PLACEMENT_NOT_FOUND', { detail: `no placement has the id "${flags.placement}" in workspace ${workspace.id}`, field: '--placement' });
        }
        const reports = await engine.contextual.propensityReport(workspace.id, model, flags.placement);
        process.stdout.write(flags.json === true ? `${JSON.stringify({ placementId: flags.placement, models: reports })}\n` : formatCalibration(flags.placement, reports));
      } finally {
        await store.close();
      }
    });
}

const fixed = (x: number | null, digits = 4): string => (x === null ? '-' : x.toFixed(digits));

/** The reports as text: per model, the figures over all actions, per action, and the reliability table. */
export function formatCalibration(placementId: string, reports: readonly PropensityReport[]): string {
  if (reports.length === 0) return `placement ${placementId} has no learned propensity\n`;
  const lines: string[] = [];
  for (const r of reports) {
    const o = r.overall;
    lines.push(
      `${placementId} (${r.role}, model ${r.key}, ${r.outcome} over ${r.inputs.join(', ')})`,
      `  all actions  ${o.observations} impressions, ${o.positives} ${r.outcome}s: ECE ${fixed(o.expectedCalibrationError)}, Brier ${fixed(o.brier)}, log loss ${fixed(o.logLoss)}, observed ${fixed(o.observedRate)}, predicted ${fixed(o.meanPredicted)}`,
      ...r.actions.map((a) => `  ${a.actionId.padEnd(11)}  ${a.observations} impressions, ${a.positives} ${r.outcome}s: ECE ${fixed(a.expectedCalibrationError)}, Brier ${fixed(a.brier)}, log loss ${fixed(a.logLoss)}`),
      '  reliability (all actions): bin, impressions, mean predicted, observed rate',
      ...o.table.filter((b) => b.count > 0).map((b) => `    [${b.lower.toFixed(1)}, ${b.upper.toFixed(1)})  ${String(b.count).padStart(7)}  ${fixed(b.meanPredicted, 3)}  ${fixed(b.observedRate, 3)}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
