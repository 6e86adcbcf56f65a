import type { CallType } from '../events/callTypes.js';

export const dayMillis = 86_400_000;

/**
 * How long a workspace keeps what it holds, in whole days; a kind left out is kept until
 * someone deletes it. Events: `keepDays` for every event, `byEvent` for track events by name
 * and `byType` for a call type (`page`, `identify`, ...), the most specific one winning, so an
 * override may keep an event longer or shorter than the default. `withoutAnalytics`: the
 * events of people who have not given the `analytics` purpose (`keep`, the default, leaves
 * that to the workspace); `decisions` and `audit` have their own periods.
 *
 * @example { events: { keepDays: 365, byEvent: { 'Order Completed': 3650 }, byType: { page: 30 } }, withoutAnalytics: { keepDays: 0 }, audit: { keepDays: 730 } }
 */
export interface RetentionPolicy {
  readonly events?: {
    readonly keepDays?: number;
    readonly byEvent?: Readonly<Record<string, number>>;
    readonly byType?: Readonly<Partial<Record<CallType, number>>>;
  };
  readonly withoutAnalytics?: 'keep' | { readonly keepDays: number };
  readonly decisions?: { readonly keepDays: number };
  readonly audit?: { readonly keepDays: number };
}

/**
 * A policy as instants (milliseconds since the epoch): what is older than an instant goes;
 * null keeps everything of that kind. The store applies these, so one computation decides.
 */
export interface RetentionCutOffs {
  readonly events: {
    readonly before: number | null;
    readonly byEvent: Readonly<Record<string, number>>;
    readonly byType: Readonly<Record<string, number>>;
  };
  readonly withoutAnalytics: number | null;
  readonly decisions: number | null;
  readonly audit: number | null;
}

/** Why an event goes: older than its period, or older than the period of events without `analytics`. */
export type EventVerdict = 'kept' | 'expired' | 'withoutAnalytics';

const cutOff = (now: number, keepDays: number | undefined): number | null => (keepDays === undefined ? null : now - keepDays * dayMillis);

function cutOffsOf(days: Readonly<Record<string, number | undefined>> | undefined, now: number): Record<string, number> {
  // fromEntries defines own properties: an event named `__proto__` stays a name.
  return Object.fromEntries(Object.entries(days ?? {}).flatMap(([key, keepDays]) => (keepDays === undefined ? [] : [[key, now - keepDays * dayMillis]])));
}

/**
 * The instants before which each kind is purged at `now`.
 *
 * @example retentionCutOffs({ events: { keepDays: 30 } }, now).events.before === now - 30 * dayMillis
 */
export function retentionCutOffs(policy: RetentionPolicy, now: number): RetentionCutOffs {
  const analytics = policy.withoutAnalytics;
  return {
    events: { before: cutOff(now, policy.events?.keepDays), byEvent: cutOffsOf(policy.events?.byEvent, now), byType: cutOffsOf(policy.events?.byType, now) },
    withoutAnalytics: analytics === undefined || analytics === 'keep' ? null : now - analytics.keepDays * dayMillis,
    decisions: cutOff(now, policy.decisions?.keepDays),
    audit: cutOff(now, policy.audit?.keepDays),
  };
}

/** The cut-off of one event: its track name's, else its call type's, else the default (null: kept). */
export function eventCutOff(cutOffs: RetentionCutOffs, type: string, name: string | null): number | null {
  const { byEvent, byType, before } = cutOffs.events;
  if (type === 'track' && name !== null && Object.hasOwn(byEvent, name)) return byEvent[name]!;
  if (Object.hasOwn(byType, type)) return byType[type]!;
  return before;
}

/**
 * The instant an event is aged from: when it happened, or when it arrived if that is earlier,
 * so a client clock set in the future cannot keep an event longer than its period.
 */
export function eventAge(timestamp: number, receivedAt: number): number {
  return Math.min(timestamp, receivedAt);
}

/**
 * Whether a purge at the cut-offs removes an event, and why. `withoutAnalytics`: the person
 * it belongs to has not given the `analytics` purpose (with the workspace's defaults).
 */
export function eventVerdict(cutOffs: RetentionCutOffs, event: { readonly type: string; readonly name: string | null; readonly at: number }, withoutAnalytics: boolean): EventVerdict {
  const before = eventCutOff(cutOffs, event.type, event.name);
  if (before !== null && event.at < before) return 'expired';
  if (withoutAnalytics && cutOffs.withoutAnalytics !== null && event.at < cutOffs.withoutAnalytics) return 'withoutAnalytics';
  return 'kept';
}

/** Whether the cut-offs remove any event at all (a purge with none reads no event). */
export function purgesEvents(cutOffs: RetentionCutOffs): boolean {
  const e = cutOffs.events;
  return e.before !== null || Object.keys(e.byEvent).length > 0 || Object.keys(e.byType).length > 0 || cutOffs.withoutAnalytics !== null;
}
