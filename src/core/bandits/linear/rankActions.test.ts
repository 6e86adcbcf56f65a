import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { contextualProbabilities } from './contextualChoice.js';
import { createLinearModel, predictLinear, updateLinearModel } from './LinearModel.js';
import { actionVector, rankActions, type RankSettings } from './rankActions.js';

const actions = [
  { id: 'news', features: [{ type: 'News' }] },
  { id: 'sports', features: [{ type: 'Sports' }] },
  { id: 'fun', features: [{ type: 'Entertainment' }] },
  { id: 'tech', features: [{ type: 'Tech' }] },
];
const context = [{ timeOfDay: 'Morning' }, { device: { mobile: true } }];
const settings: RankSettings = { exploration: { kind: 'linTS', scale: 0.5 }, explorationShare: 0.2 };

/** A model that has seen `fun` pay in this context and `news` not, a few times each. */
function trained(): ReturnType<typeof createLinearModel> {
  const model = createLinearModel(128);
  for (let i = 0; i < 6; i++) {
    updateLinearModel(model, actionVector(context, actions[2]!, 128), 1);
    updateLinearModel(model, actionVector(context, actions[0]!, 128), 0);
  }
  return model;
}

describe('rankActions', () => {
  it('gives excluded actions 0, the others probabilities summing to 1 with the exploration share, and orders chosen, others, excluded', () => {
    const ranking = rankActions(trained(), context, actions, new Set(['sports']), settings, seededRandom(5));
    expect(ranking.probabilities[1]).toBe(0);
    expect(ranking.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    for (const index of [0, 2, 3]) expect(ranking.probabilities[index]).toBeGreaterThanOrEqual(0.2 / 3 - 1e-12);
    expect(ranking.order[0]).toBe(actions.findIndex((a) => a.id === ranking.chosenActionId));
    expect(ranking.order.at(-1)).toBe(1);
    expect([...ranking.order].sort()).toEqual([0, 1, 2, 3]);
    const others = ranking.order.slice(1, -1).map((i) => ranking.probabilities[i]!);
    expect(others).toEqual([...others].sort((a, b) => b - a));
    // What paid is the likeliest; what did not pay the least likely.
    const [news, , fun, tech] = ranking.probabilities;
    expect(fun).toBeGreaterThan(tech!);
    expect(tech).toBeGreaterThan(news!);
  });

  it('draws each action as often as its recorded probability says (the propensity is exact)', () => {
    const model = trained();
    const random = seededRandom(9);
    const draws = 5000;
    const counts = new Map<string, number>();
    let probabilities: readonly number[] = [];
    for (let i = 0; i < draws; i++) {
      const ranking = rankActions(model, context, actions, new Set(), settings, random);
      probabilities = ranking.probabilities;
      counts.set(ranking.chosenActionId, (counts.get(ranking.chosenActionId) ?? 0) + 1);
    }
    for (const [index, action] of actions.entries()) {
      const p = probabilities[index]!;
      // Within 4 binomial standard deviations.
      expect(Math.abs((counts.get(action.id) ?? 0) / draws - p), action.id).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / draws));
    }
  });

  it('ranks an untrained model uniformly, keeps one action alone at 1, and refuses when all are excluded', () => {
    // Wide enough that no two features share a bucket: every action's vector has the same length.
    const fresh = rankActions(createLinearModel(4096), context, actions, new Set(), settings, seededRandom(1));
    for (const p of fresh.probabilities) expect(p).toBeCloseTo(0.25, 6);
    expect(rankActions(createLinearModel(64), context, actions, new Set(['news', 'sports', 'fun']), settings, seededRandom(1))).toMatchObject({ chosenActionId: 'tech', probabilities: [0, 0, 0, 1] });
    expect(() => rankActions(createLinearModel(64), context, actions.slice(0, 1), new Set(['news']), settings, seededRandom(1))).toThrow(RangeError);
  });

  it('tells actions with equal features apart by their ids', () => {
    const same = [{ id: 'a', features: [{ kind: 'x' }] }, { id: 'b', features: [{ kind: 'x' }] }];
    expect([...actionVector(context, same[0]!, 256)]).not.toEqual([...actionVector(context, same[1]!, 256)]);
  });
});

describe('rankActions, the context hashed once', () => {
  it('predicts exactly what predictLinear predicts from each actionVector', () => {
    const model = trained();
    const ranking = rankActions(model, context, actions, new Set(), settings, seededRandom(5));
    const predictions = actions.map((a, i) => ({ actionId: String(i), ...predictLinear(model, actionVector(context, a, 128)) }));
    const raw = contextualProbabilities(predictions, settings.exploration, settings.explorationShare / actions.length);
    const total = [...raw.values()].reduce((a, b) => a + b, 0);
    expect(ranking.probabilities).toEqual(actions.map((_a, i) => raw.get(String(i))! / total));
  });
});
