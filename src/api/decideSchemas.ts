import { Type, type Static } from 'typebox';
import { ActionDefinition, DecisionId } from '../core/decide/ActionDefinition.js';
import { PlacementDefinition } from '../core/decide/PlacementDefinition.js';

/**
 * The shapes of the decide API (POST /v1/decide) and of the action and placement admin API.
 * The browser and Node SDKs take their types from here (type-only imports), so a change to
 * the API is a type error in the SDKs.
 */

const PlacementAsk = Type.Union([
  DecisionId,
  Type.Object({
    id: DecisionId,
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, description: 'At most the placement\'s own count' })),
    items: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      maxItems: 50,
      description: 'Seed items of the placement\'s recommendation slots (the product on screen, the cart): item-to-item strategies start from them, and they are never recommended back. Default: context.items',
    })),
  }, { additionalProperties: false }),
]);

/** The request context: Segment's `context` object (locale, timezone, page, campaign, ...), read by rules as `context`. */
export const DecideContext = Type.Intersect([
  Type.Record(Type.String(), Type.Unknown()),
  Type.Object({
    locale: Type.Optional(Type.String({ maxLength: 35, description: 'BCP 47 (de-CH); chooses the content variant' })),
    timezone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA zone; calendar-day caps count in it' })),
  }),
], { description: 'Any JSON object; rules read it under context' });

export const DecideRequest = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    userHash: Type.Optional(Type.String({
      maxLength: 128,
      description: 'HMAC-SHA256 of userId with the workspace\'s identity secret, hex, computed by your backend. Where identity verification is on, a userId sent with the write key without it (or with a wrong one) is read as anonymous',
    })),
    placements: Type.Array(PlacementAsk, { minItems: 1, maxItems: 20, description: 'The placements to fill, by id' }),
    context: Type.Optional(DecideContext),
    events: Type.Optional(Type.Array(Type.Unknown(), {
      maxItems: 100,
      description: 'Segment events (track, page, identify, ...) applied before deciding, so a page needs one round trip. Events without userId or anonymousId take the request\'s',
    })),
    explain: Type.Optional(Type.Boolean({ description: 'Also list every action skipped and why (secret key only)' })),
    writeKey: Type.Optional(Type.String({ description: 'The write key, for browsers that send text/plain to avoid a CORS preflight (else Basic or Bearer auth)' })),
  },
  { additionalProperties: false, title: 'DecideRequest' },
);
export type DecideRequest = Static<typeof DecideRequest>;

const ScoreTermView = Type.Object({ name: Type.String(), value: Type.Number(), note: Type.Optional(Type.String()) });
const CapHit = Type.Object({ actionId: Type.String(), cap: Type.String(), detail: Type.String() });
const Skip = Type.Object({ actionId: Type.String(), step: Type.String(), reason: Type.String(), detail: Type.Optional(Type.String()) });

export const DecisionReasons = Type.Object(
  {
    rule: Type.Union([Type.String(), Type.Null()], { description: 'The eligibility rule that held (null: none, everyone is eligible)' }),
    segments: Type.Array(Type.String(), { description: 'Segments the rule asked about that the profile is in' }),
    terms: Type.Array(ScoreTermView, { description: 'The parts of the score' }),
    strategy: Type.String({ description: 'The placement\'s scoring strategy' }),
    capped: Type.Array(CapHit, { description: 'Actions that were eligible but capped' }),
    fallback: Type.Optional(Type.String({ description: 'Why the default content was shown' })),
    experiment: Type.Optional(Type.Object(
      { id: Type.String(), arm: Type.String() },
      { description: 'The experiment and arm that served this placement (send them with your own analytics if you like; Attune logs the exposure itself)' },
    )),
    recommendation: Type.Optional(Type.Object({
      strategy: Type.String({ description: 'The strategy the slot asked for' }),
      personalized: Type.Boolean({ description: 'Whether the visitor\'s own history was used: never without consent to personalise' }),
      fallback: Type.Union([Type.String(), Type.Null()], { description: 'The strategy that gave the first item when it is not the one asked for' }),
      items: Type.Integer({ description: 'Items shown' }),
    }, { description: 'A recommendation slot\'s list' })),
    predictions: Type.Optional(Type.Array(Type.Object({
      field: Type.String({ description: 'The prediction a rule read, e.g. predictions.churn_risk' }),
      value: Type.Union([Type.Number(), Type.Null()]),
      because: Type.Array(Type.Object({
        feature: Type.String(),
        value: Type.Number({ description: 'The feature\'s standardised value for this profile' }),
        contribution: Type.Number({ description: 'Its share of the score\'s log-odds' }),
      }), { description: 'The features that moved it most (propensity and churn risk; empty for the others)' }),
    }), { description: 'The predictions the chosen action\'s rule and the placement\'s propensity rule read, with why' })),
    skipped: Type.Optional(Type.Array(Skip, { description: 'With explain: every action that was not chosen, and why (no_recommendations: a slot with too few items)' })),
    contextual: Type.Optional(Type.Object({
      inputs: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]), { description: 'The inputs the contextual model read, by full name (features.*, traits.*, context.*); null: absent' }),
      models: Type.Array(Type.String(), { description: 'The keys of the contextual models that learn from this decision (the live strategy\'s, a contextual shadow\'s)' }),
    }, { description: 'With explain, for a contextual placement: what its model saw (always recorded with the decision)' })),
  },
  { title: 'DecisionReasons' },
);

