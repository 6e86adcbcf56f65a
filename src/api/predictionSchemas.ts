import { Type } from 'typebox';
import { segmentIdPattern } from '../core/segments/SegmentDefinition.js';

/** POST /admin/v1/predictions/train: every member optional. */
export const TrainPredictionsRequest = Type.Object({
  horizonDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'The propensity horizon: a purchase within this many days (default 90)' })),
  seed: Type.Optional(Type.Integer({ minimum: 0, description: 'Seeds the held-out split of the metrics and k-means (default: the version)' })),
  clusters: Type.Optional(Type.Integer({ minimum: 2, maximum: 12, description: 'Customer segments to find by k-means (default 4): predictions.cluster' })),
  som: Type.Optional(Type.Object({
    rows: Type.Integer({ minimum: 1, maximum: 10 }),
    cols: Type.Integer({ minimum: 1, maximum: 10 }),
    topology: Type.Optional(Type.Union([Type.Literal('rectangular'), Type.Literal('hexagonal')], { description: 'Default rectangular' })),
  }, { additionalProperties: false, description: 'Segments as the units of a self-organizing map (unit = row × cols + col) instead of k-means' })),
  features: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 50, description: 'Workspace features to learn from beside the purchase history: as of the cut-off for propensity (replayed from the log), as of now for clusters' })),
  traits: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 50, description: 'Traits to learn from: numbers and booleans as numbers, text one-hot over its 20 most frequent values' })),
}, { additionalProperties: false, title: 'TrainPredictionsRequest' });

const Metrics = Type.Object({
  auc: Type.Union([Type.Number(), Type.Null()], { description: 'Area under the ROC curve on the held-out half; null with one class only' }),
  brier: Type.Number({ description: 'Mean squared error of the probabilities' }),
  logLoss: Type.Number(),
  ece: Type.Number({ description: 'Expected calibration error over 10 equal-frequency bins' }),
}, { additionalProperties: false });

