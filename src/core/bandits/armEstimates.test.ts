import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import { armEstimates, revenueEstimates, type ArmWeightSums } from './armEstimates.js';

describe('armEstimates', () => {
  it('weights each click by 1/p over all the placement\'s decisions, with its standard error', () => {
    // 4 decisions: a chosen at p 0.5 (clicked) and 0.5; b at p 0.25 (clicked) and 0.75.
    const weights: ArmWeightSums[] = [
      { actionId: 'a', decisions: 2, clicked: 1, weightedClicks: 2, weightedClicksSquared: 4 },
      { actionId: 'b', decisions: 2, clicked: 1, weightedClicks: 4, weightedClicksSquared: 16 },
    ];
    const [a, b] = armEstimates(weights, [{ actionId: 'a', impressions: 2, clicks: 1 }, { actionId: 'b', impressions: 2, clicks: 1 }]);
    expect(a).toMatchObject({ naiveRate: 0.5, ipwRate: 0.5 });
    expect(a!.ipwStandardError).toBeCloseTo(Math.sqrt((4 / 4 - 0.25) / 4), 12);
    expect(b).toMatchObject({ naiveRate: 0.5, ipwRate: 1 });
    expect(b!.ipwInterval![0]).toBeCloseTo(1 - 1.96 * Math.sqrt((16 / 4 - 1) / 4), 12);
  });

  it('gives nulls without decisions and lists actions known to either side', () => {
    expect(armEstimates([], [{ actionId: 'x', impressions: 0, clicks: 0 }])).toEqual([
      { actionId: 'x', impressions: 0, clicks: 0, naiveRate: null, decisions: 0, ipwRate: null, ipwStandardError: null, ipwInterval: null },
    ]);
  });

  it('removes the bias of adaptive allocation in a simulated bandit: the naive mean is off, IPW is centred on the truth', () => {
    // Two arms of equal true rate 0.1; the allocation follows the running naive means (greedy with
    // a 10% floor), so whichever arm had early luck is shown more and its naive mean stays inflated.
    let naiveBias = 0;
    let ipwBias = 0;
    const runs = 1000;
    for (let seed = 1; seed <= runs; seed++) {
      const random = seededRandom(seed);
      const shown = [0, 0];
      const clicks = [0, 0];
      const sums: { decisions: number; clicked: number; weightedClicks: number; weightedClicksSquared: number }[] = [0, 1].map(() => ({ decisions: 0, clicked: 0, weightedClicks: 0, weightedClicksSquared: 0 }));
      for (let t = 0; t < 200; t++) {
        const rate = (i: number) => (shown[i]! === 0 ? 1 : clicks[i]! / shown[i]!);
        const leader = rate(0) >= rate(1) ? 0 : 1;
        const p = [0, 1].map((i) => (i === leader ? 0.9 : 0.1));
        const arm = random.next() < p[0]! ? 0 : 1;
        const click = random.next() < 0.1;
        shown[arm]! += 1;
        sums[arm]!.decisions += 1;
        if (click) {
          clicks[arm]! += 1;
          sums[arm]!.clicked += 1;
          sums[arm]!.weightedClicks += 1 / p[arm]!;
          sums[arm]!.weightedClicksSquared += 1 / p[arm]! ** 2;
        }
      }
      const [first] = armEstimates(sums.map((s, i) => ({ actionId: `arm${i}`, ...s })), [0, 1].map((i) => ({ actionId: `arm${i}`, impressions: shown[i]!, clicks: clicks[i]! })));
      naiveBias += (first!.naiveRate ?? 0.1) - 0.1;
      ipwBias += first!.ipwRate! - 0.1;
    }
    // The naive mean of an arm is biased (downwards for the arm that fell behind early, which is
    // then shown rarely); the weighted estimate is centred on the truth.
    // Over 1,000 runs: naive about -0.009, IPW within its standard error (about 0.002) of 0.
    expect(naiveBias / runs).toBeLessThan(-0.005);
    expect(Math.abs(ipwBias / runs)).toBeLessThan(0.005);
  });
});

describe('revenueEstimates', () => {
  it('weights each decision\'s revenue by 1/p over all the placement\'s decisions, beside revenue / impressions', () => {
    // 4 decisions: a at p 0.5 with revenue 20 (x = 40) and p 0.5 without; b at p 0.25 with 10 (x = 40) and 0.75 without.
    const [a, b] = revenueEstimates(
      [{ actionId: 'a', decisions: 2, weightedRevenue: 40, weightedRevenueSquared: 1600 }, { actionId: 'b', decisions: 2, weightedRevenue: 40, weightedRevenueSquared: 1600 }],
      [{ actionId: 'a', impressions: 2, conversions: 1, conversionValue: 20 }, { actionId: 'b', impressions: 2, conversions: 1, conversionValue: 10 }],
    );
    expect(a).toMatchObject({ conversions: 1, revenue: 20, naiveRevenuePerImpression: 10, ipwRevenuePerDecision: 10 });
    expect(a!.ipwStandardError).toBeCloseTo(Math.sqrt((1600 / 4 - 100) / 4), 12);
    expect(b).toMatchObject({ naiveRevenuePerImpression: 5, ipwRevenuePerDecision: 10 });
    expect(b!.ipwInterval![1]).toBeCloseTo(10 + 1.96 * Math.sqrt((1600 / 4 - 100) / 4), 12);
  });

  it('gives nulls without decisions or impressions', () => {
    expect(revenueEstimates([], [{ actionId: 'x', impressions: 0, conversions: 0, conversionValue: 0 }])).toEqual([
      { actionId: 'x', conversions: 0, revenue: 0, naiveRevenuePerImpression: null, ipwRevenuePerDecision: null, ipwStandardError: null, ipwInterval: null },
    ]);
  });
});