const RecommendedItemView = Type.Object({
  id: Type.String({ description: 'The catalog item id' }),
  score: Type.Number({ description: 'The strategy\'s score (scores of different strategies do not compare)' }),
  strategy: Type.String({ description: 'The recommender that proposed it' }),
  reason: Type.String({ description: 'Why, in words: "because you viewed X", "trending now"' }),
  because: Type.Union([Type.String(), Type.Null()], { description: 'The seed or history item behind it' }),
}, { title: 'RecommendedItem' });

export const DecisionView = Type.Object(
  {
    decisionId: Type.String({ description: 'Send it with impression, click, dismiss and conversion events' }),
    actionId: Type.Union([Type.String(), Type.Null()], { description: 'null when this is the placement\'s default content' }),
    variant: Type.Union([Type.String(), Type.Null()], { description: 'The locale of the variant shown (default, de, de-CH, ...)' }),
    content: Type.Unknown({ description: 'The rendered content; for a recommendation slot a list, its variant rendered once per item (content[i] shows items[i])' }),
    score: Type.Union([Type.Number(), Type.Null()]),
    probability: Type.Number({ description: 'The probability with which this was chosen (1 when deterministic)' }),
    reasons: DecisionReasons,
    items: Type.Optional(Type.Array(RecommendedItemView, { description: 'A recommendation slot\'s items, in the order of content' })),
  },
  { title: 'Decision' },
);
export type DecisionView = Static<typeof DecisionView>;

const PlacementError = Type.Object({ code: Type.String(), message: Type.String(), field: Type.String() });

export const PlacementDecisionView = Type.Object(
  {
    placement: Type.String(),
    channel: Type.Union([Type.String(), Type.Null()]),
    fallback: Type.Union([Type.String(), Type.Null()], { description: 'Why the default content is shown: no_consent, no_eligible_action, all_capped, placement_invalid, held_out (the profile is in the workspace holdout), experiment_generic (its experiment arm serves generic content); null when personalised' }),
    decisions: Type.Array(DecisionView, { description: 'In order; the default content is one decision with actionId null' }),
    error: Type.Optional(PlacementError),
  },
  { title: 'PlacementDecision' },
);
export type PlacementDecisionView = Static<typeof PlacementDecisionView>;

export const DecideResponse = Type.Object(
  {
    profileId: Type.Union([Type.String(), Type.Null()], { description: 'null for a visitor Attune has not seen' }),
    // The literals are spelled out (not mapped from identityChecks) so that Static<> keeps the union.
    identity: Type.Optional(Type.Union([Type.Literal('anonymous'), Type.Literal('trusted'), Type.Literal('unchecked'), Type.Literal('verified'), Type.Literal('unverified')], {
      description: 'How the userId was taken: anonymous (none given), trusted (secret key), unchecked (identity verification is off), verified (its userHash matched), unverified (missing or wrong userHash: decided as the anonymous visitor, from the anonymousId\'s profile and the context only). Always in the server\'s answers; absent from those the browser SDK makes up (timeout, no consent)',
    })),
    placements: Type.Array(PlacementDecisionView),
    events: Type.Optional(Type.Object({
      accepted: Type.Integer(),
      duplicates: Type.Integer(),
      rejected: Type.Array(Type.Object({ index: Type.Integer(), code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) })),
    })),
  },
  { title: 'DecideResponse' },
);
export type DecideResponse = Static<typeof DecideResponse>;

