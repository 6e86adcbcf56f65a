import type { Recommender, RecommendQuery, ScoredItem } from '../Recommender.js';
import { compareScored } from '../topScored.js';
import type { CooccurrenceState } from './CooccurrenceState.js';
import { similarityFromCounts, type SimilarityMeasure } from './similarity.js';

export interface CooccurrenceRecommenderOptions {
  /** "viewed-together", "bought-together", ...: the strategy name results carry. */
  readonly name: string;
  readonly measure: SimilarityMeasure;
  /** Pairs seen in fewer baskets are ignored: one shared basket is noise, and lift overrates it. Default 2. */
  readonly minPairCount?: number;
  /** How many of the most recent distinct history items seed the list. Default 5. */
  readonly seeds?: number;
  /** Leave the seed items themselves out (default true: "also viewed" never repeats the item on screen). */
  readonly excludeHistory?: boolean;
  /**
   * Neighbours kept per seed item, best first (default 200): a popular item's row holds most
   * of the catalog, and scanning five such rows per call cost about a millisecond. The list
   * is computed again when the item's row changes, and when the baskets have grown by more
   * than 1% since (other items' counts, and so the similarities, drift with them). A call
   * that finds fewer than `k` items in the kept lists scans the full rows instead.
   */
  readonly neighbours?: number;
}

/** One seed's best neighbours, as of a version of its row. */
interface Neighbours {
  readonly version: number;
  readonly baskets: number;
  readonly items: Int32Array;
  readonly similarities: Float64Array;
  /** Whether the row had more neighbours than were kept. */
  readonly truncated: boolean;
}

/** Per state and per (measure, minimum pair count, size): each seed's kept neighbours. */
const neighbourCaches = new WeakMap<CooccurrenceState, Map<string, Map<number, Neighbours>>>();

/**
 * Item-to-item recommendations over a live co-occurrence state: each of the latest history
 * items (the seed: the product on screen, the cart) adds its neighbours' similarity, weighted
 * 1, 1/2, 1/3, ... from the most recent back. It reads the state at each call, so an event
 * counted a moment ago is reflected in the next answer. `because` names the seed that
 * contributed most.
 *
 * @example cooccurrenceRecommender(state, { name: 'viewed-together', measure: 'cosine' }).recommend({ history: [42], k: 10 })
 */
export function cooccurrenceRecommender(state: CooccurrenceState, options: CooccurrenceRecommenderOptions): Recommender {
  const minPairCount = options.minPairCount ?? 2;
  const seedCount = options.seeds ?? 5;
  const excludeHistory = options.excludeHistory ?? true;
  const kept = options.neighbours ?? 200;
  let byState = neighbourCaches.get(state);
  if (byState === undefined) neighbourCaches.set(state, byState = new Map());
  const key = `${options.measure}:${minPairCount}:${kept}`;
  let cache = byState.get(key);
  if (cache === undefined) byState.set(key, cache = new Map());
  const seedCache = cache;
  const neighboursOf = (seed: number): Neighbours | undefined => {
    const cache = seedCache;
    const version = state.rowVersions.get(seed) ?? 0;
    const cached = cache.get(seed);
    if (cached !== undefined && cached.version === version && state.baskets <= cached.baskets * 1.01) return cached;
    const row = state.pairs.get(seed);
    if (row === undefined) return undefined;
    const computed = bestNeighbours(state, seed, row, options.measure, minPairCount, kept, version);
    cache.set(seed, computed);
    return computed;
  };
  return {
    name: options.name,
    recommend(query: RecommendQuery): ScoredItem[] {
      const seeds = recentDistinct(query.history, seedCount);
      const exclude = new Set(query.exclude ?? []);
      if (excludeHistory) for (const seed of seeds) exclude.add(seed);
      const scratch = scratchFor();
      let touched = 0;
      let truncated = false;
      for (let rank = 0; rank < seeds.length; rank++) {
        const seed = seeds[rank]!;
        const list = neighboursOf(seed);
        if (list === undefined) continue;
        truncated ||= list.truncated;
        const weight = 1 / (rank + 1);
        for (let i = 0; i < list.items.length; i++) touched = scratch.add(list.items[i]!, seed, weight * list.similarities[i]!, touched);
      }
      const ranked = topOfScratch(scratch, touched, query.k, exclude);
      scratch.reset(touched);
      return ranked.length >= query.k || !truncated ? ranked : fullScan(seeds, query.k, exclude);
    },
  };

  /** Every neighbour of every seed: exact, for the calls the kept lists cannot fill. */
  function fullScan(seeds: readonly number[], k: number, exclude: ReadonlySet<number>): ScoredItem[] {
    const { itemCounts, baskets } = state;
    const scratch = scratchFor();
    let touched = 0;
    for (let rank = 0; rank < seeds.length; rank++) {
      const seed = seeds[rank]!;
      const row = state.pairs.get(seed);
      if (row === undefined) continue;
      const countSeed = itemCounts.get(seed) ?? 0;
      const weight = 1 / (rank + 1);
      for (const [item, both] of row) {
        if (both < minPairCount) continue;
        touched = scratch.add(item, seed, weight * similarityFromCounts(options.measure, both, countSeed, itemCounts.get(item) ?? 0, baskets), touched);
      }
    }
    const ranked = topOfScratch(scratch, touched, k, exclude);
    scratch.reset(touched);
    return ranked;
  }
}

