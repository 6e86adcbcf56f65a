import type { Random } from '../../common/random.js';
import type { AnalysisDesign } from '../analyzeExperiment.js';
import type { MetricKind } from '../MetricDefinition.js';
import { addUnitValue, emptyAccumulator, mergeAccumulators, type ArmAccumulator, type UnitValue } from '../metricValues.js';

/**
 * Seeded two-arm simulations for the read-out's tests: per arm, units drawn by a function of
 * the random source and the arm, folded in chunks and merged as the shell folds them.
 */

export const twoArmDesign: AnalysisDesign = { arms: [{ id: 'control', weight: 0.5 }, { id: 'treatment', weight: 0.5 }], controlArmId: 'control' };

/** Per arm, `n` units drawn by `draw(random, isTreatment)`, folded in four chunks and merged. */
export function simulate(kind: MetricKind, n: number, random: Random, draw: (random: Random, treated: boolean) => UnitValue): Record<string, ArmAccumulator> {
  const arms: Record<string, ArmAccumulator> = {};
  for (const arm of ['control', 'treatment']) {
    let total = emptyAccumulator(kind);
    for (let chunk = 0; chunk < 4; chunk++) {
      let acc = emptyAccumulator(kind);
      for (let i = 0; i < n / 4; i++) acc = addUnitValue(acc, draw(random, arm === 'treatment'));
      total = mergeAccumulators(total, acc);
    }
    arms[arm] = total;
  }
  return arms;
}

/** A standard normal draw (Box–Muller). */
export const normal = (random: Random): number => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
export const conversion = (p0: number, lift: number) => (random: Random, treated: boolean): UnitValue =>
  ({ kind: 'single', value: random.next() < p0 * (treated ? 1 + lift : 1) ? 1 : 0 });
export const revenue = (mean0: number, delta: number) => (random: Random, treated: boolean): UnitValue =>
  ({ kind: 'single', value: random.next() < 0.2 ? Math.max(0, mean0 * 5 + (treated ? delta * 5 : 0) + 20 * normal(random)) : 0 });
/** Orders 0–2 per unit; revenue per order averages 50 × (1 + lift): the true relative effect on AOV is `lift`. */
export const orders = (lift: number) => (random: Random, treated: boolean): UnitValue => {
  const count = random.next() < 0.7 ? 0 : random.next() < 0.7 ? 1 : 2;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += 50 * (treated ? 1 + lift : 1) * (0.5 + random.next());
  return { kind: 'pair', numerator: sum, denominator: count };
};

/** A unit's metric value X and its pre-exposure covariate Y, as the shell folds them into a pair accumulator. */
export const withCovariate = (x: number, y: number): UnitValue => ({ kind: 'pair', numerator: x, denominator: y });
/** Pair accumulators per arm, `n` units each, from `draw(random, treated)` → [x, y]. */
export function simulatePairs(n: number, random: Random, draw: (random: Random, treated: boolean) => readonly [number, number]): Record<string, ArmAccumulator> {
  return simulate('ratio', n, random, (r, treated) => withCovariate(...draw(r, treated)));
}
/** Y ~ N(10, 2²), X = Y + N(0, 1) (+ 0.5 in treatment): corr(X, Y)² = 0.8, true absolute effect 0.5, relative 0.05. */
export const correlated = (random: Random, treated: boolean): readonly [number, number] => {
  const y = 10 + 2 * normal(random);
  return [y + normal(random) + (treated ? 0.5 : 0), y];
};
/** Y = converted before (30%); P(X = 1) = 0.1 + 0.5·Y (+ 0.03 in treatment): true absolute effect 0.03, relative 0.03/0.25 = 0.12. */
export const reconverting = (random: Random, treated: boolean): readonly [number, number] => {
  const y = random.next() < 0.3 ? 1 : 0;
  return [random.next() < 0.1 + 0.5 * y + (treated ? 0.03 : 0) ? 1 : 0, y];
};
