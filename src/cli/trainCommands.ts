import type { Command } from 'commander';
import { Option } from 'commander';
import type { AttuneConfig } from '../config/config.js';
import { seededRandom } from '../core/common/random.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { createEngine, type Engine } from '../engine/createEngine.js';
import type { Workspace } from '../store/ports.js';
import type { TrainingSummary } from '../recommend/RecommenderModels.js';
import type { PredictionModelView } from '../predict/PredictionService.js';
import { numberOption } from './numberOption.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { openStore } from './openStore.js';
import { progressBar } from './progressBar.js';
import { systemClock, uuidIds } from './systemClock.js';

export interface TrainRecommendOptions {
  readonly workspace?: string;
  readonly kind?: 'auto' | 'ease-norm' | 'item-knn';
  readonly activate: boolean;
  readonly json: boolean;
}

const megabytes = (bytes: number) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

function printSummary(summary: TrainingSummary, workspace: { id: string; name: string }): void {
  const out = process.stdout;
  out.write(`Recommender model version ${summary.version} (${summary.kind}) of workspace ${workspace.id} (${workspace.name})${summary.active ? ', active' : ', not activated'}\n`);
  if (summary.notice !== null) out.write(`  note: ${summary.notice}\n`);
  out.write(`  ${summary.items.toLocaleString('en')} items, ${summary.users.toLocaleString('en')} users, ${summary.interactions.toLocaleString('en')} interactions from ${summary.events.toLocaleString('en')} events (log up to ${summary.trainedFromSeq})\n`);
  const k = summary.k;
  out.write(summary.judgedUsers === 0
    ? '  holdout: no user has two items or more, not judged\n'
    : `  holdout (leave-last-out, ${summary.judgedUsers.toLocaleString('en')} users): nDCG@${k} ${summary.ndcg.toFixed(3)}, HR@${k} ${summary.hitRate.toFixed(3)}; popularity nDCG@${k} ${summary.popularNdcg.toFixed(3)}, HR@${k} ${summary.popularHitRate.toFixed(3)}\n`);
  out.write(`  ${summary.seconds.toFixed(1)} s, model ${megabytes(summary.modelBytes)} in memory, ${megabytes(summary.payloadBytes)} stored\n`);
}

/**
 * `attune train recommend`: trains the workspace's collaborative model from its event log
 * and makes it the active version, with a progress bar on a terminal. It takes the data
 * folder, so it refuses (ATTUNE_DATA_FOLDER_IN_USE) while a server runs on it: ask that
 * server instead (`POST /admin/v1/recommenders/train`), which swaps the model in without a restart.
 */
export async function trainRecommendCommand(config: AttuneConfig, options: TrainRecommendOptions): Promise<number> {
  return trainWith(config, 'train recommend', options, async (engine, workspace) => {
    const bar = progressBar(process.stderr, 'training', 'events read');
    const summary = await engine.recommenders.train(workspace.id, {
      ...(options.kind === undefined ? {} : { kind: options.kind }),
      activate: options.activate,
      onProgress: (p) => bar.update({ bytes: p.fraction, totalBytes: 1, rows: p.eventsRead }),
    });
    bar.finish();
    return { result: summary, print: () => printSummary(summary, workspace) };
  });
}

/**
 * The frame of a training command: the data folder taken, the workspace chosen, an engine over
 * the store, the result printed as JSON or as text, the store closed whatever happens.
 */
async function trainWith<T extends object>(
  config: AttuneConfig, command: string, options: { readonly workspace?: string; readonly json: boolean },
  train: (engine: Engine, workspace: Workspace) => Promise<{ result: T; print: () => void }>,
): Promise<number> {
  const store = openStore(config, command);
  try {
    const workspace = await chooseWorkspace(store.workspaces, options.workspace);
    const engine = createEngine({ store, clock: systemClock, ids: uuidIds, random: seededRandom(0), decisionSampleRate: 0 });
    const { result, print } = await train(engine, workspace);
    if (options.json) process.stdout.write(`${JSON.stringify({ workspace: { id: workspace.id, name: workspace.name }, ...result })}\n`);
    else print();
    return 0;
  } finally {
    await store.close();
  }
}

