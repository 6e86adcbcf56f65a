/**
 * Co-occurrence counts, kept incrementally: how many baskets hold each item, and how many
 * hold each pair. A basket is a session's viewed items ("viewed together") or an order's
 * products ("bought together"); the engine keeps one state per kind and workspace.
 *
 * Counts are sums over baskets of what each basket holds, so the state after a set of
 * baskets does not depend on the order in which the baskets (or the events of different
 * baskets) arrived; it equals a recount from the event log. Within one basket only the
 * first `maxBasketItems` distinct items count (the pruning policy: a session that views
 * hundreds of items is a crawler or a browse-all, and its n^2 pairs would dominate memory
 * and the scores). `pruneCooccurrence` is the other, explicit and lossy, policy.
 */

export interface CooccurrenceOptions {
  /** Distinct items per basket that count; later ones are ignored. Default 50. */
  readonly maxBasketItems: number;
}

export const defaultCooccurrenceOptions: CooccurrenceOptions = { maxBasketItems: 50 };

export interface CooccurrenceState {
  readonly options: CooccurrenceOptions;
  /** Non-empty baskets seen (the N of lift). */
  baskets: number;
  /** Baskets holding each item. */
  readonly itemCounts: Map<number, number>;
  /** Baskets holding both items; symmetric (`pairs.get(a).get(b) === pairs.get(b).get(a)`), so neighbours are one lookup. */
  readonly pairs: Map<number, Map<number, number>>;
  /**
   * How many times each item's row of `pairs` changed: a reader that caches something
   * computed from a row (its top neighbours) knows when to compute it again. Not part of the
   * counts (a recount has its own), so not in the plain form.
   */
  readonly rowVersions: Map<number, number>;
}

/** A basket still open (a live session): its distinct counted items in arrival order. Plain data. */
export interface OpenBasket {
  readonly items: number[];
}

export function createCooccurrence(options: Partial<CooccurrenceOptions> = {}): CooccurrenceState {
  const maxBasketItems = options.maxBasketItems ?? defaultCooccurrenceOptions.maxBasketItems;
  if (!Number.isInteger(maxBasketItems) || maxBasketItems < 1) throw new RangeError(`maxBasketItems must be a positive integer, got ${maxBasketItems}`);
  return { options: { maxBasketItems }, baskets: 0, itemCounts: new Map(), pairs: new Map(), rowVersions: new Map() };
}

export function openBasket(): OpenBasket {
  return { items: [] };
}

/**
 * One event: `item` joins the open basket. A repeat of an item already in the basket, or an
 * item beyond the cap, changes nothing. Returns whether the counts changed.
 *
 * @example const basket = openBasket(); addToBasket(state, basket, 7); addToBasket(state, basket, 9);
 */
export function addToBasket(state: CooccurrenceState, basket: OpenBasket, item: number): boolean {
  if (basket.items.includes(item) || basket.items.length >= state.options.maxBasketItems) return false;
  if (basket.items.length === 0) state.baskets += 1;
  state.itemCounts.set(item, (state.itemCounts.get(item) ?? 0) + 1);
  for (const other of basket.items) {
    bumpPair(state, item, other);
    bumpPair(state, other, item);
  }
  basket.items.push(item);
  return true;
}

/** A whole basket at once (an order's products): the same as adding its items one by one to a new basket. */
export function addBasket(state: CooccurrenceState, items: readonly number[]): void {
  const basket = openBasket();
  for (const item of items) addToBasket(state, basket, item);
}

function bumpPair(state: CooccurrenceState, a: number, b: number): void {
  let row = state.pairs.get(a);
  if (row === undefined) {
    row = new Map();
    state.pairs.set(a, row);
  }
  row.set(b, (row.get(b) ?? 0) + 1);
  rowChanged(state, a);
}

function rowChanged(state: CooccurrenceState, item: number): void {
  state.rowVersions.set(item, (state.rowVersions.get(item) ?? 0) + 1);
}

/** Sets a pair's count in both rows (loading stored counts). */
export function setPairCount(state: CooccurrenceState, a: number, b: number, count: number): void {
  setPair(state, a, b, count);
  setPair(state, b, a, count);
}

/** Baskets holding both items (0 for an item with itself or an unknown item). */
export function pairCount(state: CooccurrenceState, a: number, b: number): number {
  return state.pairs.get(a)?.get(b) ?? 0;
}

/**
 * Drops the pairs seen in fewer than `minPairCount` baskets, to bound memory on a long-lived
 * state. Lossy by design: afterwards the state equals a recount only above the threshold,
 * and a pair dropped starts again from zero. Item counts and `baskets` stay exact.
 */
export function pruneCooccurrence(state: CooccurrenceState, minPairCount: number): number {
  let dropped = 0;
  for (const [item, row] of state.pairs) {
    for (const [other, count] of row) {
      if (count < minPairCount) {
        row.delete(other);
        dropped += 1;
      }
    }
    rowChanged(state, item);
    if (row.size === 0) state.pairs.delete(item);
  }
  return dropped / 2;
}

/** The state as plain, canonically ordered data (JSON-safe): equal states give equal objects. */
export interface PlainCooccurrence {
  readonly version: 1;
  readonly maxBasketItems: number;
  readonly baskets: number;
  /** `[item, count]`, by item. */
  readonly items: readonly (readonly [number, number])[];
  /** `[a, b, count]` with a < b, by a then b. */
  readonly pairs: readonly (readonly [number, number, number])[];
}

export function toPlainCooccurrence(state: CooccurrenceState): PlainCooccurrence {
  const items = [...state.itemCounts].sort((x, y) => x[0] - y[0]);
  const pairs: [number, number, number][] = [];
  for (const [a, row] of state.pairs) {
    for (const [b, count] of row) if (a < b) pairs.push([a, b, count]);
  }
  pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return { version: 1, maxBasketItems: state.options.maxBasketItems, baskets: state.baskets, items, pairs };
}

export function fromPlainCooccurrence(plain: PlainCooccurrence): CooccurrenceState {
  const state = createCooccurrence({ maxBasketItems: plain.maxBasketItems });
  state.baskets = plain.baskets;
  for (const [item, count] of plain.items) state.itemCounts.set(item, count);
  for (const [a, b, count] of plain.pairs) setPairCount(state, a, b, count);
  return state;
}

function setPair(state: CooccurrenceState, a: number, b: number, count: number): void {
  let row = state.pairs.get(a);
  if (row === undefined) {
    row = new Map();
    state.pairs.set(a, row);
  }
  row.set(b, count);
  rowChanged(state, a);
}
