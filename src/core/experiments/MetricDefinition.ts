import { Type, type Static } from 'typebox';
import { MetricId } from './ExperimentDefinition.js';

const EventName = Type.String({ minLength: 1, maxLength: 200, description: 'The event name (a track event, or an Attune interaction event)' });
const Where = Type.String({ minLength: 1, maxLength: 2000, description: 'A rule over the event (root `event`: type, name, properties) that an event must match' });
const PropertyPath = Type.String({ pattern: '^[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z0-9_$]+)*$', description: 'Dotted path in the event\'s properties (e.g. revenue); non-numeric values count as 0' });
const Window = Type.String({ pattern: '^\\d{1,5}[mhdw]$', description: 'Attribution window after the unit\'s first exposure (30m, 24h, 7d, 2w)' });
const OptionalWindow = Type.Optional(Type.String({ pattern: '^\\d{1,5}[mhdw]$', description: 'Attribution window after the first exposure; none means until the analysis' }));

/** One side of a ratio metric: the sum of `property` over matching events, or their count without one. */
export const RatioPart = Type.Object(
  { event: EventName, property: Type.Optional(PropertyPath), where: Type.Optional(Where) },
  { additionalProperties: false },
);
export type RatioPart = Static<typeof RatioPart>;

/**
 * A goal metric, declared. Every exposed unit contributes one value (0 when it had no matching
 * event), from the events at or after its first exposure and within the window:
 * - `conversion`: 1 if a matching event happened within the window, else 0 (binomial);
 * - `mean`: the sum of `property` over matching events (revenue per visitor);
 * - `ratio`: a (numerator, denominator) pair; the metric is Σnumerator/Σdenominator over the
 *   arm, analysed with the delta method (average order value = revenue / orders,
 *   click-through rate = clicks / impressions);
 * - `count`: the number of matching events.
 *
 * @example { "id": "purchase-7d", "kind": "conversion", "event": "Order Completed", "window": "7d" }
 * @example { "id": "revenue-per-visitor", "kind": "mean", "event": "Order Completed", "property": "revenue", "window": "14d" }
 * @example { "id": "aov", "kind": "ratio", "numerator": { "event": "Order Completed", "property": "revenue" }, "denominator": { "event": "Order Completed" } }
 */
export const MetricDefinition = Type.Union([
  Type.Object(
    { id: MetricId, name: Type.Optional(Type.String({ maxLength: 200 })), kind: Type.Literal('conversion'), event: EventName, window: Window, where: Type.Optional(Where) },
    { additionalProperties: false },
  ),
  Type.Object(
    { id: MetricId, name: Type.Optional(Type.String({ maxLength: 200 })), kind: Type.Literal('mean'), event: EventName, property: PropertyPath, window: OptionalWindow, where: Type.Optional(Where) },
    { additionalProperties: false },
  ),
  Type.Object(
    { id: MetricId, name: Type.Optional(Type.String({ maxLength: 200 })), kind: Type.Literal('ratio'), numerator: RatioPart, denominator: RatioPart, window: OptionalWindow },
    { additionalProperties: false },
  ),
  Type.Object(
    { id: MetricId, name: Type.Optional(Type.String({ maxLength: 200 })), kind: Type.Literal('count'), event: EventName, window: OptionalWindow, where: Type.Optional(Where) },
    { additionalProperties: false },
  ),
], { title: 'MetricDefinition' });
export type MetricDefinition = Static<typeof MetricDefinition>;
export type MetricKind = MetricDefinition['kind'];