/** A seed's neighbours by similarity, best first (ties: lower item), at most `kept`. */
function bestNeighbours(state: CooccurrenceState, seed: number, row: ReadonlyMap<number, number>, measure: SimilarityMeasure, minPairCount: number, kept: number, version: number): Neighbours {
  const countSeed = state.itemCounts.get(seed) ?? 0;
  const all: { item: number; similarity: number }[] = [];
  for (const [item, both] of row) {
    if (both < minPairCount) continue;
    const similarity = similarityFromCounts(measure, both, countSeed, state.itemCounts.get(item) ?? 0, state.baskets);
    if (similarity > 0) all.push({ item, similarity });
  }
  all.sort((a, b) => b.similarity - a.similarity || a.item - b.item);
  const top = all.slice(0, kept);
  return {
    version, baskets: state.baskets, truncated: all.length > kept,
    items: Int32Array.from(top, (n) => n.item), similarities: Float64Array.from(top, (n) => n.similarity),
  };
}

/**
 * Per-item sums in flat arrays indexed by item (indices are dense), reused by every call: a
 * call touches thousands of neighbours, and a Map plus an object per neighbour made the
 * allocations and the garbage collector most of its cost. Calls are synchronous, so one set
 * of arrays serves them all; `reset` clears only what a call touched.
 */
interface Scratch {
  scores: Float64Array;
  bestContribution: Float64Array;
  bestSeed: Int32Array;
  touched: Int32Array;
  /** Adds a seed's contribution to an item; returns the new count of touched items. */
  add(item: number, seed: number, contribution: number, touched: number): number;
  grow(size: number): void;
  reset(touched: number): void;
}

let shared: Scratch | undefined;

function scratchFor(): Scratch {
  if (shared !== undefined) return shared;
  const scratch: Scratch = {
    scores: new Float64Array(0), bestContribution: new Float64Array(0), bestSeed: new Int32Array(0), touched: new Int32Array(0),
    add(item, seed, contribution, touched) {
      if (item >= this.scores.length) this.grow(item + 1);
      let count = touched;
      if (this.bestSeed[item] === -1) {
        this.touched[count++] = item;
        this.bestSeed[item] = seed;
        this.bestContribution[item] = contribution;
      } else if (contribution > this.bestContribution[item]!) {
        this.bestSeed[item] = seed;
        this.bestContribution[item] = contribution;
      }
      this.scores[item] = this.scores[item]! + contribution;
      return count;
    },
    grow(size) {
      const length = Math.max(size, 2 * this.scores.length, 1024);
      const scores = new Float64Array(length);
      scores.set(this.scores);
      const bestContribution = new Float64Array(length);
      bestContribution.set(this.bestContribution);
      const bestSeed = new Int32Array(length).fill(-1);
      bestSeed.set(this.bestSeed);
      const touched = new Int32Array(length);
      touched.set(this.touched);
      Object.assign(this, { scores, bestContribution, bestSeed, touched });
    },
    reset(touched) {
      for (let i = 0; i < touched; i++) {
        const item = this.touched[i]!;
        this.scores[item] = 0;
        this.bestContribution[item] = 0;
        this.bestSeed[item] = -1;
      }
    },
  };
  scratch.grow(1024);
  shared = scratch;
  return scratch;
}

/** topScored over the touched items of the scratch arrays: the same order and the same exclusions. */
function topOfScratch(scratch: Scratch, touched: number, k: number, exclude: ReadonlySet<number>): ScoredItem[] {
  if (k <= 0) return [];
  const best: ScoredItem[] = [];
  for (let i = 0; i < touched; i++) {
    const item = scratch.touched[i]!;
    const score = scratch.scores[item]!;
    if (!(score > 0) || exclude.has(item)) continue;
    if (best.length === k) {
      const worst = best[k - 1]!;
      if (score < worst.score || (score === worst.score && item > worst.item)) continue;
    }
    const candidate = { item, score, because: scratch.bestSeed[item]! };
    let at = best.length;
    while (at > 0 && compareScored(candidate, best[at - 1]!) < 0) at--;
    best.splice(at, 0, candidate);
    if (best.length > k) best.pop();
  }
  return best;
}

/** The last `count` distinct items of a history, most recent first. */
export function recentDistinct(history: readonly number[], count: number): number[] {
  const seen: number[] = [];
  for (let i = history.length - 1; i >= 0 && seen.length < count; i -= 1) {
    const item = history[i]!;
    if (!seen.includes(item)) seen.push(item);
  }
  return seen;
}
