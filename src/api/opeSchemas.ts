import { Type, type Static } from 'typebox';

/** The shapes of POST /admin/v1/placements/:id/evaluate: off-policy evaluation on the placement's decision records (docs/ope.md). */

export const PolicyEvaluationRequest = Type.Object({
  policy: Type.String({ pattern: '^(uniform|shadow|action:[a-z0-9][a-z0-9_.-]{0,99})$', description: 'The candidate policy: `uniform` (every action the logs show, equally likely), `action:ID` (always that action) or `shadow` (the placement\'s shadow strategy, from the probabilities each decision recorded for it)' }),
  reward: Type.Optional(Type.Union([Type.Literal('click'), Type.Literal('conversion')], {
    default: 'click', description: 'What earns reward 1: a `Decision Clicked` or a `Decision Converted` event naming the decision within the window',
  })),
  clip: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Clip the importance weights at W (unclipped by default)' })),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'Decisions made at or after this time (default: all)' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'Decisions made before this time (default: now)' })),
  windowHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 8760, default: 24, description: 'How long after a decision its outcome counts' })),
  bootstrap: Type.Optional(Type.Integer({ minimum: 0, maximum: 5000, default: 1000, description: 'Bootstrap resamples of the 95% intervals (0: none)' })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295, default: 1, description: 'Seed of the bootstrap resamples' })),
}, { additionalProperties: false, title: 'PolicyEvaluationRequest' });
export type PolicyEvaluationRequest = Static<typeof PolicyEvaluationRequest>;

const Nullable = Type.Union([Type.Number(), Type.Null()]);
/** [lo, hi]; fast-json-stringify cannot write a tuple of unions. */
const Interval = Type.Array(Nullable, { minItems: 2, maxItems: 2, description: '95% bootstrap percentile interval [lo, hi] (nulls without resamples)' });

export const PolicyEvaluationView = Type.Object({
  placementId: Type.String(),
  policy: Type.String(),
  reward: Type.String(),
  estimates: Type.Array(Type.Object({
    estimator: Type.String({ description: 'ipw, snipw, dm or dr' }),
    value: Type.Union([Type.Number(), Type.Null()], { description: 'The mean reward per decision had the policy decided (null: the logs support no number)' }),
    ci: Interval,
  })),
  loggedValue: Type.Union([Type.Number(), Type.Null()], { description: 'The mean reward the placement earned, over the decisions used' }),
  loggedCi: Interval,
  rounds: Type.Integer({ description: 'Decisions read' }),
  fallbackRounds: Type.Integer({ description: 'Decisions that showed the default content: left out' }),
  unshadowedRounds: Type.Integer({ description: 'For `shadow`: decisions with an action but no record of the placement\'s current shadow (made before it was set or changed, or a later position of the placement): left out' }),
  actions: Type.Array(Type.String()),
  diagnostics: Type.Object({
    rounds: Type.Integer(), usedRounds: Type.Integer(), propensityMissing: Type.Integer(), propensityZero: Type.Integer(), propensityLow: Type.Integer(),
    lowPropensity: Type.Number(), effectiveSampleSize: Type.Number(), maxWeight: Type.Number(), meanWeight: Nullable, clippedRounds: Type.Integer(),
  }),
  warnings: Type.Array(Type.Object({ code: Type.String(), detail: Type.String() })),
}, { title: 'PolicyEvaluation' });

/** The body of POST /admin/v1/placements/:id/promote: the evaluation's settings, without a clip (clipped DR is biased) and without a way to force. */
export const PromotionRequest = Type.Object({
  reward: PolicyEvaluationRequest.properties.reward,
  since: PolicyEvaluationRequest.properties.since,
  until: PolicyEvaluationRequest.properties.until,
  windowHours: PolicyEvaluationRequest.properties.windowHours,
  bootstrap: Type.Optional(Type.Integer({ minimum: 200, maximum: 5000, default: 1000, description: 'Bootstrap resamples of the 95% intervals (at least 200: the decision rests on the lower bound)' })),
  seed: PolicyEvaluationRequest.properties.seed,
}, { additionalProperties: false, title: 'PromotionRequest' });
export type PromotionRequest = Static<typeof PromotionRequest>;

const Estimate = Type.Object({
  value: Nullable,
  ci: Interval,
});

export const PromotionReport = Type.Object({
  placementId: Type.String(),
  promoted: Type.Boolean({ description: 'Whether the shadow strategy is now the placement\'s strategy' }),
  reason: Type.String({ description: 'Why, in words' }),
  current: Type.Object({
    strategy: Type.Unknown({ description: 'The strategy that served the decisions' }),
    value: Nullable, ci: Interval,
  }, { description: 'The current (logged) policy\'s on-policy value: its mean reward over the decisions used, with its interval' }),
  shadow: Type.Object({
    strategy: Type.Unknown({ description: 'The shadow strategy evaluated' }),
    dr: Estimate, ipw: Estimate, snipw: Estimate,
  }, { description: 'The shadow\'s off-policy estimates; promotion needs dr.ci[0] above current.value' }),
  evaluation: PolicyEvaluationView,
}, { title: 'PromotionReport' });
