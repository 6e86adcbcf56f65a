/**
 * The read-out's must-shows, on seeded simulations (deterministic: fixed seeds, no clock):
 * (a) the sequential interval keeps its coverage when looked at again and again, the fixed
 *     Welch interval does not; (b) the 95% Welch intervals of analyzeExperiment cover known
 *     effects in about 95% of runs, for a conversion and a ratio metric; (c) a 52/48 split
 *     injected into a hash-assigned 50/50 experiment is flagged as a sample-ratio mismatch.
 * Each test states its tolerance. Monte-Carlo standard error of a rate p over R runs:
 * sqrt(p(1 − p)/R), ≈ 0.0097 for p = 0.05 (or 0.95) and R = 500.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../common/random.js';
import { analyzeExperiment, designOf, type AnalysisDesign, type ArmComparison, type MetricStats } from './analyzeExperiment.js';
import { assignArm } from './assignArm.js';
import type { ExperimentDefinition } from './ExperimentDefinition.js';
import type { MetricKind } from './MetricDefinition.js';
import { addUnitValue, emptyAccumulator, type ArmAccumulator, type UnitValue } from './metricValues.js';

const design: AnalysisDesign = { arms: [{ id: 'control', weight: 0.5 }, { id: 'treatment', weight: 0.5 }], controlArmId: 'control' };

/** Box–Muller: a standard normal draw. */
const normal = (random: Random): number => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());

type Draw = (random: Random, treated: boolean) => UnitValue;

/** Per arm, `n` units folded with addUnitValue (as the shell folds them). */
function arms(kind: MetricKind, n: number, random: Random, draw: Draw): Record<string, ArmAccumulator> {
  const result: Record<string, ArmAccumulator> = {};
  for (const arm of ['control', 'treatment']) {
    let acc = emptyAccumulator(kind);
    for (let i = 0; i < n; i++) acc = addUnitValue(acc, draw(random, arm === 'treatment'));
    result[arm] = acc;
  }
  return result;
}

/** The one comparison (treatment versus control) of a one-metric read-out. */
function comparison(kind: MetricKind, accs: Record<string, ArmAccumulator>, extra: Partial<AnalysisDesign> = {}): ArmComparison {
  const unitCounts = { control: accs['control']!.moments.n, treatment: accs['treatment']!.moments.n };
  const metrics: MetricStats[] = [{ metricId: 'm', kind, role: 'primary', arms: accs }];
  return analyzeExperiment({ design: { ...design, ...extra }, unitCounts, metrics }).metrics[0]!.comparisons[0]!;
}

const covers = (ci: readonly [number, number], truth: number): boolean => ci[0] <= truth && truth <= ci[1];

describe('(a) sequential intervals keep their coverage under repeated looks, while naive repeated looks do not', () => {
  // 500 runs; each run adds 100 units per arm before each of 20 looks (2,000 per arm at the
  // end) of a mean metric N(10, 3²) with a true absolute effect of 0.3 (relative 0.03). A run
  // fails when ANY look's 95% interval excludes the truth. The sequential interval is tuned
  // for the final size, N* = 4,000. Tolerance: the sequential any-look miss rate ≤ 0.05 + 0.02
  // (two Monte-Carlo standard errors); the naive one must exceed 0.10 (it is about 0.25, five
  // times the nominal rate); one look at the end alone misses in 0.05 ± 0.03 of runs.
  const runs = 500;
  const looks = 20;
  const perLook = 100;
  const truth = { absolute: 0.3, relative: 0.03 };
  const draw: Draw = (random, treated) => ({ kind: 'single', value: 10 + (treated ? truth.absolute : 0) + 3 * normal(random) });

  function missRates(): Record<'naive' | 'sequential' | 'finalLookOnly', Record<'absolute' | 'relative', number>> {
    const missed = { naive: { absolute: 0, relative: 0 }, sequential: { absolute: 0, relative: 0 }, finalLookOnly: { absolute: 0, relative: 0 } };
    const random = seededRandom(20_260_401);
    for (let run = 0; run < runs; run++) {
      const accs: Record<string, ArmAccumulator> = { control: emptyAccumulator('mean'), treatment: emptyAccumulator('mean') };
      const anyMiss = { naive: { absolute: false, relative: false }, sequential: { absolute: false, relative: false } };
      let last: ArmComparison | null = null;
      for (let look = 0; look < looks; look++) {
        for (const arm of ['control', 'treatment'] as const) {
          for (let i = 0; i < perLook; i++) accs[arm] = addUnitValue(accs[arm]!, draw(random, arm === 'treatment'));
        }
        last = comparison('mean', accs, { sequential: { nStar: 2 * looks * perLook } });
        for (const scale of ['absolute', 'relative'] as const) {
          if (!covers(last[scale]!.ci, truth[scale])) anyMiss.naive[scale] = true;
          if (!covers(last.sequential![scale]!.ci, truth[scale])) anyMiss.sequential[scale] = true;
        }
      }
      for (const scale of ['absolute', 'relative'] as const) {
        if (anyMiss.naive[scale]) missed.naive[scale]++;
        if (anyMiss.sequential[scale]) missed.sequential[scale]++;
        if (!covers(last![scale]!.ci, truth[scale])) missed.finalLookOnly[scale]++;
      }
    }
    const rate = (m: { absolute: number; relative: number }) => ({ absolute: m.absolute / runs, relative: m.relative / runs });
    return { naive: rate(missed.naive), sequential: rate(missed.sequential), finalLookOnly: rate(missed.finalLookOnly) };
  }

  it('500 runs of 20 looks: the Welch interval misses the truth at some look far more often than 5%, the sequential one does not', () => {
    const rates = missRates();
    for (const scale of ['absolute', 'relative'] as const) {
      expect(rates.naive[scale]).toBeGreaterThan(0.10);
      expect(rates.sequential[scale]).toBeLessThanOrEqual(0.07);
      expect(rates.finalLookOnly[scale]).toBeGreaterThanOrEqual(0.02);
      expect(rates.finalLookOnly[scale]).toBeLessThanOrEqual(0.08);
    }
  });
});

