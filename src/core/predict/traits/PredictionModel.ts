import type { RuleType } from '../../rules/values.js';
import type { BgNbdFit } from '../clv/fitBgNbd.js';
import type { GammaGammaFit } from '../clv/fitGammaGamma.js';
import type { ClassificationMetrics } from '../propensity/classificationMetrics.js';
import type { PropensityModel } from '../propensity/propensityModel.js';

/** The purchase-propensity part of a workspace's prediction model. */
export interface PropensityPrediction {
  /** "Will buy within this many days". */
  readonly horizonDays: number;
  readonly model: PropensityModel;
  /** Judged on a seeded held-out half of the training customers (the model itself is refitted on all). */
  readonly heldOut: { readonly logistic: ClassificationMetrics; readonly rfm: ClassificationMetrics; readonly customers: number };
  /** The scores of all customers at training, sorted ascending (at most 1,001 quantiles): for percentiles. */
  readonly scoreQuantiles: readonly number[];
}

/** The lifetime-value part: BG/NBD for purchases and being alive, Gamma-Gamma for spend (lifetimes' models). */
export interface LifetimeValuePrediction {
  readonly bgNbd: BgNbdFit;
  /** Absent with too few repeat buyers with spend: clv_12m is then null. */
  readonly gammaGamma?: GammaGammaFit;
  readonly monthlyDiscountRate: number;
}

/**
 * A workspace's trained prediction model: fitted by a job from the profiles' purchase summaries,
 * versioned, and applied to each profile when a rule reads `predictions.*` (scoring is cheap,
 * fitting is the job). A part is absent when there was not enough data to fit it.
 */
export interface PredictionModel {
  readonly version: number;
  readonly trainedAt: number;
  /** Profiles with at least one purchase that the fit read. */
  readonly customers: number;
  readonly propensity?: PropensityPrediction;
  readonly lifetimeValue?: LifetimeValuePrediction;
  /** Why a part is missing (too few customers, one class only), for the admin API. */
  readonly notes: readonly string[];
}

/** The fields of the `predictions` rule root, with their types: the root is closed (a typo is an error). */
export const predictionFields: Readonly<Record<string, RuleType>> = {
  'predictions.purchase_propensity': 'number',
  'predictions.purchase_propensity_percentile': 'number',
  'predictions.churn_risk': 'number',
  'predictions.model_version': 'number',
  'predictions.clv_12m': 'number',
  'predictions.expected_purchases_12m': 'number',
  'predictions.p_alive': 'number',
};

/** Float64Arrays become plain arrays in JSON; these are the model's typed-array members, revived by `parsePredictionModel`. */
const typedArrayKeys = new Set(['coefficients', 'mean', 'sd']);

/** The model as JSON text (typed arrays as arrays). */
export function serializePredictionModel(model: PredictionModel): string {
  return JSON.stringify(model, (_key, value: unknown) => (value instanceof Float64Array ? [...value] : value));
}

/** The model back from `serializePredictionModel`'s text. */
export function parsePredictionModel(text: string): PredictionModel {
  return JSON.parse(text, (key, value: unknown) => (typedArrayKeys.has(key) && Array.isArray(value) ? Float64Array.from(value as number[]) : value)) as PredictionModel;
}
