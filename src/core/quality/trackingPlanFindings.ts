import { readEventKey, type PropertyTypeCounts } from './qualityCounters.js';
import type { ObservedType } from './propertyType.js';
import type { TrackingPlan } from './TrackingPlan.js';

export interface PlannedEventFindings {
  readonly event: string;
  /** Events of this name in the period. */
  readonly seen: number;
  /** Required properties absent or null, with their count and share of the events. */
  readonly missing: readonly { readonly property: string; readonly count: number; readonly rate: number }[];
  /** Typed properties that arrived with another type, and the types they came as. */
  readonly wrongType: readonly { readonly property: string; readonly count: number; readonly types: PropertyTypeCounts }[];
  /** Properties that arrived and the plan does not name. */
  readonly unplannedProperties: readonly { readonly property: string; readonly count: number }[];
}

export interface TrackingPlanFindings {
  readonly events: readonly PlannedEventFindings[];
  /** Track events that arrived and the plan does not name. */
  readonly unplannedEvents: readonly { readonly event: string; readonly count: number }[];
}

/** A planned property's allowed types as a list (the plan may give one or several). */
function plannedTypesOf(type: unknown): readonly string[] {
  if (Array.isArray(type)) return type.filter((t): t is string => typeof t === 'string');
  return typeof type === 'string' ? [type] : [];
}

function presentCount(types: PropertyTypeCounts | undefined): number {
  if (types === undefined) return 0;
  let n = 0;
  for (const [t, c] of Object.entries(types)) if (t !== 'null') n += c ?? 0;
  return n;
}

/**
 * A tracking plan against the counts of what arrived (track events only, as Segment Protocols'
 * track plans): for each planned event, how often each required property was missing (events
 * minus those carrying it, null counting as missing) and how often a typed one came with a type
 * the plan does not allow; then the events and properties the plan does not name.
 *
 * @example trackingPlanFindings(plan, new Map([['track:Order Completed', 10]]), new Map([['track:Order Completed', new Map([['revenue', { number: 7 }]])]]), allowed)
 * // Order Completed: revenue missing 3 of 10
 */
export function trackingPlanFindings(
  plan: TrackingPlan,
  eventCounts: ReadonlyMap<string, number>,
  propertyCounts: ReadonlyMap<string, ReadonlyMap<string, PropertyTypeCounts>>,
  allowed: (observed: ObservedType, planned: string) => boolean,
): TrackingPlanFindings {
  const planned = new Set(plan.events.map((e) => e.event));
  const events = plan.events.map((e): PlannedEventFindings => {
    const key = `track:${e.event}`;
    const seen = eventCounts.get(key) ?? 0;
    const props = propertyCounts.get(key) ?? new Map<string, PropertyTypeCounts>();
    const missing = e.properties.filter((p) => p.required === true)
      .map((p) => ({ property: p.name, count: seen - presentCount(props.get(p.name)) }))
      .filter((m) => m.count > 0)
      .map((m) => ({ ...m, rate: m.count / seen }));
    const wrongType = e.properties.filter((p) => p.type !== undefined).flatMap((p) => {
      const types = props.get(p.name);
      if (types === undefined) return [];
      const allowedTypes = plannedTypesOf(p.type);
      const wrong: PropertyTypeCounts = {};
      let count = 0;
      for (const [t, c] of Object.entries(types) as [ObservedType, number][]) {
        // An absent value is the required flag's business, not a type.
        if (t === 'null' && !allowedTypes.includes('null')) continue;
        if (!allowedTypes.some((a) => allowed(t, a))) {
          wrong[t] = c;
          count += c;
        }
      }
      return count > 0 ? [{ property: p.name, count, types: wrong }] : [];
    });
    const names = new Set(e.properties.map((p) => p.name));
    const unplannedProperties = [...props].filter(([name]) => !names.has(name))
      .map(([property, types]) => ({ property, count: presentCount(types) }))
      .filter((u) => u.count > 0)
      .sort((a, b) => b.count - a.count || a.property.localeCompare(b.property));
    return { event: e.event, seen, missing, wrongType, unplannedProperties };
  });
  const unplannedEvents = [...eventCounts].flatMap(([key, count]) => {
    const { type, event } = readEventKey(key);
    return type === 'track' && event !== null && !planned.has(event) ? [{ event, count }] : [];
  }).sort((a, b) => b.count - a.count || a.event.localeCompare(b.event));
  return { events, unplannedEvents };
}
