import { Type, type Static } from 'typebox';

/**
 * The shapes of the Personalizer-compatible API (routes/personalizerRoutes.ts): Microsoft
 * Personalizer's REST API v1.0 as its reference and its clients define them, so that its
 * clients' requests validate unchanged. Unknown members are allowed (Personalizer's later
 * clients send more), and optional members may be null (what some clients send for "not given").
 */

const FeatureList = Type.Array(Type.Record(Type.String(), Type.Unknown()), {
  description: 'A list of objects of features: nested objects are read as dotted names (`user.tier`); strings are categories, numbers values, booleans 1 or 0',
});

export const PersonalizerRankableAction = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 256 }),
    features: Type.Optional(Type.Union([FeatureList, Type.Null()])),
  },
  { title: 'PersonalizerRankableAction', description: 'An action with the features it is ranked by' },
);

export const PersonalizerRankRequest = Type.Object(
  {
    contextFeatures: Type.Optional(Type.Union([FeatureList, Type.Null()], { description: 'Features of the context: the user, the device, the time ...' })),
    actions: Type.Array(PersonalizerRankableAction, { minItems: 1, maxItems: 50, description: 'The candidates, at most 50, ids unique' }),
    excludedActions: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'Ids of actions not to choose: listed in the ranking with probability 0' })),
    eventId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()], { description: 'Unique per rank call; generated when not given' })),
    deferActivation: Type.Optional(Type.Union([Type.Boolean(), Type.Null()], {
      description: 'true: the event learns nothing until POST /personalizer/v1.0/events/{eventId}/activate (the user may not see the choice); default false',
    })),
  },
  { additionalProperties: true, title: 'PersonalizerRankRequest' },
);
export type PersonalizerRankRequest = Static<typeof PersonalizerRankRequest>;

export const PersonalizerRankedAction = Type.Object(
  { id: Type.String(), probability: Type.Number({ minimum: 0, maximum: 1, description: 'The probability with which this action was to be chosen' }) },
  { title: 'PersonalizerRankedAction' },
);

export const PersonalizerRankResponse = Type.Object(
  {
    ranking: Type.Array(PersonalizerRankedAction, { description: 'The chosen action first, the others by probability, the excluded ones last (probability 0); the probabilities sum to 1' }),
    eventId: Type.String(),
    rewardActionId: Type.String({ description: 'The action to show, and whose reward to send' }),
  },
  { title: 'PersonalizerRankResponse' },
);

export const PersonalizerRewardRequest = Type.Object(
  { value: Type.Number({ description: 'The reward of the chosen action: any finite number (Personalizer takes -1 to 1; 0 to 1 is usual). The earliest reward of an event counts' }) },
  { additionalProperties: true, title: 'PersonalizerRewardRequest' },
);
export type PersonalizerRewardRequest = Static<typeof PersonalizerRewardRequest>;

export const PersonalizerEventParams = Type.Object({ eventId: Type.String({ minLength: 1, maxLength: 256 }) });
export type PersonalizerEventParams = Static<typeof PersonalizerEventParams>;

export const RankEventQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    before: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The `next` of the previous page' })),
  },
  { additionalProperties: false },
);
export type RankEventQuery = Static<typeof RankEventQuery>;

const Instant = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const RankEventView = Type.Object(
  {
    eventId: Type.String(),
    contextFeatures: Type.Array(Type.Unknown()),
    actions: Type.Array(Type.Object({
      id: Type.String(),
      features: Type.Array(Type.Unknown()),
      probability: Type.Number({ description: 'The logging policy\'s probability of choosing it (the propensity); 0 when excluded' }),
      excluded: Type.Boolean(),
    })),
    rewardActionId: Type.String({ description: 'The action chosen' }),
    rankedAt: Type.String({ format: 'date-time' }),
    activatedAt: Instant,
    reward: Type.Union([Type.Number(), Type.Null()]),
    rewardSource: Type.Union([Type.Literal('sent'), Type.Literal('default'), Type.Null()], { description: 'sent: a reward call; default: none arrived within the wait time' }),
    rewardedAt: Instant,
    learned: Type.Boolean({ description: 'Whether the model has learned the event (activated and rewarded)' }),
  },
  { title: 'RankEventView' },
);

export const RankEventList = Type.Object(
  {
    events: Type.Array(RankEventView, { description: 'Newest first' }),
    next: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `before` for the next page; null on the last' }),
  },
  { title: 'RankEventList' },
);
export type RankEventList = Static<typeof RankEventList>;
