import { describe, expect, it } from 'vitest';
import { placementAllocation } from '../bandits/placementAllocation.js';
import { revenueAllocation } from '../bandits/revenueAllocation.js';
import { seededRandom } from '../common/random.js';
import { unitContributions } from '../privacy/unitContributions.js';
import { addPair, emptyPairMoments, type PairMoments } from '../stats/SufficientStats.js';
import cases from './banditExperiment.cases.json' with { type: 'json' };
import { assignmentProbabilities, banditArmEstimates, banditWeights, firstWeights } from './banditExperiment.js';
import { banditSettingsOf, experimentProblems, type ExperimentDefinition } from './ExperimentDefinition.js';
import { compileExperimentModel } from './ExperimentModel.js';
import { applyExperimentEvent, EXPOSURE_EVENT, ipwMetricId, readExposure, type ArmStatChange } from './experimentUnits.js';
import type { HashVersion } from './hash.js';

type Case = [string, number[], HashVersion, number, number[]];

describe('assignmentProbabilities (banditExperiment.cases.json)', () => {
  it.each(cases.cases as Case[])('%s', (_name, weights, version, coverage, expected) => {
    const probabilities = assignmentProbabilities(weights, version, coverage);
    expect(probabilities).toHaveLength(expected.length);
    for (const [i, p] of probabilities.entries()) expect(p).toBeCloseTo(expected[i]!, 12);
  });
});

const folded = (values: readonly (readonly [number, number])[]): PairMoments => values.reduce((m, [x, y]) => addPair(m, x, y), emptyPairMoments);

describe('banditWeights', () => {
  it('on a conversion metric, is the placement bandit\'s exact Beta allocation of units and conversions', () => {
    const a = folded([...Array<[number, number]>(90).fill([0, 0]), ...Array<[number, number]>(10).fill([1, 0])]);
    const b = folded([...Array<[number, number]>(80).fill([0, 0]), ...Array<[number, number]>(20).fill([1, 0])]);
    const next = banditWeights('conversion', [{ armId: 'a', units: 100, value: a, ipw: null }, { armId: 'b', units: 100, value: b, ipw: null }], 0.01, seededRandom(1));
    const expected = placementAllocation([{ id: 'a', trials: 100, successes: 10 }, { id: 'b', trials: 100, successes: 20 }], { minExplorationShare: 0.01 });
    expect(next.weights[0]).toBeCloseTo(expected.shares.get('a')!, 12);
    expect(next.weights[1]).toBeCloseTo(expected.shares.get('b')!, 12);
    expect(next.weights[0]! + next.weights[1]!).toBeCloseTo(1, 12);
    expect(next.monteCarlo).toBeNull();
  });

  it('on a mean metric, is the revenue allocation of the non-zero values, taken out of the rows exactly', () => {
    // Arm a: 6 units, values 0, 0, 0, 10, 30, 20 (p = 0.5); arm b: 5 units, 0, 0, 0, 0, 50 (p = 0.5).
    const values = { a: [0, 0, 0, 10, 30, 20], b: [0, 0, 0, 0, 50] };
    const arms = Object.entries(values).map(([armId, xs]) => ({
      armId, units: xs.length, value: folded(xs.map((x) => [x, 0] as const)), ipw: folded(xs.map((x) => [x / 0.5, x === 0 ? 0 : 1] as const)),
    }));
    const next = banditWeights('mean', arms, 0.02, seededRandom(7));
    const expected = revenueAllocation([
      { id: 'a', impressions: 6, conversions: 3, revenue: 60, revenueM2: 200 },
      { id: 'b', impressions: 5, conversions: 1, revenue: 50, revenueM2: 0 },
    ], { minExplorationShare: 0.02, random: seededRandom(7) });
    expect(next.weights[0]).toBeCloseTo(expected.shares.get('a')!, 9);
    expect(next.weights[1]).toBeCloseTo(expected.shares.get('b')!, 9);
    expect(next.monteCarlo).toEqual(expected.monteCarlo);
  });
});