/** A trained prediction model's figures (its parameters stay inside). */
export const PredictionModelView = Type.Object({
  version: Type.Integer(),
  trainedAt: Type.String({ format: 'date-time' }),
  customers: Type.Integer({ description: 'Profiles with at least one purchase that the fit read' }),
  profilesRead: Type.Union([Type.Integer(), Type.Null()], { description: 'Profiles the training read (null when listed later)' }),
  propensity: Type.Union([Type.Object({
    horizonDays: Type.Integer(),
    heldOutCustomers: Type.Integer(),
    model: Metrics,
    rfmBaseline: Metrics,
    calibration: Type.Union([Type.Object({
      method: Type.Union([Type.Literal('none'), Type.Literal('platt'), Type.Literal('isotonic')], { description: 'The map chosen by cross-fitted out-of-fold log loss on the training half' }),
      uncalibrated: Metrics,
    }, { additionalProperties: false }), Type.Null()], { description: 'The calibration step; `model` is with its map, `uncalibrated` without. Null for models trained before it' }),
    modelChoice: Type.Union([Type.Object({
      model: Type.Union([Type.Literal('logistic'), Type.Literal('trees')], { description: 'The model that scores: the lower cross-fitted out-of-fold log loss on the training half (trees must be strictly lower)' }),
      rows: Type.Integer({ description: 'Out-of-fold training rows both were judged on' }),
      candidates: Type.Array(Type.Object({
        model: Type.Union([Type.Literal('logistic'), Type.Literal('trees')]),
        logLoss: Type.Number(),
        ece: Type.Number(),
        auc: Type.Union([Type.Number(), Type.Null()]),
      }, { additionalProperties: false })),
    }, { additionalProperties: false }), Type.Null()], { description: 'Logistic regression or boosted trees; null for models trained before the choice (logistic)' }),
    coefficients: Type.Record(Type.String(), Type.Number(), { description: 'Of the logistic model, per standardised feature (positive raises the propensity); the model that scores only when modelChoice.model is logistic' }),
  }, { additionalProperties: false }), Type.Null()], { description: 'Null when there was too little data (see notes)' }),
  inputs: Type.Union([Type.Object({ features: Type.Array(Type.String()), traits: Type.Array(Type.String()) }, { additionalProperties: false }), Type.Null()], {
    description: 'The profile features and traits the model learned from beside the purchase history; null: purchase history only',
  }),
  lifetimeValue: Type.Union([Type.Object({
    bgNbd: Type.Object({ r: Type.Number(), alpha: Type.Number(), a: Type.Number(), b: Type.Number(), logLikelihood: Type.Number(), converged: Type.Boolean(), customers: Type.Integer() }, { additionalProperties: false }),
    gammaGamma: Type.Union([Type.Object({ p: Type.Number(), q: Type.Number(), v: Type.Number(), customers: Type.Integer() }, { additionalProperties: false }), Type.Null()]),
    monthlyDiscountRate: Type.Number(),
  }, { additionalProperties: false }), Type.Null()], { description: 'BG/NBD and Gamma-Gamma parameters; null when there was too little data (see notes)' }),
  clusters: Type.Union([Type.Object({
    k: Type.Integer(),
    features: Type.Array(Type.String()),
    inertia: Type.Number(),
    segments: Type.Array(Type.Object({ cluster: Type.Integer(), size: Type.Integer(), share: Type.Number(), summary: Type.String() }, { additionalProperties: false })),
    stability: Type.Union([Type.Object({
      previousVersion: Type.Integer(),
      shareKept: Type.Number({ description: 'Share of today\'s customers whose cluster is the partner of the one the previous version gives them' }),
      pairs: Type.Array(Type.Object({ previous: Type.Integer(), current: Type.Integer() }, { additionalProperties: false })),
    }, { additionalProperties: false }), Type.Null()]),
    population: Type.Union([Type.Literal('customers'), Type.Literal('profiles')], { description: 'customers: RFM of buyers only; profiles: every profile (with chosen inputs)' }),
    som: Type.Union([Type.Object({
      rows: Type.Integer(), cols: Type.Integer(), topology: Type.Union([Type.Literal('rectangular'), Type.Literal('hexagonal')]),
      quantizationError: Type.Number({ description: 'Mean distance of a profile to its unit (standardised scale)' }),
      topographicError: Type.Number({ description: 'Share of profiles whose two nearest units are not grid neighbours' }),
    }, { additionalProperties: false }), Type.Null()], { description: 'The map, when the segments are its units' }),
  }, { additionalProperties: false }), Type.Null()], { description: 'Customer segments found in the data (predictions.cluster); null with too few customers' }),
  notes: Type.Array(Type.String(), { description: 'Why a part of the model was not fitted' }),
  followedSegments: Type.Optional(Type.Array(Type.Object({
    segmentId: Type.String(), previousCluster: Type.Integer(), cluster: Type.Integer(),
  }, { additionalProperties: false }), { description: 'After a training: segments on predictions.cluster == n moved to the cluster that continues n' })),
}, { additionalProperties: false, title: 'PredictionModelView' });

/** POST /admin/v1/predictions/clusters/{cluster}/segment. */
export const PublishClusterRequest = Type.Object({
  id: Type.String({ pattern: segmentIdPattern, description: 'The new segment\'s id' }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Default "Customer segment <n>"' })),
}, { additionalProperties: false, title: 'PublishClusterRequest' });

export const PredictionModels = Type.Object({
  current: Type.Union([PredictionModelView, Type.Null()], { description: 'The model in force; null before the first training' }),
  versions: Type.Array(Type.Object({ version: Type.Integer(), trainedAt: Type.String({ format: 'date-time' }) }, { additionalProperties: false })),
}, { additionalProperties: false, title: 'PredictionModels' });

const Contribution = Type.Object({
  feature: Type.String(),
  value: Type.Number({ description: 'The feature\'s standardised value for this profile' }),
  contribution: Type.Number({ description: 'Its share of the score\'s log-odds' }),
}, { additionalProperties: false });

/** GET /admin/v1/profiles/{id}/predictions. */
export const ProfilePredictionsView = Type.Object({
  values: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]), { description: 'What rules read as predictions.<name>' }),
  explanations: Type.Record(Type.String(), Type.Array(Contribution), { description: 'Per prediction, the features that moved it most' }),
}, { additionalProperties: false, title: 'ProfilePredictions' });

