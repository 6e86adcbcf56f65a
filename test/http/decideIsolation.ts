import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { ActionView, PlacementView } from '../../src/decide/DecisionAdmin.js';
import type { DecideResponse, DecisionView, SendTimeView } from '../../src/api/decideSchemas.js';
import type { Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem, findProfile, uniqueId, type JsonPayload, type ProblemBody } from './httpHelpers.js';

/**
 * Isolation cases of the decide API (POST /v1/decide, best send time) and of the actions,
 * placements, outcomes and decision records admin API, spread into `cases` of
 * isolation.test.ts: workspace A can neither see, change nor use B's actions, placements,
 * outcomes, decisions or profiles, and an id defined in both workspaces names two separate
 * things.
 */

type IsolationCase = (h: Harness) => Promise<void>;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Workspace = Harness['a'];

interface Outcome { actionId: string; placementId: string; impressions: number; clicks: number; dismisses: number; conversions: number; conversionValue: number; clickThroughRate: number | null }
interface RecordedDecision { decisionId: string; placementId: string; actionId: string | null; segments: string[] }

const placementId = () => uniqueId('iso-place');
const actionId = () => uniqueId('iso-act');
const featureName = () => uniqueId('iso_df').replace(/-/g, '_');
const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

async function ok<T>(h: Harness, method: Method, url: string, key: string, payload?: JsonPayload, status?: number): Promise<T> {
  const res = await admin(h, method, url, key, payload);
  if (status === undefined) expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  else expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return (res.statusCode === 204 ? undefined : res.json<T>()) as T;
}

