import { Type, type Static } from 'typebox';
import { DecisionId } from './ActionDefinition.js';
import { ScoringStrategy } from './scoring.js';

/**
 * A place where decisions are shown (a web slot, a popup, a chat prompt, an email block):
 * its channel, how many actions it takes, how it scores them, and the generic content for
 * anyone not eligible, not consenting or held out.
 *
 * @example { "id": "home-hero", "channel": "web", "count": 1, "strategy": { "kind": "priority" }, "defaultContent": { "title": "Welcome" } }
 */
export const PlacementDefinition = Type.Object(
  {
    id: DecisionId,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    channel: Type.String({ minLength: 1, maxLength: 40, pattern: '^[a-z][a-z0-9_-]*$', description: 'web, email, popup, chat, ... (frequency caps count per channel)' }),
    count: Type.Integer({ minimum: 1, maximum: 20, default: 1, description: 'Actions returned at most' }),
    strategy: ScoringStrategy,
    /** A candidate strategy run in shadow (computed and recorded, never served); not `thompson`, which has no allocation of its own. */
    shadow: Type.Optional(ScoringStrategy),
    defaultContent: Type.Unknown({ description: 'The generic content (JSON): shown when no action is chosen' }),
  },
  { additionalProperties: false, title: 'PlacementDefinition' },
);
export type PlacementDefinition = Static<typeof PlacementDefinition>;
