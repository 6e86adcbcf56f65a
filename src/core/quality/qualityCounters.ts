import type { ObservedType } from './propertyType.js';

/**
 * The data-quality counters kept on the collect path, one per UTC day: what the event log
 * does not hold (rejected events, the type each property arrived with, merges that were
 * skipped, events dated in the future before the clock-skew correction clamped them).
 *
 * - `received`: subject `accepted`, `duplicate` or `rejected` (the rejection rate's denominator)
 * - `rejected`: subject the error code, detail the pipeline step
 * - `event`: subject the event key (how many events of it: the missing-property rate's denominator)
 * - `property`: subject the event key, detail the property, variant its ObservedType
 * - `unreadable`: subject the property path features or metrics read, detail the reason
 * - `mergeSkipped`: subject the reason (`merge-limit`, `distinct-users`)
 * - `future`: subject the event key
 * - `overflow`: subject the kind whose new keys were dropped past the day's limit
 * - `volume`: the events stored, by call type, name, source and lateness (volumeTally.ts): what
 *   the log holds too, tallied so that the report need not read a week of the log
 */
export type CounterKind = 'received' | 'rejected' | 'event' | 'property' | 'unreadable' | 'mergeSkipped' | 'future' | 'overflow' | 'volume';

export interface QualityCounter {
  /** Days since the epoch (UTC). */
  readonly day: number;
  readonly kind: CounterKind;
  readonly subject: string;
  readonly detail: string;
  readonly variant: string;
  readonly count: number;
}

export const DAY_MS = 86_400_000;

/** The UTC day of a time, in days since the epoch. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/**
 * The key of an event in the counters: `track:<name>` for track calls, the call type for the
 * others (their names, page titles, are not a small set). Unambiguous: only track keys hold a colon.
 */
export function eventKey(type: string, name: string | null): string {
  return type === 'track' ? `track:${name ?? ''}` : type;
}

/** The event key read back: the call type and, for track calls, the name. */
export function readEventKey(key: string): { readonly type: string; readonly event: string | null } {
  return key.startsWith('track:') ? { type: 'track', event: key.slice('track:'.length) } : { type: key, event: null };
}

/**
 * The object whose top-level keys the report counts: properties of track, page and screen
 * calls, traits of identify and group calls.
 */
export function countedProperties(event: { readonly type: string; readonly properties: Readonly<Record<string, unknown>> | null; readonly traits: Readonly<Record<string, unknown>> | null }): Readonly<Record<string, unknown>> | null {
  return event.type === 'identify' || event.type === 'group' ? event.traits : event.type === 'alias' ? null : event.properties;
}

/** Distinct keys a workspace's day breaks down (event keys; volume keys apart); later ones are counted as overflow. */
export const MAX_EVENT_KEYS_PER_DAY = 500;

/** Only the first keys of a properties object are counted: a runaway payload must not grow the counters. */
export const MAX_PROPERTIES_PER_EVENT = 100;

export type PropertyTypeCounts = Partial<Record<ObservedType, number>>;
