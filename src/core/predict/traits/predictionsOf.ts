import type { Contribution } from '../propensity/scoreLogistic.js';
import { scorePropensityRow } from '../propensity/propensityModel.js';
import { purchaseFeatureRow } from '../propensity/timeSplitLabels.js';
import { isoDateOf } from '../orders/Order.js';
import { utcDayOf, rfmOf, type PurchaseSummary } from '../purchases/PurchaseSummary.js';
import type { LifetimeValuePrediction, PredictionModel } from './PredictionModel.js';
import { categoricalInputs, numericInputs, type ProfileInputValues } from '../inputs/ProfileInputs.js';
import { clusterOf, clusterRow } from './trainClusters.js';
import { customerLifetimeValue } from '../clv/customerLifetimeValue.js';
import { expectedPurchases, probabilityAlive } from '../clv/expectedPurchases.js';

/** One profile's predictions: the `predictions.*` values rules read, and why. */
export interface ProfilePredictions {
  readonly values: Readonly<Record<string, number | null>>;
  /** Per prediction, the features that moved it most (largest |contribution| first). */
  readonly explanations: Readonly<Record<string, readonly Contribution[]>>;
}

/** Every prediction null: a workspace without a trained model (frozen, shared by every rule input). */
export const noPredictions: Readonly<Record<string, number | null>> = Object.freeze({
  purchase_propensity: null, purchase_propensity_percentile: null, churn_risk: null, model_version: null,
  clv_12m: null, expected_purchases_12m: null, p_alive: null, cluster: null,
});
const none: ProfilePredictions = { values: noPredictions, explanations: {} };

const noOptions: PredictionsOfOptions = {};

export interface PredictionsOfOptions {
  /** The profile's chosen features and traits now (a model trained with inputs reads them; missing ones count as missing). */
  readonly inputs?: ProfileInputValues;
  /** Contributions kept per explanation; default 3. */
  readonly top?: number;
  /** False when the person withheld consent to personalise (allowsPersonalization): nothing is predicted. Default true. */
  readonly personalization?: boolean;
}

/**
 * Scores one profile with the workspace's model as of `now`. Without a model, or for a profile
 * that has not bought (the propensity and value models are of customers), a value is null,
 * which no comparison in a rule matches: `predictions.churn_risk > 0.5` is false, not an
 * error. Clusters found over every profile (a model with chosen inputs) place non-buyers too.
 * Without consent to personalise (`personalization: false`) every value is null.
 *
 * @example predictionsOf(model, state.o, now, { inputs }).values.purchase_propensity
 */
export function predictionsOf(model: PredictionModel | null, purchases: PurchaseSummary | undefined, now: number, options: PredictionsOfOptions = noOptions): ProfilePredictions {
  if (model === null || options.personalization === false) return none;
  const top = options.top ?? 3;
  const values: Record<string, number | null> = { ...noPredictions, model_version: model.version };
  const explanations: Record<string, readonly Contribution[]> = {};
  const clusters = model.clusters;
  if (clusters !== undefined && (purchases !== undefined || clusters.population === 'profiles')) {
    values['cluster'] = clusterOf(clusters, clusterRow(clusters, purchases, options.inputs, utcDayOf(now)));
  }
  if (purchases === undefined) return { values, explanations };
  if (model.lifetimeValue !== undefined) Object.assign(values, lifetimeValueOf(model.lifetimeValue, purchases, now));
  if (model.propensity !== undefined) {
    const today = utcDayOf(now);
    const days: [number, number][] = [];
    purchases.d.forEach((d, i) => { if (d <= today) days.push([d, purchases.s[i] ?? 0]); });
    if (days.length > 0) {
      const columns = model.propensity.inputs;
      const firstPurchaseMonth = isoDateOf(days[0]![0]).slice(0, 7);
      // Most models read purchases only: no copies or spreads for them on this per-event path.
      const numeric = columns === undefined ? purchaseFeatureRow(days, today) : [...purchaseFeatureRow(days, today), ...numericInputs(columns, options.inputs)];
      const categorical = columns === undefined ? { firstPurchaseMonth } : { firstPurchaseMonth, ...categoricalInputs(columns, options.inputs) };
      const score = scorePropensityRow(model.propensity.model, numeric, categorical, top);
      values['purchase_propensity'] = score.propensity;
      values['purchase_propensity_percentile'] = percentileOf(model.propensity.scoreQuantiles, score.propensity);
      values['churn_risk'] = score.churnRisk;
      explanations['purchase_propensity'] = score.contributions;
      explanations['churn_risk'] = score.contributions.map((c) => ({ ...c, contribution: -c.contribution }));
    }
  }
  return { values, explanations };
}

/** BG/NBD and Gamma-Gamma for one profile: expected purchases and value over 12 months, P(alive). */
function lifetimeValueOf(model: LifetimeValuePrediction, purchases: PurchaseSummary, now: number): Record<string, number | null> {
  const rfm = rfmOf(purchases, now)!;
  const history = { frequency: rfm.frequency, recency: rfm.recency, T: rfm.T };
  const { bgNbd, gammaGamma } = model;
  return {
    expected_purchases_12m: expectedPurchases(bgNbd, history, 52),
    p_alive: probabilityAlive(bgNbd, history),
    clv_12m: gammaGamma === undefined ? null
      : customerLifetimeValue(bgNbd, gammaGamma, { ...history, monetaryValue: rfm.monetary ?? 0 }, { months: 12, monthlyDiscountRate: model.monthlyDiscountRate }),
  };
}

/** The percentile (0 to 100) of a score among the training population's quantiles (ascending): below plus half of the ties. */
export function percentileOf(quantiles: readonly number[], score: number): number {
  if (quantiles.length === 0) return 50;
  const firstAtLeast = bound(quantiles, (q) => q >= score);
  const firstAbove = bound(quantiles, (q) => q > score);
  return (100 * (firstAtLeast + (firstAbove - firstAtLeast) / 2)) / quantiles.length;
}

/** The first index whose value passes `test` (a test that, once true, stays true along the list). */
function bound(sorted: readonly number[], test: (value: number) => boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (test(sorted[mid]!)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/**
 * The `predictions` object a rule input carries: one own getter per prediction, all scored
 * together on the first read and kept. Spreading the rule input (decide adds the request
 * context that way) copies this object, not the scores, so nothing is scored until a rule
 * reads `predictions.<name>`.
 */
export function lazyPredictions(score: () => Readonly<Record<string, number | null>>): Readonly<Record<string, number | null>> {
  let values: Readonly<Record<string, number | null>> | undefined;
  const object: Record<string, number | null> = {};
  for (const name of Object.keys(none.values)) {
    Object.defineProperty(object, name, { enumerable: true, get: () => (values ??= score())[name] ?? null });
  }
  return object;
}
