import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';
import { admin, expectProblem, findProfile, uniqueId, type ProblemBody } from './httpHelpers.js';

// The features and segments administration API (/admin/v1/features, /admin/v1/segments),
// against real collection on an injected clock.
const t0 = Date.parse('2026-04-01T10:00:00.000Z');
const minute = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Reevaluation { profiles: number; entered: number; left: number }
interface FeatureView { name: string; aggregate: string; builtin: boolean; redefined: boolean; type: string; readBy: string[]; window?: string; events?: string[] }
interface FeatureChange { created: boolean; feature: FeatureView; reset: Reevaluation | null }
interface Analysis {
  type: string; reads: string[]; roots: string[]; segments: string[]; dependents: string[]; features: string[];
  allFeatures: boolean; profile: boolean; session: boolean; consent: boolean; context: boolean; clock: boolean;
  stored: boolean; dynamic: boolean; cost: number;
}
interface SegmentView { id: string; name: string; rule: string; description?: string; size: number | null; analysis: Analysis }
interface SegmentChange { segment: SegmentView; evaluation: Reevaluation | null }
interface MemberPage { members: { profileId: string; enteredAt: string }[]; next: string | null }
interface RuleProblem extends ProblemBody { line: number; column: number; caret: string; ruleErrorKind: string; segments?: string[] }

