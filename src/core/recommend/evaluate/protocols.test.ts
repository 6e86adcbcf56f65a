import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import type { InteractionData } from '../Recommender.js';
import { popularTrainer } from '../popularity/popularity.js';
import { userItems } from '../userItems.js';
import { evaluateRecommender, summarizeRuns } from './evaluateRecommender.js';
import { givenSplit, leaveLastOut, roundHalfEven, sessionNextItem, splitPerUser } from './protocols.js';

/** u0 has items 0..7, u1 has 0..3, u2 has item 5 only; times increase with the item. */
function data(): InteractionData {
  const rows: [number, number][] = [];
  for (let i = 0; i < 8; i++) rows.push([0, i]);
  for (let i = 0; i < 4; i++) rows.push([1, i]);
  rows.push([2, 5]);
  return {
    userIds: ['u0', 'u1', 'u2'],
    itemIds: Array.from({ length: 8 }, (_, i) => `i${i}`),
    interactions: rows.map(([user, item]) => ({ user, item, weight: 1, time: item * 10 + user })),
  };
}

describe('splitPerUser', () => {
  it('puts round(0.75 n) of each user\'s items in training and the rest in test, disjoint, reproducibly', () => {
    const split = splitPerUser(data(), seededRandom(7));
    const train = userItems(split.train);
    expect(train.map((items) => items.length)).toEqual([6, 3, 1]);
    expect(split.cases.map((c) => c.relevantCount)).toEqual([2, 1]);
    for (const c of split.cases) {
      const all = new Set([...c.history, ...c.relevant]);
      expect(all.size).toBe(c.history.length + c.relevant.size);
      expect([...c.exclude!].sort()).toEqual([...c.history].sort());
    }
    expect(splitPerUser(data(), seededRandom(7))).toEqual(split);
    expect(splitPerUser(data(), seededRandom(8)).cases).not.toEqual(split.cases);
  });

  it('rounds halves to even as the reference split does', () => {
    expect([0.5, 1.5, 2.5, 16.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 16, 2, 3]);
  });
});

describe('leaveLastOut', () => {
  it('tests each user\'s latest item, trains on the rest, and skips users with one item', () => {
    const split = leaveLastOut(data());
    expect(split.cases.map((c) => [...c.relevant])).toEqual([[7], [3]]);
    expect(split.cases[0]!.history).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(userItems(split.train)[2]).toEqual([5]);
  });
});

describe('givenSplit', () => {
  it('counts every user with test items, test items unknown to training in recall, and removes training items', () => {
    const split = givenSplit(data(), [
      { user: 'u1', item: 'i5' }, { user: 'u1', item: 'new-item' }, { user: 'u1', item: 'i0' }, { user: 'stranger', item: 'i1' },
    ]);
    expect(split.cases).toHaveLength(2);
    const u1 = split.cases[0]!;
    expect(u1.relevantCount).toBe(3);
    expect([...u1.relevant].sort()).toEqual([0, 5]);
    expect(u1.exclude!.has(0)).toBe(true);
    expect(split.cases[1]!).toMatchObject({ history: [], user: undefined, relevantCount: 1 });
    // Popularity ranks i5 (two users) above the rest for u1; i0 is excluded, new-item unknown: recall 1/3.
    const result = evaluateRecommender(popularTrainer.train(split.train), [u1], 1, 8);
    expect(result.recall).toBeCloseTo(1 / 3, 12);
  });
});

describe('sessionNextItem', () => {
  it('drops clicks on items unseen in training and makes one case per following position', () => {
    const split = sessionNextItem(data(), [['i1', 'unseen', 'i2', 'i3'], ['i4'], ['unseen', 'i6']]);
    expect(split.cases.map((c) => [c.history, [...c.relevant]])).toEqual([[[1], [2]], [[1, 2], [3]]]);
  });
});

describe('summarizeRuns', () => {
  it('gives the mean and the sample standard deviation of each metric', () => {
    const base = { recommender: 'x', cases: 1, hitRate: 1, precision: 0, recall: 0, map: 0, mrr: 0, coverage: 0 };
    const summary = summarizeRuns([{ ...base, ndcg: 0.4 }, { ...base, ndcg: 0.6 }]);
    expect(summary.ndcg).toBeCloseTo(0.5, 12);
    expect(summary.ndcgSpread).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(summary.hitRateSpread).toBe(0);
  });
});
