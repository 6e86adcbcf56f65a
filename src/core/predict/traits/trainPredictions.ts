import type { Random } from '../../common/random.js';
import type { Order } from '../orders/Order.js';
import { evaluateSplit, splitInput } from '../propensity/evaluatePropensity.js';
import { fitPropensity, scorePropensity, type PropensityInput } from '../propensity/propensityModel.js';
import { timeSplitLabels } from '../propensity/timeSplitLabels.js';
import { utcDayOf, ordersOfSummary, rfmOf, type PurchaseSummary } from '../purchases/PurchaseSummary.js';
import { hasInputs, inputMatrix, resolveInputColumns, withLogCompanions, type ChosenInputs, type ProfileInputValues } from '../inputs/ProfileInputs.js';
import type { ClusterMethod, LifetimeValuePrediction, PredictionModel, PropensityPrediction } from './PredictionModel.js';
import { trainClusters } from './trainClusters.js';
import { fitBgNbd } from '../clv/fitBgNbd.js';
import { fitGammaGamma } from '../clv/fitGammaGamma.js';

export interface TrainPredictionsOptions {
  readonly version: number;
  readonly now: number;
  /** The propensity horizon ("buys within N days"); default 90. */
  readonly horizonDays?: number;
  /** Splits customers for the held-out metrics. */
  readonly random: Random;
  /** Fewer customers than this (at the cut-off) and the propensity model is not fitted; default 50. */
  readonly minCustomers?: number;
  /** Customer segments found by k-means; default 4 (2 to 12). Ignored with `clusterMethod`. */
  readonly clusters?: number;
  /** k-means with k clusters (default) or a self-organizing map whose units are the segments. */
  readonly clusterMethod?: ClusterMethod;
  /**
   * Profile features and traits to learn from beside the purchase history, with each
   * profile's values at the propensity cut-off (`propensityCutoff`), rebuilt from the log
   * (PointInTimeInputs): the propensity model learns from the inputs as they were then, and
   * scores with today's (`TrainingProfile.inputs`).
   */
  readonly inputs?: { readonly chosen: ChosenInputs; readonly atCutoff: (profileId: string) => ProfileInputValues | undefined };
  /** The model in force, for the clusters' stability; null for the first version. */
  readonly previous?: PredictionModel | null;
}

/** One profile's input to training: its purchase summary (absent: never bought) and its chosen inputs today. */
export interface TrainingProfile {
  readonly id: string;
  readonly purchases?: PurchaseSummary;
  readonly inputs?: ProfileInputValues;
}

/** The last moment (ms) whose events the propensity inputs may see: the end of the cut-off day, `horizonDays` before today. */
export function propensityCutoff(now: number, horizonDays: number): number {
  return (utcDayOf(now) - horizonDays + 1) * 86_400_000 - 1;
}

const QUANTILES = 1000;

/**
 * Fits a workspace's prediction model from its profiles' purchase summaries. Propensity: the
 * label is a purchase in the last `horizonDays` (before `now`), the features are as of the day
 * before that window (timeSplitLabels), so the model learns exactly what it will be asked today:
 * given a history up to now, a purchase within the next `horizonDays`. It is judged on a held-out
 * half first, then refitted on everyone.
 *
 * @example trainPredictions(profiles, { version: 1, now: Date.now(), random: seededRandom(1) })
 */
export function trainPredictions(profiles: readonly TrainingProfile[], options: TrainPredictionsOptions): PredictionModel {
  const horizonDays = options.horizonDays ?? 90;
  const notes: string[] = [];
  const customers = profiles.filter((p): p is TrainingProfile & { purchases: PurchaseSummary } => p.purchases !== undefined);
  const orders: Order[] = customers.flatMap((p) => ordersOfSummary(p.purchases, p.id));
  const current = new Map(profiles.map((p) => [p.id, p.inputs]));
  const propensity = trainPropensity(orders, utcDayOf(options.now), horizonDays, options, current, notes);
  const lifetimeValue = trainLifetimeValue(customers, options, notes);
  const chosen = hasInputs(options.inputs?.chosen) ? options.inputs!.chosen : undefined;
  const clusterMethod: ClusterMethod = options.clusterMethod ?? { kind: 'kmeans', k: options.clusters ?? 4 };
  const clusters = trainClusters(profiles, {
    now: options.now, random: options.random, minCustomers: options.minCustomers ?? 50, previous: options.previous ?? null,
    method: clusterMethod,
    ...(chosen === undefined ? {} : { chosen }),
  }, notes);
  return {
    version: options.version,
    trainedAt: options.now,
    customers: customers.length,
    settings: { horizonDays, clusterMethod },
    ...(chosen === undefined ? {} : { inputs: chosen }),
    ...(propensity === undefined ? {} : { propensity }),
    ...(lifetimeValue === undefined ? {} : { lifetimeValue }),
    ...(clusters === undefined ? {} : { clusters }),
    notes,
  };
}

