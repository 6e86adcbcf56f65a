/**
 * Spec tests against ../shared/reference/stats-reference-cases.json (peer implementations'
 * published values, re-derived with scipy). Each value must agree to the digits given: within
 * the case's `tol` when it has one, else half a unit in the last decimal place shown.
 * Skipped, with the reason in the suite name, when the shared folder is absent
 * (set ATTUNE_SHARED_DIR to point elsewhere).
 */
import { describe, expect, it } from 'vitest';
import { anchor, anchors, derived, expectDigits, num, obj, referencePresent as present, referenceSuite, type Json, type Obj } from './testing/statsReference.js';
import { meanSummary, proportionSummary, ratioSummary, type ArmSummary } from './SufficientStats.js';
import { bayesianTest } from './bayesian.js';
import { relativeEffect, absoluteEffect, welchTTest, type Difference } from './frequentist.js';
import { benjaminiHochbergAdjust, holmAdjust } from './multipleTesting.js';
import { minimumDetectableEffect, power, proportionSampleSizePerArm, sampleSizePerArm, type DesignInput } from './power.js';
import { sequentialTest } from './sequential.js';
import { sampleRatioMismatch } from './srm.js';

const suite = referenceSuite('stats-reference-cases.json');

function expectPair(actual: readonly [number, number], expected: Json | undefined, tol?: number): void {
  if (!Array.isArray(expected)) throw new Error('expected a pair');
  expectDigits(actual[0], expected[0], tol);
  expectDigits(actual[1], expected[1], tol);
}

function arm(a: Obj): ArmSummary {
  if (a['m'] !== undefined) {
    const m = obj(a, 'm');
    const d = obj(a, 'd');
    return ratioSummary({ n: num(a, 'n'), sum: num(m, 'sum'), sumSquares: num(m, 'sum_squares'), sumY: num(d, 'sum'), sumY2: num(d, 'sum_squares'), sumXY: num(a, 'm_d_sum_of_products') });
  }
  return a['type'] === 'proportion'
    ? proportionSummary({ n: num(a, 'n'), sum: num(a, 'sum') })
    : meanSummary({ n: num(a, 'n'), sum: num(a, 'sum'), sumSquares: num(a, 'sum_squares') });
}
function arms(input: Obj): { control: ArmSummary; treatment: ArmSummary } {
  return { control: arm(obj(input, input['a'] ? 'a' : 'control')), treatment: arm(obj(input, input['b'] ? 'b' : 'treatment')) };
}
const difference = (input: Obj): Difference => (input['difference'] === 'absolute' ? 'absolute' : 'relative');

