import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import { AttuneError } from '../errors/AttuneError.js';
import { bootstrapSums, percentileInterval } from './bootstrap.js';
import cases from './estimatePolicyValue.cases.json' with { type: 'json' };
import { estimatePolicyValue, type OpeOptions } from './estimatePolicyValue.js';
import { uniformPolicy, type EvaluationPolicy, type LoggedFeedback, type LoggedRound } from './LoggedFeedback.js';
import { fitMeanRewardModel } from './meanRewardModel.js';

type Row = [number, number | null, number, number | null];
type Expected = Record<'ipw' | 'snipw' | 'dm' | 'dr' | 'loggedValue', number | null> & {
  diagnostics: Record<string, number | null | string[]> & { warnings: string[] };
};
type Case = [string, { nActions: number; rounds: Row[] }, number[] | number[][], { priorStrength?: number; clip?: number; minEffectiveSampleSize?: number }, Expected];

function logsOf(nActions: number, rows: readonly Row[]): LoggedFeedback {
  const rounds = rows.map(([action, position, reward, propensity]): LoggedRound => (
    position === null ? { action, reward, propensity } : { action, position, reward, propensity }));
  return { nActions, rounds };
}

function policyOf(table: number[] | number[][]): EvaluationPolicy {
  return Array.isArray(table[0]) ? (_round, index) => (table as number[][])[index]! : () => table as number[];
}

/** null in the JSON stands for NaN. */
function expectNumber(actual: number, expected: number | null): void {
  if (expected === null) expect(actual).toBeNaN();
  else expect(actual).toBeCloseTo(expected, 10);
}