function putPlacement(h: Harness, key: string, id: string, extra: Record<string, unknown> = {}, status?: number) {
  return ok<{ status: string; placement: PlacementView }>(h, 'PUT', `/admin/v1/placements/${id}`, key, { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' }, ...extra }, status);
}

function putAction(h: Harness, key: string, id: string, placements: readonly string[], extra: Record<string, unknown> = {}, status?: number) {
  return ok<{ status: string; action: ActionView }>(h, 'PUT', `/admin/v1/actions/${id}`, key, { placements, variants: { default: { title: id } }, ...extra }, status);
}

const actionIds = async (h: Harness, key: string) => (await ok<ActionView[]>(h, 'GET', '/admin/v1/actions', key)).map((a) => a.id);
const placementIds = async (h: Harness, key: string) => (await ok<PlacementView[]>(h, 'GET', '/admin/v1/placements', key)).map((p) => p.id);
const outcomesOf = (h: Harness, key: string) => ok<Outcome[]>(h, 'GET', '/admin/v1/outcomes', key);

/** POST /v1/decide with a write key (HTTP Basic, as the SDKs send it). */
function decideCall(h: Harness, writeKey: string, body: Record<string, unknown>): Promise<LightMyRequestResponse> {
  return collect(h, '/v1/decide', body, writeKey);
}

async function decided(h: Harness, writeKey: string, body: Record<string, unknown>): Promise<DecideResponse> {
  const res = await decideCall(h, writeKey, body);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<DecideResponse>();
}

/** The first decision of the first placement of an answer. */
function firstDecision(answer: DecideResponse): DecisionView {
  const decision = answer.placements[0]?.decisions[0];
  expect(decision, JSON.stringify(answer)).toBeDefined();
  return decision!;
}

/** Reports an interaction with a decision, as the SDKs do: a track event naming it. */
async function interact(h: Harness, writeKey: string, userId: string, event: string, decision: { decisionId: string; actionId: string | null }, placement: string, properties: Record<string, unknown> = {}): Promise<void> {
  expectCollected(await collect(h, '/v1/track', {
    userId, event, properties: { decisionId: decision.decisionId, actionId: decision.actionId, placement, channel: 'web', ...properties },
  }, writeKey));
}

/** A placement in `ws` with one action (of its own id) that everyone is eligible for. */
async function placementWithAction(h: Harness, ws: Workspace, ids: { placement?: string; action?: string; title?: string } = {}): Promise<{ placement: string; action: string }> {
  const placement = ids.placement ?? placementId();
  const action = ids.action ?? actionId();
  await putPlacement(h, ws.secretKey, placement, { defaultContent: { title: `default of ${ws.name}` } });
  await putAction(h, ws.secretKey, action, [placement], { variants: { default: { title: ids.title ?? `${action} of ${ws.name}` } } });
  return { placement, action };
}

export const decideIsolationCases: Record<string, IsolationCase> = {
  'POST /v1/decide': async (h) => {
    // A placement that exists only in B cannot be decided with A's key.
    const inB = await placementWithAction(h, h.b, { title: 'only B may see this' });
    const refused = await decideCall(h, h.a.writeKey, { anonymousId: uniqueId('iso-anon'), placements: [inB.placement] });
    expect(expectProblem(refused, 404, 'ATTUNE_PLACEMENT_NOT_FOUND').field).toBe('/placements/0');
    expect(refused.body).not.toContain(inB.action);
    expect(refused.body).not.toContain('only B may see this');
    // Asked next to one of A's own placements, B's is an error of its own entry.
    const inA = await placementWithAction(h, h.a);
    const partial = await decided(h, h.a.writeKey, { anonymousId: uniqueId('iso-anon'), placements: [inA.placement, inB.placement] });
    expect(firstDecision(partial).actionId).toBe(inA.action);
    expect(partial.placements[1]).toMatchObject({ placement: inB.placement, decisions: [], error: { code: 'ATTUNE_PLACEMENT_NOT_FOUND', field: '/placements/1' } });
    expect(JSON.stringify(partial)).not.toContain('only B may see this');
    expect(firstDecision(await decided(h, h.b.writeKey, { anonymousId: uniqueId('iso-anon'), placements: [inB.placement] })).content).toEqual({ title: 'only B may see this' });

    // The same placement and action ids in both: each workspace decides with its own
    // definitions, its own profiles (traits) and its own cap state.
    const [shared, action, userId] = [placementId(), actionId(), uniqueId('iso-twin')];
    for (const ws of [h.a, h.b]) {
      await putPlacement(h, ws.secretKey, shared, { defaultContent: { title: `default of ${ws.name}` } });
      await putAction(h, ws.secretKey, action, [shared], {
        rule: 'profile.traits.plan == "pro"', caps: { perProfile: [{ max: 1, window: 'day' }] },
        variants: { default: { title: `${ws.name} for {{ profile.traits.name }}` } },
      });
    }
    const b1 = await decided(h, h.b.writeKey, { userId, placements: [shared], events: [{ type: 'identify', traits: { plan: 'pro', name: 'Bea' } }] });
    expect(firstDecision(b1)).toMatchObject({ actionId: action, content: { title: 'workspace B for Bea' } });
    // A has never seen the person: no profile, no traits from B, so the rule does not hold.
    const a1 = await decided(h, h.a.writeKey, { userId, placements: [shared] });
    expect(a1.profileId).toBeNull();
    expect(a1.placements[0]?.fallback).toBe('no_eligible_action');
    expect(firstDecision(a1)).toMatchObject({ actionId: null, content: { title: 'default of workspace A' } });
    for (const leak of ['Bea', b1.profileId!, firstDecision(b1).decisionId]) expect(JSON.stringify(a1)).not.toContain(leak);

    // B's impression caps B's action for B's profile only; the events of A's call land in A.
    await interact(h, h.b.writeKey, userId, 'Decision Viewed', firstDecision(b1), shared);
    const a2 = await decided(h, h.a.writeKey, { userId, placements: [shared], events: [{ type: 'identify', traits: { plan: 'pro', name: 'Al' } }] });
    expect(a2.events).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(a2.profileId).not.toBeNull();
    expect(a2.profileId).not.toBe(b1.profileId);
    expect(firstDecision(a2)).toMatchObject({ actionId: action, content: { title: 'workspace A for Al' } });
    expect(firstDecision(a2).reasons.capped).toEqual([]);
    const b2 = await decided(h, h.b.writeKey, { userId, placements: [shared] });
    expect(b2.placements[0]?.fallback).toBe('all_capped');
    expect(firstDecision(b2).content).toEqual({ title: 'default of workspace B' });
    expect((await findProfile(h, h.b.secretKey, userId))?.traits).toMatchObject({ plan: 'pro', name: 'Bea' });
  },

  'GET /v1/profiles/:id/best-send-time': async (h) => {
    // B's person opens email at 07:xx UTC; A knows the same userId, with no email engagement.
    const userId = uniqueId('iso-send');
    const yesterday = Math.floor(Date.now() / dayMs) * dayMs - dayMs;
    expectCollected(await collect(h, '/v1/identify', { userId, traits: { timezone: 'Asia/Tokyo' } }, h.b.writeKey));
    for (let i = 0; i < 5; i++) {
      const timestamp = new Date(yesterday + 7 * hourMs + i * 7 * 60_000).toISOString();
      expectCollected(await collect(h, '/v1/track', { userId, event: 'Email Opened', timestamp }, h.b.writeKey));
    }
    expectCollected(await collect(h, '/v1/identify', { userId, traits: { plan: 'a' } }, h.a.writeKey));
    const [inA, inB] = [await findProfile(h, h.a.secretKey, userId), await findProfile(h, h.b.secretKey, userId)];

    const b = await ok<SendTimeView>(h, 'GET', `/v1/profiles/${userId}/best-send-time?channel=email`, h.b.secretKey);
    expect(b).toMatchObject({ profileId: inB!.id, hourUtc: 7, timeZone: 'Asia/Tokyo' });
    expect(b.profileEvents).toBeGreaterThan(4);

    // A's key finds neither B's profile id nor an id only B knows.
    const onlyInB = uniqueId('iso-send-b');
    expectCollected(await collect(h, '/v1/identify', { userId: onlyInB }, h.b.writeKey));
    for (const id of [inB!.id, onlyInB]) {
      const res = await admin(h, 'GET', `/v1/profiles/${encodeURIComponent(id)}/best-send-time?channel=email`, h.a.secretKey);
      expectProblem(res, 404, 'ATTUNE_PROFILE_NOT_FOUND');
      for (const leak of ['Asia/Tokyo', 'hourUtc', 'histogram']) expect(res.body).not.toContain(leak);
    }
    // The same userId in A is A's profile: none of B's opens, B's time zone or B's habits.
    // (No isolation case sends email engagement to A, so A's workspace has no email hours.)
    const a = await ok<SendTimeView>(h, 'GET', `/v1/profiles/${userId}/best-send-time?channel=email`, h.a.secretKey);
    expect(a).toMatchObject({ profileId: inA!.id, profileEvents: 0, basis: 'default', timeZone: 'UTC' });
    expect(JSON.stringify(a)).not.toContain(inB!.id);
  },

  'GET /admin/v1/actions': async (h) => {
    const [placement, onlyInB, shared] = [placementId(), actionId(), actionId()];
    for (const ws of [h.a, h.b]) {
      await putPlacement(h, ws.secretKey, placement);
      await putAction(h, ws.secretKey, shared, [placement], { name: `${ws.name}'s own` });
    }
    await putAction(h, h.b.secretKey, onlyInB, [placement], { name: 'secret of B' });
    const aList = await admin(h, 'GET', '/admin/v1/actions', h.a.secretKey);
    expect(aList.statusCode).toBe(200);
    const inA = aList.json<ActionView[]>();
    expect(inA.map((a) => a.id)).toContain(shared);
    expect(inA.map((a) => a.id)).not.toContain(onlyInB);
    expect(inA.find((a) => a.id === shared)?.name).toBe('workspace A\'s own');
    expect(aList.body).not.toContain('secret of B');
    expect(aList.body).not.toContain('workspace B\'s own');
    const inB = await ok<ActionView[]>(h, 'GET', '/admin/v1/actions', h.b.secretKey);
    expect(inB.find((a) => a.id === shared)?.name).toBe('workspace B\'s own');
    expect(inB.map((a) => a.id)).toContain(onlyInB);
  },

  'POST /admin/v1/actions/validate': async (h) => {
    // B's placement, feature and segment are unknown to A's rules and checks.
    const [placement, feature, segment, id] = [placementId(), featureName(), uniqueId('iso-dseg'), actionId()];
    await putPlacement(h, h.b.secretKey, placement);
    await ok(h, 'PUT', `/admin/v1/features/${feature}`, h.b.secretKey, { aggregate: 'count' });
    await ok(h, 'POST', '/admin/v1/segments', h.b.secretKey, { id: segment, name: 'B only', rule: 'true' });
    const definition = { id, placements: [placement], variants: { default: { title: 't' } } };

    expect(await ok(h, 'POST', '/admin/v1/actions/validate', h.b.secretKey, definition)).toEqual({ valid: true, problems: [] });
    // In A, B's placement is unknown: refused; a "did you mean" hint names one of A's own
    // placements (other cases give A similar ids), never one of B's.
    const unknown = expectProblem(await admin(h, 'POST', '/admin/v1/actions/validate', h.a.secretKey, definition), 400, 'ATTUNE_ACTION_INVALID') as ProblemBody & { suggestion?: string };
    expect(unknown).toMatchObject({ field: '/placements/0', detail: expect.stringContaining(`placement "${placement}" does not exist`) });
    if (unknown.suggestion !== undefined) expect(await placementIds(h, h.a.secretKey)).toContain(unknown.suggestion);
    expect(await ok(h, 'POST', '/admin/v1/actions/validate?allowUnknownPlacements=true', h.a.secretKey, definition)).toEqual({ valid: true, problems: [`placement "${placement}" does not exist (yet)`] });
    for (const rule of [`features.${feature} >= 1`, `in_segment("${segment}")`]) {
      await ok(h, 'POST', '/admin/v1/actions/validate', h.b.secretKey, { ...definition, rule });
      const fault = expectProblem(await admin(h, 'POST', '/admin/v1/actions/validate', h.a.secretKey, { ...definition, rule }), 400, 'ATTUNE_RULE_INVALID');
      expect(fault.field).toBe('/rule');
    }
    // Nothing was saved, in either workspace.
    expect(await actionIds(h, h.a.secretKey)).not.toContain(id);
    expect(await actionIds(h, h.b.secretKey)).not.toContain(id);
  },

  'POST /admin/v1/actions/preview': async (h) => {
    // The same userId in both workspaces, with different traits: each key renders its own person.
    const [userId, onlyInB] = [uniqueId('iso-prev'), uniqueId('iso-prev-b')];
    expectCollected(await collect(h, '/v1/identify', { userId, traits: { plan: 'b-plan' } }, h.b.writeKey));
    expectCollected(await collect(h, '/v1/identify', { userId, traits: { plan: 'a-plan' } }, h.a.writeKey));
    expectCollected(await collect(h, '/v1/identify', { userId: onlyInB, traits: { plan: 'b-only' } }, h.b.writeKey));
    const inB = await findProfile(h, h.b.secretKey, userId);
    const action = { id: actionId(), placements: [placementId()], variants: { default: { title: 'Plan {{ profile.traits.plan | "none" }}' } } };
    const preview = (key: string, profileId: string) => admin(h, 'POST', '/admin/v1/actions/preview', key, { action, profileId });

    expect((await ok<{ content: unknown }>(h, 'POST', '/admin/v1/actions/preview', h.b.secretKey, { action, profileId: userId })).content).toEqual({ title: 'Plan b-plan' });
    expect((await ok<{ content: unknown }>(h, 'POST', '/admin/v1/actions/preview', h.a.secretKey, { action, profileId: userId })).content).toEqual({ title: 'Plan a-plan' });
    // A's key reaches neither B's profile id nor an id only B knows.
    for (const id of [inB!.id, onlyInB]) {
      const res = await preview(h.a.secretKey, id);
      expectProblem(res, 404, 'ATTUNE_PROFILE_NOT_FOUND');
      for (const trait of ['b-plan', 'b-only']) expect(res.body).not.toContain(trait);
    }
    // Nothing was saved.
    expect(await actionIds(h, h.b.secretKey)).not.toContain(action.id);
  },

  'GET /admin/v1/actions/:id': async (h) => {
    const inB = await placementWithAction(h, h.b, { title: 'B content' });
    const res = await admin(h, 'GET', `/admin/v1/actions/${inB.action}`, h.a.secretKey);
    expectProblem(res, 404, 'ATTUNE_ACTION_NOT_FOUND');
    expect(res.body).not.toContain('B content');
    expect(res.body).not.toContain(inB.placement);
    expect((await ok<ActionView>(h, 'GET', `/admin/v1/actions/${inB.action}`, h.b.secretKey)).variants).toEqual({ default: { title: 'B content' } });
    // The same id in A is A's own action.
    await placementWithAction(h, h.a, { action: inB.action, title: 'A content' });
    expect((await ok<ActionView>(h, 'GET', `/admin/v1/actions/${inB.action}`, h.a.secretKey)).variants).toEqual({ default: { title: 'A content' } });
    expect((await ok<ActionView>(h, 'GET', `/admin/v1/actions/${inB.action}`, h.b.secretKey)).variants).toEqual({ default: { title: 'B content' } });
  },

  'PUT /admin/v1/actions/:id': async (h) => {
    // The same id in A creates A's own action; B's placement is unknown in A.
    const inB = await placementWithAction(h, h.b, { title: 'B content' });
    expectProblem(await admin(h, 'PUT', `/admin/v1/actions/${inB.action}`, h.a.secretKey, { placements: [inB.placement], variants: { default: { title: 'A content' } } }), 400, 'ATTUNE_ACTION_INVALID');
    const created = await ok<{ status: string; action: ActionView }>(h, 'PUT', `/admin/v1/actions/${inB.action}?allowUnknownPlacements=true`, h.a.secretKey, { placements: [inB.placement], variants: { default: { title: 'A content' } } }, 201);
    expect(created.status).toBe('created');
    expect(created.action.problems).toEqual([`none of its placements exists (${inB.placement})`]);
    expect(await ok<ActionView>(h, 'GET', `/admin/v1/actions/${inB.action}`, h.b.secretKey)).toMatchObject({ variants: { default: { title: 'B content' } }, problems: [] });
    expect(firstDecision(await decided(h, h.b.writeKey, { anonymousId: uniqueId('iso-anon'), placements: [inB.placement] })).content).toEqual({ title: 'B content' });
    // A's rule cannot read B's feature.
    const feature = featureName();
    await ok(h, 'PUT', `/admin/v1/features/${feature}`, h.b.secretKey, { aggregate: 'count' });
    await putAction(h, h.b.secretKey, actionId(), [inB.placement], { rule: `features.${feature} >= 0` }, 201);
    expectProblem(await admin(h, 'PUT', `/admin/v1/actions/${actionId()}`, h.a.secretKey, { placements: [inB.placement], variants: { default: {} }, rule: `features.${feature} >= 0` }), 400, 'ATTUNE_RULE_INVALID');

    // A budget counts its own workspace's impressions: B using up its budget of an action
    // of the same id leaves A's untouched. (No other isolation case gives A a budget, so A's
    // budget counts are read fresh by A's first decision below.)
    const [placement, budgeted] = [placementId(), actionId()];
    for (const ws of [h.a, h.b]) {
      await putPlacement(h, ws.secretKey, placement);
      await putAction(h, ws.secretKey, budgeted, [placement], { caps: { budget: 1 } }, 201);
    }
    const bUser = uniqueId('iso-budget-b');
    const b1 = await decided(h, h.b.writeKey, { userId: bUser, placements: [placement] });
    expect(firstDecision(b1).actionId).toBe(budgeted);
    await interact(h, h.b.writeKey, bUser, 'Decision Viewed', firstDecision(b1), placement);
    expect((await outcomesOf(h, h.b.secretKey)).find((o) => o.actionId === budgeted)?.impressions).toBe(1);
    const a1 = await decided(h, h.a.writeKey, { userId: uniqueId('iso-budget-a'), placements: [placement] });
    expect(firstDecision(a1).actionId).toBe(budgeted);
    expect(firstDecision(a1).reasons.capped).toEqual([]);
  },

  'DELETE /admin/v1/actions/:id': async (h) => {
    const inB = await placementWithAction(h, h.b);
    expectProblem(await admin(h, 'DELETE', `/admin/v1/actions/${inB.action}`, h.a.secretKey), 404, 'ATTUNE_ACTION_NOT_FOUND');
    expect(await actionIds(h, h.b.secretKey)).toContain(inB.action);
    expect(firstDecision(await decided(h, h.b.writeKey, { anonymousId: uniqueId('iso-anon'), placements: [inB.placement] })).actionId).toBe(inB.action);
    // Deleting A's action of the same id leaves B's.
    await placementWithAction(h, h.a, { action: inB.action });
    await ok(h, 'DELETE', `/admin/v1/actions/${inB.action}`, h.a.secretKey, undefined, 204);
    expect(await actionIds(h, h.a.secretKey)).not.toContain(inB.action);
    expect(await actionIds(h, h.b.secretKey)).toContain(inB.action);
  },

  'GET /admin/v1/placements': async (h) => {
    const onlyInB = await placementWithAction(h, h.b, { title: 'B only' });
    const shared = placementId();
    const [aAction, bAction] = [actionId(), actionId()];
    await placementWithAction(h, h.a, { placement: shared, action: aAction });
    await placementWithAction(h, h.b, { placement: shared, action: bAction });
    const res = await admin(h, 'GET', '/admin/v1/placements', h.a.secretKey);
    expect(res.statusCode).toBe(200);
    const inA = res.json<PlacementView[]>();
    expect(inA.map((p) => p.id)).not.toContain(onlyInB.placement);
    expect(inA.find((p) => p.id === shared)).toMatchObject({ actions: [aAction], defaultContent: { title: 'default of workspace A' } });
    for (const leak of [onlyInB.action, bAction, 'default of workspace B']) expect(res.body).not.toContain(leak);
    const inB = await ok<PlacementView[]>(h, 'GET', '/admin/v1/placements', h.b.secretKey);
    expect(inB.find((p) => p.id === shared)?.actions).toEqual([bAction]);
    expect(inB.map((p) => p.id)).toContain(onlyInB.placement);
  },

  'GET /admin/v1/placements/:id': async (h) => {
    const inB = await placementWithAction(h, h.b);
    const res = await admin(h, 'GET', `/admin/v1/placements/${inB.placement}`, h.a.secretKey);
    expectProblem(res, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
    expect(res.body).not.toContain(inB.action);
    expect(res.body).not.toContain('default of workspace B');
    // The same id in A lists A's actions only.
    const aAction = actionId();
    await placementWithAction(h, h.a, { placement: inB.placement, action: aAction });
    expect(await ok<PlacementView>(h, 'GET', `/admin/v1/placements/${inB.placement}`, h.a.secretKey)).toMatchObject({ actions: [aAction], defaultContent: { title: 'default of workspace A' } });
    expect(await ok<PlacementView>(h, 'GET', `/admin/v1/placements/${inB.placement}`, h.b.secretKey)).toMatchObject({ actions: [inB.action], defaultContent: { title: 'default of workspace B' } });
  },

  'PUT /admin/v1/placements/:id': async (h) => {
    const inB = await placementWithAction(h, h.b);
    // The same id in A is created as A's own, with none of B's actions, and B's stays as it was.
    const created = await putPlacement(h, h.a.secretKey, inB.placement, { channel: 'email', defaultContent: { title: 'A took it' } }, 201);
    expect(created).toMatchObject({ status: 'created', placement: { channel: 'email', actions: [] } });
    expect(await ok<PlacementView>(h, 'GET', `/admin/v1/placements/${inB.placement}`, h.b.secretKey)).toMatchObject({ channel: 'web', defaultContent: { title: 'default of workspace B' }, actions: [inB.action] });
    expect(firstDecision(await decided(h, h.b.writeKey, { anonymousId: uniqueId('iso-anon'), placements: [inB.placement] })).actionId).toBe(inB.action);
    // A's propensity rule cannot read B's feature.
    const feature = featureName();
    await ok(h, 'PUT', `/admin/v1/features/${feature}`, h.b.secretKey, { aggregate: 'count' });
    const strategy = { kind: 'expectedValue', propensity: { rule: `features.${feature} / 10` } };
    await putPlacement(h, h.b.secretKey, placementId(), { strategy }, 201);
    const fault = expectProblem(await admin(h, 'PUT', `/admin/v1/placements/${placementId()}`, h.a.secretKey, { channel: 'web', strategy }), 400, 'ATTUNE_RULE_INVALID');
    expect(fault.field).toBe('/strategy/propensity/rule');
  },

  'DELETE /admin/v1/placements/:id': async (h) => {
    const inB = await placementWithAction(h, h.b);
    expectProblem(await admin(h, 'DELETE', `/admin/v1/placements/${inB.placement}`, h.a.secretKey), 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
    expect(await placementIds(h, h.b.secretKey)).toContain(inB.placement);
    expect((await ok<ActionView>(h, 'GET', `/admin/v1/actions/${inB.action}`, h.b.secretKey)).problems).toEqual([]);
    expect(firstDecision(await decided(h, h.b.writeKey, { anonymousId: uniqueId('iso-anon'), placements: [inB.placement] })).actionId).toBe(inB.action);
    // Deleting A's placement of the same id leaves B's.
    await putPlacement(h, h.a.secretKey, inB.placement);
    await ok(h, 'DELETE', `/admin/v1/placements/${inB.placement}`, h.a.secretKey, undefined, 204);
    expect(await placementIds(h, h.b.secretKey)).toContain(inB.placement);
  },

  'GET /admin/v1/placements/:id/arms': async (h) => {
    // The same placement and action ids in both workspaces: each reads its own decisions, clicks and revenue.
    const [placement, action] = [placementId(), actionId()];
    await placementWithAction(h, h.a, { placement, action });
    await placementWithAction(h, h.b, { placement, action });
    const userId = uniqueId('iso-arms');
    const d = firstDecision(await decided(h, h.b.writeKey, { userId, placements: [placement] }));
    await interact(h, h.b.writeKey, userId, 'Decision Clicked', d, placement);
    await interact(h, h.b.writeKey, userId, 'Decision Converted', d, placement, { value: 42 });
    await h.decisions.flushRecords();
    interface Arms { decisions: number; arms: { actionId: string; ipwRate: number | null; clicks: number; revenue: { revenue: number; ipwRevenuePerDecision: number | null } }[] }
    const inA = await ok<Arms>(h, 'GET', `/admin/v1/placements/${placement}/arms`, h.a.secretKey);
    expect(inA.decisions).toBe(0);
    expect(inA.arms.every((a) => a.clicks === 0 && a.ipwRate === null && a.revenue.revenue === 0 && a.revenue.ipwRevenuePerDecision === null)).toBe(true);
    const inB = await ok<Arms>(h, 'GET', `/admin/v1/placements/${placement}/arms`, h.b.secretKey);
    expect(inB.decisions).toBe(1);
    expect(inB.arms.find((a) => a.actionId === action)).toMatchObject({ clicks: 1, ipwRate: 1, revenue: { revenue: 42, ipwRevenuePerDecision: 42 } });
    // A placement only B has is not found with A's key.
    const onlyB = await placementWithAction(h, h.b);
    expectProblem(await admin(h, 'GET', `/admin/v1/placements/${onlyB.placement}/arms`, h.a.secretKey), 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
  },

  'GET /admin/v1/placements/:id/propensity': async (h) => {
    // The same placement, action and model key in both workspaces: each learns, and reports, from its own impressions only.
    const [placement, action] = [placementId(), actionId()];
    const strategy = { kind: 'expectedValue', propensity: { kind: 'learned', inputs: { context: ['device'] } } };
    for (const ws of [h.a, h.b]) {
      await placementWithAction(h, ws, { placement, action });
      await putPlacement(h, ws.secretKey, placement, { strategy });
    }
    const userId = uniqueId('iso-propensity');
    const d = firstDecision(await decided(h, h.b.writeKey, { userId, placements: [placement], context: { device: 'mobile' } }));
    await interact(h, h.b.writeKey, userId, 'Decision Viewed', d, placement);
    await interact(h, h.b.writeKey, userId, 'Decision Clicked', d, placement);
    await h.decisions.flushRecords();
    interface Report { models: { key: string; overall: { observations: number; positives: number }; actions: { actionId: string }[] }[] }
    const inA = await ok<Report>(h, 'GET', `/admin/v1/placements/${placement}/propensity`, h.a.secretKey);
    const inB = await ok<Report>(h, 'GET', `/admin/v1/placements/${placement}/propensity`, h.b.secretKey);
    expect(inA.models[0]!.key).toBe(inB.models[0]!.key);
    expect(inA.models[0]).toMatchObject({ overall: { observations: 0, positives: 0 }, actions: [] });
    expect(inB.models[0]).toMatchObject({ overall: { observations: 1, positives: 1 }, actions: [{ actionId: action }] });
    // A placement only B has is not found with A's key.
    const onlyB = await placementWithAction(h, h.b);
    expectProblem(await admin(h, 'GET', `/admin/v1/placements/${onlyB.placement}/propensity`, h.a.secretKey), 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
  },

  'POST /admin/v1/placements/:id/evaluate': async (h) => {
    // The same placement and action ids in both workspaces: each evaluates on its own decisions and clicks.
    const [placement, action] = [placementId(), actionId()];
    await placementWithAction(h, h.a, { placement, action });
    await placementWithAction(h, h.b, { placement, action });
    const userId = uniqueId('iso-ope');
    const d = firstDecision(await decided(h, h.b.writeKey, { userId, placements: [placement] }));
    await interact(h, h.b.writeKey, userId, 'Decision Clicked', d, placement);
    await h.decisions.flushRecords();
    interface Evaluation { rounds: number; loggedValue: number | null; actions: string[] }
    const body = { policy: `action:${action}`, bootstrap: 0 };
    expect(await ok<Evaluation>(h, 'POST', `/admin/v1/placements/${placement}/evaluate`, h.a.secretKey, body)).toMatchObject({ rounds: 0, loggedValue: null, actions: [action] });
    expect(await ok<Evaluation>(h, 'POST', `/admin/v1/placements/${placement}/evaluate`, h.b.secretKey, body)).toMatchObject({ rounds: 1, loggedValue: 1, actions: [action] });
    // A placement only B has is not found with A's key, and its actions are not named.
    const onlyB = await placementWithAction(h, h.b);
    const refused = await admin(h, 'POST', `/admin/v1/placements/${onlyB.placement}/evaluate`, h.a.secretKey, { policy: 'uniform' });
    expectProblem(refused, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
    expect(refused.body).not.toContain(onlyB.action);
  },

  'POST /admin/v1/placements/:id/promote': async (h) => {
    // The same placement, action and shadow in both workspaces: each promotion reads its own decisions and changes its own placement.
    const [placement, action] = [placementId(), actionId()];
    for (const ws of [h.a, h.b]) {
      await putPlacement(h, ws.secretKey, placement, { shadow: { kind: 'priority' } });
      await putAction(h, ws.secretKey, action, [placement]);
    }
    const userId = uniqueId('iso-promote');
    const d = firstDecision(await decided(h, h.b.writeKey, { userId, placements: [placement] }));
    await interact(h, h.b.writeKey, userId, 'Decision Clicked', d, placement);
    await h.decisions.flushRecords();
    interface Refusal extends ProblemBody { report: { evaluation: { rounds: number; actions: string[] } } }
    const refusal = async (key: string) => expectProblem(await admin(h, 'POST', `/admin/v1/placements/${placement}/promote`, key, { bootstrap: 200, until: '2100-01-01T00:00:00Z' }), 409, 'ATTUNE_PROMOTION_REFUSED') as Refusal;
    expect((await refusal(h.a.secretKey)).report.evaluation).toMatchObject({ rounds: 0, actions: [] });
    expect((await refusal(h.b.secretKey)).report.evaluation).toMatchObject({ rounds: 1, actions: [action] });
    for (const ws of [h.a, h.b]) expect(await ok<PlacementView>(h, 'GET', `/admin/v1/placements/${placement}`, ws.secretKey)).toMatchObject({ strategy: { kind: 'priority' }, shadow: { kind: 'priority' } });
    // A placement only B has is not found with A's key, and its actions are not named.
    const onlyB = await placementWithAction(h, h.b);
    const refused = await admin(h, 'POST', `/admin/v1/placements/${onlyB.placement}/promote`, h.a.secretKey, {});
    expectProblem(refused, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
    expect(refused.body).not.toContain(onlyB.action);
  },

  'GET /admin/v1/outcomes': async (h) => {
    // Outcomes count the interaction events of each workspace, by action id.
    const [placement, shared, onlyInB, userId] = [placementId(), actionId(), actionId(), uniqueId('iso-outcome')];
    const decision = (id: string) => ({ decisionId: uniqueId('d'), actionId: id });
    await interact(h, h.b.writeKey, userId, 'Decision Viewed', decision(shared), placement);
    await interact(h, h.b.writeKey, userId, 'Decision Viewed', decision(shared), placement);
    await interact(h, h.b.writeKey, userId, 'Decision Clicked', decision(shared), placement);
    await interact(h, h.b.writeKey, userId, 'Decision Converted', decision(onlyInB), placement, { value: 99 });
    await interact(h, h.a.writeKey, userId, 'Decision Viewed', decision(shared), placement);
    const res = await admin(h, 'GET', '/admin/v1/outcomes', h.a.secretKey);
    expect(res.statusCode).toBe(200);
    const inA = res.json<Outcome[]>();
    expect(inA.find((o) => o.actionId === shared)).toEqual({ actionId: shared, placementId: placement, impressions: 1, clicks: 0, dismisses: 0, conversions: 0, conversionValue: 0, clickThroughRate: 0 });
    expect(res.body).not.toContain(onlyInB);
    const inB = await outcomesOf(h, h.b.secretKey);
    expect(inB.find((o) => o.actionId === shared)).toMatchObject({ impressions: 2, clicks: 1, clickThroughRate: 0.5 });
    expect(inB.find((o) => o.actionId === onlyInB)).toMatchObject({ conversions: 1, conversionValue: 99 });
  },

  'GET /admin/v1/profiles/:id/decisions': async (h) => {
    const [placement, action, userId, onlyInB] = [placementId(), actionId(), uniqueId('iso-dec'), uniqueId('iso-dec-b')];
    for (const ws of [h.a, h.b]) await placementWithAction(h, ws, { placement, action });
    const b1 = await decided(h, h.b.writeKey, { userId, placements: [placement], events: [{ type: 'identify', traits: { plan: 'b' } }] });
    const a1 = await decided(h, h.a.writeKey, { userId, placements: [placement], events: [{ type: 'identify', traits: { plan: 'a' } }] });
    await decided(h, h.b.writeKey, { userId: onlyInB, placements: [placement], events: [{ type: 'identify' }] });
    await h.decisions.flushRecords();

    const inB = await ok<RecordedDecision[]>(h, 'GET', `/admin/v1/profiles/${userId}/decisions`, h.b.secretKey);
    expect(inB.map((d) => d.decisionId)).toEqual([firstDecision(b1).decisionId]);
    // A's key reaches neither B's profile id nor an id only B knows.
    for (const id of [b1.profileId!, onlyInB]) {
      const res = await admin(h, 'GET', `/admin/v1/profiles/${encodeURIComponent(id)}/decisions`, h.a.secretKey);
      expectProblem(res, 404, 'ATTUNE_PROFILE_NOT_FOUND');
      expect(res.body).not.toContain(firstDecision(b1).decisionId);
    }
    // The same userId in A lists A's decisions only.
    const res = await admin(h, 'GET', `/admin/v1/profiles/${userId}/decisions`, h.a.secretKey);
    expect(res.statusCode).toBe(200);
    expect(res.json<RecordedDecision[]>().map((d) => d.decisionId)).toEqual([firstDecision(a1).decisionId]);
    expect(res.body).not.toContain(firstDecision(b1).decisionId);
  },
};
