import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../common/random.js';
import { placementAllocation } from './placementAllocation.js';
import { revenueAllocation } from './revenueAllocation.js';
import { createLinearModel, predictLinear, updateLinearModel, type LinearModel } from './linear/LinearModel.js';
import { chooseContextual, drawAction, type ContextualExploration } from './linear/contextualChoice.js';
import { encodeFeatures } from './linear/encodeFeatures.js';

// Simulations with known arm values: what a bandit must do better than a fixed split.

const bernoulli = (random: Random, p: number): number => (random.next() < p ? 1 : 0);

describe('Thompson sampling on a placement (allocation refreshed every 50 impressions)', () => {
  const rates = [0.02, 0.03, 0.04, 0.05, 0.08];
  const ids = rates.map((_, i) => `arm${i}`);
  const best = Math.max(...rates);
  const rounds = 4000;

  function thompsonRegret(seed: number): number {
    const random = seededRandom(seed);
    const trials = rates.map(() => 0);
    const successes = rates.map(() => 0);
    let shares: ReadonlyMap<string, number> = new Map(ids.map((id) => [id, 1 / ids.length]));
    let regret = 0;
    for (let t = 0; t < rounds; t++) {
      if (t % 50 === 0) {
        shares = placementAllocation(ids.map((id, i) => ({ id, trials: trials[i]!, successes: successes[i]! })), { minExplorationShare: 0.01 }).shares;
      }
      const arm = ids.indexOf(drawAction(shares, random));
      trials[arm]! += 1;
      successes[arm]! += bernoulli(random, rates[arm]!);
      regret += best - rates[arm]!;
    }
    return regret;
  }

  it('has far less cumulative regret than a uniform split over 10 seeded runs', () => {
    const uniform = rounds * (best - rates.reduce((a, b) => a + b, 0) / rates.length);
    const runs = Array.from({ length: 10 }, (_, seed) => thompsonRegret(seed + 1));
    const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
    // Uniform loses 144 clicks' worth over 4,000 impressions; Thompson about a quarter of that
    // (972 to 1,360 over these seeds).
    expect(mean).toBeLessThan(0.5 * uniform);
    expect(Math.max(...runs)).toBeLessThan(uniform);
  });
});

describe('Thompson sampling on revenue (Beta rate × Student-t value, Monte Carlo P(best), refreshed every 100 impressions)', () => {
  // Conversion rate and mean order value per arm; values are exponential around the mean.
  // Revenue per impression: 1.0, 1.2, 1.8, 0.6, 0.48: the best arm neither converts most nor sells dearest.
  const arms = [[0.10, 10], [0.08, 15], [0.06, 30], [0.05, 12], [0.06, 8]] as const;
  const ids = arms.map((_, i) => `arm${i}`);
  const value = arms.map(([rate, mean]) => rate * mean);
  const best = Math.max(...value);
  const rounds = 5000;

  function regret(seed: number): number {
    const random = seededRandom(seed);
    const counts = arms.map(() => ({ impressions: 0, conversions: 0, revenue: 0, revenueM2: 0 }));
    let shares: ReadonlyMap<string, number> = new Map(ids.map((id) => [id, 1 / ids.length]));
    let total = 0;
    for (let t = 0; t < rounds; t++) {
      if (t % 100 === 0) {
        shares = revenueAllocation(ids.map((id, i) => ({ id, ...counts[i]! })), { minExplorationShare: 0.01, random, targetStandardError: 0.01 }).shares;
      }
      const k = ids.indexOf(drawAction(shares, random));
      const c = counts[k]!;
      c.impressions += 1;
      if (random.next() < arms[k]![0]) {
        // Welford's update of the conversion values' M2, as the outcome counters keep it.
        const v = -arms[k]![1] * Math.log(1 - random.next());
        const before = c.conversions === 0 ? 0 : c.revenue / c.conversions;
        c.conversions += 1;
        c.revenue += v;
        c.revenueM2 += (v - before) * (v - c.revenue / c.conversions);
      }
      total += best - value[k]!;
    }
    return total;
  }

  it('has far less cumulative regret than a uniform split over 8 seeded runs', () => {
    const runs = Array.from({ length: 8 }, (_, seed) => regret(seed + 1));
    const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
    // Uniform loses 5,000 × (1.8 − 1.016) = 3,920 in expected revenue; Thompson about a third of that.
    const uniform = rounds * (best - value.reduce((a, b) => a + b, 0) / value.length);
    expect(uniform).toBeCloseTo(3920, 6);
    expect(mean).toBeLessThan(0.35 * uniform);
    expect(Math.max(...runs)).toBeLessThan(0.45 * uniform);
  });
});

describe('contextual bandit: the best action depends on the context', () => {
  // Click rates per segment (rows) and action (columns): each segment has its own best action.
  const segments = ['a', 'b', 'c'];
  const actions = ['x', 'y', 'z'];
  const rate: Record<string, Record<string, number>> = {
    a: { x: 0.10, y: 0.03, z: 0.03 },
    b: { x: 0.03, y: 0.10, z: 0.03 },
    c: { x: 0.03, y: 0.03, z: 0.08 },
  };
  const bestSingle = Math.max(...actions.map((a) => segments.reduce((sum, s) => sum + rate[s]![a]!, 0) / segments.length));
  const oracle = segments.reduce((sum, s) => sum + Math.max(...Object.values(rate[s]!)), 0) / segments.length;
  const rounds = 3000;
  const dims = 16;

  function meanReward(seed: number, exploration: ContextualExploration): number {
    const random = seededRandom(seed);
    const models = new Map<string, LinearModel>(actions.map((a) => [a, createLinearModel(dims, 1)]));
    let expected = 0;
    for (let t = 0; t < rounds; t++) {
      const segment = segments[Math.floor(random.next() * segments.length)]!;
      const x = encodeFeatures([{ namespace: 'context', features: { segment, noise: random.next() } }], dims);
      const predictions = actions.map((actionId) => ({ actionId, ...predictLinear(models.get(actionId)!, x) }));
      const choice = chooseContextual(predictions, exploration, 0.01, random);
      expect([...choice.probabilities.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      const p = rate[segment]![choice.actionId]!;
      expected += p;
      updateLinearModel(models.get(choice.actionId)!, x, bernoulli(random, p));
    }
    return expected / rounds;
  }

  it.each([
    { name: 'linear Thompson sampling', exploration: { kind: 'linTS', scale: 0.3 } as const },
    { name: 'LinUCB', exploration: { kind: 'linUCB', alpha: 0.5 } as const },
  ])('$name earns more than the best single action (5 seeded runs of 3,000 rounds)', ({ exploration }) => {
    const runs = Array.from({ length: 5 }, (_, seed) => meanReward(seed + 1, exploration));
    const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
    // Best single action 0.053, the oracle 0.093: the bandit must get well past the former.
    expect(bestSingle).toBeCloseTo(0.0533, 3);
    expect(mean).toBeGreaterThan(bestSingle + 0.5 * (oracle - bestSingle));
    expect(Math.min(...runs)).toBeGreaterThan(bestSingle);
  });
});