export interface TrainPredictOptions {
  readonly workspace?: string;
  readonly horizonDays: number;
  readonly json: boolean;
  readonly clusters?: number;
  readonly som?: { readonly rows: number; readonly cols: number; readonly topology: 'rectangular' | 'hexagonal' };
  readonly features?: readonly string[];
  readonly traits?: readonly string[];
  readonly seed?: number;
}

function printPredictions(model: PredictionModelView, workspace: { id: string; name: string }): void {
  const out = process.stdout;
  out.write(`Prediction model version ${model.version} of workspace ${workspace.id} (${workspace.name}), in force for predictions.* in rules\n`);
  out.write(`  ${model.customers.toLocaleString('en')} customers with purchases among ${(model.profilesRead ?? 0).toLocaleString('en')} profiles\n`);
  const p = model.propensity;
  if (p !== null) {
    const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
    out.write(`  purchase within ${p.horizonDays} days${p.modelChoice === null ? '' : ` (${p.modelChoice.model === 'trees' ? 'boosted trees' : 'logistic regression'})`}, held out (${p.heldOutCustomers.toLocaleString('en')} customers): AUC ${f(p.model.auc)} (RFM baseline ${f(p.rfmBaseline.auc)}), Brier ${f(p.model.brier)}, ECE ${f(p.model.ece)}${p.calibration === null ? '' : ` (calibration: ${p.calibration.method}; ECE ${f(p.calibration.uncalibrated.ece)} without it)`}\n`);
  }
  const l = model.lifetimeValue;
  if (l !== null) {
    out.write(`  BG/NBD r ${l.bgNbd.r.toFixed(4)}, alpha ${l.bgNbd.alpha.toFixed(4)}, a ${l.bgNbd.a.toFixed(4)}, b ${l.bgNbd.b.toFixed(4)}${l.bgNbd.converged ? '' : ' (not converged)'}`);
    out.write(l.gammaGamma === null ? '; no spend model\n' : `; Gamma-Gamma p ${l.gammaGamma.p.toFixed(4)}, q ${l.gammaGamma.q.toFixed(4)}, v ${l.gammaGamma.v.toFixed(4)}\n`);
  }
  if (model.inputs !== null) out.write(`  inputs beside purchases: ${[...model.inputs.features.map((f) => `features.${f}`), ...model.inputs.traits.map((t) => `traits.${t}`)].join(', ')}\n`);
  const c = model.clusters;
  if (c !== null) {
    const how = c.som === null ? `k-means, k = ${c.k}` : `a ${c.som.rows}×${c.som.cols} ${c.som.topology} map (quantization error ${c.som.quantizationError.toFixed(3)}, topographic error ${c.som.topographicError.toFixed(3)})`;
    out.write(`  segments (predictions.cluster) by ${how} over ${c.population}:\n`);
    for (const segment of c.segments) if (segment.size > 0) out.write(`    ${segment.cluster}: ${segment.summary}\n`);
  }
  for (const note of model.notes) out.write(`  note: ${note}\n`);
}

/**
 * `attune train predict`: fits the workspace's prediction model (purchase propensity, churn
 * risk, lifetime value) from its profiles and puts it in force. Like `train recommend` it takes
 * the data folder; a running server trains through `POST /admin/v1/predictions/train`.
 */
export async function trainPredictCommand(config: AttuneConfig, options: TrainPredictOptions): Promise<number> {
  return trainWith(config, 'train predict', options, async (engine, workspace) => {
    const bar = progressBar(process.stderr, 'reading profiles', 'profiles');
    // The number of profiles is not known ahead: the bar fills when the reading is done.
    let read = 0;
    const { workspace: _workspace, json: _json, ...request } = options;
    const model = await engine.predictions.train(workspace.id, { ...request, onProgress: (n) => bar.update({ bytes: 0, totalBytes: 1, rows: (read = n) }) });
    bar.update({ bytes: 1, totalBytes: 1, rows: read });
    bar.finish();
    return { result: model, print: () => printPredictions(model, workspace) };
  });
}

