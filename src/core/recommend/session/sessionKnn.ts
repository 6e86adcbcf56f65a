import type { Recommender, RecommendQuery, ScoredItem } from '../Recommender.js';
import { topScored } from '../topScored.js';
import type { IndexedSession, SessionIndex } from './SessionIndex.js';

export interface SessionKnnOptions {
  /** Neighbour sessions that vote. Default 100. */
  readonly k?: number;
  /** The most recent sessions sharing an item with the current one that are compared. Default 500. */
  readonly sampleSize?: number;
  readonly name?: string;
}

/**
 * V-SKNN (Ludewig and Jannach 2018, "Evaluation of session-based recommendation algorithms";
 * session-rec's `vsknn`): session k-nearest neighbours where recent clicks of the current
 * session weigh more.
 *
 * 1. The current session's item at position p of L weighs p / L (an item's last position counts).
 * 2. Candidates: the `sampleSize` most recent sessions that share an item with it.
 * 3. Similarity to a candidate: the weights of the shared items, summed, over the number of
 *    distinct current items; the `k` most similar are the neighbours.
 * 4. Each neighbour adds similarity / step to each of its items, where step is how far back
 *    (1 = the last click) the most recent current item it shares lies.
 *
 * It reads the index at each call, so clicks added since are used. `because` is the current
 * item that tied the item's strongest neighbour to the session.
 */
export function sessionKnnRecommender(index: SessionIndex, options: SessionKnnOptions = {}): Recommender {
  const k = options.k ?? 100;
  const sampleSize = options.sampleSize ?? 500;
  return {
    name: options.name ?? 'session-knn',
    recommend(query: RecommendQuery): ScoredItem[] {
      const { history } = query;
      if (history.length === 0) return [];
      const weights = new Map<number, number>();
      history.forEach((item, position) => weights.set(item, (position + 1) / history.length));
      const self = query.session === undefined ? undefined : index.byKey.get(query.session)?.serial;
      const neighbours = nearestSessions(weights, sample(index, weights, sampleSize, self), k);
      const scores = new Map<number, number>();
      const best = new Map<number, { contribution: number; via: number }>();
      for (const { session, similarity } of neighbours) {
        const step = stepBack(history, session);
        const contribution = similarity / step;
        const via = history[history.length - step]!;
        for (const item of session.distinct) {
          scores.set(item, (scores.get(item) ?? 0) + contribution);
          const current = best.get(item);
          if (current === undefined || contribution > current.contribution) best.set(item, { contribution, via });
        }
      }
      return topScored(scores, query.k, query.exclude, new Map([...best].map(([item, { via }]) => [item, via])));
    },
  };
}

/**
 * The most recent sessions holding any current item (later last click first, then the later
 * session). Each item's holders are kept in order of their first click on it, so only the
 * last `size` holders of each item are looked at: a popular item is in thousands of sessions,
 * and sorting them all on every request cost milliseconds. A session whose first click on the
 * item is older than the item's `size` latest holders but which clicked again lately is missed:
 * in a 30-minute session that is rare, and the neighbours are then the next most recent.
 */
function sample(index: SessionIndex, weights: ReadonlyMap<number, number>, size: number, self: number | undefined): IndexedSession[] {
  const serials = new Set<number>();
  for (const item of weights.keys()) {
    const holders = index.itemSessions.get(item);
    if (holders === undefined) continue;
    for (let i = holders.length - 1, taken = 0; i >= 0 && taken < size; i--) {
      const serial = holders[i]!;
      if (serial === self || serials.has(serial) || !index.bySerial.has(serial)) continue;
      serials.add(serial);
      taken++;
    }
  }
  const sessions = [...serials].map((serial) => index.bySerial.get(serial)!);
  if (sessions.length <= size) return sessions;
  return sessions.sort(byRecency).slice(0, size);
}

function byRecency(a: IndexedSession, b: IndexedSession): number {
  return b.time - a.time || b.serial - a.serial;
}

function nearestSessions(weights: ReadonlyMap<number, number>, candidates: readonly IndexedSession[], k: number): { session: IndexedSession; similarity: number }[] {
  const scored: { session: IndexedSession; similarity: number }[] = [];
  for (const session of candidates) {
    let sum = 0;
    for (const [item, weight] of weights) if (session.distinct.has(item)) sum += weight;
    if (sum > 0) scored.push({ session, similarity: sum / weights.size });
  }
  scored.sort((a, b) => b.similarity - a.similarity || byRecency(a.session, b.session));
  return scored.slice(0, k);
}

/** 1 when the neighbour holds the last click, 2 when it holds the one before (and not the last), ... */
function stepBack(history: readonly number[], session: IndexedSession): number {
  for (let step = 1; step <= history.length; step += 1) if (session.distinct.has(history[history.length - step]!)) return step;
  return history.length;
}
