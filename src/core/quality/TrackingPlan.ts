import { Type, type Static } from 'typebox';
import type { FaultDetail } from '../errors/AttuneError.js';

/** The types a planned property may have; `integer` is a number without a fraction. */
export const plannedTypes = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'] as const;
export type PlannedType = (typeof plannedTypes)[number];

const PlannedTypeSchema = Type.Union([
  Type.Literal('string'), Type.Literal('number'), Type.Literal('integer'), Type.Literal('boolean'), Type.Literal('object'), Type.Literal('array'), Type.Literal('null'),
]);

export const PlannedProperty = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'A top-level key of the event\'s `properties`' }),
    type: Type.Optional(Type.Union([PlannedTypeSchema, Type.Array(PlannedTypeSchema, { minItems: 1, maxItems: 7 })], { description: 'The JSON type(s) allowed; absent: any' })),
    required: Type.Optional(Type.Boolean({ default: false, description: 'Counted as missing when absent or null' })),
  },
  { additionalProperties: false, title: 'PlannedProperty' },
);
export type PlannedProperty = Static<typeof PlannedProperty>;

export const PlannedEvent = Type.Object(
  {
    event: Type.String({ minLength: 1, maxLength: 200, description: 'The track event\'s name, exactly as sent' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    properties: Type.Array(PlannedProperty, { maxItems: 200 }),
  },
  { additionalProperties: false, title: 'PlannedEvent' },
);
export type PlannedEvent = Static<typeof PlannedEvent>;

/**
 * A workspace's tracking plan, as Segment Protocols has them: the track events expected and,
 * for each, its properties with their types and whether they are required. It changes nothing
 * at collection (no event is blocked); the data-quality report reads the counts of what
 * arrived against it, so a plan set today also judges the days before it.
 *
 * @example { "events": [{ "event": "Order Completed", "properties": [{ "name": "revenue", "type": "number", "required": true }] }] }
 */
export const TrackingPlan = Type.Object(
  { events: Type.Array(PlannedEvent, { maxItems: 1000 }) },
  { additionalProperties: false, title: 'TrackingPlan' },
);
export type TrackingPlan = Static<typeof TrackingPlan>;

/**
 * What the schema cannot say: names are unique (an event once, a property once per event).
 * Gives every problem with the JSON pointer of the field at fault; empty when the plan is sound.
 */
export function checkTrackingPlan(plan: TrackingPlan): Omit<FaultDetail, 'code'>[] {
  const problems: Omit<FaultDetail, 'code'>[] = [];
  const events = new Set<string>();
  plan.events.forEach((e, i) => {
    if (events.has(e.event)) problems.push({ field: `/events/${i}/event`, message: `event "${e.event}" is planned twice` });
    events.add(e.event);
    const names = new Set<string>();
    e.properties.forEach((p, j) => {
      if (names.has(p.name)) problems.push({ field: `/events/${i}/properties/${j}/name`, message: `property "${p.name}" of "${e.event}" is planned twice` });
      names.add(p.name);
      if (Array.isArray(p.type) && new Set(p.type).size !== p.type.length) {
        problems.push({ field: `/events/${i}/properties/${j}/type`, message: `property "${p.name}" of "${e.event}" lists a type twice` });
      }
    });
  });
  return problems;
}
