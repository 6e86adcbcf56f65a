import { describe, expect, it } from 'vitest';
import { addPair, removePair, type PairMoments } from '../stats/SufficientStats.js';
import { unitContributions } from './unitContributions.js';

describe('unitContributions', () => {
  it('lists the units count and every metric with the pair applyExperimentEvent put in', () => {
    expect(unitContributions({ e1: { a: 'b', t: 0, c: 3, v: { revenue: 12, ctr: [2, 5] } } })).toEqual([
      { experimentId: 'e1', armId: 'b', metricId: '_units', pair: [0, 0] },
      { experimentId: 'e1', armId: 'b', metricId: 'revenue', pair: [12, 3] },
      { experimentId: 'e1', armId: 'b', metricId: 'ctr', pair: [2, 5] },
    ]);
    expect(unitContributions(undefined)).toEqual([]);
  });

  it('taking a unit back out gives the statistics of the others', () => {
    const others: [number, number][] = [[1, 2], [4, 0.5], [10, 3]];
    const empty: PairMoments = { n: 0, meanX: 0, meanY: 0, m2X: 0, m2Y: 0, cXY: 0 };
    const without = others.reduce((m, [x, y]) => addPair(m, x, y), empty);
    const [unit] = unitContributions({ e1: { a: 'b', t: 0, c: 7, v: { revenue: 25 } } }).filter((c) => c.metricId === 'revenue');
    const withIt = addPair(without, unit!.pair[0], unit!.pair[1]);
    const removed = removePair(withIt, unit!.pair[0], unit!.pair[1]);
    for (const key of ['n', 'meanX', 'meanY', 'm2X', 'm2Y', 'cXY'] as const) expect(removed[key]).toBeCloseTo(without[key], 9);
  });
});