describe('(b) the 95% Welch intervals of analyzeExperiment cover known effects in about 95% of runs', () => {
  // 500 runs of 2,000 units per arm. Tolerance: coverage 0.95 ± 0.03 (three Monte-Carlo
  // standard errors, 3 × 0.0097), on the absolute and the relative scale.
  const runs = 500;
  function coverage(kind: MetricKind, seed: number, draw: Draw, truth: { absolute: number; relative: number }) {
    const random = seededRandom(seed);
    const covered = { absolute: 0, relative: 0 };
    for (let run = 0; run < runs; run++) {
      const c = comparison(kind, arms(kind, 2_000, random, draw));
      if (covers(c.absolute!.ci, truth.absolute)) covered.absolute++;
      if (covers(c.relative!.ci, truth.relative)) covered.relative++;
    }
    return { absolute: covered.absolute / runs, relative: covered.relative / runs };
  }
  const within = (rate: number): void => {
    expect(rate).toBeGreaterThanOrEqual(0.92);
    expect(rate).toBeLessThanOrEqual(0.98);
  };

  it('a conversion metric: 10% → 12% (absolute 0.02, relative 0.2)', () => {
    const draw: Draw = (random, treated) => ({ kind: 'single', value: random.next() < (treated ? 0.12 : 0.1) ? 1 : 0 });
    const rates = coverage('conversion', 20_260_402, draw, { absolute: 0.02, relative: 0.2 });
    within(rates.absolute);
    within(rates.relative);
  });

  it('a ratio metric (revenue per order, 0 to 3 orders per unit): 50 → 55 (absolute 5, relative 0.1), by the delta method', () => {
    // orders 0 (40%), 1 (30%), 2 (20%) or 3 (10%); each order 50·(1 + 0.1 if treated)·U(0.5, 1.5):
    // Σrevenue/Σorders estimates E[revenue]/E[orders] = 50 (control), 55 (treatment).
    const draw: Draw = (random, treated) => {
      const u = random.next();
      const count = u < 0.4 ? 0 : u < 0.7 ? 1 : u < 0.9 ? 2 : 3;
      let revenue = 0;
      for (let i = 0; i < count; i++) revenue += 50 * (treated ? 1.1 : 1) * (0.5 + random.next());
      return { kind: 'pair', numerator: revenue, denominator: count };
    };
    const rates = coverage('ratio', 20_260_403, draw, { absolute: 5, relative: 0.1 });
    within(rates.absolute);
    within(rates.relative);
  });
});

describe('(c) an injected 52/48 split is flagged as SRM', () => {
  // 20,000 ids assigned by assignArm to a 50/50 experiment. The hash split is not flagged at
  // p < 0.001. Then the treatment arm loses units (the first ones kept, in id order, the rest
  // dropped) until control:treatment is 52:48: χ² ≈ 0.04²·N ≈ 31 on 1 df, p ≈ 3e-8, flagged.
  const experiment: ExperimentDefinition = {
    id: 'srm-injected', placement: 'home-hero', primaryMetric: 'purchase',
    arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'treatment', weight: 0.5, serve: { kind: 'personalized' } }],
  };
  const ids: Record<string, string[]> = { control: [], treatment: [] };
  for (let i = 0; i < 20_000; i++) {
    const id = `unit-${i}`;
    ids[assignArm(experiment, id, 0).armId!]!.push(id);
  }

  function readOut(units: Record<string, readonly string[]>) {
    const random = seededRandom(20_260_404);
    const accs: Record<string, ArmAccumulator> = {};
    const unitCounts: Record<string, number> = {};
    for (const [arm, list] of Object.entries(units)) {
      let acc = emptyAccumulator('conversion');
      for (let i = 0; i < list.length; i++) acc = addUnitValue(acc, { kind: 'single', value: random.next() < 0.1 ? 1 : 0 });
      accs[arm] = acc;
      unitCounts[arm] = list.length;
    }
    return analyzeExperiment({ design: designOf(experiment), unitCounts, metrics: [{ metricId: 'purchase', kind: 'conversion', role: 'primary', arms: accs }] });
  }

  it('the hash split of 20,000 ids is not flagged; a 52/48 split made by dropping treatment units is, at p < 0.001', () => {
    const real = readOut(ids);
    expect(ids['control']!.length + ids['treatment']!.length).toBe(20_000);
    expect(real.srm.mismatch).toBe(false);
    expect(real.srm.pValue).toBeGreaterThanOrEqual(0.001);

    const kept = Math.round((ids['control']!.length * 48) / 52);
    expect(kept).toBeLessThan(ids['treatment']!.length);
    const injected = readOut({ control: ids['control']!, treatment: ids['treatment']!.slice(0, kept) });
    const [c, t] = injected.srm.counts;
    expect(c! / (c! + t!)).toBeCloseTo(0.52, 3);
    expect(injected.srm.mismatch).toBe(true);
    expect(injected.srm.pValue).toBeLessThan(0.001);
    // the read-out is still computed; the flag is what tells the reader not to trust it
    expect(injected.metrics[0]!.comparisons[0]!.status).toBe('ok');
  });
});
