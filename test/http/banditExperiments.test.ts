import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { seededRandom } from '../../src/core/common/random.js';
import type { DecideResponse } from '../../src/api/decideSchemas.js';
import type { ExperimentReadout, WorkspaceReport } from '../../src/experiments/ExperimentService.js';
import { startHarness, type Harness } from '../support/harness.js';
import { adminCalls, collect, expectCollected, storedEvents } from './httpHelpers.js';

// A bandit experiment through the HTTP API: created with `allocation: { mode: 'bandit' }`,
// decisions through POST /v1/decide (exposures carry the probability and the weights'
// version), orders through /v1/batch, the weights updated on their schedule, and the read-out
// with the weight history and each arm's naive and inverse-propensity-weighted estimates.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const minute = 60_000;

interface Exposure { experiment_id: string; variation_id: string; assignment_probability?: number; weights_version?: number }

describe('bandit experiments', () => {
  const clock = fixedClock(t0);
  let h: Harness;

  beforeEach(async () => {
    clock.set(t0);
    h = await startHarness({ clock, random: seededRandom(42), holdoutShare: 0.2 });
  });
  afterEach(async () => { await h.close(); });

  const { ok, problem } = adminCalls(() => h);
  const bandit = {
    id: 'hero-bandit', placement: 'hero', primaryMetric: 'conversion',
    arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'personalized', weight: 0.5, serve: { kind: 'personalized' } }],
    allocation: { mode: 'bandit', minExplorationShare: 0.05, updateEveryMinutes: 60 },
  };
  const decide = async (userId: string): Promise<DecideResponse> => {
    const res = await collect(h, '/v1/decide', { userId, placements: ['hero'], events: [{ type: 'identify', traits: {} }] }, h.a.writeKey);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<DecideResponse>();
  };
  const settle = async () => {
    await h.decisions.flushRecords();
    await h.store.committer.flush();
  };
  const exposuresOf = async (): Promise<Map<string, Exposure>> => {
    const events = (await storedEvents(h, h.a.secretKey)).filter((e) => e.name === 'Experiment Viewed');
    const byUser = new Map<string, Exposure>();
    for (const e of events) {
      const p = e.body['properties'] as unknown as Exposure;
      if (p.experiment_id === bandit.id) byUser.set(e.body['userId'] as string, p);
    }
    return byUser;
  };

  beforeEach(async () => {
    await ok('PUT', '/admin/v1/placements/hero', { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } });
    await ok('PUT', '/admin/v1/actions/sale', { placements: ['hero'], priority: 10, variants: { default: { title: 'sale' } } });
  });

  it('refuses a ratio primary metric and a change of allocation mode', async () => {
    expect((await problem('PUT', '/admin/v1/experiments/hero-bandit', { ...bandit, primaryMetric: 'ctr' }, 400, 'ATTUNE_EXPERIMENT_INVALID')).field).toBe('/primaryMetric');
    expect((await problem('PUT', '/admin/v1/experiments/hero-bandit', { ...bandit, arms: [{ ...bandit.arms[0], weight: 1 }, { ...bandit.arms[1], weight: 0 }] }, 400, 'ATTUNE_EXPERIMENT_INVALID')).field).toBe('/arms');
    await ok('PUT', '/admin/v1/experiments/hero-bandit', bandit, 201);
    expect((await problem('PUT', '/admin/v1/experiments/hero-bandit', { ...bandit, allocation: { mode: 'fixed' } }, 400, 'ATTUNE_EXPERIMENT_INVALID')).field).toBe('/allocation');
    expect((await problem('PUT', '/admin/v1/experiments/hero-bandit', { ...bandit, allocation: { mode: 'bandit', updateEveryMinutes: 0 } }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('body/allocation');
  });

  it('assigns with the weights in force, records their probability and version, shifts traffic on schedule and reads out IPW beside naive estimates', async () => {
    await ok('PUT', '/admin/v1/experiments/hero-bandit', bandit, 201);
    // Round 1: 120 users under version 1 (the definition's 50/50).
    const first = Array.from({ length: 120 }, (_, i) => `first-${i}`);
    const answers = new Map<string, DecideResponse>();
    for (const u of first) answers.set(u, await decide(u));
    await settle();
    let exposures = await exposuresOf();
    const heldOut = first.filter((u) => answers.get(u)!.placements[0]!.fallback === 'held_out');
    // The workspace holdout (20%) comes first: held-out users are not the bandit's units.
    expect(heldOut.length).toBeGreaterThan(5);
    for (const u of heldOut) expect(exposures.has(u)).toBe(false);
    expect(exposures.size).toBe(first.length - heldOut.length);
    for (const e of exposures.values()) expect(e).toMatchObject({ assignment_probability: 0.5, weights_version: 1 });

    // Everyone on `personalized` orders, one in five on `control`.
    const orders: Record<string, unknown>[] = [];
    let n = 0;
    for (const [u, e] of exposures) if (e.variation_id === 'personalized' || n++ % 5 === 0) orders.push({ type: 'track', userId: u, event: 'Order Completed', properties: { revenue: 10 } });
    clock.advance(minute);
    for (let i = 0; i < orders.length; i += 50) expectCollected(await collect(h, '/v1/batch', { batch: orders.slice(i, i + 50) }));
    await h.store.committer.flush();

    // Not yet due: still version 1.
    clock.advance(30 * minute);
    await decide('between-0');
    let readout = await ok<ExperimentReadout>('GET', '/admin/v1/experiments/hero-bandit/analysis');
    expect(readout.bandit?.history.map((v) => v.version)).toEqual([1]);
    // Its cumulative effect is withheld as its analysis is.
    expect(await ok('GET', '/admin/v1/experiments/hero-bandit/timeline')).toMatchObject({ days: [], withheld: readout.analysisWithheld });

    // Due: the next decision starts version 2 (it is itself assigned with version 1); the read-out waits for it.
    clock.advance(31 * minute);
    await decide('trigger-0');
    readout = await ok<ExperimentReadout>('GET', '/admin/v1/experiments/hero-bandit/analysis');
    const bandit2 = readout.bandit!;
    expect(bandit2.history.map((v) => v.version)).toEqual([1, 2]);
    expect(bandit2.history[0]).toMatchObject({ weights: { control: 0.5, personalized: 0.5 }, bestProbabilities: null, computedAt: t0 });
    const v2 = bandit2.history[1]!;
    expect(v2.computedAt).toBe(t0 + 62 * minute);
    expect(v2.weights['personalized']).toBeGreaterThan(0.9);
    expect(v2.weights['control']).toBeGreaterThanOrEqual(0.05);
    expect(v2.weights['control']! + v2.weights['personalized']!).toBeCloseTo(1, 12);
    expect(v2.monteCarlo).toBeNull();
    expect(bandit2.weights).toEqual(v2);

    // Round 2: new users are hashed with version 2 and record its (grid) probability; earlier units keep their arm.
    const second = Array.from({ length: 120 }, (_, i) => `second-${i}`);
    for (const u of second) await decide(u);
    for (const u of first.slice(0, 20)) await decide(u);
    await settle();
    exposures = await exposuresOf();
    const secondExposures = second.map((u) => exposures.get(u)).filter((e) => e !== undefined);
    expect(secondExposures.length).toBeGreaterThan(80);
    for (const e of secondExposures) {
      expect(e.weights_version).toBe(2);
      expect(Math.abs(e.assignment_probability! - v2.weights[e.variation_id]!)).toBeLessThanOrEqual(1e-4);
    }
    const onPersonalized = secondExposures.filter((e) => e.variation_id === 'personalized').length / secondExposures.length;
    expect(onPersonalized).toBeGreaterThan(0.8);

    // The read-out: no fixed-allocation statistics, the naive means and the IPW estimates from the exposures' probabilities.
    readout = await ok<ExperimentReadout>('GET', '/admin/v1/experiments/hero-bandit/analysis');
    expect(readout.analysis).toBeNull();
    expect(readout.analysisWithheld).toMatch(/bandit/);
    expect(readout.bandit!.caveat).toMatch(/biased/);
    const ordered = new Set(orders.map((o) => o['userId'] as string));
    const units = [...exposures.entries()];
    for (const armId of ['control', 'personalized']) {
      const mine = units.filter(([, e]) => e.variation_id === armId);
      const estimate = readout.bandit!.arms.find((a) => a.armId === armId)!;
      expect(estimate.units).toBe(mine.length);
      expect(readout.units[armId]).toBe(mine.length);
      expect(estimate.naiveMean).toBeCloseTo(mine.filter(([u]) => ordered.has(u)).length / mine.length, 12);
      const ipw = mine.reduce((sum, [u, e]) => sum + (ordered.has(u) ? 1 / e.assignment_probability! : 0), 0) / units.length;
      expect(estimate.ipwMean).toBeCloseTo(ipw, 12);
      expect(estimate.ipwInterval![0]).toBeLessThan(ipw);
      expect(estimate.ipwInterval![1]).toBeGreaterThan(ipw);
    }

    // The ROI report leaves the bandit out: its arms are no fixed-weight comparison.
    expect((await ok<WorkspaceReport>('GET', '/admin/v1/report')).reports.map((r) => r.scope)).toEqual(['program']);
    expect((await problem('GET', '/admin/v1/report?experiment=hero-bandit', undefined, 400, 'ATTUNE_EXPERIMENT_INVALID')).field).toBe('/experiment');
  });
});
