import type { Random } from '../../common/random.js';
import type { Order } from '../orders/Order.js';
import { evaluateSplit } from '../propensity/evaluatePropensity.js';
import { fitPropensity, scorePropensity } from '../propensity/propensityModel.js';
import { timeSplitLabels } from '../propensity/timeSplitLabels.js';
import { utcDayOf, ordersOfSummary, rfmOf, type PurchaseSummary } from '../purchases/PurchaseSummary.js';
import type { ClusterPrediction, LifetimeValuePrediction, PredictionModel, PropensityPrediction } from './PredictionModel.js';
import { clusterOf, rfmRow } from './predictionsOf.js';
import { describeClusters } from '../cluster/describeClusters.js';
import { kmeans } from '../cluster/kmeans.js';
import { matchClusters } from '../cluster/matchClusters.js';
import type { Matrix } from '../cluster/Matrix.js';
import { standardize } from '../cluster/standardize.js';
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
  /** Customer segments found by k-means; default 4 (2 to 12). */
  readonly clusters?: number;
  /** The model in force, for the clusters' stability; null for the first version. */
  readonly previous?: PredictionModel | null;
}

/** One profile's input to training. */
export interface TrainingProfile {
  readonly id: string;
  readonly purchases: PurchaseSummary;
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
  const orders: Order[] = profiles.flatMap((p) => ordersOfSummary(p.purchases, p.id));
  const propensity = trainPropensity(orders, utcDayOf(options.now), horizonDays, options, notes);
  const lifetimeValue = trainLifetimeValue(profiles, options, notes);
  const clusters = trainClusters(profiles, options, notes);
  return {
    version: options.version,
    trainedAt: options.now,
    customers: profiles.length,
    ...(propensity === undefined ? {} : { propensity }),
    ...(lifetimeValue === undefined ? {} : { lifetimeValue }),
    ...(clusters === undefined ? {} : { clusters }),
    notes,
  };
}

function trainPropensity(orders: readonly Order[], today: number, horizonDays: number, options: TrainPredictionsOptions, notes: string[]): PropensityPrediction | undefined {
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
  const evaluation = evaluateSplit(split, { random: options.random });
  const model = fitPropensity({ numeric: split.features, categorical: { firstPurchaseMonth: split.firstPurchaseMonth } }, split.labels);
  // Percentiles are of today's scores (features as of today), the population the model ranks.
  const current = timeSplitLabels(orders, { cutoffDay: today, horizonDays: 1 });
  const scores = scorePropensity(model, { numeric: current.features, categorical: { firstPurchaseMonth: current.firstPurchaseMonth } }, { top: 0 })
    .map((s) => s.propensity)
    .sort((a, b) => a - b);
  return {
    horizonDays,
    model,
    heldOut: { logistic: evaluation.logistic, rfm: evaluation.rfm, customers: evaluation.testCustomers },
    scoreQuantiles: quantiles(scores, QUANTILES),
  };
}

/**
 * BG/NBD on every customer's (frequency, recency, T) as of now, Gamma-Gamma on the repeat
 * buyers' mean repeat spend (lifetimes' conventions, `core/predict/clv`).
 */
function trainLifetimeValue(profiles: readonly TrainingProfile[], options: TrainPredictionsOptions, notes: string[]): LifetimeValuePrediction | undefined {
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

/**
 * k-means (10 seeded restarts) on every customer's standardised log RFM as of now; each cluster
 * described, and matched with the previous version's clusters on the same customers (Hungarian
 * pairing on labels), so a segment built on `predictions.cluster == n` can be checked after a
 * retraining.
 */
function trainClusters(profiles: readonly TrainingProfile[], options: TrainPredictionsOptions, notes: string[]): ClusterPrediction | undefined {
  const k = options.clusters ?? 4;
  const today = utcDayOf(options.now);
  if (profiles.length < Math.max(options.minCustomers ?? 50, 5 * k)) {
    notes.push(`clusters: ${profiles.length} customers for ${k} clusters; at least ${Math.max(options.minCustomers ?? 50, 5 * k)} are needed`);
    return undefined;
  }
  const raw = profiles.map((p) => rfmRow(p.purchases, today));
  const matrix: Matrix = { rows: raw.length, cols: 3, data: Float64Array.from(raw.flat()) };
  const { matrix: scaled, scaling } = standardize(matrix);
  const fit = kmeans(scaled, { k, restarts: 10 }, options.random);
  const centroids = Array.from({ length: k }, (_v, j) => [...fit.centroids.data.subarray(j * 3, (j + 1) * 3)]);
  const clusters: ClusterPrediction = {
    k, features: ['log1p recency days', 'log1p purchase days', 'log1p total spend'], centroids,
    means: [...scaling.means], sds: [...scaling.sds], inertia: fit.inertia,
    descriptions: describeClusters(matrix, fit.labels, k, ['log1p recency days', 'log1p purchase days', 'log1p total spend']),
    stability: null,
  };
  const before = options.previous?.clusters;
  if (before === undefined || before.k === 0) return clusters;
  const previousLabels = Int32Array.from(raw, (row) => clusterOf(before, row));
  const match = matchClusters(
    { centroids: { rows: before.k, cols: 3, data: Float64Array.from(before.centroids.flat()) }, labels: previousLabels },
    { centroids: fit.centroids, labels: fit.labels },
  );
  return { ...clusters, stability: { previousVersion: options.previous!.version, shareKept: match.shareKept ?? 0, pairs: match.pairs.map((p) => ({ previous: p.previous, current: p.current })) } };
}

/** Up to `count` + 1 evenly spaced order statistics of ascending values (all of them when fewer). */
function quantiles(sorted: readonly number[], count: number): number[] {
  if (sorted.length <= count + 1) return [...sorted];
  return Array.from({ length: count + 1 }, (_v, i) => sorted[Math.round((i * (sorted.length - 1)) / count)]!);
}
