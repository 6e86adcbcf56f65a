import { describe, expect, it } from 'vitest';
import { recordSessionClick, trainSessionModels, type SessionClick } from './SessionModels.js';
import { sessionKnnRecommender } from './sessionKnn.js';
import { learnClick, createSequentialRules, sequentialRulesRecommender } from './SequentialRules.js';

function clicks(sessions: Record<string, number[]>, start = 0): SessionClick[] {
  let time = start;
  return Object.entries(sessions).flatMap(([session, items]) => items.map((item) => ({ session, item, time: (time += 1) })));
}

describe('sequential rules', () => {
  it('weighs a click 1 / gap after each of the previous `steps` clicks, never a rule to the same item', () => {
    const model = createSequentialRules({ steps: 2 });
    learnClick(model, [], 1);
    learnClick(model, [1], 2);
    learnClick(model, [1, 2], 3);
    learnClick(model, [1, 2, 3], 3);
    expect(model.rules.get(1)).toEqual(new Map([[2, 1], [3, 0.5]]));
    expect(model.rules.get(2)).toEqual(new Map([[3, 1.5]]));
    expect(model.rules.get(3)).toBeUndefined();
  });

  it('recommends from the last click, because of it', () => {
    const models = trainSessionModels(clicks({ a: [1, 2, 3], b: [1, 2], c: [1, 4] }));
    const got = sequentialRulesRecommender(models.rules).recommend({ history: [9, 1], k: 5 });
    expect(got).toEqual([{ item: 2, score: 2, because: 1 }, { item: 4, score: 1, because: 1 }, { item: 3, score: 0.5, because: 1 }]);
  });

  it('does not depend on the order sessions are learnt in', () => {
    const log = clicks({ a: [1, 2, 3, 1], b: [2, 1, 3], c: [3, 3, 2] });
    const reversed = [...log].sort((x, y) => (x.session < y.session ? 1 : x.session > y.session ? -1 : x.time - y.time));
    expect(trainSessionModels(reversed).rules.rules).toEqual(trainSessionModels(log).rules.rules);
  });
});

describe('session kNN', () => {
  it('scores by the neighbours\' similarity over the step back to the shared click', () => {
    // Current session [1, 2]: weights 1 -> 1/2, 2 -> 1; two distinct items.
    // s1 = {1, 5}: similarity (1/2)/2 = 1/4, shares only 1 (step 2): adds 1/8 to 1 and 5.
    // s2 = {2, 6}: similarity 1/2, shares 2 (step 1): adds 1/2 to 2 and 6.
    // s3 = {1, 2, 7}: similarity 3/4, step 1: adds 3/4 to 1, 2 and 7.
    const models = trainSessionModels(clicks({ s1: [1, 5], s2: [2, 6], s3: [1, 2, 7], s4: [8, 9] }));
    const got = sessionKnnRecommender(models.index).recommend({ history: [1, 2], k: 10 });
    expect(got).toEqual([
      { item: 2, score: 1.25, because: 2 },
      { item: 1, score: 0.875, because: 2 },
      { item: 7, score: 0.75, because: 2 },
      { item: 6, score: 0.5, because: 2 },
      { item: 5, score: 0.125, because: 1 },
    ]);
  });

  it('keeps the k nearest and samples the most recent sessions', () => {
    const models = trainSessionModels(clicks({ old: [1, 5], mid: [1, 6], new: [1, 7] }));
    expect(sessionKnnRecommender(models.index, { sampleSize: 2 }).recommend({ history: [1], k: 10, exclude: new Set([1]) }).map((r) => r.item)).toEqual([6, 7]);
    expect(sessionKnnRecommender(models.index, { k: 1 }).recommend({ history: [1], k: 10, exclude: new Set([1]) }).map((r) => r.item)).toEqual([7]);
  });

  it('uses a live session at once, but never as its own neighbour', () => {
    const models = trainSessionModels(clicks({ s1: [1, 5] }));
    const knn = sessionKnnRecommender(models.index);
    const rules = sequentialRulesRecommender(models.rules);
    expect(knn.recommend({ history: [1], k: 5, exclude: new Set([1]) }).map((r) => r.item)).toEqual([5]);
    recordSessionClick(models, { session: 'live-a', item: 1, time: 100 });
    recordSessionClick(models, { session: 'live-a', item: 9, time: 101 });
    expect(knn.recommend({ history: [1], k: 5, exclude: new Set([1]) }).map((r) => r.item)).toEqual([5, 9]);
    expect(rules.recommend({ history: [1], k: 5 }).map((r) => r.item)).toEqual([5, 9]);
    expect(knn.recommend({ history: [1, 9], k: 5, session: 'live-a' }).map((r) => r.item)).toEqual([1, 5]);
  });

  it('gives nothing for an empty session', () => {
    const models = trainSessionModels(clicks({ s1: [1, 5] }));
    expect(sessionKnnRecommender(models.index).recommend({ history: [], k: 5 })).toEqual([]);
    expect(sequentialRulesRecommender(models.rules).recommend({ history: [], k: 5 })).toEqual([]);
  });
});
