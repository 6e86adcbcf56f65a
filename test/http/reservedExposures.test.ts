import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import type { ExperimentReadout } from '../../src/experiments/ExperimentService.js';
import type { DecideResponse } from '../../src/api/decideSchemas.js';
import { startHarness, type Harness } from '../support/harness.js';
import { adminCalls, collect, expectCollected, expectProblem, storedEvents, storedMessageIds, track, uniqueId } from './httpHelpers.js';

// Exposures to Attune's own experiments come from Attune alone (the decide step logs them): the
// public collect routes, whose write key anyone may hold, reject a forged `Experiment Viewed`
// naming one of them, so no client picks its arm, escapes the holdout or skews a report.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const reservedMessage = 'Attune logs exposures to its own experiments itself';

/** An exposure event as GrowthBook and Segment send it (add `type` for batches). */
const exposure = (userId: string, experimentId: string, variationId: string, extra: Record<string, unknown> = {}) =>
  ({ userId, event: 'Experiment Viewed', properties: { experiment_id: experimentId, variation_id: variationId }, messageId: uniqueId('exposure'), ...extra });

describe("exposures to Attune's experiments on the public routes", () => {
  const clock = fixedClock(t0);
  let h: Harness;
  const { ok } = adminCalls(() => h);

  beforeEach(async () => {
    clock.set(t0);
    h = await startHarness({ clock });
    await ok('PUT', '/admin/v1/placements/hero', { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } });
    await ok('PUT', '/admin/v1/actions/sale', { placements: ['hero'], priority: 10, variants: { default: { title: 'sale' } } });
    await ok('PUT', '/admin/v1/experiments/hero-test', {
      id: 'hero-test', placement: 'hero', primaryMetric: 'conversion',
      arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'personalized', weight: 0.5, serve: { kind: 'personalized' } }],
    }, 201);
  });
  afterEach(async () => { await h.close(); });

  const units = async () => (await ok<ExperimentReadout>('GET', '/admin/v1/experiments/hero-test/analysis')).units;
  const settle = async () => {
    await h.decisions.flushRecords();
    await h.store.committer.flush();
  };

  it('rejects a forged exposure in a batch by index with ATTUNE_EVENT_RESERVED, and stores the other events', async () => {
    const forged = { type: 'track', ...exposure('u1', 'hero-test', 'personalized', { timestamp: '2020-01-01T00:00:00.000Z' }) };
    const valid = { type: 'track', ...track('u1'), messageId: uniqueId('valid') };
    const problem = expectProblem(await collect(h, '/v1/batch', { batch: [forged, valid] }), 400, 'ATTUNE_INVALID_EVENTS');
    expect(problem.errors).toEqual([
      { index: 0, code: 'ATTUNE_EVENT_RESERVED', field: '/properties/experiment_id', message: expect.stringContaining(reservedMessage) },
    ]);
    expect(problem).toMatchObject({ accepted: 1, duplicates: 0 });
    await settle();
    expect(await storedMessageIds(h, h.a.secretKey)).toEqual([valid.messageId]);
    expect(await units()).toEqual({ control: 0, personalized: 0 });
  });

  it.each(['/v1/track', '/v1/t'])('rejects a forged program exposure (_program) on %s', async (url) => {
    const problem = expectProblem(await collect(h, url, exposure('u1', '_program', 'personalized')), 400, 'ATTUNE_EVENT_RESERVED');
    expect(problem).toMatchObject({ field: '/properties/experiment_id', accepted: 0, duplicates: 0 });
    expect(problem.detail).toContain(reservedMessage);
    await settle();
    expect(await storedEvents(h, h.a.secretKey)).toEqual([]);
  });

  it('rejects a forged exposure among the events of POST /v1/decide, and still decides', async () => {
    const valid = { type: 'track', event: 'Product Viewed', messageId: uniqueId('valid') };
    const res = await collect(h, '/v1/decide', {
      userId: 'u1', placements: ['hero'],
      events: [{ type: 'track', event: 'Experiment Viewed', properties: { experiment_id: 'hero-test', variation_id: 'control' } }, valid],
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<DecideResponse>();
    expect(body.events).toEqual({
      accepted: 1, duplicates: 0,
      rejected: [{ index: 0, code: 'ATTUNE_EVENT_RESERVED', field: '/properties/experiment_id', message: expect.stringContaining(reservedMessage) }],
    });
    expect(body.placements[0]!.decisions).toHaveLength(1);
    await settle();
    // What is stored: the valid event and Attune's own exposure of the decision, not the forged one.
    const exposures = (await storedEvents(h, h.a.secretKey)).filter((e) => e.name === 'Experiment Viewed');
    expect(exposures.every((e) => e.messageId.startsWith('exposure:'))).toBe(true);
    expect(await storedMessageIds(h, h.a.secretKey)).toContain(valid.messageId);
  });

  it("accepts an exposure to an experiment Attune does not know (GrowthBook's), and one another workspace runs", async () => {
    expect(expectCollected(await collect(h, '/v1/track', exposure('u1', 'growthbook-checkout', '1'))).accepted).toBe(1);
    expect(expectCollected(await collect(h, '/v1/batch', { batch: [{ type: 'track', ...exposure('u1', 'hero-test', 'control') }] }, h.b.writeKey)).accepted).toBe(1);
    await settle();
    expect((await storedEvents(h, h.a.secretKey)).map((e) => e.name)).toEqual(['Experiment Viewed']);
    expect(await units()).toEqual({ control: 0, personalized: 0 });
  });

  it('still logs the exposure of a real decision, after a forged one was refused', async () => {
    expectProblem(await collect(h, '/v1/track', exposure('u2', 'hero-test', 'personalized')), 400, 'ATTUNE_EVENT_RESERVED');
    const res = await collect(h, '/v1/decide', { userId: 'u2', placements: ['hero'], events: [{ type: 'identify', traits: { plan: 'free' } }] });
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json<DecideResponse>();
    const arm = answer.placements[0]!.fallback === 'experiment_generic' ? 'control' : 'personalized';
    await settle();
    const exposures = (await storedEvents(h, h.a.secretKey)).filter((e) => e.name === 'Experiment Viewed');
    expect(exposures.map((e) => e.body['properties'])).toContainEqual({ experiment_id: 'hero-test', variation_id: arm });
    expect(await units()).toEqual({ control: arm === 'control' ? 1 : 0, personalized: arm === 'personalized' ? 1 : 0 });
  });
});
