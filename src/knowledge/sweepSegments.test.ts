import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../core/common/ports.js';
import { basicAuth, startHarness, type Harness } from '../../test/support/harness.js';
import { sweepSegments } from './sweepSegments.js';

const t0 = Date.parse('2026-05-04T10:00:00.000Z');
const day = 86_400_000;

describe('sweepSegments', () => {
  let h: Harness | null = null;
  afterEach(async () => { await h?.close(); h = null; });

  it('empties a 7-day segment on the eighth day for a profile without events, and records the exit', async () => {
    const clock = fixedClock(t0);
    h = await startHarness({ clock });
    const ws = h.a.id;
    await h.store.knowledgeConfig.putFeature(ws, { name: 'orders_7d', aggregate: 'count', events: ['Order Completed'], window: '7d' }, t0);
    await h.store.knowledgeConfig.putSegment(ws, { id: 'recent_buyer', name: 'Ordered this week', rule: 'features.orders_7d >= 1' }, t0);
    await h.store.knowledgeConfig.putSegment(ws, { id: 'vip', name: 'VIP', rule: 'profile.traits.plan == "vip"' }, t0);
    const res = await h.app.inject({
      method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(h.a.writeKey) },
      payload: { batch: [
        { type: 'identify', userId: 'u1', traits: { plan: 'vip' }, messageId: 'm1' },
        { type: 'track', userId: 'u1', event: 'Order Completed', messageId: 'm2' },
      ] },
    });
    expect(res.statusCode).toBe(200);
    const deps = { store: h.store, workspaces: h.store.workspaces, models: h.models, clock };
    expect(await h.store.knowledge.segmentSize(ws, 'recent_buyer')).toBe(1);

    clock.set(t0 + 3 * day);
    expect(await sweepSegments(deps)).toEqual({ workspaces: 1, profiles: 1, entered: 0, left: 0 });
    expect(await h.store.knowledge.segmentSize(ws, 'recent_buyer')).toBe(1);

    clock.set(t0 + 8 * day);
    expect(await sweepSegments(deps)).toEqual({ workspaces: 1, profiles: 1, entered: 0, left: 1 });
    expect(await h.store.knowledge.segmentSize(ws, 'recent_buyer')).toBe(0);
    expect(await h.store.knowledge.segmentSize(ws, 'vip')).toBe(1);
    const exits = h.store.db.prepare("SELECT segment_id, at FROM segment_changes WHERE workspace_id = ? AND kind = 'leave'").all(ws);
    expect(exits).toEqual([{ segment_id: 'recent_buyer', at: t0 + 8 * day }]);
  });

  it('leaves workspaces without time-dependent segments alone', async () => {
    h = await startHarness({ clock: fixedClock(t0) });
    await h.store.knowledgeConfig.putSegment(h.a.id, { id: 'vip', name: 'VIP', rule: 'profile.traits.plan == "vip"' }, t0);
    const report = await sweepSegments({ store: h.store, workspaces: h.store.workspaces, models: h.models, clock: fixedClock(t0) });
    expect(report).toEqual({ workspaces: 0, profiles: 0, entered: 0, left: 0 });
  });
});