describe('features and segments administration', () => {
  const clock = fixedClock(t0);
  let h: Harness;
  let key: string;

  beforeAll(async () => {
    h = await startHarness({ clock });
    key = h.a.secretKey;
  });
  afterAll(async () => { await h.close(); });

  const send = async (batch: Record<string, unknown>[], writeKey = h.a.writeKey) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(writeKey) }, payload: { batch } });
    expect(res.statusCode, res.body).toBe(200);
  };
  const order = (userId: string, revenue = 10) => ({ type: 'track', userId, event: 'Order Completed', messageId: uniqueId('order'), properties: { revenue } });
  const identify = (userId: string, traits: Record<string, unknown>) => ({ type: 'identify', userId, messageId: uniqueId('identify'), traits });
  const ok = async <T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: Record<string, unknown>, status = 200): Promise<T> => {
    const res = await admin(h, method, url, key, payload);
    expect(res.statusCode, res.body).toBe(status);
    return (status === 204 ? undefined : res.json<T>()) as T;
  };
  const problem = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload: Record<string, unknown> | undefined, status: number, code: string) =>
    expectProblem(await admin(h, method, url, key, payload), status, code) as RuleProblem;
  const profileId = async (userId: string) => (await findProfile(h, key, userId))!.id;
  const segment = (id: string, rule: string, name = `Segment ${id}`) => ({ id, name, rule });
  const members = async (id: string) => {
    const page = await ok<MemberPage>('GET', `/admin/v1/segments/${id}/members?limit=1000`);
    return page.members;
  };

  describe('features', () => {
    it('lists the built-in features, flagged, with their types', async () => {
      const list = await ok<FeatureView[]>('GET', '/admin/v1/features');
      expect(list.filter((f) => f.builtin).map((f) => f.name)).toEqual(['order_count', 'revenue', 'priced_order_count', 'first_order_at', 'last_order_at', 'unreadable_revenue_orders']);
      expect(list.find((f) => f.name === 'order_count')).toMatchObject({ aggregate: 'count', builtin: true, redefined: false, type: 'number', readBy: [] });
    });

    it('creates a feature (201), lists it, and replaces it (200)', async () => {
      const created = await ok<FeatureChange>('PUT', '/admin/v1/features/views_7d', { aggregate: 'count', types: ['page'], window: '7d' }, 201);
      expect(created).toMatchObject({ created: true, reset: null, feature: { name: 'views_7d', builtin: false, redefined: false, type: 'number', window: '7d' } });
      expect((await ok<FeatureView[]>('GET', '/admin/v1/features')).map((f) => f.name)).toContain('views_7d');
      // The body may repeat the name.
      const replaced = await ok<FeatureChange>('PUT', '/admin/v1/features/views_7d', { name: 'views_7d', aggregate: 'count', types: ['page', 'screen'], window: '7d' });
      expect(replaced.created).toBe(false);
      expect(replaced.reset).toMatchObject({ profiles: expect.any(Number) });
      // A new description changes nothing that was counted: no reset.
      const described = await ok<FeatureChange>('PUT', '/admin/v1/features/views_7d', { aggregate: 'count', types: ['page', 'screen'], window: '7d', description: 'Views this week' });
      expect(described.reset).toBeNull();
    });

    it('refuses definitions that cannot work, with the field at fault', async () => {
      const noHalfLife = await problem('PUT', '/admin/v1/features/affinity', { aggregate: 'decayed', property: 'properties.category' }, 400, 'ATTUNE_FEATURE_INVALID');
      expect(noHalfLife.field).toBe('/halfLife');
      expect((await problem('PUT', '/admin/v1/features/spend', { aggregate: 'sum', events: ['Order Completed'] }, 400, 'ATTUNE_FEATURE_INVALID')).field).toBe('/property');
      const derived = await problem('PUT', '/admin/v1/features/frequency', { aggregate: 'count' }, 400, 'ATTUNE_FEATURE_INVALID');
      expect(derived.field).toBe('/name');
      expect(derived.detail).toContain('derived');
      expect((await problem('PUT', '/admin/v1/features/Bad-Name', { aggregate: 'count' }, 400, 'ATTUNE_FEATURE_INVALID')).field).toBe('/name');
      const where = await problem('PUT', '/admin/v1/features/big_orders', { aggregate: 'count', events: ['Order Completed'], where: 'event.properties.revenue >\n  "a" and' }, 400, 'ATTUNE_FEATURE_INVALID');
      expect(where).toMatchObject({ field: '/where', line: 2, ruleErrorKind: 'syntax' });
      expect(where.caret).toContain('^');
      // Schema faults are the request's: ATTUNE_INVALID_REQUEST.
      expect((await problem('PUT', '/admin/v1/features/avg', { aggregate: 'average' }, 400, 'ATTUNE_INVALID_REQUEST')).field).toMatch(/^body/);
      const mismatch = await problem('PUT', '/admin/v1/features/one', { name: 'two', aggregate: 'count' }, 400, 'ATTUNE_INVALID_REQUEST');
      expect(mismatch.field).toBe('body/name');
      const names = (await ok<FeatureView[]>('GET', '/admin/v1/features')).map((f) => f.name);
      for (const name of ['affinity', 'spend', 'frequency', 'big_orders', 'one', 'two']) expect(names).not.toContain(name);
    });

    it('validates without saving', async () => {
      const valid = await ok<{ valid: boolean; exists: boolean; feature: FeatureView }>('POST', '/admin/v1/features/validate', { name: 'draft_feature', aggregate: 'decayed', property: 'properties.category', halfLife: '14d' });
      expect(valid).toMatchObject({ valid: true, exists: false, feature: { name: 'draft_feature', type: 'object' } });
      expect((await ok<{ exists: boolean }>('POST', '/admin/v1/features/validate', { name: 'order_count', aggregate: 'count' })).exists).toBe(true);
      expect((await problem('POST', '/admin/v1/features/validate', { name: 'draft_feature', aggregate: 'decayed', property: 'x' }, 400, 'ATTUNE_FEATURE_INVALID')).field).toBe('/halfLife');
      expect((await ok<FeatureView[]>('GET', '/admin/v1/features')).map((f) => f.name)).not.toContain('draft_feature');
    });

    it('answers 404 for an unknown feature and 409 for deleting a built-in', async () => {
      expectProblem(await admin(h, 'DELETE', '/admin/v1/features/nothing_here', key), 404, 'ATTUNE_FEATURE_NOT_FOUND');
      const builtin = await problem('DELETE', '/admin/v1/features/revenue', undefined, 409, 'ATTUNE_CONFLICT');
      expect(builtin.detail).toContain('built-in');
    });

    it('restarts a redefined feature from now on every profile, and the segments that read it follow', async () => {
      await ok('PUT', '/admin/v1/features/orders_total', { aggregate: 'count', events: ['Order Completed'] }, 201);
      await ok('POST', '/admin/v1/segments', segment('two_orders_total', 'features.orders_total >= 2'), 201);
      const user = uniqueId('redefined');
      await send([order(user), order(user)]);
      expect((await findProfile(h, key, user) as unknown as { features: Record<string, unknown> }).features['orders_total']).toBe(2);
      expect((await members('two_orders_total')).map((m) => m.profileId)).toContain(await profileId(user));

      clock.advance(minute);
      const change = await ok<FeatureChange>('PUT', '/admin/v1/features/orders_total', { aggregate: 'count', events: ['Order Completed', 'Order Refunded'] });
      expect(change.reset).toMatchObject({ profiles: expect.any(Number) });
      expect(change.reset!.left).toBeGreaterThanOrEqual(1);
      expect((await findProfile(h, key, user) as unknown as { features: Record<string, unknown> }).features['orders_total']).toBe(0);
      expect((await members('two_orders_total')).map((m) => m.profileId)).not.toContain(await profileId(user));
      expect((await ok<SegmentView>('GET', '/admin/v1/segments/two_orders_total')).size).toBe(0);
    });

    it('redefines a built-in, and deleting the redefinition brings the built-in back', async () => {
      const user = uniqueId('builtin');
      await send([order(user, 30)]);
      const redefined = await ok<FeatureChange>('PUT', '/admin/v1/features/revenue', { aggregate: 'sum', events: ['Order Completed'], property: 'properties.total' });
      expect(redefined).toMatchObject({ created: false, feature: { name: 'revenue', builtin: true, redefined: true } });
      expect(redefined.reset).not.toBeNull();
      expect((await ok<FeatureView[]>('GET', '/admin/v1/features')).find((f) => f.name === 'revenue')).toMatchObject({ builtin: true, redefined: true, property: 'properties.total' });
      await send([{ ...order(user), properties: { total: 7, revenue: 1000 } }]);
      expect((await findProfile(h, key, user) as unknown as { features: Record<string, unknown> }).features['revenue']).toBe(7);

      const deleted = await ok<{ deleted: string; restored: FeatureView | null; reset: Reevaluation | null }>('DELETE', '/admin/v1/features/revenue');
      expect(deleted).toMatchObject({ deleted: 'revenue', restored: { name: 'revenue', builtin: true, redefined: false, property: 'properties.revenue' } });
      expect(deleted.reset).not.toBeNull();
      expect((await findProfile(h, key, user) as unknown as { features: Record<string, unknown> }).features['revenue']).toBe(0);
    });

    it('refuses to delete a feature that segments read, naming them, and deletes it once they are gone', async () => {
      await ok('PUT', '/admin/v1/features/searches', { aggregate: 'count', events: ['Products Searched'] }, 201);
      await ok('POST', '/admin/v1/segments', segment('searcher', 'features.searches >= 1'), 201);
      await ok('POST', '/admin/v1/segments', segment('heavy_searcher', 'features.searches >= 10 and in_segment("searcher")'), 201);
      expect((await ok<FeatureView[]>('GET', '/admin/v1/features')).find((f) => f.name === 'searches')?.readBy).toEqual(['searcher', 'heavy_searcher']);
      const conflict = await problem('DELETE', '/admin/v1/features/searches', undefined, 409, 'ATTUNE_CONFLICT');
      expect(conflict.segments).toEqual(['searcher', 'heavy_searcher']);
      expect(conflict.detail).toContain('searcher, heavy_searcher');

      await ok('DELETE', '/admin/v1/segments/heavy_searcher', undefined, 204);
      await ok('DELETE', '/admin/v1/segments/searcher', undefined, 204);
      const deleted = await ok<{ deleted: string; restored: null; reset: Reevaluation }>('DELETE', '/admin/v1/features/searches');
      expect(deleted).toMatchObject({ deleted: 'searches', restored: null });
      expect((await ok<FeatureView[]>('GET', '/admin/v1/features')).map((f) => f.name)).not.toContain('searches');
    });

    it('refuses a redefinition that would break a saved segment, with the rule position', async () => {
      await ok('PUT', '/admin/v1/features/score', { aggregate: 'sum', events: ['Scored'], property: 'properties.points' }, 201);
      await ok('POST', '/admin/v1/segments', segment('high_score', 'profile.traits.plan == "pro" or\n    features.score > 100'), 201);
      const conflict = await problem('PUT', '/admin/v1/features/score', { aggregate: 'decayed', property: 'properties.level', halfLife: '7d' }, 409, 'ATTUNE_CONFLICT');
      expect(conflict).toMatchObject({ segments: ['high_score'], line: 2, column: 5, ruleErrorKind: 'type' });
      expect((await ok<FeatureView[]>('GET', '/admin/v1/features')).find((f) => f.name === 'score')?.aggregate).toBe('sum');
    });
  });

  describe('segments', () => {
    it('creates a segment (201) and shows it with its size, in the list and by id', async () => {
      const change = await ok<SegmentChange>('POST', '/admin/v1/segments', { ...segment('german_locale', 'context.locale starts_with "de"'), description: 'At decision time' }, 201);
      expect(change.segment).toMatchObject({ id: 'german_locale', description: 'At decision time', size: null, analysis: { context: true, stored: false, dynamic: true } });
      expect(change.evaluation).toMatchObject({ profiles: expect.any(Number), entered: 0 });
      const byId = await ok<SegmentView>('GET', '/admin/v1/segments/german_locale');
      expect(byId).toMatchObject({ id: 'german_locale', name: 'Segment german_locale', rule: 'context.locale starts_with "de"', size: null });
      const list = await ok<SegmentView[]>('GET', '/admin/v1/segments');
      expect(list.find((s) => s.id === 'german_locale')).toEqual(byId);
    });

    it('answers 409 for an id that exists, and 404 for an unknown one', async () => {
      await ok('POST', '/admin/v1/segments', segment('taken', 'true'), 201);
      expect((await problem('POST', '/admin/v1/segments', segment('taken', 'false'), 409, 'ATTUNE_CONFLICT')).field).toBe('/id');
      expect((await ok<SegmentView>('GET', '/admin/v1/segments/taken')).rule).toBe('true');
      for (const [method, url, payload] of [
        ['GET', '/admin/v1/segments/nobody', undefined],
        ['GET', '/admin/v1/segments/nobody/members', undefined],
        ['PUT', '/admin/v1/segments/nobody', { name: 'n', rule: 'true' }],
        ['DELETE', '/admin/v1/segments/nobody', undefined],
      ] as const) {
        expectProblem(await admin(h, method, url, key, payload), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
      }
    });

    it('answers a rule that does not compile with its line, column and caret', async () => {
      const rule = 'features.order_count >= 1 and\n    session.pagez > 2';
      const fault = await problem('POST', '/admin/v1/segments', segment('typo', rule), 400, 'ATTUNE_RULE_INVALID');
      expect(fault).toMatchObject({ field: '/rule', line: 2, column: 5, ruleErrorKind: 'unknown-name' });
      expect(fault.caret).toBe('    session.pagez > 2\n    ^^^^^^^^^^^^^');
      expect(fault.detail).toContain('did you mean "session.pages"?');
      const syntax = await problem('POST', '/admin/v1/segments', segment('broken', 'features.order_count >=\n  and true'), 400, 'ATTUNE_RULE_INVALID');
      expect(syntax).toMatchObject({ field: '/rule', line: 2, column: 3, ruleErrorKind: 'syntax' });
      expect((await problem('POST', '/admin/v1/segments', segment('dangling', 'in_segment("no_such_segment")'), 400, 'ATTUNE_RULE_INVALID')).ruleErrorKind).toBe('unknown-name');
      expect((await problem('POST', '/admin/v1/segments', segment('not_a_condition', 'features.order_count + 1'), 400, 'ATTUNE_RULE_INVALID')).ruleErrorKind).toBe('type');
      // Schema faults (an id with capitals, a missing rule) are ATTUNE_INVALID_REQUEST.
      expectProblem(await admin(h, 'POST', '/admin/v1/segments', key, segment('Capital', 'true')), 400, 'ATTUNE_INVALID_REQUEST');
      expectProblem(await admin(h, 'POST', '/admin/v1/segments', key, { id: 'norule', name: 'n' }), 400, 'ATTUNE_INVALID_REQUEST');
      for (const id of ['typo', 'broken', 'dangling', 'not_a_condition']) expectProblem(await admin(h, 'GET', `/admin/v1/segments/${id}`, key), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    });

    it('refuses a change that makes segments refer to each other in a cycle', async () => {
      await ok('POST', '/admin/v1/segments', segment('cycle_a', 'profile.traits.plan == "pro"'), 201);
      await ok('POST', '/admin/v1/segments', segment('cycle_b', 'in_segment("cycle_a")'), 201);
      const fault = await problem('PUT', '/admin/v1/segments/cycle_a', { name: 'a', rule: 'in_segment("cycle_b")' }, 400, 'ATTUNE_SEGMENT_INVALID');
      expect(fault.field).toBe('/rule');
      expect(fault.detail).toMatch(/cycle_a -> cycle_b -> cycle_a|cycle_b -> cycle_a -> cycle_b/);
      expect((await ok<SegmentView>('GET', '/admin/v1/segments/cycle_a')).rule).toBe('profile.traits.plan == "pro"');
    });

    it('validates a segment without saving it, and says what it reads and costs', async () => {
      const rule = 'features.order_count >= 2 and days_since(features.last_order_at) < 30 and in_segment("taken") and has_consent("marketing")';
      const result = await ok<{ valid: boolean; exists: boolean; analysis: Analysis }>('POST', '/admin/v1/segments/validate', segment('draft', rule));
      expect(result).toMatchObject({ valid: true, exists: false });
      expect(result.analysis).toMatchObject({
        type: 'boolean', reads: ['features.last_order_at', 'features.order_count'], roots: ['features'], segments: ['taken'], dependents: [],
        features: ['last_order_at', 'order_count'], consent: true, context: false, clock: true, stored: true, dynamic: true, profile: false, session: false,
      });
      expect(result.analysis.cost).toBeGreaterThan(5);
      const contextual = await ok<{ analysis: Analysis }>('POST', '/admin/v1/segments/validate', segment('draft', 'context.page.path starts_with "/shoes"'));
      expect(contextual.analysis).toMatchObject({ context: true, clock: false, stored: false, roots: ['context'], reads: ['context.page.path'] });
      expect((await ok<{ exists: boolean }>('POST', '/admin/v1/segments/validate', segment('taken', 'false'))).exists).toBe(true);
      const fault = await problem('POST', '/admin/v1/segments/validate', segment('draft', 'true and\n    session.pagez > 2'), 400, 'ATTUNE_RULE_INVALID');
      expect(fault).toMatchObject({ line: 2, column: 5, field: '/rule' });
      expectProblem(await admin(h, 'GET', '/admin/v1/segments/draft', key), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
      expect((await ok<SegmentView[]>('GET', '/admin/v1/segments')).map((s) => s.id)).not.toContain('draft');
      expect((await ok<SegmentView>('GET', '/admin/v1/segments/taken')).rule).toBe('true');
    });

    it('evaluates a segment created after the events for every profile at once, and pages its members', async () => {
      const tier = uniqueId('tier');
      const users = ['m1', 'm2', 'm3', 'm4', 'm5'].map((u) => `${tier}-${u}`);
      await send([...users.map((u) => identify(u, { tier })), identify(`${tier}-other`, { tier: 'other' })]);
      clock.advance(minute);
      const created = await ok<SegmentChange>('POST', '/admin/v1/segments', segment('tier_members', `profile.traits.tier == "${tier}"`), 201);
      expect(created.segment.size).toBe(5);
      expect(created.evaluation).toMatchObject({ entered: 5, left: 0 });
      expect(created.evaluation!.profiles).toBeGreaterThanOrEqual(6);

      const ids = (await Promise.all(users.map(profileId))).sort();
      const pages: MemberPage[] = [];
      let after = '';
      for (;;) {
        const page = await ok<MemberPage>('GET', `/admin/v1/segments/tier_members/members?limit=2&after=${after}`);
        pages.push(page);
        if (page.next === null) break;
        after = page.next;
      }
      expect(pages.map((p) => p.members.length)).toEqual([2, 2, 1]);
      expect(pages.flatMap((p) => p.members.map((m) => m.profileId))).toEqual(ids);
      expect(pages[0]!.next).toBe(ids[1]);
      for (const m of pages.flatMap((p) => p.members)) expect(m.enteredAt).toBe(iso(clock.now()));
      expect((await ok<MemberPage>('GET', '/admin/v1/segments/tier_members/members?limit=5')).next).toBeNull();
      expectProblem(await admin(h, 'GET', '/admin/v1/segments/tier_members/members?limit=0', key), 400, 'ATTUNE_INVALID_REQUEST');
      expect((await ok<SegmentView>('GET', '/admin/v1/segments/tier_members')).size).toBe(5);

      type History = { segmentId: string; days: { day: string; size: number; entries: number; exits: number }[] | null };
      const history = await ok<History>('GET', '/admin/v1/segments/tier_members/history?days=2');
      expect(history.days).toHaveLength(2);
      expect(history.days!.at(-1)).toMatchObject({ day: iso(clock.now()).slice(0, 10), size: 5, entries: 5, exits: 0 });
      for (const days of ['0', '367', 'week']) {
        const fault = expectProblem(await admin(h, 'GET', `/admin/v1/segments/tier_members/history?days=${days}`, key), 400, 'ATTUNE_INVALID_REQUEST');
        expect(fault.field).toMatch(/days/);
      }
      // A refused read changes nothing: the history is as before.
      expect(await ok<History>('GET', '/admin/v1/segments/tier_members/history?days=2')).toEqual(history);
    });

    it('enters a segment on the second Order Completed, and leaves it through ingestion', async () => {
      await ok('PUT', '/admin/v1/features/orders', { aggregate: 'count', events: ['Order Completed'] }, 201);
      await ok('POST', '/admin/v1/segments', segment('repeat_paying', 'features.orders >= 2 and profile.traits.plan != "free"'), 201);
      const user = uniqueId('repeat');
      await send([order(user)]);
      const id = await profileId(user);
      expect((await members('repeat_paying')).map((m) => m.profileId)).not.toContain(id);
      clock.advance(5 * minute);
      const second = clock.now();
      await send([order(user)]);
      expect((await members('repeat_paying')).find((m) => m.profileId === id)?.enteredAt).toBe(iso(second));
      clock.advance(minute);
      await send([identify(user, { plan: 'free' })]);
      expect((await members('repeat_paying')).map((m) => m.profileId)).not.toContain(id);
    });

    it('changes a segment: a new rule is evaluated at once, a new name alone is not', async () => {
      const user = uniqueId('update');
      await send([order(user)]);
      await ok('POST', '/admin/v1/segments', segment('buyers_changing', 'features.order_count >= 5'), 201);
      const id = await profileId(user);
      expect((await members('buyers_changing')).map((m) => m.profileId)).not.toContain(id);
      const changed = await ok<SegmentChange>('PUT', '/admin/v1/segments/buyers_changing', { id: 'buyers_changing', name: 'Buyers', rule: 'features.order_count >= 1' });
      expect(changed.evaluation!.entered).toBeGreaterThanOrEqual(1);
      expect(changed.segment.size).toBe((await members('buyers_changing')).length);
      expect((await members('buyers_changing')).map((m) => m.profileId)).toContain(id);
      const renamed = await ok<SegmentChange>('PUT', '/admin/v1/segments/buyers_changing', { name: 'All buyers', rule: 'features.order_count >= 1' });
      expect(renamed).toMatchObject({ evaluation: null, segment: { name: 'All buyers' } });
      expect((await problem('PUT', '/admin/v1/segments/buyers_changing', { id: 'other', name: 'x', rule: 'true' }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('body/id');
      // A rule that now reads the context is no longer stored: its member rows go.
      const contextual = await ok<SegmentChange>('PUT', '/admin/v1/segments/buyers_changing', { name: 'x', rule: 'features.order_count >= 1 and context.locale == "de"' });
      expect(contextual.segment.size).toBeNull();
      expect(await members('buyers_changing')).toEqual([]);
    });

    it('refuses to delete a segment that others read, naming them; deletes and re-creates one cleanly', async () => {
      await ok('POST', '/admin/v1/segments', segment('base_buyers', 'features.order_count >= 1'), 201);
      await ok('POST', '/admin/v1/segments', segment('rich_buyers', 'in_segment("base_buyers") and features.revenue > 1000'), 201);
      const conflict = await problem('DELETE', '/admin/v1/segments/base_buyers', undefined, 409, 'ATTUNE_CONFLICT');
      expect(conflict.segments).toEqual(['rich_buyers']);
      expect((await ok<SegmentView>('GET', '/admin/v1/segments/base_buyers')).analysis.dependents).toEqual(['rich_buyers']);

      await ok('DELETE', '/admin/v1/segments/rich_buyers', undefined, 204);
      const size = (await ok<SegmentView>('GET', '/admin/v1/segments/base_buyers')).size;
      expect(size).toBeGreaterThan(0);
      await ok('DELETE', '/admin/v1/segments/base_buyers', undefined, 204);
      expectProblem(await admin(h, 'GET', '/admin/v1/segments/base_buyers', key), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
      // Profiles still hold the old membership in their state; a new segment of the same id starts afresh.
      clock.advance(minute);
      const again = await ok<SegmentChange>('POST', '/admin/v1/segments', segment('base_buyers', 'features.order_count >= 1'), 201);
      expect(again.segment.size).toBe(size);
      expect(again.evaluation!.entered).toBe(size);
      for (const m of await members('base_buyers')) expect(m.enteredAt).toBe(iso(clock.now()));
    });
  });

  describe('the API', () => {
    it('needs a secret key', async () => {
      expectProblem(await h.app.inject({ method: 'GET', url: '/admin/v1/segments' }), 401, 'ATTUNE_AUTH_MISSING');
      expectProblem(await admin(h, 'GET', '/admin/v1/features', h.a.writeKey), 403, 'ATTUNE_FORBIDDEN');
      // The key is checked before the body: no validation errors for a caller without a key.
      expectProblem(await admin(h, 'POST', '/admin/v1/segments', 'ats_wrong', { nonsense: true }), 401, 'ATTUNE_AUTH_INVALID');
    });

    it('is in the OpenAPI document', async () => {
      const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { tags?: string[]; summary?: string; responses: Record<string, unknown> }>> }>();
      const expected: [string, string][] = [
        ['/admin/v1/features', 'get'], ['/admin/v1/features/{name}', 'put'], ['/admin/v1/features/{name}', 'delete'], ['/admin/v1/features/validate', 'post'],
        ['/admin/v1/segments', 'get'], ['/admin/v1/segments', 'post'], ['/admin/v1/segments/{id}', 'get'], ['/admin/v1/segments/{id}', 'put'],
        ['/admin/v1/segments/{id}', 'delete'], ['/admin/v1/segments/validate', 'post'], ['/admin/v1/segments/{id}/members', 'get'],
      ];
      for (const [path, method] of expected) {
        const operation = doc.paths[path]?.[method];
        expect(operation, `${method} ${path}`).toBeDefined();
        expect(operation!.summary).toBeTruthy();
        expect(operation!.tags?.[0]).toMatch(/^(features|segments)$/);
        expect(Object.keys(operation!.responses)).toEqual(expect.arrayContaining(['400', '401', '404', '409']));
      }
    });
  });
});
