import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import type { ActionView, PlacementView } from '../../src/decide/DecisionAdmin.js';
import type { DecideResponse, DecisionView } from '../../src/api/decideSchemas.js';
import { startHarness, type Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem, storedMessageIds, uniqueId, type JsonPayload, adminCalls, type AdminMethod, type RuleProblemBody, type ProblemBody } from './httpHelpers.js';

// The actions and placements administration API (/admin/v1/actions, /admin/v1/placements),
// outcome counters and decision records, end to end through POST /v1/decide and real
// interaction events, on an injected clock.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const iso = (ms: number) => new Date(ms).toISOString();

interface ActionChange { status: 'created' | 'updated'; action: ActionView }
interface PlacementChange { status: 'created' | 'updated'; placement: PlacementView }
interface RuleProblem extends RuleProblemBody { action?: string; placement?: string }
interface Outcome { actionId: string; placementId: string; impressions: number; clicks: number; dismisses: number; conversions: number; conversionValue: number; clickThroughRate: number | null }
interface RecordedDecision {
  decisionId: string; placementId: string; actionId: string | null; variant: string | null; score: number | null;
  probability: number; fallback: string | null; segments: string[]; reasons: { rule: string | null; segments: string[]; strategy: string }; at: string;
}

describe('actions, placements, outcomes and decision records', () => {
  const clock = fixedClock(t0);
  let h: Harness;

  beforeEach(async () => {
    clock.set(t0);
    h = await startHarness({ clock });
  });
  afterEach(async () => { await h.close(); });

  const { ok, problem: problemOf } = adminCalls(() => h);
  const problem = (method: AdminMethod, url: string, payload: JsonPayload | undefined, status: number, code: string) => problemOf<RuleProblem>(method, url, payload, status, code);
  const placement = (id: string, body: Record<string, unknown> = {}, status?: number) =>
    ok<PlacementChange>('PUT', `/admin/v1/placements/${id}`, { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' }, ...body }, status);
  const action = (id: string, body: Record<string, unknown> = {}, status?: number) =>
    ok<ActionChange>('PUT', `/admin/v1/actions/${id}`, { placements: ['hero'], variants: { default: { title: id } }, ...body }, status);
  const decide = async (body: Record<string, unknown>): Promise<DecideResponse> => {
    // explain is for servers: the secret key (also accepted as the Basic user name).
    const res = await collect(h, '/v1/decide', body, body['explain'] === true ? h.a.secretKey : h.a.writeKey);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<DecideResponse>();
  };
  /** The decisions of the first placement of a call for `userId`. */
  const decisionsFor = async (userId: string, extra: Record<string, unknown> = {}): Promise<DecisionView[]> =>
    (await decide({ userId, placements: ['hero'], ...extra })).placements[0]!.decisions.slice();
  const first = async (userId: string, extra: Record<string, unknown> = {}): Promise<DecisionView> => (await decisionsFor(userId, extra))[0]!;
  const interact = async (userId: string, event: string, decision: { decisionId: string; actionId: string | null }, properties: Record<string, unknown> = {}) => {
    expectCollected(await collect(h, '/v1/track', {
      userId, event, properties: { decisionId: decision.decisionId, actionId: decision.actionId, placement: 'hero', channel: 'web', ...properties },
    }, h.a.writeKey));
  };

  describe('definitions', () => {
    it('creates with PUT (201), replaces with the next PUT (200), and reads back', async () => {
      const created = await placement('hero', {}, 201);
      expect(created).toEqual({
        status: 'created',
        placement: { id: 'hero', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' }, actions: [] },
      });
      expect((await placement('hero', { id: 'hero', count: 2, name: 'Home hero' }, 200)).placement).toMatchObject({ id: 'hero', count: 2, name: 'Home hero' });

      const sale = await action('sale', { priority: 10, value: 25, rule: 'profile.traits.plan == "pro"', caps: { perProfile: [{ max: 3, window: '24h' }] } }, 201);
      expect(sale.status).toBe('created');
      expect(sale.action).toEqual({
        id: 'sale', placements: ['hero'], priority: 10, value: 25, rule: 'profile.traits.plan == "pro"',
        caps: { perProfile: [{ max: 3, window: '24h' }] }, variants: { default: { title: 'sale' } }, enabled: true, problems: [],
      });
      // A replacement is the whole definition: what it leaves out is gone (defaults come back).
      const replaced = await action('sale', { id: 'sale', name: 'Spring sale', variants: { default: { title: 'Sale' }, de: { title: 'Aktion' } } }, 200);
      expect(replaced).toEqual({
        status: 'updated',
        action: { id: 'sale', name: 'Spring sale', placements: ['hero'], priority: 0, value: 0, variants: { default: { title: 'Sale' }, de: { title: 'Aktion' } }, enabled: true, problems: [] },
      });
      await action('new-in', {}, 201);
      expect(await ok<ActionView>('GET', '/admin/v1/actions/sale')).toEqual(replaced.action);
      expect((await ok<ActionView[]>('GET', '/admin/v1/actions')).map((a) => a.id)).toEqual(['new-in', 'sale']);
      expect(await ok<PlacementView>('GET', '/admin/v1/placements/hero')).toMatchObject({ count: 2, actions: ['new-in', 'sale'] });
      expect((await ok<PlacementView[]>('GET', '/admin/v1/placements')).map((p) => [p.id, p.actions])).toEqual([['hero', ['new-in', 'sale']]]);
    });

    it('refuses a body id that differs from the path, and saves nothing', async () => {
      expect((await problem('PUT', '/admin/v1/placements/hero', { id: 'other', channel: 'web', strategy: { kind: 'priority' } }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('body/id');
      await problem('GET', '/admin/v1/placements/hero', undefined, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
      await placement('hero');
      expect((await problem('PUT', '/admin/v1/actions/sale', { id: 'sales', placements: ['hero'], variants: { default: {} } }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('body/id');
      await problem('GET', '/admin/v1/actions/sale', undefined, 404, 'ATTUNE_ACTION_NOT_FOUND');
      await problem('GET', '/admin/v1/actions/sales', undefined, 404, 'ATTUNE_ACTION_NOT_FOUND');
    });

    it('names the member a PUT body is missing', async () => {
      expect((await problem('PUT', '/admin/v1/actions/sale', { variants: { default: {} } }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('body/placements');
      expect((await problem('PUT', '/admin/v1/actions/sale', { placements: ['hero'] }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('body/variants');
      expect((await problem('PUT', '/admin/v1/placements/hero', { strategy: { kind: 'priority' } }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('body/channel');
      expect((await problem('PUT', '/admin/v1/placements/hero', { channel: 'web' }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('body/strategy');
      // And what a schema refuses, it names too.
      expect((await problem('PUT', '/admin/v1/actions/sale', { placements: [], variants: { default: {} } }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('body/placements');
      expect(await ok<ActionView[]>('GET', '/admin/v1/actions')).toEqual([]);
      expect(await ok<PlacementView[]>('GET', '/admin/v1/placements')).toEqual([]);
    });

    // The id in the path must be one that actions and decide calls can name.
    it('refuses a path id that is not a valid action or placement id', async () => {
      for (const url of ['/admin/v1/placements/Hero%20Banner', `/admin/v1/placements/${'p'.repeat(101)}`]) {
        expect((await problem('PUT', url, { channel: 'web', strategy: { kind: 'priority' } }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('params/id');
      }
      expect((await problem('PUT', '/admin/v1/actions/Sale!', { placements: ['hero'], variants: { default: {} } }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('params/id');
      expect(await ok<PlacementView[]>('GET', '/admin/v1/placements')).toEqual([]);
      expect(await ok<ActionView[]>('GET', '/admin/v1/actions')).toEqual([]);
    });

    it('refuses a rule that does not compile, with its line, column and caret', async () => {
      await placement('hero');
      const syntax = await problem('PUT', '/admin/v1/actions/sale', { placements: ['hero'], variants: { default: {} }, rule: 'profile.traits.plan ==' }, 400, 'ATTUNE_RULE_INVALID');
      expect(syntax).toMatchObject({ field: '/rule', action: 'sale', line: 1 });
      expect(syntax.column).toBeGreaterThan(1);
      expect(syntax.caret).toContain('^');
      const unknown = await problem('PUT', '/admin/v1/actions/sale', { placements: ['hero'], variants: { default: {} }, rule: 'profile.traits.plan == "pro"\n  and features.nope >= 1' }, 400, 'ATTUNE_RULE_INVALID');
      expect(unknown).toMatchObject({ field: '/rule', line: 2 });
      expect(unknown.caret).toContain('features.nope');
      await problem('GET', '/admin/v1/actions/sale', undefined, 404, 'ATTUNE_ACTION_NOT_FOUND');
    });

    it('refuses caps beyond 90 days at /caps, and a schedule that ends before it starts at /schedule', async () => {
      await placement('hero');
      const base = { placements: ['hero'], variants: { default: {} } };
      for (const caps of [{ perProfile: [{ max: 1, window: '91d' }] }, { perPlacement: [{ max: 1, window: '13w' }] }, { dismissCooldown: '2161h' }, { clickCooldown: '2161h' }]) {
        const fault = await problem('PUT', '/admin/v1/actions/sale', { ...base, caps }, 400, 'ATTUNE_ACTION_INVALID');
        expect(fault.field, JSON.stringify(caps)).toBe('/caps');
        expect(fault.detail).toMatch(/is not a duration of at most 90d/);
      }
      await action('sale', { caps: { perProfile: [{ max: 1, window: '90d' }], dismissCooldown: '2160h', clickCooldown: '12w' } }, 201);

      for (const schedule of [{ start: '2026-03-10T00:00:00Z', end: '2026-03-01T00:00:00Z' }, { start: '2026-03-10T00:00:00Z', end: '2026-03-10T00:00:00Z' }]) {
        const fault = await problem('PUT', '/admin/v1/actions/later', { ...base, schedule }, 400, 'ATTUNE_ACTION_INVALID');
        expect(fault.field).toBe('/schedule');
      }
      await problem('GET', '/admin/v1/actions/later', undefined, 404, 'ATTUNE_ACTION_NOT_FOUND');
      await action('later', { schedule: { start: '2026-03-01T00:00:00Z', end: '2026-03-10T00:00:00Z' } }, 201);
    });

    it('refuses an action naming a placement that does not exist, with the field and the nearest placement', async () => {
      await placement('home-hero');
      await placement('footer');
      const typo = await problemOf<ProblemBody & { suggestion?: string }>('PUT', '/admin/v1/actions/sale', { placements: ['home-hero', 'homehero'], variants: { default: { title: 'Sale' } } }, 400, 'ATTUNE_ACTION_INVALID');
      expect(typo).toMatchObject({ field: '/placements/1', suggestion: 'home-hero' });
      expect(typo.detail).toBe('placement "homehero" does not exist (did you mean "home-hero"?). To name a placement you will create later, send the action with ?allowUnknownPlacements=true');
      // Each unknown placement is named by its index; one far from every id gets no hint.
      const two = await problem('PUT', '/admin/v1/actions/sale', { placements: ['fotter', 'checkout-banner'], variants: { default: {} } }, 400, 'ATTUNE_ACTION_INVALID');
      expect(two.errors).toEqual([
        { code: 'ATTUNE_ACTION_INVALID', field: '/placements/0', message: 'placement "fotter" does not exist (did you mean "footer"?)' },
        { code: 'ATTUNE_ACTION_INVALID', field: '/placements/1', message: 'placement "checkout-banner" does not exist' },
      ]);
      expect(two.detail).toMatch(/^placement "fotter" does not exist \(did you mean "footer"\?\), and 1 more unknown placement\. /);
      // validate answers as PUT would; nothing was saved.
      expect((await problem('POST', '/admin/v1/actions/validate', { id: 'sale', placements: ['homehero'], variants: { default: {} } }, 400, 'ATTUNE_ACTION_INVALID')).field).toBe('/placements/0');
      await problem('GET', '/admin/v1/actions/sale', undefined, 404, 'ATTUNE_ACTION_NOT_FOUND');
      // The opt-in is documented with the route.
      const openapi = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { parameters?: { name: string; in: string; description?: string }[] }>> }>();
      for (const [path, method] of [['/admin/v1/actions/{id}', 'put'], ['/admin/v1/actions/validate', 'post']] as const) {
        expect(openapi.paths[path]?.[method]?.parameters).toContainEqual(expect.objectContaining({ name: 'allowUnknownPlacements', in: 'query', description: expect.stringContaining('did you mean') }));
      }
      // A value other than a boolean for the opt-in is a bad request, not a silent no.
      expect((await problem('PUT', '/admin/v1/actions/sale?allowUnknownPlacements=later', { placements: ['homehero'], variants: { default: {} } }, 400, 'ATTUNE_INVALID_REQUEST')).field).toBe('querystring/allowUnknownPlacements');
    });

    it('saves an action naming a placement that does not exist yet when asked to, with the problem, until it does', async () => {
      await problem('PUT', '/admin/v1/actions/early', { placements: ['not-yet'], variants: { default: { title: 'early' } } }, 400, 'ATTUNE_ACTION_INVALID');
      const saved = await ok<ActionChange>('PUT', '/admin/v1/actions/early?allowUnknownPlacements=true', { placements: ['not-yet'], variants: { default: { title: 'early' } } }, 201);
      expect(saved.action.problems).toEqual(['none of its placements exists (not-yet)']);
      expect((await ok<ActionView[]>('GET', '/admin/v1/actions'))[0]?.problems).toEqual(['none of its placements exists (not-yet)']);
      await placement('not-yet');
      expect((await ok<ActionView>('GET', '/admin/v1/actions/early')).problems).toEqual([]);
      expect((await decide({ anonymousId: 'v1', placements: ['not-yet'] })).placements[0]?.decisions[0]?.actionId).toBe('early');
    });

    it('lists a problem on an action whose feature was deleted, and decides around it', async () => {
      await ok('PUT', '/admin/v1/features/visits', { aggregate: 'count', events: ['Visit'] }, 201);
      await placement('hero');
      await placement('ranked', { strategy: { kind: 'expectedValue', propensity: { rule: 'features.visits / 10' } }, defaultContent: { title: 'Ranked default' } });
      await action('loyal', { placements: ['hero', 'ranked'], priority: 10, value: 5, rule: 'features.visits >= 0' });
      await action('basic', { priority: 1 });
      expect((await first('u1')).actionId).toBe('loyal');

      expect((await admin(h, 'DELETE', '/admin/v1/features/visits', h.a.secretKey)).statusCode).toBe(200);
      const loyal = await ok<ActionView>('GET', '/admin/v1/actions/loyal');
      expect(loyal.problems).toHaveLength(1);
      expect(loyal.problems[0]).toMatch(/^rule does not compile: .*visits/s);
      expect((await ok<ActionView>('GET', '/admin/v1/actions/basic')).problems).toEqual([]);

      // Skipped with the reason, the other action is chosen.
      const explained = await first('u1', { explain: true });
      expect(explained.actionId).toBe('basic');
      expect(explained.reasons.skipped).toContainEqual({ actionId: 'loyal', step: 'eligibility', reason: 'invalid', detail: loyal.problems[0] });
      // With no other action, the default content; never a 500.
      await ok('DELETE', '/admin/v1/actions/basic', undefined, 204);
      const answer = await decide({ userId: 'u1', placements: ['hero', 'ranked'] });
      expect(answer.placements[0]).toMatchObject({ fallback: 'no_eligible_action', decisions: [{ actionId: null, content: { title: 'Welcome' } }] });
      // The placement whose propensity rule read the feature answers with its default content.
      expect(answer.placements[1]).toMatchObject({ fallback: 'placement_invalid', decisions: [{ actionId: null, content: { title: 'Ranked default' } }] });
    });

    it('refuses an expectedValue placement whose propensity rule does not compile', async () => {
      const fault = await problem('PUT', '/admin/v1/placements/ranked', { channel: 'web', strategy: { kind: 'expectedValue', propensity: { rule: 'features.nope * 2' } } }, 400, 'ATTUNE_RULE_INVALID');
      expect(fault).toMatchObject({ field: '/strategy/propensity/rule', placement: 'ranked', line: 1 });
      expect(fault.caret).toContain('^');
      await problem('GET', '/admin/v1/placements/ranked', undefined, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
      await placement('ranked', { strategy: { kind: 'expectedValue', propensity: { rule: 'features.order_count / 10' } } }, 201);
      await placement('fixed', { strategy: { kind: 'expectedValue', propensity: { constant: 0.2 } } }, 201);
    });

    it('answers 404 for an unknown action or placement, and deletes with 204 then 404', async () => {
      expect((await problem('GET', '/admin/v1/actions/nope', undefined, 404, 'ATTUNE_ACTION_NOT_FOUND')).detail).toContain('nope');
      expect((await problem('GET', '/admin/v1/placements/nope', undefined, 404, 'ATTUNE_PLACEMENT_NOT_FOUND')).detail).toContain('nope');
      await problem('DELETE', '/admin/v1/actions/nope', undefined, 404, 'ATTUNE_ACTION_NOT_FOUND');
      await problem('DELETE', '/admin/v1/placements/nope', undefined, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');

      await placement('hero');
      await action('sale');
      const deleted = await admin(h, 'DELETE', '/admin/v1/actions/sale', h.a.secretKey);
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      await problem('GET', '/admin/v1/actions/sale', undefined, 404, 'ATTUNE_ACTION_NOT_FOUND');
      await problem('DELETE', '/admin/v1/actions/sale', undefined, 404, 'ATTUNE_ACTION_NOT_FOUND');
      expect((await ok<PlacementView>('GET', '/admin/v1/placements/hero')).actions).toEqual([]);

      // A deleted placement's actions stay, and show the problem; deciding it is a 404.
      await action('stays');
      await ok('DELETE', '/admin/v1/placements/hero', undefined, 204);
      await problem('GET', '/admin/v1/placements/hero', undefined, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
      await problem('DELETE', '/admin/v1/placements/hero', undefined, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
      expect((await ok<ActionView>('GET', '/admin/v1/actions/stays')).problems).toEqual(['none of its placements exists (hero)']);
      expectProblem(await collect(h, '/v1/decide', { anonymousId: 'v', placements: ['hero'] }, h.a.writeKey), 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
    });

    it('validates an action without saving it', async () => {
      await placement('hero');
      const definition = { id: 'sale', placements: ['hero'], variants: { default: { title: 'Sale' } } };
      expect(await ok('POST', '/admin/v1/actions/validate', definition)).toEqual({ valid: true, problems: [] });
      expect(await ok('POST', '/admin/v1/actions/validate?allowUnknownPlacements=true', { ...definition, placements: ['hero', 'later'] })).toEqual({ valid: true, problems: ['placement "later" does not exist (yet)'] });
      const rule = await problem('POST', '/admin/v1/actions/validate', { ...definition, rule: 'features.nope > 1' }, 400, 'ATTUNE_RULE_INVALID');
      expect(rule).toMatchObject({ field: '/rule', action: 'sale', line: 1 });
      expect((await problem('POST', '/admin/v1/actions/validate', { ...definition, caps: { dismissCooldown: '91d' } }, 400, 'ATTUNE_ACTION_INVALID')).field).toBe('/caps');
      expect((await problem('POST', '/admin/v1/actions/validate', { ...definition, schedule: { start: '2026-03-02T00:00:00Z', end: '2026-03-01T00:00:00Z' } }, 400, 'ATTUNE_ACTION_INVALID')).field).toBe('/schedule');
      // The whole definition is required here (no path to take the id from).
      expect((await problem('POST', '/admin/v1/actions/validate', { placements: ['hero'], variants: { default: {} } }, 400, 'ATTUNE_INVALID_REQUEST')).detail).toMatch(/required property 'id'/);
      expect(await ok<ActionView[]>('GET', '/admin/v1/actions')).toEqual([]);
      // Validating an existing id changes nothing.
      await action('sale', { priority: 3 });
      await ok('POST', '/admin/v1/actions/validate', { ...definition, priority: 9 });
      expect((await ok<ActionView>('GET', '/admin/v1/actions/sale')).priority).toBe(3);
    });
  });

  describe('deciding, interactions and records', () => {
    beforeEach(async () => {
      await placement('hero');
    });

    it('counts impressions, clicks, dismisses and conversions (with value) from interaction events', async () => {
      await action('sale', { priority: 10 });
      const d = await first('u1');
      expect(d.actionId).toBe('sale');
      expect(await ok('GET', '/admin/v1/outcomes')).toEqual([]);
      for (let i = 0; i < 3; i++) await interact('u1', 'Decision Viewed', d);
      await interact('u1', 'Decision Clicked', d);
      await interact('u1', 'Decision Dismissed', d);
      await interact('u1', 'Decision Converted', d, { value: 30 });
      await interact('u1', 'Decision Converted', d, { revenue: 12.5 });
      // Not interactions: no decisionId, another event name, a page call of that name.
      expectCollected(await collect(h, '/v1/track', { userId: 'u1', event: 'Decision Viewed', properties: { actionId: 'sale', placement: 'hero' } }, h.a.writeKey));
      expectCollected(await collect(h, '/v1/track', { userId: 'u1', event: 'Decision Shown', properties: { decisionId: d.decisionId, actionId: 'sale', placement: 'hero' } }, h.a.writeKey));
      expectCollected(await collect(h, '/v1/page', { userId: 'u1', name: 'Decision Viewed', properties: { decisionId: d.decisionId, actionId: 'sale', placement: 'hero' } }, h.a.writeKey));
      // A resent event (same messageId) counts once.
      const resent = { userId: 'u1', event: 'Decision Clicked', messageId: uniqueId('resent'), properties: { decisionId: 'd_other', actionId: 'sale', placement: 'sidebar' } };
      expect(expectCollected(await collect(h, '/v1/track', resent, h.a.writeKey)).accepted).toBe(1);
      expect(expectCollected(await collect(h, '/v1/track', resent, h.a.writeKey)).duplicates).toBe(1);
      // Another placement is its own row.
      await interact('u1', 'Decision Viewed', d, { placement: 'sidebar' });

      expect(await ok<Outcome[]>('GET', '/admin/v1/outcomes')).toEqual([
        { actionId: 'sale', placementId: 'hero', impressions: 3, clicks: 1, dismisses: 1, conversions: 2, conversionValue: 42.5, clickThroughRate: 1 / 3 },
        { actionId: 'sale', placementId: 'sidebar', impressions: 1, clicks: 1, dismisses: 0, conversions: 0, conversionValue: 0, clickThroughRate: 1 },
      ]);
      // A click without an impression: no rate to divide by.
      await interact('u2', 'Decision Clicked', { decisionId: 'd_x', actionId: 'other' });
      expect((await ok<Outcome[]>('GET', '/admin/v1/outcomes')).find((o) => o.actionId === 'other')).toMatchObject({ impressions: 0, clicks: 1, clickThroughRate: null });
    });

    it('records each decision with the segments the profile was in and its probability', async () => {
      await ok('POST', '/admin/v1/segments', { id: 'pros', name: 'Pros', rule: 'profile.traits.plan == "pro"' }, 201);
      await ok('POST', '/admin/v1/segments', { id: 'everyone', name: 'Everyone', rule: 'true' }, 201);
      await action('sale', { priority: 10, rule: 'in_segment("pros")' });
      await action('new-in', { priority: 1 });
      const firstCall = await decide({ userId: 'u1', placements: ['hero'], events: [{ type: 'identify', traits: { plan: 'pro' } }] });
      const d1 = firstCall.placements[0]!.decisions[0]!;
      expect(d1).toMatchObject({ actionId: 'sale', probability: 1, reasons: { rule: 'in_segment("pros")', segments: ['pros'] } });
      clock.advance(minute);
      const d2 = await first('u1', { events: [{ type: 'identify', traits: { plan: 'free' } }] });
      expect(d2.actionId).toBe('new-in');

      // Records are written with the next group commit.
      await h.decisions.flushRecords();
      const records = await ok<RecordedDecision[]>('GET', '/admin/v1/profiles/u1/decisions');
      expect(records).toEqual([
        {
          decisionId: d2.decisionId, placementId: 'hero', actionId: 'new-in', variant: 'default', score: 1, probability: 1, fallback: null,
          segments: ['everyone'], reasons: expect.objectContaining({ rule: null, strategy: 'priority' }), at: iso(t0 + minute),
        },
        {
          decisionId: d1.decisionId, placementId: 'hero', actionId: 'sale', variant: 'default', score: 10, probability: 1, fallback: null,
          segments: expect.arrayContaining(['pros', 'everyone']), reasons: expect.objectContaining({ rule: 'in_segment("pros")', segments: ['pros'] }), at: iso(t0),
        },
      ]);
      expect(records[1]!.segments).toHaveLength(2);
      // By profile id too, newest first, limited.
      const byId = await ok<RecordedDecision[]>('GET', `/admin/v1/profiles/${firstCall.profileId!}/decisions?limit=1`);
      expect(byId.map((r) => r.decisionId)).toEqual([d2.decisionId]);
      // The default content is recorded too, with its fallback.
      await ok('DELETE', '/admin/v1/actions/new-in', undefined, 204);
      const d3 = await first('u1');
      await h.decisions.flushRecords();
      expect((await ok<RecordedDecision[]>('GET', '/admin/v1/profiles/u1/decisions?limit=1'))[0]).toMatchObject({ decisionId: d3.decisionId, actionId: null, variant: null, score: null, probability: 1, fallback: 'no_eligible_action' });
      expect((await problem('GET', '/admin/v1/profiles/u1/decisions?limit=0', undefined, 400, 'ATTUNE_INVALID_REQUEST')).field).toMatch(/^querystring/);
      await problem('GET', '/admin/v1/profiles/nobody/decisions', undefined, 404, 'ATTUNE_PROFILE_NOT_FOUND');
    });

    // A visitor's decisions stay in the history once the visitor is merged into a known user.
    it('lists the decisions of profiles merged into the profile', async () => {
      await action('sale');
      const anonymous = (await decide({ anonymousId: 'anon-1', placements: ['hero'], events: [{ type: 'page', name: 'Home' }] })).placements[0]!.decisions[0]!;
      const known = await first('u1', { events: [{ type: 'identify', traits: { plan: 'pro' } }] });
      clock.advance(minute);
      expectCollected(await collect(h, '/v1/identify', { userId: 'u1', anonymousId: 'anon-1' }, h.a.writeKey));
      await h.decisions.flushRecords();
      const profile = await ok<{ id: string; mergedProfileIds: string[] }>('GET', '/admin/v1/profiles/u1');
      expect(profile.mergedProfileIds).toHaveLength(1);
      for (const id of ['u1', 'anon-1', profile.id]) {
        const records = await ok<RecordedDecision[]>('GET', `/admin/v1/profiles/${id}/decisions`);
        expect(records.map((r) => r.decisionId).sort()).toEqual([anonymous.decisionId, known.decisionId].sort());
      }
    });

    it('records the probabilities of a weighted placement, which follow the weights and sum to 1', async () => {
      await placement('grid', { count: 3, strategy: { kind: 'weighted' } });
      await placement('slot', { strategy: { kind: 'weighted', weightFrom: 'value' } });
      const weights: Record<string, number> = { w1: 1, w2: 2, w3: 3 };
      for (const [id, w] of Object.entries(weights)) await action(id, { placements: ['grid', 'slot'], priority: w, value: w });

      // Without replacement: each pick's probability is its weight over the weights left.
      const grid = (await decide({ userId: 'u1', placements: ['grid'], events: [{ type: 'identify' }] })).placements[0]!.decisions;
      expect(grid.map((d) => d.actionId).sort()).toEqual(['w1', 'w2', 'w3']);
      let left = 6;
      for (const d of grid) {
        const w = weights[d.actionId!]!;
        expect(d.score).toBe(w);
        expect(d.probability).toBeCloseTo(w / left, 12);
        left -= w;
      }
      expect(grid[2]!.probability).toBe(1);

      // One pick: across many calls, each action comes with probability weight / 6.
      const seen = new Map<string, number>();
      for (let i = 0; i < 80; i++) {
        const [d] = (await decide({ userId: 'u1', placements: ['slot'] })).placements[0]!.decisions;
        seen.set(d!.actionId!, d!.probability);
      }
      expect([...seen.keys()].sort()).toEqual(['w1', 'w2', 'w3']);
      for (const [id, p] of seen) expect(p).toBeCloseTo(weights[id]! / 6, 12);
      expect([...seen.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);

      await h.decisions.flushRecords();
      const records = await ok<RecordedDecision[]>('GET', '/admin/v1/profiles/u1/decisions?limit=1000');
      expect(records).toHaveLength(83);
      for (const r of records) {
        if (r.placementId === 'slot') expect(r.probability).toBeCloseTo(weights[r.actionId!]! / 6, 12);
      }
      const gridRecords = records.filter((r) => r.placementId === 'grid');
      expect(gridRecords.map((r) => [r.actionId, r.probability]).sort()).toEqual(grid.map((d) => [d.actionId, d.probability]).sort());
      expect(gridRecords.every((r) => r.reasons.strategy === 'weighted')).toBe(true);
    });

    it('refuses a thompson placement with settings out of range, at the field, and saves nothing', async () => {
      for (const [strategy, field] of [
        [{ kind: 'thompson', minExplorationShare: 0.6 }, 'body/strategy'],
        [{ kind: 'thompson', refreshSeconds: 0 }, 'body/strategy'],
        [{ kind: 'thompson', reward: 'profit' }, 'body/strategy'],
      ] as const) {
        const refused = await problem('PUT', '/admin/v1/placements/bandit', { channel: 'web', strategy, defaultContent: null }, 400, 'ATTUNE_INVALID_REQUEST');
        expect(refused.field, JSON.stringify(strategy)).toBe(field);
      }
      await problem('GET', '/admin/v1/placements/bandit', undefined, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
      expect((await placement('bandit', { strategy: { kind: 'thompson', minExplorationShare: 0.5 } }, 201)).placement.id).toBe('bandit');
    });

    it('shifts a thompson placement towards the action that earns clicks, recording each choice\'s exact share', async () => {
      await placement('bandit', { strategy: { kind: 'thompson', minExplorationShare: 0.02, refreshSeconds: 10 } });
      for (const id of ['plain', 'bold']) await action(id, { placements: ['bandit'] });
      const pick = async (userId: string) => (await decide({ userId, placements: ['bandit'] })).placements[0]!.decisions[0]!;
      // No outcomes yet: two uniform posteriors, an even split.
      const before = await pick('u1');
      expect(before.probability).toBeCloseTo(0.5, 9);
      expect(before.reasons.strategy).toBe('thompson');
      for (let i = 0; i < 60; i++) {
        for (const actionId of ['plain', 'bold']) {
          const shown = { decisionId: `d_${actionId}_${i}`, actionId };
          await interact(`v${i}`, 'Decision Viewed', shown, { placement: 'bandit' });
          if ((actionId === 'bold' && i % 3 === 0) || (actionId === 'plain' && i % 20 === 0)) await interact(`v${i}`, 'Decision Clicked', shown, { placement: 'bandit' });
        }
      }
      // Within the refresh interval the allocation in force still holds.
      expect((await pick('u2')).probability).toBeCloseTo(0.5, 9);
      clock.advance(10_000);
      // The first call after the interval starts the refresh and is served by the old allocation.
      await pick('u3');
      const shares = new Map<string, number>();
      for (let i = 0; i < 40 && shares.size < 2; i++) {
        const d = await pick(`v${i}`);
        if (d.probability !== 0.5) shares.set(d.actionId!, d.probability);
      }
      // bold: 20 clicks in 60 views, plain: 3 in 60; P(bold best) is above 0.9999.
      expect(shares.get('bold')).toBeGreaterThan(0.979);
      expect(shares.get('plain') ?? 0.02).toBeCloseTo(0.02, 3);
      await h.decisions.flushRecords();
      const records = await ok<RecordedDecision[]>('GET', '/admin/v1/profiles/v0/decisions');
      expect(records[0]!.probability).toBeCloseTo(shares.get(records[0]!.actionId!)!, 12);

      // Clicks on recorded decisions: each arm's rate beside its weighted (IPW) estimate.
      const made: DecisionView[] = [];
      for (let i = 0; i < 30; i++) made.push(await pick(`v${i}`));
      let expectedBold = 0;
      let newClicks = 0;
      for (const [i, d] of made.entries()) {
        if (d.actionId === 'bold' && i % 2 === 0) {
          await interact(`v${i}`, 'Decision Clicked', d, { placement: 'bandit' });
          expectedBold += 1 / d.probability;
          newClicks += 1;
        }
      }
      await h.decisions.flushRecords();
      interface Arms { decisions: number; caveat: string; arms: { actionId: string; naiveRate: number | null; decisions: number; ipwRate: number | null; ipwInterval: [number, number] | null }[] }
      const arms = await ok<Arms>('GET', '/admin/v1/placements/bandit/arms');
      expect(arms.caveat).toMatch(/naive rate carries the luck/);
      expect(arms.arms.map((a) => a.actionId)).toEqual(['bold', 'plain']);
      const bold = arms.arms.find((a) => a.actionId === 'bold')!;
      expect(bold.ipwRate).toBeCloseTo(expectedBold / arms.decisions, 12);
      // The counters count every click, those on seeded impressions too; the weighted rate only the recorded decisions'.
      expect(bold.naiveRate).toBeCloseTo((20 + newClicks) / 60, 12);
      expect(bold.ipwInterval![0]).toBeLessThan(bold.ipwRate!);
      await problem('GET', '/admin/v1/placements/nowhere/arms', undefined, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
    });

    it('shifts a revenue bandit towards the action that earns more per impression, and reports its estimates and Monte Carlo precision', async () => {
      await placement('shop', { strategy: { kind: 'thompson', reward: 'revenue', minExplorationShare: 0.02, refreshSeconds: 10 } });
      for (const id of ['cheap', 'premium']) await action(id, { placements: ['shop'] });
      const pick = async (userId: string) => (await decide({ userId, placements: ['shop'] })).placements[0]!.decisions[0]!;
      // cheap converts more often (12 in 60) for 10 each: 2 per impression; premium 6 in 60 for 45 to 53⅓ (295 in
      // all, sent as string revenue, Segment's e-commerce name): about 4.9 per impression.
      for (let i = 0; i < 60; i++) {
        for (const actionId of ['cheap', 'premium']) {
          const shown = { decisionId: `d_${actionId}_${i}`, actionId };
          await interact(`s${i}`, 'Decision Viewed', shown, { placement: 'shop' });
          if (actionId === 'cheap' && i % 5 === 0) await interact(`s${i}`, 'Decision Converted', shown, { placement: 'shop', value: 10 });
          if (actionId === 'premium' && i % 10 === 0) await interact(`s${i}`, 'Decision Converted', shown, { placement: 'shop', revenue: String(45 + i / 6) });
        }
      }
      clock.advance(10_000);
      await pick('s-refresh');
      const shares = new Map<string, number>();
      for (let i = 0; i < 60 && shares.size < 2; i++) {
        const d = await pick(`s${i}`);
        shares.set(d.actionId!, d.probability);
      }
      expect(shares.get('premium')).toBeGreaterThan(0.9);
      expect(shares.get('cheap') ?? 0.02).toBeGreaterThanOrEqual(0.02);

      // Conversions of recorded decisions, each weighted by 1 / its recorded probability.
      const made: DecisionView[] = [];
      for (let i = 0; i < 20; i++) made.push(await pick(`s${i}`));
      let expectedPremium = 0;
      let converted = 0;
      for (const [i, d] of made.entries()) {
        if (d.actionId === 'premium' && i % 4 === 0) {
          await interact(`s${i}`, 'Decision Converted', d, { placement: 'shop', value: 60 });
          expectedPremium += 60 / d.probability;
          converted += 1;
        }
      }
      expect(converted).toBeGreaterThan(0);
      await h.decisions.flushRecords();
      interface Revenue { conversions: number; revenue: number; naiveRevenuePerImpression: number | null; ipwRevenuePerDecision: number | null; ipwInterval: [number, number] | null }
      interface Arms {
        decisions: number; caveat: string;
        allocation: { reward: string; probabilities: string; monteCarlo: { draws: number; standardError: number } | null; computedAt: string } | null;
        arms: { actionId: string; revenue: Revenue; share: number | null; bestProbability: number | null; posterior: { mean: number; meanValue: { location: number; scale: number; degreesOfFreedom: number }; conversionRate: { alpha: number; beta: number } } | null }[];
      }
      const arms = await ok<Arms>('GET', '/admin/v1/placements/shop/arms');
      expect(arms.caveat).toMatch(/naive rate carries the luck that made it look good, and so does the naive revenue per impression/);
      expect(arms.allocation).toMatchObject({ reward: 'revenue', probabilities: 'monteCarlo', monteCarlo: { draws: 10_000 } });
      expect(arms.allocation!.monteCarlo!.standardError).toBeLessThanOrEqual(0.005);
      const premium = arms.arms.find((a) => a.actionId === 'premium')!;
      const cheap = arms.arms.find((a) => a.actionId === 'cheap')!;
      expect(cheap.revenue).toMatchObject({ conversions: 12, revenue: 120, naiveRevenuePerImpression: 2 });
      expect(premium.revenue.conversions).toBe(6 + converted);
      expect(premium.revenue.revenue).toBeCloseTo(295 + 60 * converted, 9);
      expect(premium.revenue.ipwRevenuePerDecision).toBeCloseTo(expectedPremium / arms.decisions, 9);
      expect(premium.share).toBeGreaterThan(0.9);
      expect(premium.bestProbability).toBeGreaterThan(cheap.bestProbability!);
      expect(premium.posterior!.mean).toBeGreaterThan(cheap.posterior!.mean);
      // cheap: 12 conversions of 10 each, pooled with premium's values: a Student-t of 2·(1 + 12/2) = 14 degrees of freedom.
      expect(cheap.posterior!.meanValue.degreesOfFreedom).toBe(14);
      expect(cheap.posterior!.conversionRate).toEqual({ alpha: 13, beta: 49 });
    });

    it('stores the good events of a call, reports the bad one by index, and still decides', async () => {
      await action('sale');
      const [m1, m2, m3] = [uniqueId('m'), uniqueId('m'), uniqueId('m')];
      const answer = await decide({
        userId: 'u1', placements: ['hero'],
        events: [
          { type: 'track', event: 'Product Viewed', messageId: m1 },
          { type: 'track', messageId: m2 },
          { type: 'identify', traits: { plan: 'pro' }, messageId: m3 },
        ],
      });
      expect(answer.events?.accepted).toBe(2);
      expect(answer.events?.duplicates).toBe(0);
      expect(answer.events?.rejected).toHaveLength(1);
      expect(answer.events?.rejected[0]).toMatchObject({ index: 1, code: 'ATTUNE_EVENT_INVALID' });
      expect(answer.profileId).toMatch(/^p_/);
      expect(answer.placements[0]?.decisions[0]?.actionId).toBe('sale');
      const stored = await storedMessageIds(h, h.a.secretKey);
      expect(stored).toEqual(expect.arrayContaining([m1, m3]));
      expect(stored).not.toContain(m2);
      // A call whose only event is bad still decides.
      const bad = await decide({ anonymousId: 'v1', placements: ['hero'], events: ['not an event'] });
      expect(bad.events).toMatchObject({ accepted: 0, rejected: [{ index: 0 }] });
      expect(bad.placements[0]?.decisions[0]?.actionId).toBe('sale');
    });

    it('lists every skipped action and why with explain: true', async () => {
      await placement('side');
      await action('winner', { placements: ['hero', 'side'], priority: 10 });
      await action('runner', { priority: 5 });
      await action('disabled', { priority: 20, enabled: false });
      await action('future', { priority: 20, schedule: { start: iso(t0 + day) } });
      await action('past', { priority: 20, schedule: { end: iso(t0 - day) } });
      await action('german', { priority: 20, variants: { de: { title: 'Nur Deutsch' } } });
      await action('pros', { priority: 20, rule: 'profile.traits.plan == "pro"' });
      await action('emailed', { priority: 20, channel: 'email' });

      const answer = await decide({ userId: 'u1', placements: ['hero', 'side'], explain: true });
      const [hero, side] = answer.placements;
      expect(hero!.decisions.map((d) => d.actionId)).toEqual(['winner']);
      expect(hero!.decisions[0]!.reasons.skipped).toEqual([
        { actionId: 'disabled', step: 'eligibility', reason: 'disabled' },
        { actionId: 'future', step: 'eligibility', reason: 'not_started' },
        { actionId: 'german', step: 'eligibility', reason: 'no_variant', detail: 'no variant for default' },
        { actionId: 'past', step: 'eligibility', reason: 'ended' },
        { actionId: 'pros', step: 'eligibility', reason: 'rule_false' },
        { actionId: 'runner', step: 'arbitrate', reason: 'not_chosen' },
      ]);
      // ('emailed' is for email placements only: it is no action of this web placement at all.)
      // One action, one place per page: the second placement sets the winner aside.
      expect(side!).toMatchObject({ fallback: 'no_eligible_action', decisions: [{ actionId: null }] });
      expect(side!.decisions[0]!.reasons.skipped).toEqual([{ actionId: 'winner', step: 'arbitrate', reason: 'chosen_elsewhere' }]);
      // A German visitor gets the German action, which outranks the winner.
      expect((await first('u1', { context: { locale: 'de-CH' }, explain: true })).actionId).toBe('german');
      // Without explain, no list.
      expect((await first('u1')).reasons.skipped).toBeUndefined();
    });

    it('keeps a dismissed action away for its dismissCooldown and a clicked one for its clickCooldown', async () => {
      await action('promo', { priority: 10, caps: { dismissCooldown: '1h' } });
      await action('offer', { priority: 5, caps: { clickCooldown: '1d' } });
      const d1 = await first('u1');
      expect(d1.actionId).toBe('promo');
      await interact('u1', 'Decision Dismissed', d1);

      const d2 = await first('u1');
      expect(d2.actionId).toBe('offer');
      expect(d2.reasons.capped).toEqual([{ actionId: 'promo', cap: 'dismissCooldown', detail: expect.stringMatching(/^dismissed 1m ago; cool-down 1h, 1h left$/) }]);
      await interact('u1', 'Decision Clicked', d2);

      const d3 = await decide({ userId: 'u1', placements: ['hero'] });
      expect(d3.placements[0]).toMatchObject({ fallback: 'all_capped', decisions: [{ actionId: null, content: { title: 'Welcome' } }] });
      expect(d3.placements[0]!.decisions[0]!.reasons.capped.map((c) => [c.actionId, c.cap])).toEqual([['offer', 'clickCooldown'], ['promo', 'dismissCooldown']]);
      // Someone else is not affected.
      expect((await first('u2')).actionId).toBe('promo');

      clock.advance(hour + minute);
      expect((await first('u1')).actionId).toBe('promo');
      await interact('u1', 'Decision Dismissed', await first('u1'));
      expect((await decide({ userId: 'u1', placements: ['hero'] })).placements[0]!.fallback).toBe('all_capped');
      clock.advance(day);
      expect((await first('u1')).actionId).toBe('promo');
      // A dismiss carried in the decide call itself counts for that very decision.
      const d4 = await first('u1');
      const carried = await first('u1', { events: [{ type: 'track', event: 'Decision Dismissed', properties: { decisionId: d4.decisionId, actionId: 'promo', placement: 'hero' } }] });
      expect(carried.actionId).toBe('offer');
    });

    it('stops an action with a budget after that many impressions across profiles (counts refresh once a second)', async () => {
      await action('limited', { priority: 10, caps: { budget: 2 } });
      await action('always', { priority: 1 });
      for (const userId of ['u1', 'u2']) {
        const d = await first(userId);
        expect(d.actionId).toBe('limited');
        await interact(userId, 'Decision Viewed', d);
      }
      expect((await ok<Outcome[]>('GET', '/admin/v1/outcomes')).find((o) => o.actionId === 'limited')?.impressions).toBe(2);
      // Within the same second the counts read at the first decision still hold.
      expect((await first('u3')).actionId).toBe('limited');
      clock.advance(1000);
      const d = await first('u4');
      expect(d.actionId).toBe('always');
      expect(d.reasons.capped).toEqual([{ actionId: 'limited', cap: 'budget', detail: '2 of 2 impressions of the budget used' }]);
      expect((await first('u1')).actionId).toBe('always');
    });
  });
});
