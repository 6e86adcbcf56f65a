import { describe, expect, it } from 'vitest';
import type { CollectedEvent } from '../core/events/CollectedEvent.js';
import { DAY_MS } from '../core/quality/qualityCounters.js';
import type { CommitOutcome } from '../profiles/applyEvent.js';
import type { WorkspaceQualityCounter } from '../store/ports.js';
import { QualityCounters } from './QualityCounters.js';

const T0 = 20_400 * DAY_MS + 12 * 3_600_000;
const accepted = (extra: Partial<Extract<CommitOutcome, { kind: 'accepted' }>> = {}): CommitOutcome =>
  ({ kind: 'accepted', seq: 1, profileId: 'p', mergedProfileId: null, mergeSkipped: null, unreadable: [], ...extra });

function event(type: CollectedEvent['type'], name: string | null, fields: Partial<CollectedEvent> = {}, body: Record<string, unknown> = {}): CollectedEvent {
  return {
    type, messageId: 'm', generatedMessageId: false, userId: 'u', anonymousId: null, previousId: null, groupId: null, name,
    timestamp: T0 - 1000, receivedAt: T0, traits: null, properties: null, context: null, body, ...fields,
  };
}

function setUp(options: { maxEventKeysPerDay?: number } = {}) {
  const written: WorkspaceQualityCounter[][] = [];
  const counters = new QualityCounters({ addCounters: async (rows) => { written.push([...rows]); } }, { writeMillis: 60_000, onError: (e) => { throw e; }, ...options });
  const rows = async () => {
    await counters.flush();
    return written.flat().map(({ workspaceId, day, kind, subject, detail, variant, count }) => `${workspaceId} ${day - 20_400} ${kind} ${subject} ${detail} ${variant} ${count}`.trim()).sort();
  };
  return { counters, rows, written };
}

describe('QualityCounters', () => {
  it('counts rejections, duplicates, events, property types, unreadable values and skipped merges per workspace and day', async () => {
    const { counters, rows } = setUp();
    counters.rejected('a', T0, 'ATTUNE_EVENT_MISSING_IDENTITY', 'requireIdentity');
    counters.rejected('a', T0 + DAY_MS, 'ATTUNE_EVENT_MISSING_IDENTITY', 'requireIdentity');
    const order = event('track', 'Order Completed', { properties: { revenue: '12,50', total: 3, coupon: null } });
    counters.committed('a', order, accepted({ unreadable: [{ path: 'properties.revenue', reason: 'malformed_string' }] }));
    counters.committed('a', event('track', 'Order Completed', { properties: { revenue: 12.5 } }), accepted({ mergeSkipped: 'merge-limit' }));
    counters.committed('a', order, { kind: 'duplicate', messageId: 'm' });
    counters.committed('b', event('identify', null, { traits: { plan: 'pro' } }), accepted());
    expect(await rows()).toEqual([
      'a 0 event track:Order Completed   2',
      'a 0 mergeSkipped merge-limit   1',
      'a 0 property track:Order Completed coupon null 1',
      'a 0 property track:Order Completed revenue number 1',
      'a 0 property track:Order Completed revenue string 1',
      'a 0 property track:Order Completed total integer 1',
      'a 0 received accepted   2',
      'a 0 received duplicate   1',
      'a 0 received rejected   1',
      'a 0 rejected ATTUNE_EVENT_MISSING_IDENTITY requireIdentity  1',
      'a 0 unreadable properties.revenue malformed_string  1',
      'a 0 volume ["track","Order Completed",null]   2',
      'a 1 received rejected   1',
      'a 1 rejected ATTUNE_EVENT_MISSING_IDENTITY requireIdentity  1',
      'b 0 event identify   1',
      'b 0 property identify plan string 1',
      'b 0 received accepted   1',
      'b 0 volume ["identify",null,null]   1',
    ]);
  });

  it('writes what waits once, then nothing until more arrives', async () => {
    const { counters, rows, written } = setUp();
    counters.rejected('a', T0, 'X', 'y');
    await rows();
    await counters.flush();
    expect(written).toHaveLength(1);
  });

  it('counts an event dated over a minute ahead of its arrival, from the times it was sent with', async () => {
    const { counters, rows } = setUp();
    const clamped = { timestamp: T0, receivedAt: T0 };
    const ahead = event('track', 'A', clamped, { originalTimestamp: new Date(T0 + 120_000).toISOString(), sentAt: null });
    const slightly = event('track', 'A', clamped, { originalTimestamp: new Date(T0 + 30_000).toISOString(), sentAt: null });
    const corrected = event('track', 'A', clamped, { originalTimestamp: new Date(T0 + 120_000).toISOString(), sentAt: new Date(T0 + 120_000).toISOString() });
    for (const e of [ahead, slightly, corrected]) counters.committed('a', e, accepted());
    expect((await rows()).filter((r) => r.includes(' future '))).toEqual(['a 0 future track:A   1']);
  });

  it('bounds the distinct event names of a day and counts the rest as overflow', async () => {
    const { counters, rows } = setUp({ maxEventKeysPerDay: 2 });
    for (const name of ['A', 'B', 'C', 'A', 'D']) counters.committed('a', event('track', name), accepted());
    const written = await rows();
    expect(written.filter((r) => r.startsWith('a 0 event '))).toEqual(['a 0 event track:A   2', 'a 0 event track:B   1']);
    expect(written).toContain('a 0 overflow event   2');
    expect(written).toContain('a 0 received accepted   5');
  });

  it('tallies the volume by name, source and lateness, and past the day\'s distinct keys per call type only', async () => {
    const { counters, rows } = setUp({ maxEventKeysPerDay: 2 });
    const web = { context: { library: { name: 'web' } } };
    counters.committed('a', event('track', 'A', {}, web), accepted());
    counters.committed('a', event('track', 'A', { timestamp: T0 - 2 * DAY_MS }, web), accepted());
    counters.committed('a', event('track', 'A', {}, { context: { library: { name: 7 } } }), accepted());
    counters.committed('a', event('page', 'Home', { timestamp: T0 - 3 * 3_600_000 }), accepted());
    counters.committed('a', event('page', 'Cart', { timestamp: T0 - 8 * DAY_MS }), accepted());
    counters.committed('a', event('track', 'A', {}, web), { kind: 'duplicate', messageId: 'm' });
    // A new day has room again.
    counters.committed('a', event('page', 'Cart', { receivedAt: T0 + DAY_MS, timestamp: T0 + DAY_MS }), accepted());
    expect((await rows()).filter((r) => r.includes(' volume '))).toEqual([
      'a 0 volume ["page",null,null] 1h overflow 1',
      'a 0 volume ["page",null,null] 7d overflow 1',
      'a 0 volume ["track","A","7"]   1',
      'a 0 volume ["track","A","web"]   1',
      'a 0 volume ["track","A","web"] 1d  1',
      'a 1 volume ["page","Cart",null]   1',
    ]);
  });

  it('counts only the first 100 properties of an event', async () => {
    const { counters, rows } = setUp();
    const properties = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, i]));
    counters.committed('a', event('track', 'Wide', { properties }), accepted());
    expect((await rows()).filter((r) => r.includes(' property '))).toHaveLength(100);
  });
});
