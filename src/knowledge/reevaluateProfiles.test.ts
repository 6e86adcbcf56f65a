import { afterEach, describe, expect, it } from 'vitest';
import { basicAuth, startHarness, type Harness } from '../../test/support/harness.js';
import { fixedClock } from '../core/common/ports.js';
import { compileKnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { reevaluateProfiles } from './reevaluateProfiles.js';

const t0 = Date.parse('2026-04-01T10:00:00.000Z');

describe('reevaluateProfiles', () => {
  let h: Harness | undefined;
  afterEach(async () => { await h?.close(); });

  it('walks every live profile of the workspace in chunks, resets features and records the changes', async () => {
    const clock = fixedClock(t0);
    h = await startHarness({ clock });
    const batch = [...Array(7).keys()].flatMap((i) => [
      { type: 'identify', userId: `u${i}`, traits: { plan: i < 4 ? 'pro' : 'free' } },
      { type: 'track', userId: `u${i}`, event: 'Order Completed', properties: { revenue: 10 } },
    ]);
    for (const writeKey of [h.a.writeKey, h.b.writeKey]) {
      const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(writeKey) }, payload: { batch } });
      expect(res.statusCode).toBe(200);
    }
    // Saved behind the server's back: no profile has been evaluated against it.
    const segments = [{ id: 'pro', name: 'Pro', rule: 'profile.traits.plan == "pro"' }, { id: 'buyer', name: 'Buyer', rule: 'features.order_count >= 1' }];
    for (const s of segments) await h.store.knowledgeConfig.putSegment(h.a.id, s, t0);
    const model = compileKnowledgeModel({ features: [], segments });
    clock.advance(60_000);

    const report = await reevaluateProfiles(h.store, h.a.id, { model, now: clock.now(), resetFeatures: ['order_count'] }, 2);
    expect(report).toEqual({ profiles: 7, entered: 4, left: 0 });
    expect(await h.store.knowledge.segmentSize(h.a.id, 'pro')).toBe(4);
    expect(await h.store.knowledge.segmentSize(h.a.id, 'buyer')).toBe(0);
    expect(await h.store.knowledge.segmentSize(h.b.id, 'pro')).toBe(0);
    const members = await h.store.knowledge.segmentMembers(h.a.id, 'pro', '', 10);
    expect(members.map((m) => m.enteredAt)).toEqual([t0 + 60_000, t0 + 60_000, t0 + 60_000, t0 + 60_000]);
    const first = await h.store.knowledge.knowledge(h.a.id, members[0]!.profileId);
    expect(first?.state.f['order_count']).toBeUndefined();
    expect(first?.state.f['revenue']).toBeDefined();
    expect(Object.keys(first?.state.m ?? {})).toEqual(['pro']);
    // B's profiles kept their state.
    const inB = await h.store.profiles.findProfile(h.b.id, 'u0', 0);
    expect((await h.store.knowledge.knowledge(h.b.id, inB!.id))?.state.f['order_count']).toBeDefined();
  });
});
