/**
 * Recent traffic of one workspace: events stored per minute of arrival and source
 * (`context.library.name`), over the last hour. The overview's "events per minute by source"
 * reads it; the day tally (volumeTally.ts) answers for longer periods. Times are parameters:
 * the collect path adds at each event's arrival, a reader asks at its clock's now.
 *
 * Bounded: 60 minutes are kept (older ones go as newer ones arrive), and at most
 * MAX_SOURCES_PER_MINUTE distinct sources per minute; later ones are summed as overflow.
 */
export const TRAFFIC_MINUTES = 60;
export const MAX_SOURCES_PER_MINUTE = 20;
const MINUTE_MS = 60_000;

export interface TrafficSeries {
  /** The start of the first minute (ms since the epoch); minute i starts `i` minutes later. */
  readonly since: number;
  readonly minutes: number;
  /** Per source (null: events without one), events in each minute; sorted by total, then source. */
  readonly bySource: readonly { readonly source: string | null; readonly overflow: boolean; readonly perMinute: readonly number[] }[];
}

/** The sources' key in a minute's map: the overflow's cannot be a source, which is a string or null. */
const OVERFLOW = Symbol('overflow');
type SourceKey = string | null | typeof OVERFLOW;

export class MinuteTraffic {
  /** Minute (since the epoch) -> source -> events. */
  private readonly minutes = new Map<number, Map<SourceKey, number>>();
  private latest = Number.NEGATIVE_INFINITY;

  /** One stored event, by its arrival time. */
  add(at: number, source: string | null): void {
    const minute = Math.floor(at / MINUTE_MS);
    let counts = this.minutes.get(minute);
    if (counts === undefined) {
      if (minute <= this.latest - TRAFFIC_MINUTES) return;
      this.minutes.set(minute, counts = new Map());
      if (minute > this.latest) {
        this.latest = minute;
        for (const m of this.minutes.keys()) if (m <= minute - TRAFFIC_MINUTES) this.minutes.delete(m);
      }
    }
    const key: SourceKey = counts.has(source) || counts.size < MAX_SOURCES_PER_MINUTE ? source : OVERFLOW;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  /**
   * The last `minutes` whole minutes up to `now`, the current one (partial) last.
   *
   * @example traffic.series(Date.parse('2026-03-02T10:00:30Z'), 5).since === Date.parse('2026-03-02T09:56:00Z')
   */
  series(now: number, minutes = TRAFFIC_MINUTES): TrafficSeries {
    const n = Math.max(1, Math.min(TRAFFIC_MINUTES, Math.floor(minutes)));
    const first = Math.floor(now / MINUTE_MS) - n + 1;
    const bySource = new Map<SourceKey, number[]>();
    for (let i = 0; i < n; i++) {
      for (const [source, count] of this.minutes.get(first + i) ?? []) {
        let values = bySource.get(source);
        if (values === undefined) bySource.set(source, values = new Array<number>(n).fill(0));
        values[i] = count;
      }
    }
    const total = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);
    const rows = [...bySource].map(([source, perMinute]) => ({ source: source === OVERFLOW ? null : source, overflow: source === OVERFLOW, perMinute }));
    rows.sort((a, b) => total(b.perMinute) - total(a.perMinute) || Number(a.overflow) - Number(b.overflow) || (a.source ?? '').localeCompare(b.source ?? ''));
    return { since: first * MINUTE_MS, minutes: n, bySource: rows };
  }
}
