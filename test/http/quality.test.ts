import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Static } from 'typebox';
import type { QualityReport, QualityTraffic } from '../../src/api/qualitySchemas.js';
import type { FairnessReport, FairnessSettingsView } from '../../src/api/fairnessSchemas.js';
import { startHarness, type Harness } from '../support/harness.js';
import { adminCalls, collect, expectCollected, uniqueId } from './httpHelpers.js';

type Report = Static<typeof QualityReport>;
type Fairness = Static<typeof FairnessReport>;
type SettingsView = Static<typeof FairnessSettingsView>;

const dayMs = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

// A fresh server per test: the reports count everything a workspace holds.
let h: Harness;
const { ok, problem } = adminCalls(() => h);
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('data quality: GET /admin/v1/quality and the tracking plan', () => {
  const send = async (payload: Record<string, unknown>) => collect(h, '/v1/track', payload, h.a.writeKey);

  it('GET /admin/v1/quality/traffic: events stored per minute and source, rejected and duplicate ones left out', async () => {
    const library = { library: { name: 'analytics-node' } };
    expectCollected(await send({ userId: 'u1', event: 'Viewed', context: library, messageId: 'traffic-1' }));
    expectCollected(await send({ userId: 'u1', event: 'Viewed', context: library, messageId: 'traffic-2' }));
    await send({ userId: 'u1', event: 'Viewed', context: library, messageId: 'traffic-2' });
    expectCollected(await send({ userId: 'u2', event: 'Viewed' }));
    expect((await send({ event: 'Viewed', context: library })).statusCode).toBe(400);
    const traffic = await ok<Static<typeof QualityTraffic>>('GET', '/admin/v1/quality/traffic?minutes=3');
    expect(traffic.minutes).toBe(3);
    const totals = traffic.bySource.map((s) => ({ source: s.source, events: s.perMinute.reduce((n, v) => n + v, 0), minutes: s.perMinute.length }));
    expect(totals).toEqual([{ source: 'analytics-node', events: 2, minutes: 3 }, { source: null, events: 1, minutes: 3 }]);
    expect(Date.parse(traffic.since)).toBeLessThanOrEqual(Date.now() - 2 * 60_000);
    for (const minutes of ['61', '0', 'x']) {
      expect((await problem('GET', `/admin/v1/quality/traffic?minutes=${minutes}`, undefined, 400, 'ATTUNE_INVALID_REQUEST')).field, minutes).toBe('querystring/minutes');
    }
    // A refused read leaves the counts as they were.
    expect((await ok<Static<typeof QualityTraffic>>('GET', '/admin/v1/quality/traffic?minutes=3')).bySource.map((s) => s.perMinute.reduce((n, v) => n + v, 0))).toEqual(totals.map((t) => t.events));
  });

  it('counts events by name and source, rejections by reason, revenue sent as a string, the plan\'s findings, merges, late and future-dated events', async () => {
    const now = Date.now();
    const library = { library: { name: 'analytics-node' } };
    for (const revenue of [20, 12.5, '12.50', '12,50']) {
      expectCollected(await send({ userId: 'u1', event: 'Order Completed', properties: { revenue, currency: 'EUR' }, context: library }));
    }
    // Rejected: no identity, and a timestamp that is not a date (the batch keeps the valid event).
    const batch = await collect(h, '/v1/batch', { batch: [
      { type: 'track', event: 'Order Completed' },
      { type: 'track', userId: 'u2', event: 'Order Completed', timestamp: 'yesterday' },
      { type: 'track', userId: 'u2', event: 'Signed Up', properties: { plan: 'pro' } },
    ] }, h.a.writeKey);
    expect(batch.statusCode).toBe(400);
    // Dated a day ahead with no sentAt: clamped to its arrival, counted as future-dated.
    expectCollected(await send({ userId: 'u3', event: 'Signed Up', timestamp: new Date(now + dayMs).toISOString() }));
    // Two days old: late by more than a day.
    expectCollected(await send({ userId: 'u3', event: 'Signed Up', timestamp: new Date(now - 2 * dayMs).toISOString() }));
    // An anonymous visitor who then identifies: one merge.
    expectCollected(await send({ anonymousId: 'anon-9', event: 'Signed Up' }));
    expectCollected(await collect(h, '/v1/identify', { anonymousId: 'anon-9', userId: 'u9', traits: { plan: 'pro' } }, h.a.writeKey));
    expectCollected(await send({ userId: 'u9', event: 'Signed Up' }));
    expectCollected(await collect(h, '/v1/track', { anonymousId: 'anon-10', event: 'Signed Up' }, h.a.writeKey));
    expectCollected(await collect(h, '/v1/track', { userId: 'u9', anonymousId: 'anon-10', event: 'Signed Up' }, h.a.writeKey));

    // The plan: set once, a twice-planned event refused with its field, the schema enforced.
    const plan = { events: [{ event: 'Order Completed', properties: [{ name: 'revenue', type: 'number', required: true }, { name: 'order_id', type: 'string', required: true }] }] };
    const duplicated = await problem('PUT', '/admin/v1/tracking-plan', { events: [...plan.events, { event: 'Order Completed', properties: [] }] }, 400, 'ATTUNE_TRACKING_PLAN_INVALID');
    expect(duplicated.field).toBe('/events/1/event');
    await problem('PUT', '/admin/v1/tracking-plan', { events: [{ event: 'X', properties: [{ name: 'a', type: 'decimal' }] }] }, 400, 'ATTUNE_INVALID_REQUEST');
    expect(await ok('GET', '/admin/v1/tracking-plan')).toEqual({ plan: null, updatedAt: null });
    expect((await ok<{ plan: unknown }>('PUT', '/admin/v1/tracking-plan', plan)).plan).toEqual(plan);

    const report = await ok<Report>('GET', '/admin/v1/quality');
    const orders = report.volume.byEvent.filter((r) => r.event === 'Order Completed');
    expect(orders).toEqual([{ type: 'track', event: 'Order Completed', source: 'analytics-node', count: 4 }]);
    expect(report.rejections).toMatchObject({ rejected: 2, accepted: report.rejections.received - 2 });
    expect(report.rejections.byReason.map((r) => [r.code, r.step, r.count])).toEqual([
      ['ATTUNE_EVENT_INVALID_TIMESTAMP', 'readTimes', 1],
      ['ATTUNE_EVENT_MISSING_IDENTITY', 'requireIdentity', 1],
    ]);
    // Revenue came as numbers, a numeric string and a malformed string: shown, and the malformed one was not read as 0.
    expect(report.properties.changingType).toEqual([
      { type: 'track', event: 'Order Completed', property: 'revenue', types: { integer: 1, number: 1, numeric_string: 1, string: 1 }, changesType: true },
    ]);
    expect(report.properties.unreadableNumbers).toEqual([{ path: 'properties.revenue', reason: 'malformed_string', count: 1 }]);
    expect(report.properties.unreadableAllTime.byProperty['properties.revenue']).toBe(1);
    const planned = report.trackingPlan!.events[0]!;
    expect(planned).toMatchObject({ event: 'Order Completed', seen: 4, missing: [{ property: 'order_id', count: 4, rate: 1 }] });
    expect(planned.wrongType).toEqual([{ property: 'revenue', count: 2, types: { numeric_string: 1, string: 1 } }]);
    expect(planned.unplannedProperties).toEqual([{ property: 'currency', count: 4 }]);
    expect(report.trackingPlan!.unplannedEvents).toEqual([{ event: 'Signed Up', count: 7 }]);
    expect(report.timing.futureDated).toBe(1);
    expect(report.timing.late).toMatchObject({ over1h: 1, over1d: 1, over7d: 0 });
    expect(report.identity).toMatchObject({ merges: 1, skippedMerges: [], maxMergedProfiles: 50, profilesAtMergeCap: 0 });
    const today = report.buckets.find((b) => b.start.slice(0, 10) === isoDay(now))!;
    expect(today).toMatchObject({ rejected: 2, futureDated: 1, merges: 1 });
    expect(today.rejectionRate).toBeCloseTo(2 / (report.rejections.received), 12);

    // Workspace B saw none of it.
    const inB = await h.app.inject({ method: 'GET', url: '/admin/v1/quality', headers: { authorization: `Bearer ${h.b.secretKey}` } });
    expect(inB.json<Report>()).toMatchObject({ volume: { events: 0 }, rejections: { received: 0 }, trackingPlan: null });

    await ok('DELETE', '/admin/v1/tracking-plan', undefined, 204);
    expect((await ok<Report>('GET', '/admin/v1/quality')).trackingPlan).toBeNull();
    // The plan's changes are in the audit trail (the refused one is not).
    const audited = await ok<{ entries: { action: string; target: { kind: string } }[] }>('GET', '/admin/v1/audit?action=trackingPlan.');
    expect(audited.entries.map((e) => e.action)).toEqual(['trackingPlan.updated', 'trackingPlan.deleted']);
  });

  it('reads whole UTC days, in weeks too, and names the field of a bad period', async () => {
    expectCollected(await send({ userId: 'u1', event: 'Signed Up' }));
    const today = isoDay(Date.now());
    const weekly = await ok<Report>('GET', `/admin/v1/quality?from=${isoDay(Date.now() - 20 * dayMs)}&to=${today}&bucket=week`);
    expect(weekly.volume.events).toBe(1);
    expect(new Date(weekly.buckets[0]!.start).getUTCDay()).toBe(1);
    expect((await problem('GET', `/admin/v1/quality?from=${today}&to=2020-01-01`, undefined, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('/from');
    expect((await problem('GET', '/admin/v1/quality?from=2026-02-30', undefined, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('/from');
    expect((await problem('GET', '/admin/v1/quality?from=2020-01-01&to=2022-01-01', undefined, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('/from');
  });
});

describe('fairness: GET /admin/v1/fairness and its settings', () => {
  /** 20 users in the north (all served the offer, 5 click), 40 in the south (12 VIPs served, 6 click). */
  async function decideForRegions(): Promise<void> {
    await ok('PUT', '/admin/v1/placements/hero', { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } });
    await ok('PUT', '/admin/v1/actions/offer', { placements: ['hero'], variants: { default: { title: 'Offer' } }, rule: 'profile.traits.region == "north" or profile.traits.vip == true' });
    await ok('POST', '/admin/v1/segments', { id: 'vip', name: 'VIP', rule: 'profile.traits.vip == true' });
    const users = [
      ...Array.from({ length: 20 }, (_, i) => ({ userId: `n${i}`, traits: { region: 'north' }, click: i < 5 })),
      ...Array.from({ length: 40 }, (_, i) => ({ userId: `s${i}`, traits: { region: 'south', vip: i < 12 }, click: i < 6 })),
    ];
    for (const u of users) {
      const res = await collect(h, '/v1/decide', { userId: u.userId, placements: ['hero'], events: [{ type: 'identify', traits: u.traits }] }, h.a.writeKey);
      expect(res.statusCode, res.body).toBe(200);
      const d = res.json<{ placements: { decisions: { decisionId: string; actionId: string | null }[] }[] }>().placements[0]!.decisions[0]!;
      if (u.click && d.actionId !== null) {
        expectCollected(await collect(h, '/v1/track', { userId: u.userId, event: 'Decision Clicked', properties: { decisionId: d.decisionId, actionId: d.actionId, placement: 'hero' } }, h.a.writeKey));
      }
    }
    await h.decisions.flushRecords();
  }

  it('gives exposure and click rates per region with Katz intervals, and warns below the threshold', async () => {
    await decideForRegions();
    expect(await ok<SettingsView>('GET', '/admin/v1/fairness/settings')).toEqual({ settings: null, resolved: { threshold: 0.8, alpha: 0.05, minUnits: 30 } });
    expect((await ok<SettingsView>('PUT', '/admin/v1/fairness/settings', { minUnits: 5 })).resolved).toEqual({ threshold: 0.8, alpha: 0.05, minUnits: 5 });
    await problem('PUT', '/admin/v1/fairness/settings', { threshold: 1.5 }, 400, 'ATTUNE_INVALID_REQUEST');
    expect((await ok<{ entries: { action: string }[] }>('GET', '/admin/v1/audit?action=fairnessSettings.')).entries.map((e) => e.action)).toEqual(['fairnessSettings.updated']);

    const report = await ok<Fairness>('GET', '/admin/v1/fairness?placement=hero&by=traits.region');
    expect(report.subject).toEqual({ kind: 'placement', id: 'hero', action: null });
    const exposure = report.measures.find((m) => m.measure === 'exposure')!;
    expect(exposure.reference).toBe('north');
    const south = exposure.groups.find((g) => g.group === 'south')!;
    expect(south).toMatchObject({ successes: 12, units: 40, rate: 0.3, belowThreshold: true, conclusive: true });
    // scipy.stats.contingency.relative_risk(12, 40, 20, 20).confidence_interval(0.95)
    expect(south.ratio).toBeCloseTo(0.3, 12);
    expect(south.lower).toBeCloseTo(0.1868686940772399, 9);
    expect(south.upper).toBeCloseTo(0.48162160304282753, 9);
    const click = report.measures.find((m) => m.measure === 'click')!;
    expect(click.reference).toBe('south');
    // relative_risk(5, 20, 6, 12): 0.5 in [0.194, 1.289]: below 0.8 but not conclusive.
    expect(click.groups.find((g) => g.group === 'north')).toMatchObject({ successes: 5, units: 20, ratio: 0.5, belowThreshold: true, conclusive: false });
    expect(click.groups.find((g) => g.group === 'north')!.lower).toBeCloseTo(0.19399949347851705, 9);
    expect(report.warnings.map((w) => [w.measure, w.group, w.conclusive])).toEqual([['exposure', 'south', true], ['click', 'north', false]]);

    // A chosen reference, by segment membership at decision time.
    const bySegment = await ok<Fairness>('GET', '/admin/v1/fairness?placement=hero&by=segment:vip&reference=in');
    const segExposure = bySegment.measures.find((m) => m.measure === 'exposure')!;
    expect(segExposure.groups.map((g) => [g.group, g.successes, g.units])).toEqual([['in', 12, 12], ['out', 20, 48]]);
    expect(segExposure.reference).toBe('in');
  });

  it('refuses what it cannot report on, naming the field', async () => {
    await ok('PUT', '/admin/v1/placements/hero', { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } });
    expect((await problem('GET', '/admin/v1/fairness?by=traits.region', undefined, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('/placement');
    expect((await problem('GET', '/admin/v1/fairness?placement=hero&experiment=x&by=traits.region', undefined, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('/placement');
    expect((await problem('GET', '/admin/v1/fairness?placement=hero&by=region', undefined, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('/by');
    expect((await problem('GET', '/admin/v1/fairness?placement=nope&by=traits.region', undefined, 404, 'ATTUNE_PLACEMENT_NOT_FOUND')).field).toBe('/placement');
    expect((await problem('GET', '/admin/v1/fairness?experiment=nope&by=traits.region', undefined, 404, 'ATTUNE_EXPERIMENT_NOT_FOUND')).field).toBe('/experiment');
    expect((await problem('GET', `/admin/v1/fairness?placement=hero&by=segment:${uniqueId('none')}`, undefined, 404, 'ATTUNE_SEGMENT_NOT_FOUND')).field).toBe('/by');
  });

  it('for an experiment: each region\'s share of every arm and the outcome per arm', async () => {
    await ok('PUT', '/admin/v1/placements/hero', { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } });
    await ok('PUT', '/admin/v1/actions/offer', { placements: ['hero'], variants: { default: { title: 'Offer' } } });
    const arms = [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'personalized', weight: 0.5, serve: { kind: 'personalized' } }];
    await ok('PUT', '/admin/v1/experiments/hero-test', { id: 'hero-test', placement: 'hero', arms, primaryMetric: 'conversion' });
    for (let i = 0; i < 30; i++) {
      const userId = `e${i}`;
      const res = await collect(h, '/v1/decide', { userId, placements: ['hero'], events: [{ type: 'identify', traits: { region: i % 3 === 0 ? 'east' : 'west' } }] }, h.a.writeKey);
      expect(res.statusCode, res.body).toBe(200);
      if (i % 2 === 0) expectCollected(await collect(h, '/v1/track', { userId, event: 'Order Completed', properties: { revenue: 10 } }, h.a.writeKey));
    }
    // Exposures are logged beside the answers: wait until all 30 units are counted.
    let report: Fairness | undefined;
    await expect.poll(async () => {
      report = await ok<Fairness>('GET', '/admin/v1/fairness?experiment=hero-test&by=traits.region');
      return report.measures.filter((m) => m.measure.startsWith('exposure:')).flatMap((m) => m.groups).reduce((s, g) => s + g.successes, 0);
    }, { timeout: 5000 }).toBe(30);
    expect(report!.subject).toEqual({ kind: 'experiment', id: 'hero-test', metric: 'conversion', arms: ['control', 'personalized'], control: 'control' });
    expect(report!.measures.map((m) => m.measure)).toEqual(['exposure:control', 'outcome:control', 'exposure:personalized', 'outcome:personalized']);
    const east = report!.measures[0]!.groups.find((g) => g.group === 'east')!;
    expect(east.units).toBe(10);
    const converted = report!.measures.filter((m) => m.measure.startsWith('outcome:')).flatMap((m) => m.groups).reduce((s, g) => s + g.successes, 0);
    expect(converted).toBe(15);
  });
});
