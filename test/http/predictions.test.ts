import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { seededRandom } from '../../src/core/common/random.js';
import type { DecideResponse } from '../../src/api/decideSchemas.js';
import { startHarness, type Harness } from '../support/harness.js';
import { adminCalls, collect, expectCollected, expectProblem, admin } from './httpHelpers.js';

// Predictions end to end: orders arrive as events, a training job fits the workspace's model,
// and rules read predictions.* at once (eligibility here), explained per profile.

const now = Date.parse('2026-06-30T12:00:00.000Z');
const day = 86_400_000;

interface ModelView {
  version: number; customers: number; profilesRead: number | null; notes: string[];
  propensity: { horizonDays: number; heldOutCustomers: number; model: { auc: number | null; ece: number }; rfmBaseline: { auc: number | null } } | null;
  lifetimeValue: { bgNbd: { r: number; converged: boolean }; gammaGamma: { p: number } | null } | null;
  clusters: { k: number; segments: { cluster: number; size: number; summary: string }[]; stability: { shareKept: number } | null } | null;
}
interface Predictions { values: Record<string, number | null>; explanations: Record<string, { feature: string; contribution: number }[]> }

describe('predictions: train from the profiles, read in rules', () => {
  const clock = fixedClock(now);
  let h: Harness;
  beforeEach(async () => { clock.set(now); h = await startHarness({ clock }); });
  afterEach(async () => { await h.close(); });
  const { ok, problem } = adminCalls(() => h);

  /** 160 customers: even ones buy every one to three weeks up to now, odd ones stopped 150 to 250 days ago. */
  async function sendOrders(): Promise<void> {
    const random = seededRandom(9);
    const batch: Record<string, unknown>[] = [];
    for (let i = 0; i < 160; i++) {
      const regular = i % 2 === 0;
      const end = regular ? now : now - (150 + Math.floor(random.next() * 100)) * day;
      for (let at = now - (300 + Math.floor(random.next() * 60)) * day; at < end; at += (regular ? 7 + random.next() * 14 : 20 + random.next() * 40) * day) {
        batch.push({ type: 'track', userId: `u${i}`, event: 'Order Completed', timestamp: new Date(at).toISOString(), properties: { revenue: 20 + Math.floor(random.next() * 80) } });
      }
    }
    for (let start = 0; start < batch.length; start += 500) expectCollected(await collect(h, '/v1/batch', { batch: batch.slice(start, start + 500) }));
  }

  it('fits propensity and lifetime value, says how good they are, and puts them in force for rules', async () => {
    expect(await ok('GET', '/admin/v1/predictions')).toEqual({ current: null, versions: [] });
    await sendOrders();
    const model = await ok<ModelView>('POST', '/admin/v1/predictions/train', { horizonDays: 30 }, 200);
    expect(model).toMatchObject({ version: 1, customers: 160, profilesRead: 160, notes: [] });
    expect(model.clusters!.segments.reduce((sum, c) => sum + c.size, 0)).toBe(160);
    expect(model.propensity!.model.auc).toBeGreaterThan(0.9);
    expect(model.propensity!.rfmBaseline.auc).not.toBeNull();
    expect(model.lifetimeValue!.bgNbd.converged).toBe(true);
    expect(model.lifetimeValue!.gammaGamma).not.toBeNull();
    expect((await ok<{ current: ModelView; versions: unknown[] }>('GET', '/admin/v1/predictions')).versions).toHaveLength(1);

    const regular = await ok<Predictions>('GET', '/admin/v1/profiles/u0/predictions');
    const lapsed = await ok<Predictions>('GET', '/admin/v1/profiles/u1/predictions');
    expect(regular.values['model_version']).toBe(1);
    expect(regular.values['p_alive']).toBeGreaterThan(lapsed.values['p_alive']!);
    expect(regular.values['clv_12m']).toBeGreaterThan(lapsed.values['clv_12m']!);
    expect(lapsed.values['churn_risk']).toBeGreaterThan(0.5);
    expect(regular.explanations['purchase_propensity']).toHaveLength(3);
    await problem('GET', '/admin/v1/profiles/nobody/predictions', undefined, 404, 'ATTUNE_PROFILE_NOT_FOUND');

    // A win-back offer for customers at risk, a thank-you for the others: eligibility reads predictions.
    await ok('PUT', '/admin/v1/placements/hero', { channel: 'web', strategy: { kind: 'priority' }, defaultContent: null });
    await ok('PUT', '/admin/v1/actions/win-back', { placements: ['hero'], priority: 10, rule: 'predictions.churn_risk > 0.5 and predictions.clv_12m >= 0', variants: { default: { title: 'We miss you' } } });
    await ok('PUT', '/admin/v1/actions/thanks', { placements: ['hero'], priority: 1, variants: { default: { title: 'Thank you' } } });
    const decide = async (userId: string) => {
      const res = await collect(h, '/v1/decide', { userId, placements: ['hero'] }, h.a.writeKey);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<DecideResponse>().placements[0]!.decisions[0]!.actionId;
    };
    expect(await decide('u1')).toBe('win-back');
    expect(await decide('u0')).toBe('thanks');
    // Templates read predictions too.
    await ok('PUT', '/admin/v1/placements/note', { channel: 'web', strategy: { kind: 'priority' }, defaultContent: null });
    await ok('PUT', '/admin/v1/actions/note', { placements: ['note'], variants: { default: { title: 'alive {{ predictions.p_alive }}, segment {{ predictions.cluster }}' } } });
    const note = (await collect(h, '/v1/decide', { userId: 'u0', placements: ['note'] }, h.a.writeKey)).json<DecideResponse>().placements[0]!.decisions[0]!.content as { title: string };
    expect(note.title).toBe(`alive ${String(regular.values['p_alive'])}, segment ${String(regular.values['cluster'])}`);
    // The reasons say which predictions the rule read, their values, and what moved the risk.
    // Only with explain (the secret key): scores and their features are about the person.
    expect((await collect(h, '/v1/decide', { userId: 'u1', placements: ['hero'] }, h.a.writeKey)).json<DecideResponse>().placements[0]!.decisions[0]!.reasons.predictions).toBeUndefined();
    const why = (await collect(h, '/v1/decide', { userId: 'u1', placements: ['hero'], explain: true }, h.a.secretKey)).json<DecideResponse>().placements[0]!.decisions[0]!.reasons;
    expect(why.predictions!.map((p) => p.field)).toEqual(['predictions.churn_risk', 'predictions.clv_12m']);
    expect(why.predictions![0]!.value).toBeCloseTo(lapsed.values['churn_risk']!, 9);
    expect(why.predictions![0]!.because.map((c) => c.feature)).toEqual(lapsed.explanations['churn_risk']!.map((c) => c.feature));
    expect(why.predictions![0]!.because).toHaveLength(3);
    expect(why.predictions![1]!.because).toEqual([]);

    // A segment found in the data, as an ordinary rule: the regulars' cluster.
    await ok('PUT', `/admin/v1/actions/regulars`, { placements: ['hero'], priority: 20, rule: `predictions.cluster == ${String(regular.values['cluster'])}`, variants: { default: { title: 'For our regulars' } } });
    expect(await decide('u0')).toBe('regulars');
    expect(await decide('u1')).toBe('win-back');
    // Published as an ordinary segment, with the model version in its description.
    await problem('POST', '/admin/v1/predictions/clusters/7/segment', { id: 'too-far' }, 400, 'ATTUNE_INVALID_REQUEST');
    const published = await ok<{ segment: { id: string; rule: string; description: string } }>('POST', `/admin/v1/predictions/clusters/${String(regular.values['cluster'])}/segment`, { id: 'found-regulars', name: 'Regulars (found)' }, 201);
    expect(published.segment).toMatchObject({ id: 'found-regulars', rule: `predictions.cluster == ${String(regular.values['cluster'])}` });
    expect(published.segment.description).toMatch(/cluster \d+ of prediction model version 1 \(/);
    await problem('POST', `/admin/v1/predictions/clusters/0/segment`, { id: 'found-regulars' }, 409, 'ATTUNE_CONFLICT');
    await ok('PUT', '/admin/v1/actions/found', { placements: ['hero'], priority: 30, rule: 'in_segment("found-regulars")', variants: { default: { title: 'Found in the data' } } });
    expect(await decide('u0')).toBe('found');
    expect(await decide('u1')).toBe('win-back');
    // Retrained, it says how stable the clusters are, and the segment follows its cluster.
    const again = await ok<ModelView & { followedSegments: { segmentId: string; previousCluster: number; cluster: number }[] }>('POST', '/admin/v1/predictions/train', { horizonDays: 30, seed: 5 }, 200);
    expect(again.version).toBe(2);
    expect(again.clusters!.stability!.shareKept).toBeGreaterThan(0.8);
    const regularNow = (await ok<Predictions>('GET', '/admin/v1/profiles/u0/predictions')).values['cluster'];
    expect(again.followedSegments).toEqual(expect.arrayContaining([{ segmentId: 'found-regulars', previousCluster: regular.values['cluster'], cluster: regularNow }]));
    const segment = await ok<{ rule: string; description: string }>('GET', '/admin/v1/segments/found-regulars');
    expect(segment.rule).toBe(`predictions.cluster == ${String(regularNow)}`);
    expect(segment.description).toMatch(/of prediction model version 2/);
    expect(await decide('u0')).toBe('found');
  });

  it('refuses a misspelt prediction in a rule with the nearest name, and a horizon out of range', async () => {
    await ok('PUT', '/admin/v1/placements/hero', { channel: 'web', strategy: { kind: 'priority' }, defaultContent: null });
    const res = await admin(h, 'PUT', '/admin/v1/actions/x', h.a.secretKey, { placements: ['hero'], rule: 'predictions.churn_rsk > 0.5', variants: { default: { title: 'x' } } });
    expect(expectProblem(res, 400, 'ATTUNE_RULE_INVALID').detail).toMatch(/did you mean "predictions.churn_risk"/);
    for (const [body, field] of [[{ horizonDays: 0 }, 'body/horizonDays'], [{ horizonDays: 366 }, 'body/horizonDays'], [{ clusters: 1 }, 'body/clusters'], [{ clusters: 13 }, 'body/clusters'], [{ seed: -1 }, 'body/seed']] as const) {
      expect((await problem('POST', '/admin/v1/predictions/train', body, 400, 'ATTUNE_INVALID_REQUEST')).field, JSON.stringify(body)).toBe(field);
    }
    // A refused training stores nothing; the next good one is version 1.
    expect(await ok('GET', '/admin/v1/predictions')).toEqual({ current: null, versions: [] });
    expect((await ok<ModelView>('POST', '/admin/v1/predictions/train', { horizonDays: 30 }, 200)).version).toBe(1);
    // Two trainings at once: the second is refused, not raced for the version number.
    const [first, second] = await Promise.all([admin(h, 'POST', '/admin/v1/predictions/train', h.a.secretKey, { horizonDays: 30 }), admin(h, 'POST', '/admin/v1/predictions/train', h.a.secretKey, { horizonDays: 30 })]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([200, 409]);
    expect(expectProblem(first.statusCode === 409 ? first : second, 409, 'ATTUNE_CONFLICT').detail).toMatch(/training now/);
  });

  it('learns from chosen features and traits as they were at the cut-off, replayed from the log, and clusters every profile with them', async () => {
    await ok('PUT', '/admin/v1/features/orders_30d', { name: 'orders_30d', aggregate: 'count', events: ['Order Completed'], window: '30d' });
    await ok('PUT', '/admin/v1/features/pages_90d', { name: 'pages_90d', aggregate: 'count', types: ['page'], window: '90d' });
    const random = seededRandom(4);
    const batch: Record<string, unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      const vip = i % 2 === 0;
      batch.push({ type: 'identify', userId: `u${i}`, timestamp: new Date(now - 200 * day).toISOString(), traits: { vip, tier: vip ? 'gold' : 'basic' } });
      for (let k = 0; k < 3; k++) batch.push({ type: 'track', userId: `u${i}`, event: 'Order Completed', timestamp: new Date(now - (45 + Math.floor(random.next() * 150)) * day).toISOString(), properties: { revenue: 40 } });
      // Bought again in the last 30 days (the label window): most VIPs, few others.
      if (random.next() < (vip ? 0.75 : 0.15)) batch.push({ type: 'track', userId: `u${i}`, event: 'Order Completed', timestamp: new Date(now - (1 + Math.floor(random.next() * 28)) * day).toISOString(), properties: { revenue: 40 } });
    }
    for (let i = 0; i < 40; i++) batch.push({ type: 'page', anonymousId: `visitor-${i}`, name: 'Home', timestamp: new Date(now - 2 * day).toISOString() });
    for (let start = 0; start < batch.length; start += 500) expectCollected(await collect(h, '/v1/batch', { batch: batch.slice(start, start + 500) }));

    const typo = await problem('POST', '/admin/v1/predictions/train', { features: ['orders_30'] }, 400, 'ATTUNE_INVALID_REQUEST');
    expect(typo.detail).toMatch(/did you mean "orders_30d"/);
    expect(typo.field).toMatch(/features\/0$/);
    expect((await problem('POST', '/admin/v1/predictions/train', { som: { rows: 1, cols: 1 } }, 400, 'ATTUNE_INVALID_REQUEST')).field).toMatch(/som$/);
    expect((await problem('POST', '/admin/v1/predictions/train', { som: { rows: 2, cols: 2 }, clusters: 3 }, 400, 'ATTUNE_INVALID_REQUEST')).field).toMatch(/som$/);
    expect((await problem('POST', '/admin/v1/predictions/train', { traits: ['plan', 'plan=pro'] }, 400, 'ATTUNE_INVALID_REQUEST')).field).toMatch(/traits\/1$/);

    const model = await ok<ModelView & { inputs: unknown; propensity: { coefficients: Record<string, number> } }>('POST', '/admin/v1/predictions/train', { horizonDays: 30, features: ['orders_30d', 'pages_90d'], traits: ['vip', 'tier'] }, 200);
    expect(model.inputs).toEqual({ features: ['orders_30d', 'pages_90d'], traits: ['vip', 'tier'] });
    expect(Object.keys(model.propensity.coefficients)).toEqual(expect.arrayContaining(['features.orders_30d', 'traits.vip', 'traits.tier=gold']));
    // orders_30d read today is 1 exactly for the customers who bought in the label window: had
    // the model learned from today's values it would be perfect. As of the cut-off it is not.
    expect(model.propensity!.model.auc).toBeGreaterThan(0.7);
    expect(model.propensity!.model.auc).toBeLessThan(0.95);
    expect(model.propensity!.model.auc!).toBeGreaterThan(model.propensity!.rfmBaseline.auc! + 0.1);
    expect(model).toMatchObject({ profilesRead: 240, customers: 200, clusters: { population: 'profiles' } });
    expect(model.clusters!.segments.reduce((sum, c) => sum + c.size, 0)).toBe(240);
    const visitor = await ok<Predictions>('GET', '/admin/v1/profiles/visitor-0/predictions');
    expect(visitor.values['cluster']).not.toBeNull();
    expect(visitor.values['purchase_propensity']).toBeNull();
    const vip = await ok<Predictions>('GET', '/admin/v1/profiles/u0/predictions');
    const basic = await ok<Predictions>('GET', '/admin/v1/profiles/u1/predictions');
    expect(vip.values['purchase_propensity']!).toBeGreaterThan(basic.values['purchase_propensity']!);

    const som = await ok<ModelView & { clusters: { k: number; som: { rows: number; cols: number; topographicError: number } | null } }>('POST', '/admin/v1/predictions/train', { horizonDays: 30, traits: ['vip'], som: { rows: 2, cols: 2 } }, 200);
    expect(som.clusters.k).toBe(4);
    expect(som.clusters.som).toMatchObject({ rows: 2, cols: 2, topology: 'rectangular' });
    // A scheduled retraining asks for what the model in force was trained with.
    const retrained = (await h.engine.predictions.retrain(h.a.id))!;
    expect(retrained).toMatchObject({ version: 3, inputs: { features: [], traits: ['vip'] }, clusters: { k: 4, som: { rows: 2, cols: 2 } }, propensity: { horizonDays: 30 } });
    expect(await h.engine.predictions.retrain(h.b.id)).toBeNull();
  });

  it('trains on a workspace without orders, saying why nothing was fitted', async () => {
    expect((await problem('POST', '/admin/v1/predictions/clusters/0/segment', { id: 'early' }, 409, 'ATTUNE_CONFLICT')).detail).toMatch(/train one first/);
    const model = await ok<ModelView>('POST', '/admin/v1/predictions/train', undefined, 200);
    expect((await problem('POST', '/admin/v1/predictions/clusters/0/segment', { id: 'early' }, 409, 'ATTUNE_CONFLICT')).detail).toMatch(/found no clusters/);
    expect(model.propensity).toBeNull();
    expect(model.lifetimeValue).toBeNull();
    expect(model.clusters).toBeNull();
    expect(model.notes.length).toBe(3);
  });
});