export const ActionView = Type.Evaluate(Type.Intersect([ActionDefinition, Type.Object({
  problems: Type.Array(Type.String(), { description: 'Why the action cannot be chosen now (its rule no longer compiles, an unknown placement, ...); empty when fine' }),
})]), { title: 'ActionView' });

export const PlacementView = Type.Evaluate(Type.Intersect([PlacementDefinition, Type.Object({
  actions: Type.Array(Type.String(), { description: 'The actions that may fill it' }),
})]), { title: 'PlacementView' });

/** POST /admin/v1/actions/preview: an action, saved or not, rendered for one profile in one locale. */
export const ActionPreviewRequest = Type.Object({
  action: ActionDefinition,
  profileId: Type.String({ minLength: 1, maxLength: 512, description: 'The profile to render for: by user, anonymous or profile id' }),
  locale: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$', description: 'The request\'s locale (de-CH); none tries the default variant only' })),
  context: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'The rest of a request context (page, campaign, ...), as a decide call would send it' })),
}, { additionalProperties: false, title: 'ActionPreviewRequest' });
export type ActionPreviewRequest = Static<typeof ActionPreviewRequest>;

export const ActionPreviewView = Type.Object({
  profileId: Type.String({ description: 'The profile rendered for (its own id)' }),
  locales: Type.Array(Type.String(), { description: 'The locale chain tried, most specific first, ending with default' }),
  variant: Type.Union([Type.String(), Type.Null()], { description: 'The variant found on the chain; null: the action would be skipped (no variant)' }),
  content: Type.Unknown({ description: 'The variant rendered as a decision renders it (HTML-escaped placeholders); null without a variant' }),
  personalization: Type.Boolean({ description: 'Whether the profile lets Attune personalise; without it only context fills placeholders' }),
  ruleHolds: Type.Union([Type.Boolean(), Type.Null()], { description: 'Whether the eligibility rule holds for the profile now; null without a rule' }),
  inSchedule: Type.Boolean({ description: 'Whether now is inside the schedule' }),
  problems: Type.Array(Type.String(), { description: 'What keeps the action from being chosen at all (an unknown placement, ...)' }),
}, { title: 'ActionPreviewView' });
export type ActionPreviewView = Static<typeof ActionPreviewView>;

export const SendTimeQuery = Type.Object({ channel: Type.Optional(Type.String({ minLength: 1, maxLength: 40, default: 'email' })) }, { additionalProperties: false });

export const SendTimeView = Type.Object(
  {
    profileId: Type.String(),
    channel: Type.String(),
    hourUtc: Type.Integer({ minimum: 0, maximum: 23, description: 'The best hour to send, in UTC' }),
    hourLocal: Type.Integer({ minimum: 0, maximum: 23, description: 'The same hour in the profile\'s time zone' }),
    localTime: Type.String({ description: 'HH:MM of nextSendAt in the profile\'s time zone (09:30 in a zone half an hour off UTC)' }),
    timeZone: Type.String(),
    nextSendAt: Type.String({ description: 'The next start of that hour, ISO 8601' }),
    basis: Type.Union([Type.Literal('profile'), Type.Literal('blended'), Type.Literal('workspace'), Type.Literal('default')]),
    profileEvents: Type.Number({ description: 'Engagement events of the profile behind the estimate (decayed with a 90-day half-life)' }),
    histogram: Type.Array(Type.Number(), { minItems: 24, maxItems: 24, description: 'Smoothed engagement share per UTC hour' }),
  },
  { title: 'SendTime' },
);
export type SendTimeView = Static<typeof SendTimeView>;

