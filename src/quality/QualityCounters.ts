import type { CollectTally } from '../collect/Collector.js';
import type { CollectedEvent } from '../core/events/CollectedEvent.js';
import { aheadOfArrival, FUTURE_TOLERANCE_MS } from '../core/quality/eventTiming.js';
import { propertyType, type ObservedType } from '../core/quality/propertyType.js';
import { countedProperties, dayOf, eventKey, MAX_EVENT_KEYS_PER_DAY, MAX_PROPERTIES_PER_EVENT, type CounterKind, type PropertyTypeCounts } from '../core/quality/qualityCounters.js';
import { MinuteTraffic, type TrafficSeries } from '../core/quality/minuteTraffic.js';
import { latenessClass, librarySource, VOLUME_OVERFLOW, volumeSubject, type LatenessClass } from '../core/quality/volumeTally.js';
import type { CommitOutcome } from '../profiles/applyEvent.js';
import type { QualityStore, WorkspaceQualityCounter } from '../store/ports.js';

interface EventTally {
  count: number;
  future: number;
  readonly properties: Map<string, PropertyTypeCounts>;
}

/** One workspace's counts of one UTC day, since the last write. */
interface DayTally {
  readonly received: { accepted: number; duplicate: number; rejected: number };
  readonly rejected: Map<string, Map<string, number>>;
  readonly events: Map<string, EventTally>;
  readonly unreadable: Map<string, Map<string, number>>;
  readonly mergeSkipped: Map<string, number>;
  readonly overflow: Map<string, number>;
  /** Stored events by volume subject (volumeTally.ts), then lateness class. */
  readonly volume: Map<string, Map<LatenessClass, number>>;
  /** Stored events past the day's cap of distinct volume keys, by call type, then lateness class. */
  readonly volumeOverflow: Map<string, Map<LatenessClass, number>>;
}

export interface QualityCountersOptions {
  /** How long counts wait in memory before they are written (default 1 s, as the state). */
  readonly writeMillis?: number;
  /** Distinct event keys a workspace may add in one day; later ones are counted as overflow (default 500). */
  readonly maxEventKeysPerDay?: number;
  readonly onError: (error: unknown) => void;
}

const increment = <K>(map: Map<K, number>, key: K, n = 1): void => {
  map.set(key, (map.get(key) ?? 0) + n);
};

const nested = <K>(map: Map<string, Map<K, number>>, a: string, b: K): void => {
  let inner = map.get(a);
  if (inner === undefined) map.set(a, inner = new Map());
  increment(inner, b);
};

/**
 * Whether a key may be counted on its own on the day of `at`: it was seen that day already, or
 * the workspace's day has room for another (at most `max` distinct keys a day).
 */
function admitKey(seen: Map<string, { day: number; keys: Set<string> }>, workspaceId: string, key: string, at: number, max: number): boolean {
  const d = dayOf(at);
  let today = seen.get(workspaceId);
  if (today === undefined || today.day < d) seen.set(workspaceId, today = { day: d, keys: new Set() });
  if (today.keys.has(key)) return true;
  if (today.keys.size >= max) return false;
  today.keys.add(key);
  return true;
}

/**
 * The data-quality counters of the collect path (core/quality/qualityCounters.ts): counted in
 * memory per workspace and UTC day of arrival, written behind every second as one summing
 * upsert per counter and batch (`QualityStore.addCounters`), so an event costs a few map
 * updates and never a write of its own. A crash loses at most the last second of counts; they
 * are not derived from the log, so `attune rebuild` leaves them as they are, but for the volume
 * tally (volumeTally.ts), which it recounts from the log.
 */
export class QualityCounters implements CollectTally {
  private pending = new Map<string, Map<number, DayTally>>();
  /** The tally the last event went to: a batch's events share a workspace and a day, so most skip the maps. */
  private last: { workspaceId: string; day: number; tally: DayTally } | null = null;
  /** Event keys seen per workspace on its latest day, to bound the distinct keys a day can add. */
  private readonly keysToday = new Map<string, { day: number; keys: Set<string> }>();
  /** Volume subjects seen per workspace on its latest day, bounded alike (page names and sources are keys too). */
  private readonly volumeKeysToday = new Map<string, { day: number; keys: Set<string> }>();
  /** The last hour's events per minute and source, per workspace: in memory only (see `traffic`). */
  private readonly recent = new Map<string, MinuteTraffic>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly writeMillis: number;
  private readonly maxKeys: number;

  constructor(private readonly store: Pick<QualityStore, 'addCounters'>, private readonly options: QualityCountersOptions) {
    this.writeMillis = options.writeMillis ?? 1000;
    this.maxKeys = options.maxEventKeysPerDay ?? MAX_EVENT_KEYS_PER_DAY;
  }

  rejected(workspaceId: string, receivedAt: number, code: string, step: string): void {
    const day = this.day(workspaceId, receivedAt);
    day.received.rejected++;
    nested(day.rejected, code, step);
  }

