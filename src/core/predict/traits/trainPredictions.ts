import type { Random } from '../../common/random.js';
import type { Order } from '../orders/Order.js';
import { evaluatePropensity } from '../propensity/evaluatePropensity.js';
import { fitPropensity, scorePropensity } from '../propensity/propensityModel.js';
import { timeSplitLabels } from '../propensity/timeSplitLabels.js';
import { dayOf, ordersOfSummary, type PurchaseSummary } from '../purchases/PurchaseSummary.js';
import type { PredictionModel, PropensityPrediction } from './PredictionModel.js';

export interface TrainPredictionsOptions {
  readonly version: number;
  readonly now: number;
  /** The propensity horizon ("buys within N days"); default 90. */
  readonly horizonDays?: number;
  /** Splits customers for the held-out metrics. */
  readonly random: Random;
  /** Fewer customers than this (at the cut-off) and the propensity model is not fitted; default 50. */
  readonly minCustomers?: number;
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
  const propensity = trainPropensity(orders, dayOf(options.now), horizonDays, options, notes);
  return {
    version: options.version,
    trainedAt: options.now,
    customers: profiles.length,
    ...(propensity === undefined ? {} : { propensity }),
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
  const evaluation = evaluatePropensity(orders, { cutoffDay, horizonDays, random: options.random });
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

/** Up to `count` + 1 evenly spaced order statistics of ascending values (all of them when fewer). */
function quantiles(sorted: readonly number[], count: number): number[] {
  if (sorted.length <= count + 1) return [...sorted];
  return Array.from({ length: count + 1 }, (_v, i) => sorted[Math.round((i * (sorted.length - 1)) / count)]!);
}
