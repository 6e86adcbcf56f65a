import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../../common/random.js';
import type { Order } from '../orders/Order.js';
import { chooseModel } from './chooseModel.js';
import { evaluateSplit } from './evaluatePropensity.js';
import { featureMatrix } from './FeatureMatrix.js';
import { timeSplitLabels } from './timeSplitLabels.js';

describe('chooseModel', () => {
  const labels = [0, 1, 0, 1];
  const folds = [0, 1, 0, 1];
  it('keeps the model with the lower out-of-fold log loss and records both', () => {
    const sharp = { probabilities: [0.2, 0.8, 0.3, 0.7], labels, folds };
    const blunt = { probabilities: [0.4, 0.6, 0.45, 0.55], labels, folds };
    const trees = chooseModel(blunt, sharp);
    expect(trees.model).toBe('trees');
    expect(trees.outOfFold).toBe(sharp);
    expect(trees.choice.candidates.map((c) => c.model)).toEqual(['logistic', 'trees']);
    expect(trees.choice.candidates[1]!.logLoss).toBeLessThan(trees.choice.candidates[0]!.logLoss);
    expect(trees.choice.rows).toBe(4);
    expect(chooseModel(sharp, blunt).model).toBe('logistic');
  });
  it('keeps the logistic model on a tie: the trees must do strictly better', () => {
    const same = { probabilities: [0.2, 0.8, 0.3, 0.7], labels, folds };
    expect(chooseModel(same, { ...same }).model).toBe('logistic');
  });
});

/**
 * Customers who all bought once before the cut-off, with two extra columns a and b in [0, 1];
 * the chance to buy again depends on them through `chance`.
 */
function shop(n: number, chance: (a: number, b: number) => number, random: Random) {
  const orders: Order[] = [];
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const id = `c${String(i).padStart(5, '0')}`;
    const [a, b] = [random.next(), random.next()];
    rows.push([a, b]);
    orders.push({ customerId: id, day: 100 + Math.floor(random.next() * 50), amount: 10 });
    if (random.next() < chance(a, b)) orders.push({ customerId: id, day: 160, amount: 10 });
  }
  const split = timeSplitLabels(orders, { cutoffDay: 150, horizonDays: 30 });
  return { split, extra: { numeric: featureMatrix(['a', 'b'], rows) } };
}

describe('evaluateSplit chooses the model on the training half\'s out-of-fold scores', () => {
  it('chooses trees when buying needs a AND b, and they win on the held-out half too', () => {
    const { split, extra } = shop(6000, (a, b) => (a > 0.5 && b > 0.5 ? 0.7 : 0.1), seededRandom(11));
    const evaluation = evaluateSplit(split, { random: seededRandom(12), l2: 'cv' }, extra);
    const choice = evaluation.modelChoice!;
    expect(choice.model).toBe('trees');
    expect(evaluation.model.trees).toBeDefined();
    expect(choice.rows).toBe(3000);
    const [logistic, trees] = choice.candidates;
    expect(trees!.logLoss).toBeLessThan(logistic!.logLoss - 0.02);
    // The held-out half judges the chosen model: the truth's log loss is about 0.40.
    expect(evaluation.logistic.logLoss).toBeLessThan(0.43);
  });

  it('keeps the logistic model when the log-odds are additive in a and b', () => {
    const { split, extra } = shop(6000, (a, b) => 1 / (1 + Math.exp(-(-2 + 1.5 * a + 1.5 * b))), seededRandom(21));
    const evaluation = evaluateSplit(split, { random: seededRandom(22), l2: 'cv' }, extra);
    expect(evaluation.modelChoice!.model).toBe('logistic');
    expect(evaluation.model.trees).toBeUndefined();
  });

  it('with a fixed penalty fits the logistic model alone, as before', () => {
    const { split, extra } = shop(400, () => 0.3, seededRandom(31));
    const evaluation = evaluateSplit(split, { random: seededRandom(32), l2: 1 }, extra);
    expect(evaluation.modelChoice).toBeUndefined();
    expect(evaluation.model.trees).toBeUndefined();
  });
});
