import type { JsonObject } from '../events/CollectedEvent.js';
import type { QualityCounter } from './qualityCounters.js';
import type { VolumeRow } from './qualityReport.js';

/**
 * The volume tally: events counted at collection per UTC day of arrival, call type, name,
 * source (`context.library.name`) and lateness class, as `volume` counters, so the report
 * reads a few hundred rows instead of a week of the log. Each figure here reproduces what the
 * log query it replaces (`GROUP BY day, type, name, json_extract(body, '$.context.library.name')`)
 * gave, so history backfilled from the log and counts kept since add up to the same report.
 *
 * Row encoding: subject `JSON.stringify([type, name, source])`, detail the lateness class,
 * variant `''`, or `'overflow'` for the events of a day past its cap of distinct keys (subject
 * `[type, null, null]`: the call type is kept, the name and source are not).
 */
export type LatenessClass = '' | '1h' | '1d' | '7d';

const HOUR_MS = 3_600_000;
const lateness: readonly { readonly over: number; readonly cls: LatenessClass }[] = [
  { over: 7 * 24 * HOUR_MS, cls: '7d' }, { over: 24 * HOUR_MS, cls: '1d' }, { over: HOUR_MS, cls: '1h' },
];

/** The class of an event's lateness (arrival minus its corrected time): more than a week, a day, an hour, or not late. */
export function latenessClass(receivedAt: number, timestamp: number): LatenessClass {
  const late = receivedAt - timestamp;
  for (const { over, cls } of lateness) if (late > over) return cls;
  return '';
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The source of an event: `context.library.name` as the log query read it. A string as sent;
 * another JSON value as its text (SQLite's json_extract gives booleans as 1 and 0, so they
 * read `1` and `0`, as history counted them); null when absent or null.
 *
 * @example librarySource({ context: { library: { name: 'analytics.js' } } }) // 'analytics.js'
 */
export function librarySource(body: JsonObject): string | null {
  const context = body['context'];
  if (!isObject(context)) return null;
  const library = context['library'];
  if (!isObject(library) || !Object.hasOwn(library, 'name')) return null;
  const name = library['name'];
  switch (typeof name) {
    case 'string': return name;
    case 'number': return String(name);
    case 'boolean': return name ? '1' : '0';
    case 'object': return name === null ? null : JSON.stringify(name);
    default: return null;
  }
}

/** The subject of a volume counter. */
export function volumeSubject(type: string, name: string | null, source: string | null): string {
  return JSON.stringify([type, name, source]);
}

export const VOLUME_OVERFLOW = 'overflow';

/**
 * The volume rows of the `volume` counters, summed per day and key. A key's count can be
 * below zero for a while: an erasure or a purge subtracts the deleted events under their own
 * key, also when the day counted them past its cap (under the overflow row) or when their
 * counts still wait in memory. Such a count is taken from the type's overflow row of the same
 * day, so every total stays exact.
 */
export function volumeFromCounters(counters: readonly QualityCounter[]): VolumeRow[] {
  interface Acc { day: number; type: string; name: string | null; source: string | null; overflow: boolean; byClass: Map<LatenessClass, number> }
  const keys = new Map<string, Acc>();
  const accOf = (day: number, type: string, name: string | null, source: string | null, overflow: boolean): Acc => {
    const key = JSON.stringify([day, type, name, source, overflow]);
    let acc = keys.get(key);
    if (acc === undefined) keys.set(key, acc = { day, type, name, source, overflow, byClass: new Map() });
    return acc;
  };
  for (const c of counters) {
    if (c.kind !== 'volume') continue;
    const [type, name, source] = JSON.parse(c.subject) as [string, string | null, string | null];
    const overflow = c.variant === VOLUME_OVERFLOW;
    const acc = overflow ? accOf(c.day, type, null, null, true) : accOf(c.day, type, name, source, false);
    const cls = c.detail as LatenessClass;
    acc.byClass.set(cls, (acc.byClass.get(cls) ?? 0) + c.count);
  }
  for (const acc of [...keys.values()]) {
    if (acc.overflow) continue;
    for (const [cls, n] of acc.byClass) {
      if (n >= 0) continue;
      const other = accOf(acc.day, acc.type, null, null, true);
      other.byClass.set(cls, (other.byClass.get(cls) ?? 0) + n);
      acc.byClass.set(cls, 0);
    }
  }
  const rows: VolumeRow[] = [];
  for (const acc of keys.values()) {
    const n = (cls: LatenessClass) => Math.max(0, acc.byClass.get(cls) ?? 0);
    const count = n('') + n('1h') + n('1d') + n('7d');
    if (count === 0) continue;
    rows.push({
      day: acc.day, type: acc.type, name: acc.name, source: acc.source, count,
      over1h: n('1h') + n('1d') + n('7d'), over1d: n('1d') + n('7d'), over7d: n('7d'),
      ...(acc.overflow ? { overflow: true } : {}),
    });
  }
  return rows;
}
