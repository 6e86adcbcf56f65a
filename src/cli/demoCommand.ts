import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttuneConfig } from '../config/config.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { DEMO_EXPERIMENT_ID, runDemo, type DemoResult } from '../demo/runDemo.js';
import { formatRoiReport } from './formatRoiReport.js';
import { serveCommand } from './serveCommand.js';
import { ensureCanListen } from './listenProblem.js';

export interface DemoCommandOptions {
  readonly days: number;
  readonly seed: number;
  readonly customers: number;
  readonly monthlyCost: number;
  readonly holdoutShare: number;
  readonly serve: boolean;
  readonly json: boolean;
  /** The data folder was given (else a fresh temporary one is used). */
  readonly dataGiven: boolean;
}

function fmt(value: number, digits = 2): string {
  return value.toFixed(digits);
}

function summary(result: DemoResult, options: DemoCommandOptions, ms: number): string {
  const lines = [
    `Simulated ${options.customers.toLocaleString('en-US')} customers over ${options.days} days (seed ${options.seed}): ${result.visits.toLocaleString('en-US')} visits, decided and recorded through the Node SDK in ${(ms / 1000).toFixed(1)} s.`,
    '',
    // The true uplift is the experiment's (rules against generic content), not the program's: its control is the holdout.
    ...result.report.reports.map((r) => formatRoiReport([r], { trueUplift: r.scope === DEMO_EXPERIMENT_ID ? result.trueUplift : null, color: process.stdout.isTTY === true }).trimEnd()),
    '',
    'True uplift of the rules over generic content, from the customers\' hidden tastes (every visit simulated both ways):',
    `  revenue per visitor ${fmt(result.trueUplift.revenuePerVisitor.absolute)} (${fmt(100 * (result.trueUplift.revenuePerVisitor.relative ?? 0), 1)}%), conversion ${fmt(100 * result.trueUplift.conversionRate.absolute, 2)} pp`,
    ...(result.readout.plan === null || result.readout.plan.requiredUnitsPerArm === null ? [] : [
      `Plan: detecting a ${Math.round(100 * result.readout.plan.minimumDetectableEffect)}% effect on revenue per visitor needs ${result.readout.plan.requiredUnitsPerArm} units per arm; the experiment has ${result.readout.plan.unitsPerArm}.`,
    ]),
    ...result.readout.warnings.map((w) => `Warning: ${w}`),
    ...result.checks.map((c) => `  ${c.metric}: the experiment's interval ${c.estimate === null ? 'is missing' : `[${fmt(c.estimate.lower, 4)}, ${fmt(c.estimate.upper, 4)}] ${c.covered === true ? 'covers' : 'does NOT cover'} the true ${fmt(c.truth, 4)}`}`),
    '',
    ...predictionLines(result),
  ];
  return `${lines.join('\n')}\n`;
}

/** The prediction model trained on the shop: how well it predicts, beside the RFM baseline. */
function predictionLines(result: DemoResult): string[] {
  const p = result.predictions;
  const f = (x: number | null) => (x === null ? 'n/a' : fmt(x, 3));
  return [
    `Predictions (model version ${p.version}, ${p.customers.toLocaleString('en-US')} customers; predictions.* in rules):`,
    ...(p.propensity === null ? [] : [
      `  purchase within ${p.propensity.horizonDays} days${p.propensity.modelChoice === null ? '' : ` (${p.propensity.modelChoice.model === 'trees' ? 'boosted trees' : 'logistic regression'})`}, held out: AUC ${f(p.propensity.model.auc)} (RFM baseline ${f(p.propensity.rfmBaseline.auc)}), Brier ${f(p.propensity.model.brier)}, ECE ${f(p.propensity.model.ece)}${p.propensity.calibration === null ? '' : ` (calibration: ${p.propensity.calibration.method}; ECE ${f(p.propensity.calibration.uncalibrated.ece)} without it)`}`,
    ]),
    ...(p.clusters === null ? [] : p.clusters.segments.map((s) => `  segment ${s.cluster}: ${s.summary}`)),
    ...p.notes.map((n) => `  note: ${n}`),
  ];
}

/** The JSON form: the report, the experiment's read-out, and the simulation's truth beside it. */
export function demoJson(result: DemoResult, options: DemoCommandOptions, dataDir: string): unknown {
  return {
    seed: options.seed, days: options.days, customers: options.customers, visits: result.visits, dataDir,
    workspace: { id: result.workspace.id, writeKey: result.workspace.writeKey, secretKey: result.workspace.secretKey },
    report: result.report,
    experiment: { units: result.readout.units, firstExposureAt: result.readout.firstExposureAt, analysis: result.readout.analysis, plan: result.readout.plan, warnings: result.readout.warnings },
    trueUplift: result.trueUplift,
    checks: result.checks,
    predictions: result.predictions,
  };
}

/**
 * `attune demo`: runs the simulated shop on a fresh embedded store, prints the ROI report with
 * the simulation's true uplift beside it, then (unless --no-serve) serves that store so the
 * user can explore it with the workspace's keys.
 */
export async function demoCommand(config: AttuneConfig, options: DemoCommandOptions): Promise<number> {
  let dataDir = config.dataDir;
  if (options.dataGiven && existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the demo needs a fresh store, and ${dataDir} is not empty`, field: '--data' });
  }
  // Before half a minute of simulation, and so that its keys are never printed beside another process's address.
  if (options.serve) await ensureCanListen(config.host, config.port);
  if (!options.dataGiven) dataDir = mkdtempSync(join(tmpdir(), 'attune-demo-'));
  mkdirSync(dataDir, { recursive: true });
  const started = Date.now();
  const progress = !options.json && process.stderr.isTTY === true;
  const result = await runDemo({
    dataDir, seed: options.seed, days: options.days, customers: options.customers, monthlyCost: options.monthlyCost, holdoutShare: options.holdoutShare,
    ...(progress ? { onDay: (day: number, days: number) => process.stderr.write(`\rsimulating day ${day + 1} of ${days}`) } : {}),
  });
  if (progress) process.stderr.write('\n');
  await result.store.close();
  if (options.json) process.stdout.write(`${JSON.stringify(demoJson(result, options, dataDir), null, 2)}\n`);
  else {
    process.stdout.write(summary(result, options, Date.now() - started));
    process.stdout.write(`\nThe demo's store is in ${dataDir} (workspace ${result.workspace.id}).\n`);
  }
  if (!options.serve) return 0;
  // The address it really listens on (another port when --port 0), printed once it does.
  const address = await serveCommand({ ...config, dataDir });
  if (!options.json) {
    process.stdout.write([
      `  write key:  ${result.workspace.writeKey}`,
      `  secret key: ${result.workspace.secretKey}`,
      `Explore it: curl -H "Authorization: Bearer ${result.workspace.secretKey}" ${address}/admin/v1/report`,
      '',
    ].join('\n'));
  }
  return 0;
}