/** GET /admin/v1/placements/{id}/arms: each action's naive and inverse-propensity-weighted click rate. */
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

/** An arm's revenue: naive per impression and inverse-propensity-weighted per decision. */
const ArmRevenueView = Type.Object({
  conversions: Type.Integer(),
  revenue: Type.Number({ description: 'Σ conversion value (`properties.value`, else `properties.revenue`)' }),
  naiveRevenuePerImpression: Type.Union([Type.Number(), Type.Null()], { description: 'revenue / impressions from the counters: biased under adaptive allocation' }),
  ipwRevenuePerDecision: Type.Union([Type.Number(), Type.Null()], { description: 'Revenue per decision had every decision chosen this action: Σ r/p over its decisions / all decisions' }),
  ipwStandardError: NullableNumber,
  ipwInterval: Type.Union([Type.Tuple([Type.Number(), Type.Number()]), Type.Null()], { description: '± 1.96 standard errors' }),
}, { additionalProperties: false });

/** A revenue arm's posterior: θ = p · m, p the conversion rate, m the mean conversion value. */
const RevenuePosteriorView = Type.Object({
  conversionRate: Type.Object({ alpha: Type.Number(), beta: Type.Number() }, { description: 'Beta posterior of conversions per impression' }),
  meanValue: Type.Object({ location: Type.Number(), scale: Type.Number(), degreesOfFreedom: Type.Number() }, { description: 'Student-t posterior of the mean conversion value (Normal–Inverse-Gamma)' }),
  mean: Type.Number({ description: 'Posterior mean revenue per impression, E[p]·E[m]' }),
}, { additionalProperties: false });

/** The allocation in force: how it was computed and how precise it is. */
const AllocationView = Type.Object({
  reward: Type.Union([Type.Literal('click'), Type.Literal('conversion'), Type.Literal('revenue')]),
  computedAt: Type.String({ format: 'date-time' }),
  probabilities: Type.Union([Type.Literal('exact'), Type.Literal('monteCarlo')], { description: 'exact: by quadrature (Beta arms) or a single arm; monteCarlo: estimated from seeded draws' }),
  monteCarlo: Type.Union([Type.Object({
    draws: Type.Integer(),
    standardError: Type.Number({ description: 'The largest standard error of an arm\'s P(best) estimate (at most 0.005)' }),
  }), Type.Null()]),
}, { additionalProperties: false });

export const ArmEstimatesView = Type.Object({
  placementId: Type.String(),
  strategy: Type.String({ description: 'The placement\'s scoring strategy' }),
  decisions: Type.Integer({ description: 'Recorded decisions of the placement with an action (the IPW denominator)' }),
  caveat: Type.String(),
  allocation: Type.Union([AllocationView, Type.Null()], { description: 'The bandit allocation in force (a `thompson` placement), else null' }),
  arms: Type.Array(Type.Object({
    actionId: Type.String(),
    impressions: Type.Integer(),
    clicks: Type.Integer(),
    naiveRate: Type.Union([Type.Number(), Type.Null()], { description: 'clicks / impressions from the counters: biased under adaptive allocation' }),
    decisions: Type.Integer({ description: 'Recorded decisions that chose this action' }),
    ipwRate: Type.Union([Type.Number(), Type.Null()], { description: 'Clicks per decision had every decision chosen this action: Σ 1/p over its clicked decisions / all decisions' }),
    ipwStandardError: Type.Union([Type.Number(), Type.Null()]),
    ipwInterval: Type.Union([Type.Tuple([Type.Number(), Type.Number()]), Type.Null()], { description: '± 1.96 standard errors' }),
    revenue: ArmRevenueView,
    share: Type.Union([Type.Number(), Type.Null()], { description: 'Its share of the allocation in force: the probability recorded with each choice of it' }),
    bestProbability: Type.Union([Type.Number(), Type.Null()], { description: 'P(it is the best arm) under the posteriors, before the exploration floor' }),
    posterior: Type.Union([RevenuePosteriorView, Type.Null()], { description: 'Revenue arms: the posterior of revenue per impression' }),
  }, { additionalProperties: false })),
}, { additionalProperties: false, title: 'ArmEstimates' });