  committed(workspaceId: string, event: CollectedEvent, outcome: CommitOutcome): void {
    const day = this.day(workspaceId, event.receivedAt);
    if (outcome.kind === 'duplicate') {
      day.received.duplicate++;
      return;
    }
    day.received.accepted++;
    this.countVolume(workspaceId, day, event);
    if (outcome.mergeSkipped !== null) increment(day.mergeSkipped, outcome.mergeSkipped);
    for (const u of outcome.unreadable) nested(day.unreadable, u.path, u.reason);
    const tally = this.eventTally(workspaceId, day, eventKey(event.type, event.name), event.receivedAt);
    if (tally === undefined) return;
    tally.count++;
    // Only an event the clock-skew correction clamped can have been dated ahead of its arrival.
    if (event.timestamp === event.receivedAt && this.isFutureDated(event)) tally.future++;
    const props = countedProperties(event);
    if (props === null) return;
    let seen = 0;
    for (const name in props) {
      if (!Object.hasOwn(props, name)) continue;
      if (++seen > MAX_PROPERTIES_PER_EVENT) break;
      let types = tally.properties.get(name);
      if (types === undefined) tally.properties.set(name, types = {});
      const t = propertyType(props[name]);
      types[t] = (types[t] ?? 0) + 1;
    }
  }

  /**
   * The workspace's events per minute and source over the last `minutes` (at most 60) up to
   * `now`. Kept in this process's memory, never written: a restart starts it empty, and events
   * another process collects (an `attune import`) are not in it. The day tally has them all.
   */
  traffic(workspaceId: string, now: number, minutes?: number): TrafficSeries {
    return (this.recent.get(workspaceId) ?? new MinuteTraffic()).series(now, minutes);
  }

  /** Writes every count waiting now; settles once they are stored. */
  async flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.size === 0) return;
    const rows = this.rows(this.pending);
    this.pending = new Map();
    this.last = null;
    await this.store.addCounters(rows);
  }

  /** An accepted event is one the log stores: counted as the log query counted it. */
  private countVolume(workspaceId: string, day: DayTally, event: CollectedEvent): void {
    const source = librarySource(event.body);
    let recent = this.recent.get(workspaceId);
    if (recent === undefined) this.recent.set(workspaceId, recent = new MinuteTraffic());
    recent.add(event.receivedAt, source);
    const subject = volumeSubject(event.type, event.name, source);
    const cls = latenessClass(event.receivedAt, event.timestamp);
    if (day.volume.has(subject) || admitKey(this.volumeKeysToday, workspaceId, subject, event.receivedAt, this.maxKeys)) nested(day.volume, subject, cls);
    else nested(day.volumeOverflow, event.type, cls);
  }

  private isFutureDated(event: CollectedEvent): boolean {
    const { originalTimestamp, sentAt } = event.body;
    if (typeof originalTimestamp !== 'string') return false;
    const parsed = Date.parse(originalTimestamp);
    const sent = typeof sentAt === 'string' ? Date.parse(sentAt) : null;
    return aheadOfArrival({ originalTimestamp: parsed, sentAt: sent, receivedAt: event.receivedAt }) > FUTURE_TOLERANCE_MS;
  }

  private day(workspaceId: string, at: number): DayTally {
    const d = dayOf(at);
    const last = this.last;
    if (last !== null && last.workspaceId === workspaceId && last.day === d) return last.tally;
    let days = this.pending.get(workspaceId);
    if (days === undefined) this.pending.set(workspaceId, days = new Map());
    let tally = days.get(d);
    if (tally === undefined) {
      tally = { received: { accepted: 0, duplicate: 0, rejected: 0 }, rejected: new Map(), events: new Map(), unreadable: new Map(), mergeSkipped: new Map(), overflow: new Map(), volume: new Map(), volumeOverflow: new Map() };
      days.set(d, tally);
      this.schedule();
    }
    this.last = { workspaceId, day: d, tally };
    return tally;
  }

  private eventTally(workspaceId: string, day: DayTally, key: string, at: number): EventTally | undefined {
    const existing = day.events.get(key);
    if (existing !== undefined) return existing;
    if (!admitKey(this.keysToday, workspaceId, key, at, this.maxKeys)) {
      increment(day.overflow, 'event');
      return undefined;
    }
    const tally: EventTally = { count: 0, future: 0, properties: new Map() };
    day.events.set(key, tally);
    return tally;
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch(this.options.onError);
    }, this.writeMillis);
    // Waiting counts must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  private rows(pending: Map<string, Map<number, DayTally>>): WorkspaceQualityCounter[] {
    const rows: WorkspaceQualityCounter[] = [];
    for (const [workspaceId, days] of pending) {
      for (const [day, t] of days) {
        const row = (kind: CounterKind, subject: string, count: number, detail = '', variant = ''): void => {
          if (count > 0) rows.push({ workspaceId, day, kind, subject, detail, variant, count });
        };
        row('received', 'accepted', t.received.accepted);
        row('received', 'duplicate', t.received.duplicate);
        row('received', 'rejected', t.received.rejected);
        for (const [code, steps] of t.rejected) for (const [step, n] of steps) row('rejected', code, n, step);
        for (const [key, e] of t.events) {
          row('event', key, e.count);
          row('future', key, e.future);
          for (const [name, types] of e.properties) for (const [type, n] of Object.entries(types) as [ObservedType, number][]) row('property', key, n, name, type);
        }
        for (const [path, reasons] of t.unreadable) for (const [reason, n] of reasons) row('unreadable', path, n, reason);
        for (const [reason, n] of t.mergeSkipped) row('mergeSkipped', reason, n);
        for (const [kind, n] of t.overflow) row('overflow', kind, n);
        for (const [subject, classes] of t.volume) for (const [cls, n] of classes) row('volume', subject, n, cls);
        for (const [type, classes] of t.volumeOverflow) for (const [cls, n] of classes) row('volume', volumeSubject(type, null, null), n, cls, VOLUME_OVERFLOW);
      }
    }
    return rows;
  }
}