describe('estimatePolicyValue', () => {
  it.each(cases.cases as Case[])('%s', (_name, logs, table, options, expected) => {
    const feedback = logsOf(logs.nActions, logs.rounds);
    const rewardModel = fitMeanRewardModel(feedback, { priorStrength: options.priorStrength ?? 2 });
    const result = estimatePolicyValue(feedback, policyOf(table), { ...options, rewardModel, resamples: 0, random: seededRandom(1) });
    for (const estimate of result.estimates) {
      expectNumber(estimate.value, expected[estimate.estimator]);
      expect(estimate.ci.every(Number.isNaN)).toBe(true);
    }
    expect(result.estimates.map((e) => e.estimator)).toEqual(['ipw', 'snipw', 'dm', 'dr']);
    expectNumber(result.loggedValue, expected.loggedValue);
    const { warnings, ...numbers } = expected.diagnostics;
    expect(result.diagnostics.warnings.map((w) => w.code)).toEqual(warnings);
    for (const [key, value] of Object.entries(numbers)) {
      expectNumber(result.diagnostics[key as keyof typeof result.diagnostics] as number, value as number | null);
    }
    expect(result.diagnostics.rounds).toBe(logs.rounds.length);
  });

  const logs = logsOf(3, Array.from({ length: 200 }, (_, t): Row => [t % 3, null, (t * 7) % 5 === 0 ? 1 : 0, [0.5, 0.3, 0.2][t % 3]!]));
  const policy: EvaluationPolicy = () => [0.2, 0.3, 0.5];

  it('puts each estimate inside its bootstrap interval, the same for the same seed', () => {
    const run = (seed: number, level?: number) => estimatePolicyValue(logs, policy, { random: seededRandom(seed), resamples: 400, ...(level === undefined ? {} : { level }) });
    const first = run(7);
    expect(run(7)).toEqual(first);
    expect(run(8).estimates[0]!.ci).not.toEqual(first.estimates[0]!.ci);
    for (const { value, ci } of first.estimates) {
      // DM's per-round term is constant here: its interval is a point, up to rounding.
      expect(ci[0]).toBeLessThanOrEqual(value + 1e-12);
      expect(ci[1]).toBeGreaterThanOrEqual(value - 1e-12);
    }
    expect(first.loggedCi[0]).toBeLessThan(first.loggedValue);
    expect(first.loggedCi[1]).toBeGreaterThan(first.loggedValue);
    // A lower level on the same resamples gives a nested, narrower interval.
    const narrow = run(7, 0.5);
    first.estimates.forEach(({ ci }, i) => {
      expect(narrow.estimates[i]!.ci[0]).toBeGreaterThanOrEqual(ci[0]);
      expect(narrow.estimates[i]!.ci[1]).toBeLessThanOrEqual(ci[1]);
    });
  });

  it('on logs of the uniform policy evaluated as uniform, every weight is 1 and IPW is the logged mean', () => {
    const uniform = logsOf(4, Array.from({ length: 40 }, (_, t): Row => [t % 4, null, t % 3 === 0 ? 1 : 0, 0.25]));
    const result = estimatePolicyValue(uniform, uniformPolicy(4), { random: seededRandom(3), resamples: 200 });
    expect(result.estimates[0]!.value).toBeCloseTo(result.loggedValue, 12);
    expect(result.estimates[0]!.ci).toEqual(result.loggedCi);
    expect(result.estimates[1]!.value).toBeCloseTo(result.loggedValue, 12);
    expect(result.diagnostics.effectiveSampleSize).toBeCloseTo(40, 10);
    expect(result.diagnostics.maxWeight).toBe(1);
  });

  it.each([
    [{ nActions: 2, rounds: [{ action: 2, reward: 1, propensity: 0.5 }] }, () => [0.5, 0.5], {}, 'action'],
    [{ nActions: 2, rounds: [{ action: 0.5, reward: 1, propensity: 0.5 }] }, () => [0.5, 0.5], {}, 'action'],
    [{ nActions: 2, rounds: [{ action: 0, reward: Number.NaN, propensity: 0.5 }] }, () => [0.5, 0.5], {}, 'reward'],
    [{ nActions: 2, rounds: [{ action: 0, reward: 1, propensity: 1.5 }] }, () => [0.5, 0.5], {}, 'propensity'],
    [{ nActions: 2, rounds: [{ action: 0, reward: 1, propensity: -0.1 }] }, () => [0.5, 0.5], {}, 'propensity'],
    [{ nActions: 2, rounds: [{ action: 0, reward: 1, propensity: 0.5 }] }, () => [0.5, 0.4], {}, 'policy'],
    [{ nActions: 2, rounds: [{ action: 0, reward: 1, propensity: 0.5 }] }, () => [1.5, -0.5], {}, 'policy'],
    [{ nActions: 2, rounds: [{ action: 0, reward: 1, propensity: 0.5 }] }, () => [1], {}, 'policy'],
    [{ nActions: 2, rounds: [] }, () => [0.5, 0.5], { clip: 0 }, 'clip'],
    [{ nActions: 2, rounds: [] }, () => [0.5, 0.5], { resamples: 1.5 }, 'resamples'],
    [{ nActions: 2, rounds: [] }, () => [0.5, 0.5], { level: 1 }, 'level'],
  ] as [LoggedFeedback, EvaluationPolicy, Partial<OpeOptions>, string][])('refuses %j naming %s', (feedback, pi, options, field) => {
    let caught: unknown;
    try {
      estimatePolicyValue(feedback, pi, { random: seededRandom(1), resamples: 0, ...options });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AttuneError);
    expect((caught as AttuneError).field).toBe(field);
  });
});

describe('bootstrap', () => {
  it.each([
    [[1, 2, 3, 4, 5], 0.5, [2, 4]],
    [[1, 2, 3, 4], 0.5, [1.75, 3.25]],
    [[4, Number.NaN, 1, 3, 2], 0.5, [1.75, 3.25]],
    [[10], 0.95, [10, 10]],
    [[Number.NaN], 0.95, [Number.NaN, Number.NaN]],
  ])('the central interval of %j at level %d is %j (numpy.percentile, linear)', (values, level, expected) => {
    expect(percentileInterval(Float64Array.from(values), level)).toEqual(expected);
  });

  it('sums every column over the same drawn rows', () => {
    const x = Float64Array.from({ length: 50 }, (_, i) => i);
    const twice = x.map((v) => 2 * v);
    const constant = new Float64Array(50).fill(3);
    const [sx, s2, sc] = bootstrapSums([x, twice, constant], 300, seededRandom(11)) as [Float64Array, Float64Array, Float64Array];
    expect(Array.from(s2)).toEqual(Array.from(sx, (v) => 2 * v));
    expect(new Set(sc)).toEqual(new Set([150]));
    const mean = sx.reduce((a, b) => a + b, 0) / 300 / 50;
    expect(mean).toBeGreaterThan(24.5 - 1);
    expect(mean).toBeLessThan(24.5 + 1);
    expect(new Set(sx).size).toBeGreaterThan(100);
  });
});
