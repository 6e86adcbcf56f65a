import { expect } from 'vitest';
import type { Static } from 'typebox';
import type { QualityReport, QualityTraffic, TrackingPlanView } from '../../src/api/qualitySchemas.js';
import type { FairnessReport, FairnessSettingsView } from '../../src/api/fairnessSchemas.js';
import type { Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem, uniqueId, type JsonPayload } from './httpHelpers.js';

/**
 * Isolation cases of the data-quality and fairness API, spread into `cases` of
 * isolation.test.ts: B's events, rejections, tracking plan, decisions and settings never show
 * in A's reports, and A's changes never reach B's.
 */

type IsolationCase = (h: Harness) => Promise<void>;

async function ok<T>(h: Harness, method: 'GET' | 'PUT' | 'DELETE', url: string, key: string, payload?: JsonPayload): Promise<T> {
  const res = await admin(h, method, url, key, payload);
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return (res.statusCode === 204 ? undefined : res.json<T>()) as T;
}

const planOf = (event: string) => ({ events: [{ event, properties: [{ name: 'order_id', type: 'string', required: true }] }] });
const planIn = async (h: Harness, key: string) => (await ok<Static<typeof TrackingPlanView>>(h, 'GET', '/admin/v1/tracking-plan', key)).plan;
const thresholdIn = async (h: Harness, key: string) => (await ok<Static<typeof FairnessSettingsView>>(h, 'GET', '/admin/v1/fairness/settings', key)).resolved.threshold;

export const qualityIsolationCases: Record<string, IsolationCase> = {
  'GET /admin/v1/quality': async (h) => {
    const event = uniqueId('Iso Quality');
    expectCollected(await collect(h, '/v1/track', { userId: uniqueId('iso-u'), event, properties: { revenue: 'lots' } }, h.b.writeKey));
    // A rejection in B: counted in B's report only.
    expect((await collect(h, '/v1/track', { event }, h.b.writeKey)).statusCode).toBe(400);
    await ok(h, 'PUT', '/admin/v1/tracking-plan', h.b.secretKey, planOf(event));
    const report = (key: string) => ok<Static<typeof QualityReport>>(h, 'GET', '/admin/v1/quality', key);
    const [inA, inB] = [await report(h.a.secretKey), await report(h.b.secretKey)];
    const names = (r: Static<typeof QualityReport>) => [...r.volume.byEvent.map((e) => e.event), ...r.properties.all.map((p) => p.event)];
    expect(names(inA)).not.toContain(event);
    expect(names(inB)).toContain(event);
    expect(inA.rejections.byReason.some((r) => r.code === 'ATTUNE_EVENT_MISSING_IDENTITY')).toBe(false);
    expect(inB.rejections.byReason.some((r) => r.code === 'ATTUNE_EVENT_MISSING_IDENTITY')).toBe(true);
    expect(inA.trackingPlan?.events.some((e) => e.event === event) ?? false).toBe(false);
    expect(inB.trackingPlan?.events.map((e) => e.event)).toContain(event);
  },

  'GET /admin/v1/quality/traffic': async (h) => {
    const source = uniqueId('iso-lib');
    expectCollected(await collect(h, '/v1/track', { userId: uniqueId('iso-u'), event: 'Iso Traffic', context: { library: { name: source } } }, h.b.writeKey));
    const traffic = (key: string) => ok<Static<typeof QualityTraffic>>(h, 'GET', '/admin/v1/quality/traffic?minutes=5', key);
    const [inA, inB] = [await traffic(h.a.secretKey), await traffic(h.b.secretKey)];
    expect(inA.bySource.map((s) => s.source)).not.toContain(source);
    expect(inB.bySource.find((s) => s.source === source)?.perMinute.reduce((n, v) => n + v, 0)).toBe(1);
  },

  'GET /admin/v1/tracking-plan': async (h) => {
    const event = uniqueId('Iso Plan');
    await ok(h, 'PUT', '/admin/v1/tracking-plan', h.b.secretKey, planOf(event));
    expect(JSON.stringify(await planIn(h, h.a.secretKey))).not.toContain(event);
    expect(JSON.stringify(await planIn(h, h.b.secretKey))).toContain(event);
  },

  'PUT /admin/v1/tracking-plan': async (h) => {
    const [inA, inB] = [uniqueId('Iso A'), uniqueId('Iso B')];
    await ok(h, 'PUT', '/admin/v1/tracking-plan', h.b.secretKey, planOf(inB));
    await ok(h, 'PUT', '/admin/v1/tracking-plan', h.a.secretKey, planOf(inA));
    expect(await planIn(h, h.b.secretKey)).toEqual(planOf(inB));
    expect(await planIn(h, h.a.secretKey)).toEqual(planOf(inA));
  },

  'DELETE /admin/v1/tracking-plan': async (h) => {
    const event = uniqueId('Iso Kept');
    await ok(h, 'PUT', '/admin/v1/tracking-plan', h.b.secretKey, planOf(event));
    await ok(h, 'DELETE', '/admin/v1/tracking-plan', h.a.secretKey);
    expect(await planIn(h, h.b.secretKey)).toEqual(planOf(event));
  },

  'GET /admin/v1/fairness': async (h) => {
    // A placement and segment that exist in B only are unknown to A; B's decisions never count in A's report of a placement of the same id.
    const placement = uniqueId('iso-fair');
    const define = async (key: string) => {
      await ok(h, 'PUT', `/admin/v1/placements/${placement}`, key, { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } });
      await ok(h, 'PUT', `/admin/v1/actions/${placement}-offer`, key, { placements: [placement], variants: { default: { title: 'Offer' } } });
    };
    await define(h.b.secretKey);
    expectProblem(await admin(h, 'GET', `/admin/v1/fairness?placement=${placement}&by=traits.region`, h.a.secretKey), 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
    const userId = uniqueId('iso-u');
    const decided = await collect(h, '/v1/decide', { userId, placements: [placement], events: [{ type: 'identify', traits: { region: 'north' } }] }, h.b.writeKey);
    expect(decided.statusCode, decided.body).toBe(200);
    await h.decisions.flushRecords();
    await define(h.a.secretKey);
    const report = (key: string) => ok<Static<typeof FairnessReport>>(h, 'GET', `/admin/v1/fairness?placement=${placement}&by=traits.region`, key);
    const units = (r: Static<typeof FairnessReport>) => r.measures[0]!.groups.reduce((s, g) => s + g.units, 0);
    expect(units(await report(h.a.secretKey))).toBe(0);
    expect(units(await report(h.b.secretKey))).toBe(1);
  },

  'GET /admin/v1/fairness/settings': async (h) => {
    await ok(h, 'PUT', '/admin/v1/fairness/settings', h.b.secretKey, { threshold: 0.61 });
    expect(await thresholdIn(h, h.a.secretKey)).not.toBe(0.61);
    expect(await thresholdIn(h, h.b.secretKey)).toBe(0.61);
  },

  'PUT /admin/v1/fairness/settings': async (h) => {
    await ok(h, 'PUT', '/admin/v1/fairness/settings', h.b.secretKey, { threshold: 0.62 });
    await ok(h, 'PUT', '/admin/v1/fairness/settings', h.a.secretKey, { threshold: 0.93 });
    expect(await thresholdIn(h, h.b.secretKey)).toBe(0.62);
    expect(await thresholdIn(h, h.a.secretKey)).toBe(0.93);
  },
};
