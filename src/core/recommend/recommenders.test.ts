import { describe, expect, it } from 'vitest';
import type { InteractionData } from './Recommender.js';
import { easeNormalizedTrainer, easeTrainer, trainEaseModel } from './ease/trainEase.js';
import { itemKnnTrainer, trainItemKnnModel } from './itemKnn/itemKnn.js';
import { popularityScores, popularTrainer, trendingTrainer } from './popularity/popularity.js';
import { topK } from './topK.js';

/** Two taste groups: users 0-3 take items 0-2, users 4-7 take items 3-5; item 6 is everyone's. */
function groups(): InteractionData {
  const interactions = [];
  for (let user = 0; user < 8; user++) {
    const base = user < 4 ? 0 : 3;
    for (const item of [base, base + 1, base + 2, 6]) if (!(user % 4 === 0 && item === base + 2)) interactions.push({ user, item, weight: 1, time: 100 * user + item });
  }
  return { userIds: Array.from({ length: 8 }, (_, i) => `u${i}`), itemIds: Array.from({ length: 7 }, (_, i) => `i${i}`), interactions };
}

describe('topK', () => {
  it('returns the best first, ties to the smaller index, without excluded items or scores at the floor', () => {
    expect(topK([1, 3, 3, 0, 2], 3, new Set([4]))).toEqual([{ item: 1, score: 3 }, { item: 2, score: 3 }, { item: 0, score: 1 }]);
    expect(topK([0, 0, 5], 3, undefined, 0)).toEqual([{ item: 2, score: 5 }]);
    expect(topK([1, 2], 0)).toEqual([]);
  });
});

describe('popularity', () => {
  it('counts interactions, and with a half-life weighs one a half-life old by one half', () => {
    const data: InteractionData = { userIds: ['a'], itemIds: ['x', 'y'], interactions: [{ user: 0, item: 0, weight: 1, time: 0 }, { user: 0, item: 1, weight: 1, time: 100 }] };
    expect([...popularityScores(data)]).toEqual([1, 1]);
    expect([...popularityScores(data, { halfLifeSeconds: 100 })]).toEqual([0.5, 1]);
    expect([...popularityScores(data, { halfLifeSeconds: 50, now: 200 })]).toEqual([0.0625, 0.25]);
    expect(trendingTrainer.train(data, { halfLifeSeconds: 100 }).recommend({ history: [], k: 2 }).map((s) => s.item)).toEqual([1, 0]);
  });

  it('ranks within a category, and needs no history', () => {
    const popular = popularTrainer.train(groups(), { categories: ['a', 'a', 'a', 'b', 'b', 'b', 'all'] });
    expect(popular.recommend({ history: [], k: 1 })[0]!.item).toBe(6);
    const inB = (popular as ReturnType<typeof popularTrainer.train> & { forCategory(c: string): typeof popular }).forCategory('b');
    expect(inB.recommend({ history: [], k: 5 }).map((s) => s.item)).toEqual([3, 4, 5]);
  });
});

describe('EASE', () => {
  it('has a zero diagonal and recommends within the taste group, for a user not in training too', () => {
    const model = trainEaseModel(groups(), { lambda: 1 });
    for (let i = 0; i < 7; i++) expect(model.b[i * 7 + i]).toBe(0);
    for (const trainer of [easeTrainer, easeNormalizedTrainer]) {
      const ease = trainer.train(groups(), { lambda: 1 });
      // A newcomer who took item 3 (never in training as this user) gets the rest of group b.
      const top = ease.recommend({ history: [3], k: 2, exclude: new Set([3, 6]) }).map((s) => s.item);
      expect(top).toEqual([4, 5]);
      expect(ease.recommend({ history: [], k: 3 })).toEqual([]);
    }
  });

  it('matches B = I - P / diag(P) computed directly on a 2-item case', () => {
    // X^T X = [[2, 1], [1, 1]]; + lambda 1: [[3, 1], [1, 2]]; P = [[0.4, -0.2], [-0.2, 0.6]].
    const data: InteractionData = { userIds: ['a', 'b'], itemIds: ['x', 'y'], interactions: [
      { user: 0, item: 0, weight: 1, time: 0 }, { user: 0, item: 1, weight: 1, time: 1 }, { user: 1, item: 0, weight: 1, time: 2 },
    ] };
    const { b } = trainEaseModel(data, { lambda: 1 });
    expect(b[1]).toBeCloseTo(0.2 / 0.6, 6);
    expect(b[2]).toBeCloseTo(0.2 / 0.4, 6);
  });
});

describe('item-kNN', () => {
  it('keeps cosine neighbours, the most similar first, and scores a history by them', () => {
    const model = trainItemKnnModel(groups(), { neighbours: 2 });
    // Item 3 and item 4 (users 4-7 both): cosine 1; item 5 (users 5-7): 3 / sqrt(4 x 3) = 0.87; item 6 (all 8): 4 / sqrt(4 x 8) = 0.71.
    const of3 = Array.from(model.neighbours.subarray(model.offsets[3]!, model.offsets[4]!));
    expect(of3).toEqual([4, 5]);
    expect(model.similarities[model.offsets[3]!]).toBeCloseTo(1, 6);
    const knn = itemKnnTrainer.train(groups(), { neighbours: 3 });
    expect(knn.recommend({ history: [0], k: 2, exclude: new Set([0, 6]) }).map((s) => s.item)).toEqual([1, 2]);
  });
});
