import { Type, type Static } from 'typebox';
import type { RecommendStrategy } from '../core/recommend/serve/recommendItems.js';

/** The shapes of POST /v1/recommend: the SDKs type their calls from here. */

const ItemId = Type.String({ minLength: 1, maxLength: 256 });
const CategoryPath = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 10, description: 'Broadest first: ["Men", "Shoes"]' });

export const RecommendRequest = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    userHash: Type.Optional(Type.String({ maxLength: 128, description: 'As for /v1/decide: where identity verification is on, a userId sent with the write key counts only with it' })),
    strategy: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('collaborative'), Type.Literal('popular'), Type.Literal('trending'), Type.Literal('viewed-together'), Type.Literal('bought-together'), Type.Literal('session')], {
      description: 'auto (default): the recommender that suits what is known of the visitor, falling back to trending items; collaborative (the trained model, or viewed-together while none is active); popular, trending, viewed-together, bought-together (on `items` or the history), session',
    })),
    items: Type.Optional(Type.Array(ItemId, { maxItems: 50, description: 'The product on screen or the cart: what the list is about (never recommended back)' })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Default 10' })),
    locale: Type.Optional(Type.String({ maxLength: 35, description: 'BCP 47; picks the item titles' })),
    filters: Type.Optional(Type.Object({
      inStock: Type.Optional(Type.Boolean({ description: 'Only items in stock (default true)' })),
      excludePurchased: Type.Optional(Type.Boolean({ description: 'Leave out what the visitor bought (default true)' })),
      excludeSeen: Type.Optional(Type.Boolean({ description: 'Leave out what the visitor viewed recently (default false)' })),
      exclude: Type.Optional(Type.Array(ItemId, { maxItems: 200 })),
      categories: Type.Optional(Type.Array(CategoryPath, { maxItems: 20, description: 'Only items under one of these category paths' })),
      maxPerCategory: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Diversity: at most this many items per category' })),
    }, { additionalProperties: false })),
    writeKey: Type.Optional(Type.String({ description: 'The write key, for browsers that send text/plain (else Basic or Bearer auth)' })),
  },
  { additionalProperties: false, title: 'RecommendRequest' },
);
export type RecommendRequest = Static<typeof RecommendRequest>;

// The schema lists the core's strategies: a strategy added there and not here is a type error.
const strategiesAgree: RecommendStrategy extends NonNullable<RecommendRequest['strategy']> ? true : never = true;
void strategiesAgree;

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
