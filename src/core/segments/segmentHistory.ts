/** Entries into and exits from a segment on one UTC day (`day`: the day's start, milliseconds since the epoch). */
export interface SegmentDayChanges {
  readonly day: number;
  readonly entries: number;
  readonly exits: number;
}

/** One day of a segment's history: its size at the end of the day, and the entries and exits during it. */
export interface SegmentDay {
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string;
  readonly size: number;
  readonly entries: number;
  readonly exits: number;
}

export const dayMillis = 24 * 60 * 60 * 1000;

/** The start (UTC midnight) of the first of `days` days ending with the day of `now`. */
export function historyStart(now: number, days: number): number {
  return Math.floor(now / dayMillis) * dayMillis - (days - 1) * dayMillis;
}

/**
 * A segment's size at the end of each of the `days` days ending today, from its size now and
 * the entries and exits of each day (`changes`, any order, days outside the window ignored):
 * walking back from today, the size the day before is today's less today's entries plus its
 * exits. Only membership changes are kept, so this is exact as long as they are (erasure and
 * retention remove a person's changes with them; the sizes then count the people still kept).
 *
 * @example segmentHistory([{ day: 86_400_000, entries: 3, exits: 1 }], 5, 2 * 86_400_000 - 1, 2)
 * // [{ day: '1970-01-01', size: 3, entries: 0, exits: 0 }, { day: '1970-01-02', size: 5, entries: 3, exits: 1 }]
 */
export function segmentHistory(changes: readonly SegmentDayChanges[], currentSize: number, now: number, days: number): SegmentDay[] {
  const start = historyStart(now, days);
  const byDay = new Map(changes.map((c) => [c.day, c]));
  const result: SegmentDay[] = [];
  let size = currentSize;
  for (let i = days - 1; i >= 0; i--) {
    const day = start + i * dayMillis;
    const found = byDay.get(day);
    const entries = found?.entries ?? 0;
    const exits = found?.exits ?? 0;
    result.push({ day: new Date(day).toISOString().slice(0, 10), size, entries, exits });
    size = size - entries + exits;
  }
  return result.reverse();
}