/** Adds `attune train recommend` and `attune train predict` (the `train` group; later trainers join it here). */
export function registerTrainCommands(program: Command, configFrom: (options: { data?: string }) => AttuneConfig, dataOption: () => Option): void {
  const train = program.command('train').description('train models from the event log into versioned models the server serves');
  train.command('recommend')
    .description('train the collaborative recommender (EASE up to 20,000 items, item-kNN above) from the workspace\'s item events, '
      + 'judge it on a leave-last-out holdout beside popularity, store it as a new version and activate it. Stop the server first, or use its POST /admin/v1/recommenders/train')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .addOption(new Option('--kind <kind>', 'the model').choices(['auto', 'ease-norm', 'item-knn']).default('auto'))
    .option('--no-activate', 'store the version without serving it (activate it later through the admin API)')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { data?: string; workspace?: string; kind: 'auto' | 'ease-norm' | 'item-knn'; activate: boolean; json?: boolean }) => {
      process.exitCode = await trainRecommendCommand(configFrom(options), {
        ...(options.workspace === undefined ? {} : { workspace: options.workspace }),
        kind: options.kind, activate: options.activate, json: options.json === true,
      });
    });
  train.command('predict')
    .description('fit the prediction model (purchase propensity and churn risk with held-out metrics, BG/NBD and Gamma-Gamma lifetime value) from the workspace\'s profiles '
      + 'and put it in force for predictions.* in rules. Stop the server first, or use its POST /admin/v1/predictions/train')
    .addOption(dataOption())
    .option('--workspace <id>', 'the workspace (needed when there are several)')
    .option('--horizon-days <n>', 'the propensity horizon: a purchase within this many days (1 to 365)', '90')
    .option('--clusters <k>', 'customer segments to find by k-means (2 to 12; default 4)')
    .option('--som <ROWSxCOLS>', 'find the segments as the units of a self-organizing map instead (each side 1 to 10), e.g. 3x3')
    .option('--hexagonal', 'with --som: a hexagonal grid (default rectangular)')
    .option('--features <names>', 'comma-separated workspace features to learn from beside the purchase history')
    .option('--traits <names>', 'comma-separated traits to learn from (numbers as numbers, text as categories)')
    .option('--seed <n>', 'seeds the held-out split and the clustering (default: the version)')
    .option('--json', 'print the model\'s figures as JSON')
    .action(async (options: { data?: string; workspace?: string; horizonDays: string; clusters?: string; som?: string; hexagonal?: boolean; features?: string; traits?: string; seed?: string; json?: boolean }) => {
      if (options.hexagonal === true && options.som === undefined) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: '--hexagonal shapes the map of --som; give --som too', field: '--hexagonal' });
      const list = (text: string | undefined) => (text === undefined ? {} : text.split(',').map((name) => name.trim()).filter((name) => name.length > 0));
      const features = list(options.features);
      const traits = list(options.traits);
      process.exitCode = await trainPredictCommand(configFrom(options), {
        ...(options.workspace === undefined ? {} : { workspace: options.workspace }),
        horizonDays: numberOption('--horizon-days', options.horizonDays, 1, 365, true), json: options.json === true,
        ...(options.clusters === undefined ? {} : { clusters: numberOption('--clusters', options.clusters, 2, 12, true) }),
        ...(options.som === undefined ? {} : { som: { ...somGrid(options.som), topology: options.hexagonal === true ? 'hexagonal' : 'rectangular' } }),
        ...(Array.isArray(features) ? { features } : {}),
        ...(Array.isArray(traits) ? { traits } : {}),
        ...(options.seed === undefined ? {} : { seed: numberOption('--seed', options.seed, 0, Number.MAX_SAFE_INTEGER, true) }),
      });
    });
}

/** `--som 3x4` as rows and columns; anything else is a usage error that names the flag. */
function somGrid(text: string): { rows: number; cols: number } {
  const match = /^(\d+)x(\d+)$/i.exec(text.trim());
  if (match === null) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `--som takes ROWSxCOLS, e.g. 3x3; got "${text}"`, field: '--som' });
  return { rows: numberOption('--som rows', match[1]!, 1, 10, true), cols: numberOption('--som cols', match[2]!, 1, 10, true) };
}