describe('banditArmEstimates', () => {
  it('puts the naive mean beside Σ value / p over all the experiment\'s units', () => {
    // a: 4 units with p = 0.5, conversions 1; b: 2 units with p = 0.25 and 0.5, conversions 1 (the p = 0.25 one).
    const estimates = banditArmEstimates([
      { armId: 'a', units: 4, value: folded([[1, 0], [0, 0], [0, 0], [0, 0]]), ipw: folded([[2, 1], [0, 0], [0, 0], [0, 0]]) },
      { armId: 'b', units: 2, value: folded([[1, 0], [0, 0]]), ipw: folded([[4, 1], [0, 0]]) },
    ]);
    expect(estimates.map((e) => e.naiveMean)).toEqual([0.25, 0.5]);
    expect(estimates[0]!.ipwMean).toBeCloseTo(2 / 6, 12);
    expect(estimates[1]!.ipwMean).toBeCloseTo(4 / 6, 12);
    // x over the 6 units for b: 4 and five 0s: variance of the mean (16/6 − (4/6)²)/6.
    expect(estimates[1]!.ipwStandardError).toBeCloseTo(Math.sqrt((16 / 6 - (4 / 6) ** 2) / 6), 12);
  });
});

const bandit: ExperimentDefinition = {
  id: 'band', placement: 'hero', primaryMetric: 'buy', allocation: { mode: 'bandit', updateEveryMinutes: 30 },
  arms: [{ id: 'a', weight: 0.5, serve: { kind: 'personalized' } }, { id: 'b', weight: 0.5, serve: { kind: 'generic' } }],
};
const fixed: ExperimentDefinition = { ...bandit, id: 'fixed', placement: 'side', allocation: { mode: 'fixed' } };
const model = compileExperimentModel({ experiments: [bandit, fixed], metrics: [{ id: 'buy', kind: 'conversion', event: 'Order Completed', window: '7d' }], workspaceId: 'ws' });
const exposure = (experimentId: string, probability?: unknown) => ({
  type: 'track', name: EXPOSURE_EVENT, timestamp: 0,
  properties: { experiment_id: experimentId, variation_id: 'a', ...(probability === undefined ? {} : { assignment_probability: probability, weights_version: 3 }) },
});

describe('bandit units', () => {
  it('reads the settings with their defaults, and refuses an arm without weight', () => {
    expect(banditSettingsOf(bandit)).toEqual({ minExplorationShare: 0.01, updateEveryMinutes: 30 });
    expect(banditSettingsOf(fixed)).toBeNull();
    expect(firstWeights(bandit)).toEqual({ version: 1, weights: [0.5, 0.5], probabilities: [0.5, 0.5] });
    expect(experimentProblems({ ...bandit, arms: [{ ...bandit.arms[0]!, weight: 1 }, { ...bandit.arms[1]!, weight: 0 }] })).toEqual([expect.stringContaining('bandit')]);
  });

  it('reads the probability and version of an exposure; one that cannot divide is left out', () => {
    expect(readExposure(exposure('band', 0.25))).toEqual({ experimentId: 'band', armId: 'a', probability: 0.25, weightsVersion: 3 });
    for (const bad of [0, -1, 1.5, '0.5', Number.NaN]) expect(readExposure(exposure('band', bad))).toEqual({ experimentId: 'band', armId: 'a' });
  });

  it('keeps the probability of a bandit unit, feeds its _ipw rows, and gives them back to an erasure', () => {
    const exposed = applyExperimentEvent(undefined, exposure('band', 0.25), model, () => 0);
    expect(exposed.units!['band']!.p).toBe(0.25);
    const order = applyExperimentEvent(exposed.units, { type: 'track', name: 'Order Completed', timestamp: 1000, properties: {} }, model, () => 0);
    const ipw = (changes: readonly ArmStatChange[]) => changes.filter((c) => c.metricId === ipwMetricId('buy'));
    expect(ipw(exposed.changes)).toEqual([{ experimentId: 'band', armId: 'a', metricId: '_ipw.buy', before: null, after: [0, 0] }]);
    expect(ipw(order.changes)).toEqual([{ experimentId: 'band', armId: 'a', metricId: '_ipw.buy', before: [0, 0], after: [4, 1] }]);
    expect(unitContributions(order.units).filter((c) => c.metricId === '_ipw.buy')).toEqual([{ experimentId: 'band', armId: 'a', metricId: '_ipw.buy', pair: [4, 1] }]);
    // A ratio metric (the built-in ctr) has no _ipw row.
    expect(exposed.changes.some((c) => c.metricId === ipwMetricId('ctr'))).toBe(false);
  });

  it('ignores a probability on a fixed experiment\'s exposure', () => {
    const exposed = applyExperimentEvent(undefined, exposure('fixed', 0.5), model, () => 0);
    expect(exposed.units!['fixed']!.p).toBeUndefined();
    expect(exposed.changes.some((c) => c.metricId.startsWith('_ipw.'))).toBe(false);
  });
});
