import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../common/random.js';
import { placementAllocation } from './placementAllocation.js';

const referenceFile = new URL('../../../../shared/reference/stats-reference-cases.json', import.meta.url);
const haveReference = existsSync(referenceFile);

interface BetaCase { readonly a: [number, number]; readonly b: [number, number]; readonly p: number }
function betaCases(): BetaCase[] {
  if (!haveReference) return [];
  const file = JSON.parse(readFileSync(referenceFile, 'utf8')) as { derived_cases_not_published_by_anchors: { id: string; cases: unknown[] }[] };
  return file.derived_cases_not_published_by_anchors.find((c) => c.id === 'beta-bernoulli-p-b-beats-a')!.cases as BetaCase[];
}

/** Beta(α, β) with integer parameters: the α-th smallest of α + β − 1 uniforms. */
function betaDraw(random: Random, alpha: number, beta: number): number {
  const u = Array.from({ length: alpha + beta - 1 }, () => random.next()).sort((x, y) => x - y);
  return u[alpha - 1]!;
}

describe('placementAllocation', () => {
  it.skipIf(!haveReference).each(betaCases())('two arms: P(B best) equals the exact closed form (a $a, b $b: $p, to 1e-6)', ({ a, b, p }) => {
    const allocation = placementAllocation(
      [{ id: 'a', successes: a[0], trials: a[1] }, { id: 'b', successes: b[0], trials: b[1] }],
      { minExplorationShare: 0 },
    );
    expect(allocation.bestProbabilities.get('b')).toBeCloseTo(p, 6);
    expect(allocation.shares.get('a')! + allocation.shares.get('b')!).toBeCloseTo(1, 12);
  });

  it('three arms: P(k best) agrees with Monte Carlo Thompson draws within 4 standard errors', () => {
    const arms = [{ id: 'x', trials: 12, successes: 3 }, { id: 'y', trials: 20, successes: 7 }, { id: 'z', trials: 5, successes: 2 }];
    const exact = placementAllocation(arms, { minExplorationShare: 0 }).bestProbabilities;
    const random = seededRandom(7);
    const draws = 40_000;
    const wins = new Map(arms.map((arm) => [arm.id, 0]));
    for (let n = 0; n < draws; n++) {
      let bestId = '';
      let bestValue = -1;
      for (const arm of arms) {
        const value = betaDraw(random, 1 + arm.successes, 1 + arm.trials - arm.successes);
        if (value > bestValue) [bestId, bestValue] = [arm.id, value];
      }
      wins.set(bestId, wins.get(bestId)! + 1);
    }
    for (const arm of arms) {
      const p = exact.get(arm.id)!;
      const se = Math.sqrt((p * (1 - p)) / draws);
      expect(Math.abs(wins.get(arm.id)! / draws - p)).toBeLessThan(4 * se);
    }
  });

  it('mixes in the exploration floor: every arm keeps at least the floor and the shares sum to 1', () => {
    const arms = [{ id: 'bad', trials: 5000, successes: 50 }, { id: 'good', trials: 5000, successes: 400 }, { id: 'new', trials: 0, successes: 0 }];
    const { shares, bestProbabilities } = placementAllocation(arms, { minExplorationShare: 0.05 });
    expect(bestProbabilities.get('bad')).toBeLessThan(1e-12);
    expect(shares.get('bad')).toBeCloseTo(0.05, 10);
    expect([...shares.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // An arm with no data has a uniform posterior: it beats the good arm's 8% with probability
    // about 0.92, so a new arm is explored at once rather than starved.
    expect(bestProbabilities.get('new')).toBeCloseTo(1 - 401 / 5002, 2);
    expect(shares.get('new')).toBeGreaterThan(shares.get('good')!);
  });

  it('caps the floor at an equal split and clamps successes to trials', () => {
    const { shares } = placementAllocation([{ id: 'a', trials: 10, successes: 12 }, { id: 'b', trials: 10, successes: 0 }], { minExplorationShare: 0.9 });
    expect(shares.get('a')).toBeCloseTo(0.5, 12);
    expect(shares.get('b')).toBeCloseTo(0.5, 12);
    expect(placementAllocation([{ id: 'only', trials: 3, successes: 1 }], { minExplorationShare: 0.1 }).shares.get('only')).toBe(1);
    expect(placementAllocation([], { minExplorationShare: 0.1 }).shares.size).toBe(0);
  });
});
