import { seededRandom, type Random } from '../../common/random.js';
import { addUnitValue, emptyAccumulator, type ArmAccumulator } from '../../experiments/metricValues.js';
import type { ReportArm, RoiInput } from '../roiReport.js';

/**
 * Seeded ROI inputs of every shape the significance checks need: small and large arms, effects
 * from none to large, baselines noisy enough that the absolute and the relative test often
 * disagree (as in the demo with seed 11: an absolute interval above 0 beside a relative one
 * across it), costs around break-even, several alphas and, in half of them, sequential intervals.
 */
export function randomRoiInputs(count: number, seed = 20261205): RoiInput[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, k) => randomInput(random, k));
}

const uniform = (random: Random, low: number, high: number): number => low + (high - low) * random.next();

function fold(n: number, draw: () => number): ArmAccumulator {
  let acc = emptyAccumulator('mean');
  for (let i = 0; i < n; i++) acc = addUnitValue(acc, { kind: 'single', value: draw() });
  return acc;
}

function foldPairs(n: number, draw: () => readonly [number, number]): ArmAccumulator {
  let acc = emptyAccumulator('ratio');
  for (let i = 0; i < n; i++) {
    const [numerator, denominator] = draw();
    acc = addUnitValue(acc, { kind: 'pair', numerator, denominator });
  }
  return acc;
}

function arm(random: Random, id: string, units: number, buyRate: number, basket: number, clickRate: number): ReportArm {
  const orders: [number, number][] = [];
  const revenue = fold(units, () => {
    const bought = random.next() < buyRate;
    const value = bought ? basket * uniform(random, 0.2, 1.8) : 0;
    orders.push([value, bought ? 1 : 0]);
    return value;
  });
  let o = 0;
  return {
    id,
    units,
    metrics: {
      revenuePerVisitor: revenue,
      conversionRate: fold(units, () => (orders[o++]![1] === 1 ? 1 : 0)),
      averageOrderValue: foldPairs(units, () => [uniform(random, 0, 2) * basket, 1 + Math.floor(uniform(random, 0, 2))]),
      clickThroughRate: foldPairs(units, () => {
        const views = 1 + Math.floor(uniform(random, 0, 4));
        let clicks = 0;
        for (let v = 0; v < views; v++) if (random.next() < clickRate) clicks++;
        return [clicks, views];
      }),
    },
  };
}

function randomInput(random: Random, k: number): RoiInput {
  const baselineUnits = 20 + Math.floor(uniform(random, 0, 200));
  const treatedUnits = 20 + Math.floor(uniform(random, 0, 2_000));
  const lift = [0, 0.1, 0.3, 0.6][k % 4]!;
  const buyRate = uniform(random, 0.2, 0.6);
  const basket = uniform(random, 20, 80);
  const periodDays = uniform(random, 3, 30);
  const treated = arm(random, 'personalized', treatedUnits, Math.min(1, buyRate * (1 + lift)), basket, 0.05 * (1 + 4 * lift));
  // A cost near break-even for the expected uplift, so the ROI interval falls on either side of 0.
  const expectedPerMonth = buyRate * basket * lift * treatedUnits * (30 / periodDays);
  return {
    scope: k % 3 === 0 ? 'program' : `experiment-${k}`,
    baseline: arm(random, 'generic', baselineUnits, buyRate, basket, 0.05),
    treated,
    weights: { baseline: 0.5, treated: 0.5 },
    periodDays,
    monthlyCost: k % 5 === 4 ? null : Math.max(1, expectedPerMonth * uniform(random, 0.3, 1.5)),
    currency: 'EUR',
    alpha: [0.05, 0.1, 0.01][k % 3]!,
    ...(k % 2 === 0 ? { sequential: { nStar: baselineUnits + treatedUnits } } : {}),
  };
}