describe.skipIf(!present)(suite, () => {
  describe('frequentist: Welch t-test', () => {
    it.each(anchors(['gb-ttest-rel', 'gb-ttest-abs', 'gb-ttest-binom', 'gb-onesided-greater', 'ph-mean-rel', 'ph-prop-rel', 'ph-ratio-rel']))('%s', (_id, c) => {
      const { control, treatment } = arms(c.input);
      const r = welchTTest(control, treatment, {
        difference: difference(c.input),
        alpha: typeof c.input['alpha'] === 'number' ? c.input['alpha'] : 0.05,
        alternative: c.input['alternative'] === 'greater' ? 'greater' : 'two-sided',
      });
      expectDigits(r.estimate, c.expected['estimate'], c.tol);
      if (c.expected['se'] !== undefined) expectDigits(r.se, c.expected['se'], c.tol);
      expectPair(r.ci, c.expected['ci'], c.tol);
      expectDigits(r.pValue, c.expected['p'], c.tol);
      if (c.expected['ratio_t'] !== undefined) {
        expectDigits(treatment.mean, c.expected['ratio_t'], c.tol);
        expectDigits(control.mean, c.expected['ratio_c'], c.tol);
      }
    });

    it.each(anchors(['gb-delta-variance']))('%s', (_id, c) => {
      const control = { n: num(c.input, 'nA'), mean: num(c.input, 'meanA'), variance: num(c.input, 'varA') };
      const treatment = { n: num(c.input, 'nB'), mean: num(c.input, 'meanB'), variance: num(c.input, 'varB') };
      expectDigits(absoluteEffect(control, treatment).variance, c.expected['absolute']);
      expectDigits(relativeEffect(control, treatment).variance, c.expected['relative']);
    });
  });

  describe('sequential: asymptotic confidence sequences', () => {
    it.each(anchors(['gb-seq-mean-N1000', 'gb-seq-prop-N5000']))('%s', (_id, c) => {
      const { control, treatment } = arms(c.input);
      const r = sequentialTest(control, treatment, { difference: 'relative', alpha: 0.05, nStar: num(c.input, 'sequential_tuning_N_star') });
      expectDigits(r.estimate, c.expected['estimate'], c.tol);
      expectDigits(r.se, c.expected['se'], c.tol);
      expectPair(r.ci, c.expected['ci'], c.tol);
      expectDigits(r.pValue, c.expected['p'], c.tol);
    });

    it('sequential-variants-same-data: growthbook_asympCS_N5000', () => {
      const { control, treatment } = arms(anchor('gb-ttest-abs').input);
      const expected = obj(obj(derived('sequential-variants-same-data'), 'outputs'), 'growthbook_asympCS_N5000');
      const r = sequentialTest(control, treatment, { difference: 'absolute', alpha: 0.05, nStar: 5000 });
      expectPair(r.ci, expected['ci']);
      expectDigits(r.pValue, expected['p']);
    });
  });

  describe('bayesian: normal approximation', () => {
    it.each(anchors(['gb-bayes-binom', 'gb-bayes-mean', 'gb-bayes-mean-prior', 'ph-bayes-mean']))('%s', (_id, c) => {
      const { control, treatment } = arms(c.input);
      const prior = c.input['prior'];
      const r = bayesianTest(control, treatment, {
        difference: 'relative',
        ...(prior !== null && typeof prior === 'object' && !Array.isArray(prior) ? { prior: { mean: num(prior, 'mean'), variance: num(prior, 'variance') } } : {}),
      });
      expectDigits(r.expected, c.expected['expected'] ?? c.expected['effect'], c.tol);
      if (c.expected['sd'] !== undefined) expectDigits(r.sd, c.expected['sd'], c.tol);
      expectPair(r.ci, c.expected['ci'], c.tol);
      expectDigits(r.chanceToWin, c.expected['chanceToWin'] ?? c.expected['chance_to_win'], c.tol);
      if (c.expected['risk'] !== undefined) expectPair(r.risk, c.expected['risk'], c.tol);
    });
  });

  describe('multiple testing', () => {
    it.each(anchors(['gb-holm', 'gb-bh']))('%s', (id, c) => {
      const p = c.input['p'] as number[];
      const adjusted = id === 'gb-holm' ? holmAdjust(p) : benjaminiHochbergAdjust(p);
      const expected = c.expected['adjusted_in_input_order'] as number[];
      expect(adjusted).toHaveLength(expected.length);
      adjusted.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 10));
    });
  });

  describe('power, MDE and sample size', () => {
    const design = (input: Obj): DesignInput => {
      const metric = obj(input, 'metric');
      return { mean: num(metric, 'mean'), variance: num(metric, 'variance'), nPerArm: num(input, 'total_n') / num(input, 'n_variations'), alpha: num(input, 'alpha') };
    };
    it.each(anchors(['gb-power-fixed', 'gb-power-seq']))('%s', (_id, c) => {
      const nStar = c.input['sequential_N_star'];
      const input = { ...design(c.input), ...(typeof nStar === 'number' ? { sequentialNStar: nStar } : {}) };
      expectDigits(power(input, num(c.input, 'relative_effect')), c.expected['power'], c.tol);
    });
    it.each(anchors(['gb-mde']))('%s', (_id, c) => {
      expectDigits(minimumDetectableEffect(design(c.input), num(c.input, 'power')), c.expected['mde_fixed'], c.tol);
      expectDigits(minimumDetectableEffect({ ...design(c.input), sequentialNStar: 5000 }, num(c.input, 'power')), c.expected['mde_sequential_N5000'], c.tol);
    });
    it.each(anchors(['sp-samplesize-cont']))('%s', (_id, c) => {
      const total = num(c.input, 'arms') * sampleSizePerArm({ mde: num(c.input, 'absolute_mde'), varianceControl: num(c.input, 'variance'), alpha: num(c.input, 'alpha'), power: num(c.input, 'power') });
      const want = num(c.expected, 'total_n');
      expect(Math.abs(total - want) / want).toBeLessThanOrEqual(c.tol_rel!);
    });
    it.each(anchors(['sp-samplesize-binom']))('%s', (_id, c) => {
      for (const [key, want] of Object.entries(c.expected)) {
        const [, alpha, targetPower] = /^alpha([\d.]+)_power([\d.]+)$/.exec(key)!;
        const total = 2 * proportionSampleSizePerArm({ baseline: num(c.input, 'baseline'), mde: num(c.input, 'absolute_mde'), alpha: Number(alpha), power: Number(targetPower) });
        expect(Math.abs(total - (want as number)) / (want as number), key).toBeLessThanOrEqual(c.tol_rel!);
      }
    });
  });

  describe('srm: chi-square against configured weights', () => {
    const cases = present ? (derived('srm-chi2')['cases'] as Obj[]) : [];
    it.each(cases.map((c) => [JSON.stringify(c['users']), c] as const))('users %s', (_name, c) => {
      const r = sampleRatioMismatch(c['users'] as number[], c['weights'] as number[]);
      const p = num(c, 'p');
      // Derived p-values are given to full precision: agree to 10 significant digits.
      expect(Math.abs(r.pValue - p) / p).toBeLessThan(1e-10);
      expect(r.mismatch).toBe(p < 0.001);
    });
  });
});