const nullableNumber = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

/** GET /admin/v1/segments/{id}/value. */
export const SegmentValueView = Type.Object({
  segmentId: Type.String(),
  members: Type.Integer(),
  customers: Type.Integer({ description: 'Members with at least one purchase' }),
  modelVersion: Type.Union([Type.Integer(), Type.Null()], { description: 'The prediction model the values come from; null before the first training' }),
  totalClv12m: nullableNumber('Sum of the members\' clv_12m (members that have not bought count 0); null without a spend model'),
  meanClv12m: nullableNumber('Mean clv_12m of the members that have one (the customers)'),
  expectedPurchases12m: nullableNumber('Sum of the members\' expected purchases over 12 months; null without a lifetime-value model'),
  shareOfExpectedValue: nullableNumber('The segment\'s share (0 to 1) of the workspace\'s total clv_12m'),
  meanPurchasePropensity: nullableNumber('Mean purchase_propensity of the members that have one (the customers)'),
  propensityHorizonDays: Type.Union([Type.Integer(), Type.Null()], { description: 'The propensity\'s "buys within N days"' }),
  scoredMembers: Type.Integer({ description: 'Members with a purchase_propensity' }),
  workspace: Type.Object({
    profiles: Type.Integer(),
    customers: Type.Integer(),
    totalClv12m: nullableNumber('The workspace\'s total clv_12m: the share\'s denominator'),
  }, { additionalProperties: false }),
  notes: Type.Array(Type.String(), { description: 'Why a figure is null' }),
}, { additionalProperties: false, title: 'SegmentValue' });

/** POST /admin/v1/segments/{id}/plan. */
export const SegmentPlanRequest = Type.Object({
  minimumDetectableEffect: Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'The relative effect to detect on the conversion rate (0.1: +10%)' }),
  days: Type.Integer({ minimum: 1, maximum: 365, description: 'The planned duration' }),
  power: Type.Optional(Type.Number({ minimum: 0.5, maximum: 0.99, description: 'Default 0.8' })),
  arms: Type.Optional(Type.Integer({ minimum: 2, maximum: 20, description: 'Arms, the control included (default 2)' })),
  baselineRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'The control\'s conversion rate; default the members\' mean purchase_propensity' })),
  trafficShare: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Share of the segment\'s profiles the experiment takes (default 1)' })),
}, { additionalProperties: false, title: 'SegmentPlanRequest' });

export const SegmentPlanView = Type.Object({
  segmentId: Type.String(),
  baselineRate: Type.Number(),
  baselineSource: Type.Union([Type.Literal('request'), Type.Literal('purchase_propensity')]),
  propensityHorizonDays: Type.Union([Type.Integer(), Type.Null()], { description: 'With a purchase_propensity baseline: the days it is a chance of buying within' }),
  minimumDetectableEffect: Type.Number(),
  days: Type.Integer(),
  power: Type.Number(),
  arms: Type.Integer(),
  trafficShare: Type.Number(),
  members: Type.Integer({ description: 'Members today' }),
  entriesPerDay: nullableNumber('Profiles entering the segment per day over the last 28 days (since its last change, if later); null with less than a day of history'),
  entryHistory: Type.Union([Type.Object({ entries: Type.Integer(), days: Type.Number() }, { additionalProperties: false }), Type.Null()]),
  requiredUnitsPerArm: Type.Integer({ description: 'Units per arm a two-proportion test needs for the effect with the power' }),
  projectedUnitsPerArm: Type.Integer({ description: '(members + entriesPerDay × days) × trafficShare / arms: an upper bound (every member exposed)' }),
  reachable: Type.Boolean(),
  daysNeeded: Type.Union([Type.Integer(), Type.Null()], { description: 'Days until the arms are full (0: today\'s members suffice); null when no entries fill them' }),
  warning: Type.Union([Type.String(), Type.Null()]),
  notes: Type.Array(Type.String()),
}, { additionalProperties: false, title: 'SegmentPlan' });
