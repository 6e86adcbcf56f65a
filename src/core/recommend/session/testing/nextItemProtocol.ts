import type { Recommender, ScoredItem } from '../../Recommender.js';
import { topScored } from '../../topScored.js';

/**
 * A LOCAL helper of the session tests, until the shared offline evaluation (evaluate/) has a
 * session protocol; the lead unifies them. The next-item protocol of Ludewig, Latifi and
 * Jannach: for every position t >= 1 of each test session, the clicks before t are the
 * history and the click at t is the target; HR@k counts targets in the top k, MRR@k adds
 * 1 / rank. A target never seen in training cannot be predicted and counts as a miss (it
 * stays in the denominator; `unseenTargets` says how many there were).
 */
export interface NextItemFigures {
  readonly recommender: string;
  readonly predictions: number;
  readonly unseenTargets: number;
  readonly hitRate: number;
  readonly mrr: number;
}

/** Test sessions: each the item indices of its clicks in time order; -1 stands for an item unseen in training. */
export function nextItemProtocol(recommender: Recommender, sessions: readonly (readonly number[])[], k: number): NextItemFigures {
  let predictions = 0;
  let unseenTargets = 0;
  let hits = 0;
  let reciprocal = 0;
  for (const session of sessions) {
    for (let t = 1; t < session.length; t += 1) {
      predictions += 1;
      const target = session[t]!;
      if (target < 0) {
        unseenTargets += 1;
        continue;
      }
      // An unseen item in the history is left out: no recommender knows it.
      const history = session.slice(0, t).filter((item) => item >= 0);
      const rank = rankOf(recommender.recommend({ history, k }), target);
      if (rank > 0) {
        hits += 1;
        reciprocal += 1 / rank;
      }
    }
  }
  return { recommender: recommender.name, predictions, unseenTargets, hitRate: hits / predictions, mrr: reciprocal / predictions };
}

function rankOf(list: readonly ScoredItem[], target: number): number {
  return list.findIndex((result) => result.item === target) + 1;
}

/** The baseline beside the session recommenders: the items clicked most in training, the same list for everyone. */
export function clickPopularity(trainingItems: readonly number[]): Recommender {
  const counts = new Map<number, number>();
  for (const item of trainingItems) counts.set(item, (counts.get(item) ?? 0) + 1);
  return {
    name: 'popularity',
    recommend: (query) => topScored(counts, query.k, query.exclude),
  };
}
