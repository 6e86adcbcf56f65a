/**
 * The sessions a session recommender learns from: each session's clicks in order, its last
 * click time, and for each item the sessions that hold it. Built from training sessions by
 * replaying their clicks, and grown by the live server one click at a time (`addClick`), so
 * a session that is still going is a neighbour for others at once.
 */
export interface IndexedSession {
  /** A dense number for the session, in order of first click (the inverted index holds these). */
  readonly serial: number;
  readonly key: string;
  /** Every click's item, oldest first (repeats kept: sequential rules need the order). */
  readonly items: number[];
  readonly distinct: Set<number>;
  /** The last click's time (unix seconds): recency decides which neighbours are sampled. */
  time: number;
}

export interface SessionIndex {
  readonly byKey: Map<string, IndexedSession>;
  /** In serial order (a Map keeps insertion order): the first entry is the oldest session. */
  readonly bySerial: Map<number, IndexedSession>;
  /** The next session's serial (serials are never reused, so removed sessions leave no gap to fill). */
  nextSerial: number;
  /**
   * No session below this serial is left (removeOldestSession's cursor): a Map's first entry
   * after many deletions is found by skipping them all, which made each removal slower.
   */
  firstSerial: number;
  /** item -> serials of the sessions holding it, in order of the session's first click on it. */
  readonly itemSessions: Map<number, number[]>;
}

export function createSessionIndex(): SessionIndex {
  return { byKey: new Map(), bySerial: new Map(), nextSerial: 0, firstSerial: 0, itemSessions: new Map() };
}

/**
 * One click. Returns the session's clicks before this one (what sequential rules learn from),
 * a copy, so the caller may keep it.
 *
 * @example addClick(index, 'anon-1:1', 42, 1700000000)
 */
export function addClick(index: SessionIndex, key: string, item: number, time: number): number[] {
  let session = index.byKey.get(key);
  if (session === undefined) {
    session = { serial: index.nextSerial++, key, items: [], distinct: new Set(), time };
    index.byKey.set(key, session);
    index.bySerial.set(session.serial, session);
  }
  const before = [...session.items];
  session.items.push(item);
  session.time = Math.max(session.time, time);
  if (!session.distinct.has(item)) {
    session.distinct.add(item);
    let holders = index.itemSessions.get(item);
    if (holders === undefined) {
      holders = [];
      index.itemSessions.set(item, holders);
    }
    holders.push(session.serial);
  }
  return before;
}

/**
 * Removes the session that started first (what a bounded index drops) and returns it, or
 * undefined when the index is empty. The sessions left are indexed as if the removed one had
 * never been added: each item's holders keep their order.
 */
export function removeOldestSession(index: SessionIndex): IndexedSession | undefined {
  if (index.bySerial.size === 0) return undefined;
  while (!index.bySerial.has(index.firstSerial)) index.firstSerial += 1;
  const session = index.bySerial.get(index.firstSerial)!;
  index.bySerial.delete(session.serial);
  index.byKey.delete(session.key);
  for (const item of session.distinct) {
    const holders = index.itemSessions.get(item)!;
    // The oldest session is usually first among its items' holders (they are in order of first
    // click), and shift() trims the front of a long array in place where splice copies it.
    if (holders[0] === session.serial) holders.shift();
    else holders.splice(holders.indexOf(session.serial), 1);
    if (holders.length === 0) index.itemSessions.delete(item);
  }
  return session;
}

/** The index as plain data (the engine rebuilds it by replay; this is for snapshots): sessions in serial order. */
export function toPlainSessions(index: SessionIndex): { key: string; items: number[]; time: number }[] {
  return [...index.bySerial.values()].map(({ key, items, time }) => ({ key, items: [...items], time }));
}