function trainPropensity(
  orders: readonly Order[], today: number, horizonDays: number, options: TrainPredictionsOptions,
  current: ReadonlyMap<string, ProfileInputValues | undefined>, notes: string[],
): PropensityPrediction | undefined {
  const cutoffDay = today - horizonDays;
  const split = timeSplitLabels(orders, { cutoffDay, horizonDays });
  const positives = split.labels.reduce((sum, y) => sum + y, 0);
  const minCustomers = options.minCustomers ?? 50;
  if (split.customers.length < minCustomers) {
    notes.push(`propensity: ${split.customers.length} customers bought before the cut-off (${horizonDays} days ago); at least ${minCustomers} are needed`);
    return undefined;
  }
  if (positives === 0 || positives === split.customers.length) {
    notes.push(`propensity: ${positives === 0 ? 'none' : 'all'} of ${split.customers.length} customers bought in the last ${horizonDays} days; a model needs both`);
    return undefined;
  }
  const chosen = options.inputs?.chosen;
  const atCutoff = split.customers.map((id) => options.inputs?.atCutoff(id));
  const inputs = hasInputs(chosen) ? withLogCompanions(resolveInputColumns(chosen, atCutoff.map((v) => v ?? { features: {}, traits: {} }), notes), atCutoff) : [];
  const extra = (values: readonly (ProfileInputValues | undefined)[]): PropensityInput | undefined => (inputs.length === 0 ? undefined : inputMatrix(inputs, values));
  // λ chosen by cross-validation: a workspace may have a few hundred customers or a million.
  const evaluation = evaluateSplit(split, { random: options.random, l2: 'cv' }, extra(atCutoff));
  // The penalty the evaluation chose on the training half, scaled to every customer's row.
  // The model family the evaluation chose on the training half's out-of-fold scores (trees pick their own count again on all rows).
  const refitted = fitPropensity(splitInput(split, extra(atCutoff)), split.labels, {
    l2: (evaluation.model.logistic.l2 * split.labels.length) / evaluation.trainCustomers,
    ...(evaluation.model.trees === undefined ? {} : { trees: { random: options.random } }),
  });
  // The calibration map fitted on the training half's out-of-fold scores, the one the held-out metrics judged.
  const calibration = evaluation.model.calibration;
  const model = calibration === undefined ? refitted : { ...refitted, calibration };
  // Percentiles are of today's scores (features and inputs as of today), the population the model ranks.
  const now = timeSplitLabels(orders, { cutoffDay: today, horizonDays: 1 });
  const scores = scorePropensity(model, splitInput(now, extra(now.customers.map((id) => current.get(id)))), { top: 0 })
    .map((s) => s.propensity)
    .sort((a, b) => a - b);
  return {
    horizonDays,
    model,
    heldOut: {
      logistic: evaluation.logistic, rfm: evaluation.rfm, customers: evaluation.testCustomers,
      ...(evaluation.calibration === undefined ? {} : { calibration: evaluation.calibration }),
      ...(evaluation.modelChoice === undefined ? {} : { modelChoice: evaluation.modelChoice }),
    },
    scoreQuantiles: quantiles(scores, QUANTILES),
    ...(inputs.length === 0 ? {} : { inputs }),
  };
}

/**
 * BG/NBD on every customer's (frequency, recency, T) as of now, Gamma-Gamma on the repeat
 * buyers' mean repeat spend (lifetimes' conventions, `core/predict/clv`).
 */
function trainLifetimeValue(profiles: readonly { readonly purchases: PurchaseSummary }[], options: TrainPredictionsOptions, notes: string[]): LifetimeValuePrediction | undefined {
  const minCustomers = options.minCustomers ?? 50;
  const rfm = profiles.map((p) => rfmOf(p.purchases, options.now)!).filter((h) => h.T > 0);
  const repeat = rfm.filter((h) => h.frequency > 0);
  if (rfm.length < minCustomers || repeat.length === 0) {
    notes.push(`lifetime value: ${rfm.length} customers older than a day, ${repeat.length} of them repeat buyers; at least ${minCustomers} customers and one repeat buyer are needed`);
    return undefined;
  }
  const bgNbd = fitBgNbd(rfm.map((h) => ({ frequency: h.frequency, recency: h.recency, T: h.T })));
  if (!bgNbd.converged) notes.push('lifetime value: the BG/NBD fit stopped before converging; its figures are rough');
  const spenders = repeat.filter((h) => h.monetary !== null && h.monetary > 0).map((h) => ({ frequency: h.frequency, monetaryValue: h.monetary! }));
  const gammaGamma = spenders.length >= Math.min(minCustomers, 20) ? fitGammaGamma(spenders) : undefined;
  if (gammaGamma === undefined) notes.push(`lifetime value: ${spenders.length} repeat buyers with spend could not fit the spend model; clv_12m is null`);
  return { bgNbd, ...(gammaGamma === undefined ? {} : { gammaGamma }), monthlyDiscountRate: 0.01 };
}

/** Up to `count` + 1 evenly spaced order statistics of ascending values (all of them when fewer). */
function quantiles(sorted: readonly number[], count: number): number[] {
  if (sorted.length <= count + 1) return [...sorted];
  return Array.from({ length: count + 1 }, (_v, i) => sorted[Math.round((i * (sorted.length - 1)) / count)]!);
}
