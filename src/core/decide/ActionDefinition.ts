import { Type, type Static } from 'typebox';
import { CapRules } from './caps.js';
import { RecommendationSpec } from './RecommendationSlot.js';

/** Ids of actions and placements: used in URLs, events and rules. */
export const DecisionId = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,99}$', description: 'Lower case letters, digits, _ . -; at most 100 characters' });

const IsoTime = Type.String({ format: 'date-time', description: 'ISO 8601 date and time' });

/**
 * Something Attune may show or send: an offer, a banner, a message, a popup, a chat prompt,
 * a recommendation slot. It is eligible where its placements are asked for, when its rule
 * holds, inside its schedule and its caps; its content has one variant per locale.
 *
 * @example { "id": "spring-sale", "placements": ["home-hero"], "rule": "features.orders_90d >= 1", "priority": 10, "value": 25, "variants": { "default": { "title": "Spring sale, {{ profile.traits.first_name | \"friend\" }}" }, "de": { "title": "Frühlingsaktion" } }, "caps": { "perProfile": [{ "max": 3, "window": "24h" }] } }
 */
export const ActionDefinition = Type.Object(
  {
    id: DecisionId,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    kind: Type.Optional(Type.String({ maxLength: 40, description: 'What it is (offer, banner, message, popup, chat_prompt, recommendations); free text for reports; a recommendation slot is the action with `recommend`' })),
    placements: Type.Array(DecisionId, { minItems: 1, maxItems: 50, uniqueItems: true, description: 'The placements it may fill' }),
    channel: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'When given, only placements of this channel show it' })),
    rule: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000, description: 'Eligibility, in the rules language (docs/rules.md); none means everyone' })),
    priority: Type.Number({ default: 0, description: 'Higher first under the priority strategy; the weight under weighted random' }),
    value: Type.Number({ default: 0, minimum: 0, description: 'What a conversion is worth (revenue or margin), for the expected-value strategy' }),
    schedule: Type.Optional(Type.Object({ start: Type.Optional(IsoTime), end: Type.Optional(IsoTime) }, { additionalProperties: false, description: 'Shown from start (inclusive) until end (exclusive)' })),
    variants: Type.Record(Type.String({ pattern: '^(default|[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*)$' }), Type.Unknown(), {
      minProperties: 1,
      description: 'Content (JSON) per locale: de-CH, de, ..., default. A request falls back along its locale chain (de-CH -> de -> default); an action with no variant on the chain is skipped. Strings may hold {{ path }} placeholders, HTML-escaped; {{{ path }}} is raw only for content.* and action.* (README, Templates)',
    }),
    caps: Type.Optional(CapRules),
    recommend: Type.Optional(RecommendationSpec),
    enabled: Type.Optional(Type.Boolean({ default: true, description: 'A disabled action is never chosen' })),
  },
  { additionalProperties: false, title: 'ActionDefinition' },
);
export type ActionDefinition = Static<typeof ActionDefinition>;
