import { Type, type Static } from 'typebox';
import { RecommendFilters, RecommendStrategySchema } from '../core/decide/RecommendationSlot.js';

/** The shapes of POST /v1/recommend: the SDKs type their calls from here. */

const ItemId = Type.String({ minLength: 1, maxLength: 256 });

export const RecommendRequest = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    userHash: Type.Optional(Type.String({ maxLength: 128, description: 'As for /v1/decide: where identity verification is on, a userId sent with the write key counts only with it' })),
    strategy: Type.Optional(RecommendStrategySchema),
    items: Type.Optional(Type.Array(ItemId, { maxItems: 50, description: 'The product on screen or the cart: what the list is about (never recommended back)' })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Default 10' })),
    locale: Type.Optional(Type.String({ maxLength: 35, description: 'BCP 47; picks the item titles' })),
    filters: Type.Optional(RecommendFilters),
    writeKey: Type.Optional(Type.String({ description: 'The write key, for browsers that send text/plain (else Basic or Bearer auth)' })),
  },
  { additionalProperties: false, title: 'RecommendRequest' },
);
export type RecommendRequest = Static<typeof RecommendRequest>;

export const RecommendResponse = Type.Object(
  {
    profileId: Type.Union([Type.String(), Type.Null()]),
    identity: Type.String({ description: 'How the userId was taken (as for /v1/decide)' }),
    personalized: Type.Boolean({ description: 'Whether the visitor\'s own history was used: false without a profile or without consent to personalise' }),
    strategy: Type.String(),
    situation: Type.String({ description: 'known-user, thin-history, anonymous-session, cold, or seeded (an explicit strategy)' }),
    fallback: Type.Union([Type.String(), Type.Null()], { description: 'The strategy that gave the first item when it is not the one asked for or called for' }),
    model: Type.Union([Type.Object({ version: Type.Integer(), kind: Type.String() }), Type.Null()], {
      description: 'The trained collaborative model behind the `collaborative` strategy (POST /admin/v1/recommenders/train), or null while none is active',
    }),
    items: Type.Array(Type.Object({
      id: Type.String(),
      title: Type.String(),
      category: Type.Array(Type.String()),
      price: Type.Union([Type.Number(), Type.Null()]),
      currency: Type.Union([Type.String(), Type.Null()]),
      availability: Type.String(),
      score: Type.Number({ description: 'The strategy\'s score (scores of different strategies do not compare)' }),
      strategy: Type.String(),
      reason: Type.String({ description: 'Why, in words: "because you viewed X", "trending now"' }),
      because: Type.Union([Type.String(), Type.Null()], { description: 'The item behind it, where there is one' }),
    })),
  },
  { title: 'RecommendResponse' },
);
export type RecommendResponse = Static<typeof RecommendResponse>;
