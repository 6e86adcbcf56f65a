import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sharedData } from '../support/sharedData.js';
import { killChildren, makeTempDir, removeTempDirs, runAttune } from './support.js';

const openBandit = sharedData('open-bandit');

interface Printed {
  estimates: { estimator: string; value: number; ci: [number, number] }[];
  loggedValue: number;
  loggedCi: [number, number];
  rounds: number;
  actions: number;
  diagnostics: { effectiveSampleSize: number; maxWeight: number; clippedRounds: number; propensityLow: number; warnings: { code: string }[] };
}

describe('attune eval policy', () => {
  afterEach(() => killChildren());
  afterAll(() => removeTempDirs());

  it.skipIf(openBandit.path === null)(`estimates the random policy from the Open Bandit sample (${openBandit.skipReason})`, { timeout: 120_000 }, async () => {
    const dir = openBandit.path!;
    const args = (policy: string, ...more: string[]) => ['eval', 'policy', '--open-bandit', join(dir, policy, 'men'), '--policy', 'random', '--bootstrap', '200', ...more];
    const [bts, random, clipped, text, logistic] = await Promise.all([
      runAttune([...args('bts'), '--json'], {}, 90_000),
      runAttune([...args('random'), '--json'], {}, 90_000),
      runAttune([...args('bts', '--clip', '2'), '--json'], {}, 90_000),
      runAttune(args('bts'), {}, 90_000),
      runAttune([...args('bts', '--reward-model', 'logistic', '--bootstrap', '0'), '--json'], {}, 90_000),
    ]);
    for (const run of [bts, random, clipped, text, logistic]) expect(run.code, run.stderr).toBe(0);
    const fromBts = JSON.parse(bts.stdout) as Printed;
    const onRandom = JSON.parse(random.stdout) as Printed;
    expect(fromBts.estimates.map((e) => e.estimator)).toEqual(['ipw', 'snipw', 'dm', 'dr']);
    expect(fromBts.rounds).toBe(10_000);
    expect(fromBts.actions).toBe(34);
    expect(fromBts.loggedValue).toBeCloseTo(0.0069, 12);
    for (const { value, ci } of fromBts.estimates) {
      expect(ci[0]).toBeLessThanOrEqual(value);
      expect(ci[1]).toBeGreaterThanOrEqual(value);
      expect(value).toBeGreaterThan(0);
      expect(value).toBeLessThan(0.02);
    }
    // The importance-weighted estimates from the bts logs agree with what random actually logged.
    for (const name of ['ipw', 'snipw', 'dr']) {
      const { ci } = fromBts.estimates.find((e) => e.estimator === name)!;
      expect(ci[0] < onRandom.loggedCi[1] && onRandom.loggedCi[0] < ci[1], name).toBe(true);
    }
    expect(fromBts.diagnostics.effectiveSampleSize).toBeGreaterThan(100);
    expect(fromBts.diagnostics.effectiveSampleSize).toBeLessThan(10_000);
    expect(fromBts.diagnostics.propensityLow).toBeGreaterThan(0);
    // On its own logs the random policy's weights are all 1: IPW is the logged click rate.
    expect(onRandom.loggedValue).toBeCloseTo(0.0046, 12);
    expect(onRandom.estimates[0]!.value).toBeCloseTo(0.0046, 12);
    expect(onRandom.diagnostics.effectiveSampleSize).toBeCloseTo(10_000, 6);
    expect(onRandom.diagnostics.warnings).toEqual([]);
    const withClip = JSON.parse(clipped.stdout) as Printed;
    expect(withClip.diagnostics.clippedRounds).toBeGreaterThan(0);
    expect(withClip.diagnostics.warnings.map((w) => w.code)).toContain('OPE_WEIGHTS_CLIPPED');
    expect(withClip.estimates[0]!.value).toBeLessThan(fromBts.estimates[0]!.value);
    const withContext = JSON.parse(logistic.stdout) as Printed & { rewardModel: string };
    expect(withContext.rewardModel).toMatch(/^logistic/);
    // The weights do not depend on q̂: IPW is unchanged, DM and DR are not.
    expect(withContext.estimates[0]!.value).toBe(fromBts.estimates[0]!.value);
    expect(withContext.estimates[2]!.value).not.toBe(fromBts.estimates[2]!.value);
    expect(withContext.estimates[0]!.ci).toEqual([null, null]);
    expect(text.stdout).toMatch(/^ipw\s+0\.\d{5}\s+\[0\.\d{5}, 0\.\d{5}\]$/m);
    expect(text.stdout).toContain('effective sample size');
  });

  it.each([
    [['--policy', 'bts'], '--policy'],
    [['--policy', 'random', '--clip', '0'], '--clip'],
    [['--policy', 'random', '--bootstrap', '-1'], '--bootstrap'],
    [['--policy', 'random', '--reward-model', 'forest'], '--reward-model'],
  ])('exits 2 on a usage error: %j', { timeout: 60_000 }, async (more, flag) => {
    const result = await runAttune(['eval', 'policy', '--open-bandit', makeTempDir(), ...more]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ATTUNE_INVALID_REQUEST');
    expect(result.stderr).toContain(flag);
  });

  it('exits 2 when the folder holds no campaign', { timeout: 60_000 }, async () => {
    const result = await runAttune(['eval', 'policy', '--open-bandit', makeTempDir(), '--policy', 'random']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--open-bandit');
  });
});
