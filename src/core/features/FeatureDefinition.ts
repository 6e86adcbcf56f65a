import { Type, type Static } from 'typebox';

export const aggregates = ['count', 'sum', 'min', 'max', 'first', 'last', 'distinct_count', 'decayed'] as const;
// The literals are spelled out below (not mapped from these lists) so that Static<> keeps the union.

/**
 * A real-time feature, declared (admin API or a JSON/YAML file) rather than coded.
 *
 * @example { "name": "orders_90d", "aggregate": "count", "events": ["Order Completed"], "window": "90d" }
 * @example { "name": "category_affinity", "aggregate": "decayed", "types": ["page", "track"], "property": "properties.category", "halfLife": "14d" }
 */
export const FeatureDefinition = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'Read in rules as features.<name>' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    aggregate: Type.Union([
      Type.Literal('count'), Type.Literal('sum'), Type.Literal('min'), Type.Literal('max'),
      Type.Literal('first'), Type.Literal('last'), Type.Literal('distinct_count'), Type.Literal('decayed'),
    ]),
    events: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100, description: 'Track event names counted; implies types ["track"] unless types is given' })),
    types: Type.Optional(Type.Array(Type.Union([
      Type.Literal('track'), Type.Literal('identify'), Type.Literal('page'), Type.Literal('screen'), Type.Literal('group'), Type.Literal('alias'),
    ]), { maxItems: 6, description: 'Call types counted (default: all, or track when events is given)' })),
    where: Type.Optional(Type.String({ maxLength: 2000, description: 'A rule over the event (root `event`) that an event must match' })),
    property: Type.Optional(Type.String({ pattern: '^[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z0-9_$]+)*$', description: 'Dotted path in the event (e.g. properties.revenue): the value summed, compared, kept, or the key of a decayed score' })),
    weight: Type.Optional(Type.String({ pattern: '^[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z0-9_$]+)*$', description: 'decayed: dotted path of the weight added per event (default 1)' })),
    window: Type.Optional(Type.String({ pattern: '^(lifetime|\\d{1,5}[mhdw])$', description: 'e.g. 1h, 24h, 7d, 30d, 90d, or lifetime (default)' })),
    halfLife: Type.Optional(Type.String({ pattern: '^\\d{1,5}[mhdw]$', description: 'decayed: the time in which a score halves' })),
    maxKeys: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'decayed and distinct_count: keys kept per profile (default 50)' })),
  },
  { additionalProperties: false, title: 'FeatureDefinition' },
);
export type FeatureDefinition = Static<typeof FeatureDefinition>;
