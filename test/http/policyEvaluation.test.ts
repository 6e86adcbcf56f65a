import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { seededRandom } from '../../src/core/common/random.js';
import type { DecideResponse, DecisionView } from '../../src/api/decideSchemas.js';
import type { PlacementPolicyEvaluation } from '../../src/decide/evaluatePlacementPolicy.js';
import { startHarness, type Harness } from '../support/harness.js';
import { adminCalls, collect, expectCollected, type JsonPayload, type ProblemBody } from './httpHelpers.js';

// POST /admin/v1/placements/:id/evaluate end to end: decisions made through POST /v1/decide
// by a randomising placement, clicks sent as `Decision Clicked` events by a click model the
// test knows, and the off-policy estimates of other policies checked against that truth.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const hour = 3_600_000;

describe('off-policy evaluation on a placement\'s decision records', () => {
  const clock = fixedClock(t0);
  let h: Harness;

  beforeEach(async () => {
    clock.set(t0);
    // A seeded server: the decisions, and so every estimate, are the same on every run.
    h = await startHarness({ clock, random: seededRandom(2026) });
  });
  afterEach(async () => { await h.close(); });

  const { ok, problem } = adminCalls(() => h);
  const evaluate = (placement: string, body: JsonPayload) => ok<PlacementPolicyEvaluation>('POST', `/admin/v1/placements/${placement}/evaluate`, body, 200);
  const setUp = async (placement: string, strategy: Record<string, unknown>, priorities: Record<string, number>) => {
    await ok('PUT', `/admin/v1/placements/${placement}`, { channel: 'web', strategy, defaultContent: { title: 'Welcome' } });
    for (const [id, priority] of Object.entries(priorities)) await ok('PUT', `/admin/v1/actions/${id}`, { placements: [placement], priority, variants: { default: { title: id } } });
  };
  const decide = async (userId: string, placement: string): Promise<DecisionView> => {
    const res = await collect(h, '/v1/decide', { userId, placements: [placement] }, h.a.writeKey);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<DecideResponse>().placements[0]!.decisions[0]!;
  };
  /**
   * Makes `n` decisions and clicks each shown action by a fixed pattern of its own showings:
   * `rates` of 0.2 click every fifth showing, 0.6 three of every five.
   */
  const run = async (placement: string, n: number, clicks: Record<string, readonly number[]>, { views = false, shown = new Map<string, number>() } = {}) => {
    const send = (userId: string, event: string, d: DecisionView) => collect(h, '/v1/track', {
      userId, event, properties: { decisionId: d.decisionId, actionId: d.actionId, placement, channel: 'web' },
    }, h.a.writeKey);
    for (let i = 0; i < n; i++) {
      const userId = `u${i}`;
      const d = await decide(userId, placement);
      const k = shown.get(d.actionId!) ?? 0;
      shown.set(d.actionId!, k + 1);
      // A bandit learns from impressions: its counters need the views.
      if (views) expectCollected(await send(userId, 'Decision Viewed', d));
      if (clicks[d.actionId!]!.includes(k % 5)) expectCollected(await send(userId, 'Decision Clicked', d));
    }
    await h.decisions.flushRecords();
    return shown;
  };

  /**
   * The weighted estimates' intervals hold the truth. DM's reward model is fitted once and held
   * fixed, so its interval leaves out the model's error (a point, when every round has the
   * same actions): its value is checked instead.
   */
  const covers = (result: PlacementPolicyEvaluation, truth: number) => {
    for (const e of result.estimates) {
      expect(e.ci[0]!, e.estimator).toBeLessThanOrEqual(e.value! + 1e-12);
      expect(e.ci[1]!, e.estimator).toBeGreaterThanOrEqual(e.value! - 1e-12);
      if (e.estimator === 'dm') expect(Math.abs(e.value! - truth), e.estimator).toBeLessThan(0.03);
      else expect([e.estimator, e.ci[0]! < truth && truth < e.ci[1]!]).toEqual([e.estimator, true]);
    }
  };

  it('estimates uniform and always-X from a weighted placement\'s logs within their intervals of the known click rates', { timeout: 60_000 }, async () => {
    // p(a) = 0.75, p(b) = 0.25; a is clicked 20% of the time, b 60%: uniform earns 0.4, always b 0.6.
    await setUp('hero', { kind: 'weighted' }, { a: 3, b: 1 });
    const shown = await run('hero', 300, { a: [0], b: [0, 1, 2] });
    expect(shown.get('b')).toBeGreaterThan(40);

    // The clicks came at t0, the evaluation runs at t0: the window is still open.
    const early = await evaluate('hero', { policy: 'uniform' });
    expect(early.warnings.map((w) => w.code)).toContain('OPE_OPEN_WINDOW');
    clock.advance(25 * hour);

    const uniform = await evaluate('hero', { policy: 'uniform' });
    expect(uniform).toMatchObject({ placementId: 'hero', policy: 'uniform', reward: 'click', rounds: 300, fallbackRounds: 0, actions: ['a', 'b'], warnings: [] });
    expect(uniform.estimates.map((e) => e.estimator)).toEqual(['ipw', 'snipw', 'dm', 'dr']);
    covers(uniform, 0.4);
    // The logging policy shows a (20%) three times in four: it earns about 0.3.
    expect(uniform.loggedValue!).toBeGreaterThan(0.25);
    expect(uniform.loggedValue!).toBeLessThan(0.35);
    expect(uniform.diagnostics.effectiveSampleSize).toBeGreaterThan(150);

    const alwaysB = await evaluate('hero', { policy: 'action:b' });
    covers(alwaysB, 0.6);
    // Every b round weighs 4: SNIPW is b's own click rate.
    const b = shown.get('b')!;
    expect(alwaysB.estimates.find((e) => e.estimator === 'snipw')!.value).toBeCloseTo([0, 1, 2].reduce((sum, r) => sum + Math.ceil((b - r) / 5), 0) / b, 12);
    const alwaysA = await evaluate('hero', { policy: 'action:a', clip: 1.2 });
    const ipwA = alwaysA.estimates.find((e) => e.estimator === 'ipw')!;
    expect(ipwA.ci[0]!).toBeLessThan(0.2);
    expect(ipwA.ci[1]!).toBeGreaterThan(0.2);
    expect(alwaysA.warnings.map((w) => w.code)).toContain('OPE_WEIGHTS_CLIPPED');

    // Conversions: none were sent. A range that holds no decision estimates nothing.
    expect((await evaluate('hero', { policy: 'uniform', reward: 'conversion', bootstrap: 0 })).estimates.map((e) => e.value)).toEqual([0, 0, 0, 0]);
    const none = await evaluate('hero', { policy: 'uniform', since: new Date(t0 + hour).toISOString() });
    expect(none).toMatchObject({ rounds: 0, loggedValue: null, actions: [] });
    expect(none.warnings.map((w) => w.code)).toContain('OPE_NO_ROUNDS');
    // An action the logs never show: no weight supports it.
    expect((await evaluate('hero', { policy: 'action:c' })).warnings.map((w) => w.code)).toContain('OPE_NO_OVERLAP');
  });

  it('estimates from a thompson placement\'s logs, its allocation moving towards the better action', { timeout: 60_000 }, async () => {
    await setUp('bandit', { kind: 'thompson', minExplorationShare: 0.1, refreshSeconds: 10 }, { a: 0, b: 0 });
    const clicks = { a: [0], b: [0, 1, 2] };
    const shown = await run('bandit', 100, clicks, { views: true });
    clock.advance(11_000);
    // The first call after the interval starts the refresh; the next ones see the new allocation.
    await run('bandit', 200, clicks, { views: true, shown });
    const probabilities = new Set((await ok<{ actionId: string; probability: number }[]>('GET', '/admin/v1/profiles/u150/decisions')).map((d) => d.probability));
    expect([...probabilities].every((p) => p !== 0.5), 'the allocation moved').toBe(true);
    clock.advance(25 * hour);
    covers(await evaluate('bandit', { policy: 'uniform' }), 0.4);
    const alwaysA = await evaluate('bandit', { policy: 'action:a' });
    covers(alwaysA, 0.2);
    expect(alwaysA.diagnostics.maxWeight).toBeGreaterThan(5);
  });

  it('warns when the logged probabilities are too small for a stable estimate', { timeout: 60_000 }, async () => {
    // p(b) = 1/50: always-b rests on the few decisions that showed b, each weighing 50.
    await setUp('rare', { kind: 'weighted' }, { a: 49, b: 1 });
    await run('rare', 150, { a: [0], b: [0, 1, 2] });
    clock.advance(25 * hour);
    const alwaysB = await evaluate('rare', { policy: 'action:b' });
    expect(alwaysB.diagnostics.maxWeight).toBeCloseTo(50, 9);
    expect(alwaysB.diagnostics.effectiveSampleSize).toBeLessThan(20);
    expect(alwaysB.warnings.map((w) => w.code)).toContain('OPE_LOW_ESS');
    expect((await evaluate('rare', { policy: 'action:b', clip: 10 })).warnings.map((w) => w.code)).toContain('OPE_WEIGHTS_CLIPPED');
  });

  it('answers 400 naming the field for a bad policy, reward, clip or time, and 404 for an unknown placement', async () => {
    await setUp('hero', { kind: 'weighted' }, { a: 1 });
    for (const [body, field] of [
      [{ policy: 'greedy' }, 'body/policy'],
      [{ policy: 'action:Not An Id' }, 'body/policy'],
      [{}, 'body'],
      [{ policy: 'uniform', reward: 'revenue' }, 'body/reward'],
      [{ policy: 'uniform', clip: 0 }, 'body/clip'],
      [{ policy: 'uniform', since: 'yesterday' }, 'body/since'],
      [{ policy: 'uniform', since: '2026-03-02T10:00:00Z', until: '2026-03-01T10:00:00Z' }, 'body/since'],
      [{ policy: 'uniform', bootstrap: 1.5 }, 'body/bootstrap'],
    ] as const) {
      const p = await problem<ProblemBody>('POST', '/admin/v1/placements/hero/evaluate', body, 400, 'ATTUNE_INVALID_REQUEST');
      expect(p.field, JSON.stringify(body)).toBe(field);
    }
    await problem('POST', '/admin/v1/placements/nowhere/evaluate', { policy: 'uniform' }, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
  });
});
