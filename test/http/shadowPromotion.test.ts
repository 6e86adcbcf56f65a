import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { seededRandom } from '../../src/core/common/random.js';
import type { DecideResponse, DecisionView } from '../../src/api/decideSchemas.js';
import type { PlacementView } from '../../src/decide/DecisionAdmin.js';
import type { PlacementPolicyEvaluation } from '../../src/decide/evaluatePlacementPolicy.js';
import type { PromotionReport } from '../../src/decide/promoteShadow.js';
import { startHarness, type Harness } from '../support/harness.js';
import { adminCalls, collect, expectCollected, type JsonPayload, type ProblemBody } from './httpHelpers.js';

// Safe rollout end to end: a placement serves a weighted strategy while a shadow strategy
// records its probabilities; clicks come from a click model the test knows (a: 20%, b: 60%);
// POST /admin/v1/placements/:id/promote makes the shadow the strategy only when its doubly
// robust lower bound is above the current policy's value.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const hour = 3_600_000;
/** Always b, the better action: the highest value, whatever the propensity. */
const alwaysB = { kind: 'expectedValue', propensity: { constant: 1 } } as const;
/** Always a, the worse one: the highest priority. */
const alwaysA = { kind: 'priority' } as const;

describe('shadow strategies and their promotion', () => {
  const clock = fixedClock(t0);
  let h: Harness;

  beforeEach(async () => {
    clock.set(t0);
    h = await startHarness({ clock, random: seededRandom(2026) });
  });
  afterEach(async () => { await h.close(); });

  const { ok, problem } = adminCalls(() => h);
  const setUp = async (shadow: JsonPayload | undefined) => {
    // Served: p(a) = 0.75, p(b) = 0.25, so the placement earns about 0.75 x 0.2 + 0.25 x 0.6 = 0.3.
    await ok('PUT', '/admin/v1/placements/hero', { channel: 'web', strategy: { kind: 'weighted' }, ...(shadow === undefined ? {} : { shadow }), defaultContent: { title: 'Welcome' } });
    await ok('PUT', '/admin/v1/actions/a', { placements: ['hero'], priority: 3, value: 0, variants: { default: { title: 'a' } } });
    await ok('PUT', '/admin/v1/actions/b', { placements: ['hero'], priority: 1, value: 1, variants: { default: { title: 'b' } } });
  };
  const shown = new Map<string, number>();
  /** Decides n times; an action is clicked on a fixed pattern of its own showings: a every fifth, b three of five. */
  const run = async (n: number, from = 0): Promise<DecideResponse[]> => {
    const answers: DecideResponse[] = [];
    for (let i = from; i < from + n; i++) {
      const userId = `u${i}`;
      const res = await collect(h, '/v1/decide', { userId, placements: ['hero'] }, h.a.writeKey);
      expect(res.statusCode, res.body).toBe(200);
      const answer = res.json<DecideResponse>();
      answers.push(answer);
      const d: DecisionView = answer.placements[0]!.decisions[0]!;
      const k = shown.get(d.actionId!) ?? 0;
      shown.set(d.actionId!, k + 1);
      const clicked = d.actionId === 'a' ? [0] : [0, 1, 2];
      if (clicked.includes(k % 5)) {
        expectCollected(await collect(h, '/v1/track', { userId, event: 'Decision Clicked', properties: { decisionId: d.decisionId, actionId: d.actionId, placement: 'hero', channel: 'web' } }, h.a.writeKey));
      }
    }
    await h.decisions.flushRecords();
    return answers;
  };
  const promote = (body: JsonPayload = {}) => ok<PromotionReport>('POST', '/admin/v1/placements/hero/promote', body, 200);
  const refused = async (body: JsonPayload = {}): Promise<PromotionReport> => (await problem<ProblemBody & { report: PromotionReport }>('POST', '/admin/v1/placements/hero/promote', body, 409, 'ATTUNE_PROMOTION_REFUSED')).report;

  beforeEach(() => shown.clear());

  it('refuses a shadow that always shows the better action on too few decisions, and promotes it once its lower bound beats the current value', { timeout: 60_000 }, async () => {
    await setUp(alwaysB);
    const first = await run(20);
    // The shadow is recorded, never answered.
    expect(JSON.stringify(first)).not.toContain('shadow');
    clock.advance(25 * hour);
    // Twenty decisions are too few. b was shown twice and clicked both times: the bootstrap,
    // which holds DR's reward model fixed, puts DR's lower bound above the current value, and
    // only the effective sample size (2) stops the promotion.
    const early = await refused();
    expect(early.evaluation.rounds).toBe(20);
    expect(early.evaluation.warnings.map((w) => w.code)).toContain('OPE_LOW_ESS');
    expect(early.reason).toContain('OPE_LOW_ESS');
    expect(await ok<PlacementView>('GET', '/admin/v1/placements/hero')).toMatchObject({ strategy: { kind: 'weighted' }, shadow: alwaysB });
    // Decisions whose outcome window is still open are not read by default; read, they refuse.
    await run(480, 20);
    expect((await refused({ until: new Date(clock.now() + 1).toISOString() })).evaluation.warnings.map((w) => w.code)).toContain('OPE_OPEN_WINDOW');
    expect((await refused()).evaluation.rounds).toBe(20);
    clock.advance(25 * hour);

    const evaluation = await ok<PlacementPolicyEvaluation>('POST', '/admin/v1/placements/hero/evaluate', { policy: 'shadow' }, 200);
    expect(evaluation).toMatchObject({ policy: 'shadow', rounds: 500, unshadowedRounds: 0, actions: ['a', 'b'] });
    const dr = evaluation.estimates.find((e) => e.estimator === 'dr')!;
    expect(dr.ci[0]! < 0.6 && 0.6 < dr.ci[1]!).toBe(true);

    const report = await promote();
    expect(report.promoted).toBe(true);
    expect(report.evaluation.warnings).toEqual([]);
    expect(report.current.strategy).toEqual({ kind: 'weighted' });
    expect(report.shadow.strategy).toEqual(alwaysB);
    expect(report.current.value!).toBeGreaterThan(0.25);
    expect(report.current.value!).toBeLessThan(0.35);
    expect(report.current.ci[0]!).toBeLessThan(report.current.value!);
    expect(report.shadow.dr.ci[0]!).toBeGreaterThan(report.current.value!);
    for (const e of [report.shadow.dr, report.shadow.ipw, report.shadow.snipw]) expect(e.ci[0]! < 0.6 && 0.6 < e.ci[1]!).toBe(true);
    expect(report.reason).toContain('above');

    const placement = await ok<PlacementView>('GET', '/admin/v1/placements/hero');
    expect(placement.strategy).toEqual(alwaysB);
    expect(placement.shadow).toBeUndefined();
    // Promoted: b is served from now on, and there is no shadow left to promote.
    const after = await run(5, 1000);
    expect(after.map((a) => a.placements[0]!.decisions[0]!.actionId)).toEqual(['b', 'b', 'b', 'b', 'b']);
    expect((await problem<ProblemBody>('POST', '/admin/v1/placements/hero/promote', {}, 409, 'ATTUNE_CONFLICT')).field).toBe('/shadow');
  });

  it('refuses a shadow that always shows the worse action, with both values and intervals, and changes nothing', { timeout: 60_000 }, async () => {
    await setUp(alwaysA);
    await run(300);
    clock.advance(25 * hour);
    const report = await refused({ seed: 7 });
    expect(report.promoted).toBe(false);
    expect(report.reason).toContain('not above');
    expect(report.shadow.dr.value!).toBeLessThan(report.current.value!);
    expect(report.shadow.dr.ci[0]!).toBeLessThan(0.2);
    expect(report.shadow.dr.ci[1]!).toBeGreaterThan(0.2);
    expect(report.current.ci[0]! < report.current.value! && report.current.value! < report.current.ci[1]!).toBe(true);
    expect(report.evaluation).toMatchObject({ policy: 'shadow', rounds: 300 });
    expect(await ok<PlacementView>('GET', '/admin/v1/placements/hero')).toMatchObject({ strategy: { kind: 'weighted' }, shadow: alwaysA });
  });

  it('refuses when no decision recorded the shadow as it is now: a changed shadow reads only its own decisions', { timeout: 60_000 }, async () => {
    await setUp(alwaysA);
    await run(20);
    // A new shadow: the earlier decisions recorded another one.
    await ok('PUT', '/admin/v1/placements/hero', { channel: 'web', strategy: { kind: 'weighted' }, shadow: alwaysB, defaultContent: { title: 'Welcome' } });
    clock.advance(25 * hour);
    const report = await refused();
    expect(report.evaluation).toMatchObject({ rounds: 20, unshadowedRounds: 20 });
    expect(report.shadow.dr.value).toBeNull();
    expect(report.reason).toContain('no estimate');
  });

  it('answers 400 naming the field for bad input, force included, and 404 for an unknown placement', async () => {
    await setUp(undefined);
    for (const [body, field] of [
      [{ bootstrap: 50 }, 'body/bootstrap'],
      [{ reward: 'revenue' }, 'body/reward'],
      [{ since: '2026-03-02T10:00:00Z', until: '2026-03-01T10:00:00Z' }, 'body/since'],
    ] as const) {
      const p = await problem<ProblemBody>('POST', '/admin/v1/placements/hero/promote', body, 400, 'ATTUNE_INVALID_REQUEST');
      expect(p.field, JSON.stringify(body)).toBe(field);
    }
    // No way to force a promotion: the member is refused like any unknown one.
    const force = await problem<ProblemBody>('POST', '/admin/v1/placements/hero/promote', { force: true }, 400, 'ATTUNE_INVALID_REQUEST');
    expect(force.field).toBe('body/force');
    expect((await problem<ProblemBody>('POST', '/admin/v1/placements/hero/promote', {}, 409, 'ATTUNE_CONFLICT')).field).toBe('/shadow');
    expect((await problem<ProblemBody>('POST', '/admin/v1/placements/hero/evaluate', { policy: 'shadow' }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('body/policy');
    const thompson = await problem<ProblemBody>('PUT', '/admin/v1/placements/hero', { channel: 'web', strategy: { kind: 'priority' }, shadow: { kind: 'thompson' }, defaultContent: null }, 400, 'ATTUNE_INVALID_REQUEST');
    expect(thompson.field).toBe('body/shadow/kind');
    const rule = await problem<ProblemBody>('PUT', '/admin/v1/placements/hero', { channel: 'web', strategy: { kind: 'priority' }, shadow: { kind: 'expectedValue', propensity: { rule: 'features.nope > 1' } }, defaultContent: null }, 400, 'ATTUNE_RULE_INVALID');
    expect(rule.field).toBe('/shadow/propensity/rule');
    await problem('POST', '/admin/v1/placements/nowhere/promote', {}, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
  });
});
