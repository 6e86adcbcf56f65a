import { Type, type Static } from 'typebox';

/**
 * The shape of a placement's learned propensity report (GET /admin/v1/placements/:id/propensity):
 * the calibration of each learned click or conversion model, on a progressive-validation basis.
 */

const Rate = Type.Union([Type.Number(), Type.Null()]);

export const ReliabilityBinView = Type.Object({
  lower: Type.Number(),
  upper: Type.Number(),
  count: Type.Integer({ description: 'Impressions whose prediction fell in [lower, upper) (the last bin includes 1)' }),
  meanPredicted: Type.Union([Type.Number(), Type.Null()], { description: 'Their mean predicted probability (null: none)' }),
  observedRate: Type.Union([Type.Number(), Type.Null()], { description: 'The share of them with the outcome (null: none)' }),
}, { additionalProperties: false, title: 'ReliabilityBin' });

const calibrationFields = {
  observations: Type.Integer({ description: 'Impressions learned (each predicted before it was learned)' }),
  positives: Type.Integer({ description: 'Of them, with the outcome (click or conversion) within 24 hours' }),
  meanPredicted: Rate,
  observedRate: Rate,
  expectedCalibrationError: Type.Union([Type.Number(), Type.Null()], { description: 'ECE: Σ (bin count / observations) · |mean predicted − observed rate| over 10 equal bins' }),
  maxCalibrationError: Type.Union([Type.Number(), Type.Null()], { description: 'The largest |mean predicted − observed rate| over the non-empty bins' }),
  brier: Type.Union([Type.Number(), Type.Null()], { description: 'Mean (p − y)²' }),
  logLoss: Type.Union([Type.Number(), Type.Null()], { description: 'Mean −log likelihood (natural log)' }),
  table: Type.Array(ReliabilityBinView, { description: 'The reliability table: predicted against observed, per bin' }),
};

export const CalibrationView = Type.Object(calibrationFields, { additionalProperties: false, title: 'Calibration' });

export const PropensityReportView = Type.Object({
  placementId: Type.String(),
  strategy: Type.String({ description: 'The placement\'s scoring strategy' }),
  caveat: Type.String(),
  models: Type.Array(Type.Object({
    role: Type.Union([Type.Literal('live'), Type.Literal('shadow')], { description: 'Whose propensity: the placement\'s strategy or its shadow' }),
    key: Type.String({ description: 'The model key recorded with the decisions it learns from' }),
    outcome: Type.Union([Type.Literal('click'), Type.Literal('conversion')]),
    inputs: Type.Array(Type.String(), { description: 'What the models read (features.x, traits.y, context.z)' }),
    overall: CalibrationView,
    actions: Type.Array(Type.Object({ actionId: Type.String(), ...calibrationFields }, { additionalProperties: false })),
  }, { additionalProperties: false }), { description: 'One per learned propensity of the placement (none: it has no learned propensity)' }),
}, { additionalProperties: false, title: 'PropensityReport' });
export type PropensityReportView = Static<typeof PropensityReportView>;
