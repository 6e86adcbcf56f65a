import type { RuleType } from '../../rules/values.js';
import type { BgNbdFit } from '../clv/fitBgNbd.js';
import type { GammaGammaFit } from '../clv/fitGammaGamma.js';
import type { ClusterDescription } from '../cluster/describeClusters.js';
import type { ClassificationMetrics } from '../propensity/classificationMetrics.js';
import type { CalibrationReport } from '../propensity/evaluatePropensity.js';
import type { ModelChoice } from '../propensity/chooseModel.js';
import type { PropensityModel } from '../propensity/propensityModel.js';
import type { SomTopology } from '../cluster/somGrid.js';
import type { ChosenInputs, InputColumn } from '../inputs/ProfileInputs.js';

/** The purchase-propensity part of a workspace's prediction model. */
export interface PropensityPrediction {
  /** "Will buy within this many days". */
  readonly horizonDays: number;
  readonly model: PropensityModel;
  /** Judged on a seeded held-out half of the training customers (the model itself is refitted on all). */
  readonly heldOut: {
    /** The model as it scores (with its calibration map, if any). */
    readonly logistic: ClassificationMetrics;
    readonly rfm: ClassificationMetrics;
    readonly customers: number;
    /** The calibration step: which map was chosen and the metrics without it. Absent in models trained before it. */
    readonly calibration?: CalibrationReport;
    /** Logistic regression or boosted trees, with both candidates' out-of-fold figures. Absent in models trained before the choice (logistic). */
    readonly modelChoice?: ModelChoice;
  };
  /** The scores of all customers at training, sorted ascending (at most 1,001 quantiles): for percentiles. */
  readonly scoreQuantiles: readonly number[];
  /** The chosen profile inputs after the purchase columns (numeric ones, then categories); absent: purchases only. */
  readonly inputs?: readonly InputColumn[];
}

/** The lifetime-value part: BG/NBD for purchases and being alive, Gamma-Gamma for spend (lifetimes' models). */
export interface LifetimeValuePrediction {
  readonly bgNbd: BgNbdFit;
  /** Absent with too few repeat buyers with spend: clv_12m is then null. */
  readonly gammaGamma?: GammaGammaFit;
  readonly monthlyDiscountRate: number;
}

/**
 * Customer segments found by k-means (or a self-organizing map's units) on RFM (log1p of days
 * since the last purchase, purchase days, total spend) and the chosen profile inputs;
 * standardised. Plain arrays, so the model stays JSON.
 */
export interface ClusterPrediction {
  /** Segments: k-means' k, or the map's units (rows × cols, unit = row · cols + col). */
  readonly k: number;
  readonly features: readonly string[];
  /** Centres on the standardised scale, one array per cluster. */
  readonly centroids: readonly (readonly number[])[];
  readonly means: readonly number[];
  readonly sds: readonly number[];
  readonly inertia: number;
  /** Each cluster in business terms (size, share, what sets it apart). */
  readonly descriptions: readonly ClusterDescription[];
  /** Against the previous version's clusters on today's customers: pairs and the share kept. */
  readonly stability: { readonly previousVersion: number; readonly shareKept: number; readonly pairs: readonly { readonly previous: number; readonly current: number }[] } | null;
  /** The chosen inputs after the RFM columns; absent: RFM only, customers only. */
  readonly inputs?: readonly InputColumn[];
  /** Each column's training mean, which a missing value takes (before scaling). */
  readonly fill?: readonly number[];
  /** The categories kept per text column (its one-hot columns, in order). */
  readonly categories?: Readonly<Record<string, readonly string[]>>;
  /** Who was clustered: customers (RFM only) or every profile (with chosen inputs). */
  readonly population?: 'customers' | 'profiles';
  /** Present when the segments are a self-organizing map's units. */
  readonly som?: { readonly rows: number; readonly cols: number; readonly topology: SomTopology; readonly quantizationError: number; readonly topographicError: number };
}

/** How customer segments are found: k-means with k clusters, or a self-organizing map whose units are the segments. */
export type ClusterMethod =
  | { readonly kind: 'kmeans'; readonly k: number }
  | { readonly kind: 'som'; readonly rows: number; readonly cols: number; readonly topology: SomTopology };

/** What a training was asked for, so a scheduled retraining asks for the same. */
export interface TrainingSettings {
  readonly horizonDays: number;
  readonly clusterMethod: ClusterMethod;
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
  readonly clusters?: ClusterPrediction;
  /** Absent in models trained before settings were kept. */
  readonly settings?: TrainingSettings;
  /** The profile features and traits the workspace chose as inputs; absent: purchase history only. */
  readonly inputs?: ChosenInputs;
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
  'predictions.cluster': 'number',
};

/**
 * Typed arrays become plain arrays in JSON; these are the model's typed-array members, revived by
 * `parsePredictionModel`. The trees' arrays (`BoostedTrees`, its own `format` field) are new keys,
 * so a model stored before them parses as it did.
 */
const floats = (values: number[]): Float64Array => Float64Array.from(values);
const typedArrayKeys: ReadonlyMap<string, (values: number[]) => Float64Array | Int32Array> = new Map<string, (values: number[]) => Float64Array | Int32Array>([
  ['coefficients', floats], ['mean', floats], ['sd', floats], ['splitThreshold', floats], ['nodeValue', floats],
  ['splitFeature', (values: number[]) => Int32Array.from(values)],
]);

/** The model as JSON text (typed arrays as arrays). */
export function serializePredictionModel(model: PredictionModel): string {
  return JSON.stringify(model, (_key, value: unknown) => (value instanceof Float64Array || value instanceof Int32Array ? [...value] : value));
}

/** The model back from `serializePredictionModel`'s text. */
export function parsePredictionModel(text: string): PredictionModel {
  return JSON.parse(text, (key, value: unknown) => {
    const revive = typedArrayKeys.get(key);
    return revive !== undefined && Array.isArray(value) ? revive(value as number[]) : value;
  }) as PredictionModel;
}
