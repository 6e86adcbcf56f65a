import { afterEach, describe, expect, it } from 'vitest';
import { basicAuth, startHarness, type Harness } from '../../test/support/harness.js';
import { fixedClock } from '../core/common/ports.js';
import { compileKnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { estimateSegment } from './estimateSegment.js';

const t0 = Date.parse('2026-04-01T10:00:00.000Z');

describe('estimateSegment', () => {
  let h: Harness | undefined;
  afterEach(async () => { await h?.close(); });

  it('counts exactly up to the limit, estimates from the first profiles by id past it, and previews matches in id order', async () => {
    h = await startHarness({ clock: fixedClock(t0) });
    const batch = [...Array(7).keys()].map((i) => ({ type: 'identify', userId: `u${i}`, traits: { plan: i < 4 ? 'pro' : 'free' } }));
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { batch } });
    expect(res.statusCode).toBe(200);
    const segments = [{ id: 'pro', name: 'Pro', rule: 'profile.traits.plan == "pro"' }];
    const model = compileKnowledgeModel({ features: [], segments });
    const rows = await h.store.knowledge.profileKnowledge(h.a.id, '', 100);
    const pro = rows.filter((r) => r.traits['plan'] === 'pro').map((r) => r.profileId);

    // Pages smaller than the workspace, a limit at or above it: every profile, exactly.
    for (const sampleLimit of [7, 50]) {
      const exact = await estimateSegment(h.store.knowledge, h.a.id, model, 'pro', { now: t0, sampleLimit, preview: 2, page: 2 });
      expect(exact).toEqual({ estimate: { kind: 'exact', count: 4, population: 7 }, preview: pro.slice(0, 2) });
    }

    const sample = await estimateSegment(h.store.knowledge, h.a.id, model, 'pro', { now: t0, sampleLimit: 3, preview: 5, page: 2 });
    const seen = rows.slice(0, 3).filter((r) => r.traits['plan'] === 'pro').map((r) => r.profileId);
    expect(sample.preview).toEqual(seen);
    expect(sample.estimate).toMatchObject({ kind: 'sample', population: 7, sampled: 3, matchedInSample: seen.length, confidence: 0.95 });
    if (sample.estimate.kind !== 'sample') throw new Error('a sample was expected');
    expect(sample.estimate.low).toBeLessThanOrEqual(4);
    expect(sample.estimate.high).toBeGreaterThanOrEqual(4);

    // Another workspace's profiles are not read.
    expect((await estimateSegment(h.store.knowledge, h.b.id, model, 'pro', { now: t0, sampleLimit: 50, preview: 5 })).estimate).toEqual({ kind: 'exact', count: 0, population: 0 });
  });

  it('leaves out a profile that does not consent to personalization, as a save would', async () => {
    h = await startHarness({ clock: fixedClock(t0) });
    const batch = [
      { type: 'identify', userId: 'yes', traits: { plan: 'pro' } },
      { type: 'identify', userId: 'no', traits: { plan: 'pro' }, context: { consent: { categoryPreferences: { personalization: false } } } },
    ];
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { batch } });
    expect(res.statusCode).toBe(200);
    const model = compileKnowledgeModel({ features: [], segments: [{ id: 'pro', name: 'Pro', rule: 'profile.traits.plan == "pro"' }] });
    const result = await estimateSegment(h.store.knowledge, h.a.id, model, 'pro', { now: t0, sampleLimit: 50, preview: 5 });
    expect(result.estimate).toEqual({ kind: 'exact', count: 1, population: 2 });
  });
});
