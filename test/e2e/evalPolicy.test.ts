import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../src/core/common/random.js';
import { collect } from '../http/httpHelpers.js';
import { startHarness } from '../support/harness.js';
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

  it.skipIf(openBandit.path === null)(`estimates the random policy from the Open Bandit sample${openBandit.path === null ? ` (${openBandit.skipReason})` : ''}`, { timeout: 120_000 }, async () => {
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

  it('evaluates a policy on a placement\'s own decision records in a data folder (--data)', { timeout: 120_000 }, async () => {
    // A server on the folder makes the decisions and takes the clicks; the command runs once it has stopped.
    const h = await startHarness({ random: seededRandom(5) });
    const secret = { authorization: `Bearer ${h.a.secretKey}` };
    await h.app.inject({ method: 'PUT', url: '/admin/v1/placements/hero', headers: secret, payload: { channel: 'web', strategy: { kind: 'weighted' } } });
    for (const [id, priority] of [['a', 3], ['b', 1]] as const) {
      await h.app.inject({ method: 'PUT', url: '/admin/v1/actions/' + id, headers: secret, payload: { placements: ['hero'], priority, variants: { default: { title: id } } } });
    }
    let clicked = 0;
    for (let i = 0; i < 40; i++) {
      const res = await collect(h, '/v1/decide', { userId: `u${i}`, placements: ['hero'] });
      const d = res.json<{ placements: { decisions: { decisionId: string; actionId: string }[] }[] }>().placements[0]!.decisions[0]!;
      if (d.actionId === 'b') {
        clicked += 1;
        await collect(h, '/v1/track', { userId: `u${i}`, event: 'Decision Clicked', properties: { decisionId: d.decisionId, actionId: 'b', placement: 'hero' } });
      }
    }
    await h.decisions.flushRecords();
    await h.app.close();
    const args = ['eval', 'policy', '--data', h.dataDir, '--placement', 'hero', '--workspace', h.a.id, '--bootstrap', '100'];
    // One after another: each run holds the data folder's lock, as a second writer would.
    const alwaysB = await runAttune([...args, '--policy', 'action:b', '--json']);
    const text = await runAttune([...args, '--policy', 'uniform', '--since', '2000-01-01T00:00:00Z']);
    const unknown = await runAttune([...args.slice(0, 4), '--placement', 'nowhere', '--workspace', h.a.id, '--policy', 'uniform']);
    rmSync(h.dataDir, { recursive: true, force: true });
    expect(alwaysB.code, alwaysB.stderr).toBe(0);
    const printed = JSON.parse(alwaysB.stdout) as Printed & { policy: string; actions: string[]; warnings: { code: string }[] };
    expect(printed).toMatchObject({ policy: 'action:b', rounds: 40, actions: ['a', 'b'] });
    expect(clicked).toBeGreaterThan(0);
    // Every b decision was clicked, every a decision was not: always b earns 1, and SNIPW says so exactly.
    expect(printed.estimates.find((e) => e.estimator === 'snipw')!.value).toBeCloseTo(1, 12);
    expect(printed.loggedValue).toBeCloseTo(clicked / 40, 12);
    // The decisions were made just now: their outcome window is still open.
    expect(printed.warnings.map((w) => w.code)).toContain('OPE_OPEN_WINDOW');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^ipw\s+\d\.\d{5}\s+\[\d\.\d{5}, \d\.\d{5}\]$/m);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('ATTUNE_PLACEMENT_NOT_FOUND');
  });

  it('exits 2 when the folder holds no campaign', { timeout: 60_000 }, async () => {
    const result = await runAttune(['eval', 'policy', '--open-bandit', makeTempDir(), '--policy', 'random']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--open-bandit');
  });
});
