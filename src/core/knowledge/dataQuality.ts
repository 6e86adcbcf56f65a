import type { UnreadableNumber, UnreadableSink } from '../common/readNumber.js';

/**
 * A profile's unreadable numeric values: `[property path, count]` pairs, one per path in the
 * order first seen. Pairs, not an object: paths come from definitions, and a path such as
 * `__proto__` must stay data. Absent from the knowledge while there is none (bytes per profile).
 */
export type DataQuality = [string, number][];

/** What the profile and workspace APIs show: the total and the count per property path. */
export interface DataQualityView {
  readonly unreadableNumbers: number;
  readonly byProperty: Record<string, number>;
}

const none: readonly UnreadableNumber[] = [];

/**
 * The unreadable values of one event, one per property path: a value read by several
 * features and metrics (the built-in `revenue` and a revenue metric) is one bad value.
 */
export function distinctUnreadable(sink: UnreadableSink): readonly UnreadableNumber[] {
  if (sink.length === 0) return none;
  if (sink.length === 1) return sink;
  const distinct: UnreadableNumber[] = [];
  for (const u of sink) if (!distinct.some((d) => d.path === u.path)) distinct.push(u);
  return distinct;
}

/** Adds counts to a profile's figures, in place; gives the figures (a new list when there were none). */
export function countUnreadable(quality: DataQuality | undefined, unreadable: readonly { readonly path: string; readonly count?: number }[]): DataQuality | undefined {
  if (unreadable.length === 0) return quality;
  const counts = quality ?? [];
  for (const { path, count = 1 } of unreadable) {
    const entry = counts.find((e) => e[0] === path);
    if (entry === undefined) counts.push([path, count]);
    else entry[1] += count;
  }
  return counts;
}

/** The figures of a profile that absorbs another: the counts of both. */
export function mergeDataQuality(a: DataQuality | undefined, b: DataQuality | undefined): DataQuality | undefined {
  if (a === undefined && b === undefined) return undefined;
  const copy = (a ?? []).map(([path, count]): [string, number] => [path, count]);
  return countUnreadable(copy, (b ?? []).map(([path, count]) => ({ path, count })));
}

/**
 * The view of one profile's figures, or the sum over many (a workspace's). Stored figures
 * are read back from JSON: anything not a `[string, count]` pair is skipped.
 *
 * @example dataQualityView([[['properties.revenue', 2]], [['properties.revenue', 1]]]) // { unreadableNumbers: 3, byProperty: { 'properties.revenue': 3 } }
 */
export function dataQualityView(figures: Iterable<DataQuality | undefined>): DataQualityView {
  const byProperty: Record<string, number> = {};
  let total = 0;
  for (const quality of figures) {
    if (!Array.isArray(quality)) continue;
    for (const entry of quality) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') continue;
      const [path, count] = entry;
      total += count;
      const before = Object.hasOwn(byProperty, path) ? byProperty[path]! : 0;
      Object.defineProperty(byProperty, path, { value: before + count, writable: true, enumerable: true, configurable: true });
    }
  }
  return { unreadableNumbers: total, byProperty };
}
