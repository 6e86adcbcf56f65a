import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock, sequentialIds } from '../../src/core/common/ports.js';
import { seededRandom } from '../../src/core/common/random.js';
import { openStore, type EmbeddedStore } from '../../src/engine/openStore.js';
import { buildServer, type AttuneServer } from '../../src/server/buildServer.js';
import type { CreatedWorkspace } from '../../src/workspaces/WorkspaceService.js';
import type { PersonalizerSettings } from '../../src/learn/PersonalizerService.js';
import { bestBike, bikeActions, pays, visitorContexts } from '../support/personalizerWorld.js';

// Microsoft Personalizer's rank-and-reward API (REST v1.0) at its own paths: a request as its
// reference documents it works unchanged, rewards and activations teach one shared model per
// workspace, and the model is rebuilt from the logged events after a restart.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');

/**
 * The rank request of Personalizer's REST reference (v1.0, "Successful Rank request":
 * azure-rest-api-specs, specification/cognitiveservices/data-plane/Personalizer/stable/v1.0/examples/Rank.json).
 */
const referenceRankRequest = {
  contextFeatures: [{ timeOfDay: 'Morning' }],
  actions: [
    { id: 'NewsArticle', features: [{ type: 'News' }] },
    { id: 'SportsArticle', features: [{ type: 'Sports' }] },
    { id: 'EntertainmentArticle', features: [{ type: 'Entertainment' }] },
  ],
  excludedActions: ['SportsArticle'],
  eventId: '75269AD0-BFEE-4598-8196-C57383D38E10',
  deferActivation: false,
};

interface Ranked { ranking: { id: string; probability: number }[]; eventId: string; rewardActionId: string }
interface EventView {
  eventId: string; rewardActionId: string; reward: number | null; rewardSource: string | null; learned: boolean; activatedAt: string | null;
  actions: { id: string; probability: number; excluded: boolean }[];
}

/** A server on a data folder that outlives it, so a test can close it and start another on the same files. */
class Server {
  server!: AttuneServer;
  store!: EmbeddedStore;
  readonly clock = fixedClock(t0);
  constructor(readonly dataDir: string, private readonly seed: number, private readonly settings: Partial<PersonalizerSettings> = {}) {}

  async start(): Promise<this> {
    const store = this.store = openStore({ path: join(this.dataDir, 'attune.db'), synchronous: 'normal', writer: 'inline', maxPendingEvents: 10_000 });
    this.server = await buildServer({ store, clock: this.clock, ids: sequentialIds(`event-${this.seed}`), random: seededRandom(this.seed), personalizer: this.settings, logger: false });
    return this;
  }

  async call<T = unknown>(method: 'GET' | 'POST', url: string, key: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; contentType: string | undefined }> {
    const res = await this.server.app.inject({
      method, url, headers: { ...(key === null ? {} : { 'ocp-apim-subscription-key': key }), ...headers },
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });
    return { status: res.statusCode, body: (res.body === '' ? undefined : res.json()) as T, contentType: res.headers['content-type']?.toString() };
  }

  rank(key: string, body: unknown) { return this.call<Ranked>('POST', '/personalizer/v1.0/rank', key, body); }
  reward(key: string, eventId: string, value: unknown) { return this.call('POST', `/personalizer/v1.0/events/${encodeURIComponent(eventId)}/reward`, key, { value }); }
  activate(key: string, eventId: string) { return this.call('POST', `/personalizer/v1.0/events/${encodeURIComponent(eventId)}/activate`, key); }
  async events(key: string, limit = 100): Promise<EventView[]> {
    const res = await this.call<{ events: EventView[] }>('GET', `/admin/v1/personalizer/events?limit=${limit}`, key);
    expect(res.status).toBe(200);
    return res.body.events;
  }

  close(): Promise<void> { return this.server.app.close(); }
}

const sum = (ranking: readonly { probability: number }[]) => ranking.reduce((total, r) => total + r.probability, 0);

describe('Personalizer-compatible API', () => {
  let dataDir: string;
  let s: Server;
  let a: CreatedWorkspace;
  let b: CreatedWorkspace;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'attune-personalizer-'));
    // A snapshot every 150 learned events: a restart after 400 reads the one at 300 and replays 100.
    s = await new Server(dataDir, 7, { snapshotEvery: 150 }).start();
    a = await s.server.workspaces.create('workspace A', { verification: false }, 'ws_pers_a');
    b = await s.server.workspaces.create('workspace B', { verification: false }, 'ws_pers_b');
  });
  afterEach(async () => {
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the reference rank request unchanged: 201, the documented shape, probabilities summing to 1, the excluded action at 0', async () => {
    // As Azure's clients send it: the key header, JSON with its charset.
    const res = await s.call<Ranked>('POST', '/personalizer/v1.0/rank', a.secretKey, JSON.stringify(referenceRankRequest), { 'content-type': 'application/json; charset=utf-8' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['eventId', 'ranking', 'rewardActionId']);
    expect(res.body.eventId).toBe(referenceRankRequest.eventId);
    expect(res.body.ranking.map((r) => r.id).sort()).toEqual(['EntertainmentArticle', 'NewsArticle', 'SportsArticle']);
    expect(res.body.ranking[0]!.id).toBe(res.body.rewardActionId);
    expect(['NewsArticle', 'EntertainmentArticle']).toContain(res.body.rewardActionId);
    expect(res.body.ranking.find((r) => r.id === 'SportsArticle')!.probability).toBe(0);
    expect(sum(res.body.ranking)).toBeCloseTo(1, 12);
    // A fresh model knows nothing: the two eligible actions are equally likely.
    for (const id of ['NewsArticle', 'EntertainmentArticle']) expect(res.body.ranking.find((r) => r.id === id)!.probability).toBeCloseTo(0.5, 6);
    // The reward of the reference (Events_Reward.json: { "value": 1 }) and an activation of an active event.
    expect((await s.reward(a.secretKey, res.body.eventId, 1)).status).toBe(204);
    expect((await s.activate(a.secretKey, res.body.eventId)).status).toBe(204);
    const [logged] = await s.events(a.secretKey);
    expect(logged).toMatchObject({ eventId: referenceRankRequest.eventId, rewardActionId: res.body.rewardActionId, reward: 1, rewardSource: 'sent', learned: true });
    expect(logged!.actions.map((x) => [x.id, x.excluded])).toEqual([['NewsArticle', false], ['SportsArticle', true], ['EntertainmentArticle', false]]);
    expect(sum(logged!.actions)).toBeCloseTo(1, 12);
  });

  it('answers the same calls at the preview versions\' paths, which Azure\'s later client libraries call', async () => {
    for (const version of ['v1.1-preview.1', 'v1.1-preview.2', 'v1.1-preview.3']) {
      const eventId = `preview-${version}`;
      const ranked = await s.call<Ranked>('POST', `/personalizer/${version}/rank`, a.secretKey, { ...referenceRankRequest, eventId, deferActivation: true });
      expect(ranked.status, version).toBe(201);
      expect(sum(ranked.body.ranking)).toBeCloseTo(1, 12);
      expect((await s.call('POST', `/personalizer/${version}/events/${eventId}/reward`, a.secretKey, { value: 1 })).status).toBe(204);
      expect((await s.call('POST', `/personalizer/${version}/events/${eventId}/activate`, a.secretKey)).status).toBe(204);
    }
    expect(await s.server.engine.personalizer.observations(a.id)).toBe(3);
    expect((await s.call('POST', '/personalizer/v2.0/rank', a.secretKey, referenceRankRequest)).status).toBe(404);
  });

  it('generates an event id when none is given, and takes a request with nulls and members it does not know', async () => {
    const res = await s.rank(a.secretKey, { actions: [{ id: 'x', features: [{ size: 2 }] }, { id: 'y', features: null }], excludedActions: null, eventId: null, deferActivation: null, futureOption: 1 });
    expect(res.status).toBe(201);
    expect(res.body.eventId).toMatch(/^event-7-\d+$/);
    expect(sum(res.body.ranking)).toBeCloseTo(1, 12);
  });

  it('authenticates with the secret key only: the write key is 403, no key or a wrong one 401, and workspaces stay apart', async () => {
    const forbidden = await s.rank(a.writeKey, referenceRankRequest);
    expect(forbidden.status).toBe(403);
    expect(forbidden.contentType).toContain('application/problem+json');
    expect(forbidden.body).toMatchObject({ code: 'ATTUNE_FORBIDDEN' });
    const none = await s.call('POST', '/personalizer/v1.0/rank', null, referenceRankRequest);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: 'ATTUNE_AUTH_MISSING', detail: expect.stringContaining('Ocp-Apim-Subscription-Key') });
    expect((await s.rank('sk_not_a_key', referenceRankRequest)).status).toBe(401);
    // The key is checked before the body: no key and a bad body is still a 401.
    expect((await s.call('POST', '/personalizer/v1.0/rank', null, { actions: [] })).status).toBe(401);
    expect((await s.call('GET', '/admin/v1/personalizer/events', a.writeKey)).status).toBe(403);
    // A Bearer secret key works too.
    expect((await s.call('POST', '/personalizer/v1.0/rank', null, { ...referenceRankRequest, eventId: 'bearer' }, { authorization: `Bearer ${a.secretKey}` })).status).toBe(201);

    const ranked = await s.rank(a.secretKey, referenceRankRequest);
    expect((await s.reward(a.writeKey, ranked.body.eventId, 1)).status).toBe(403);
    expect((await s.reward(b.secretKey, ranked.body.eventId, 1)).body).toMatchObject({ code: 'ATTUNE_RANK_EVENT_NOT_FOUND' });
    expect(await s.events(b.secretKey)).toEqual([]);
    // The same event id is another workspace's own.
    expect((await s.rank(b.secretKey, referenceRankRequest)).status).toBe(201);
  });

  it.each([
    ['no actions', { actions: [] }, 400, 'ATTUNE_INVALID_REQUEST', 'body/actions'],
    ['no actions member', { contextFeatures: [{ a: 1 }] }, 400, 'ATTUNE_INVALID_REQUEST', 'body'],
    ['an action without an id', { actions: [{ features: [] }] }, 400, 'ATTUNE_INVALID_REQUEST', 'body/actions/0'],
    ['duplicate action ids', { actions: [{ id: 'x', features: [] }, { id: 'y', features: [] }, { id: 'x', features: [] }] }, 400, 'ATTUNE_INVALID_REQUEST', 'body/actions/2/id'],
    ['every action excluded', { actions: [{ id: 'x', features: [] }], excludedActions: ['x'] }, 400, 'ATTUNE_INVALID_REQUEST', 'body/excludedActions'],
    ['features that are not a list', { actions: [{ id: 'x', features: { a: 1 } }] }, 400, 'ATTUNE_INVALID_REQUEST', 'body/actions/0/features'],
    ['an overlong event id', { actions: [{ id: 'x', features: [] }], eventId: 'e'.repeat(257) }, 400, 'ATTUNE_INVALID_REQUEST', 'body/eventId'],
  ])('refuses a rank request with %s', async (_, body, status, code, field) => {
    const res = await s.rank(a.secretKey, body);
    expect(res.status).toBe(status);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code, field });
    // Personalizer's own error member too, which its clients read.
    expect(res.body).toMatchObject({ error: { code: 'BadRequest', message: expect.any(String), target: field } });
  });

  it('refuses a reused event id, a reward for an unknown event, and a reward that is not a finite number', async () => {
    await s.rank(a.secretKey, referenceRankRequest);
    expect((await s.rank(a.secretKey, referenceRankRequest)).body).toMatchObject({ status: 409, code: 'ATTUNE_RANK_EVENT_EXISTS', field: 'body/eventId' });
    expect((await s.reward(a.secretKey, 'no-such-event', 1)).body).toMatchObject({ status: 404, code: 'ATTUNE_RANK_EVENT_NOT_FOUND', field: 'params/eventId', error: { code: 'ResourceNotFound' } });
    expect((await s.activate(a.secretKey, 'no-such-event')).body).toMatchObject({ status: 404, code: 'ATTUNE_RANK_EVENT_NOT_FOUND' });
    const id = referenceRankRequest.eventId;
    expect((await s.reward(a.secretKey, id, 'high')).body).toMatchObject({ status: 400, code: 'ATTUNE_INVALID_REQUEST', field: 'body/value' });
    expect((await s.call('POST', `/personalizer/v1.0/events/${id}/reward`, a.secretKey, {})).body).toMatchObject({ status: 400, field: 'body' });
    // JSON has no Infinity, but 1e999 parses to it.
    const infinite = await s.call('POST', `/personalizer/v1.0/events/${id}/reward`, a.secretKey, '{"value": 1e999}', { 'content-type': 'application/json' });
    expect(infinite.status).toBe(400);
    expect(infinite.body).toMatchObject({ field: 'body/value' });
    expect((await s.events(a.secretKey))[0]).toMatchObject({ reward: null, learned: false });
  });

  it('counts the earliest reward of an event and ignores later ones', async () => {
    const ranked = await s.rank(a.secretKey, referenceRankRequest);
    expect((await s.reward(a.secretKey, ranked.body.eventId, 0.25)).status).toBe(204);
    expect((await s.reward(a.secretKey, ranked.body.eventId, 1)).status).toBe(204);
    expect((await s.events(a.secretKey))[0]).toMatchObject({ reward: 0.25, learned: true });
    expect(await s.server.engine.personalizer.observations(a.id)).toBe(1);
  });

  it('learns nothing from a deferred event until it is activated, then learns its reward', async () => {
    const ranked = await s.rank(a.secretKey, { ...referenceRankRequest, eventId: 'deferred', deferActivation: true });
    expect((await s.reward(a.secretKey, 'deferred', 1)).status).toBe(204);
    expect((await s.events(a.secretKey))[0]).toMatchObject({ eventId: 'deferred', activatedAt: null, reward: 1, learned: false });
    expect(await s.server.engine.personalizer.observations(a.id)).toBe(0);
    // Activated with no body, as Personalizer's clients send it (some label the nothing as JSON).
    const labelled = await s.server.app.inject({ method: 'POST', url: `/personalizer/v1.0/events/${ranked.body.eventId}/activate`, headers: { 'ocp-apim-subscription-key': a.secretKey, 'content-type': 'application/json' } });
    expect(labelled.statusCode, labelled.body).toBe(204);
    expect((await s.activate(a.secretKey, ranked.body.eventId)).status).toBe(204);
    expect((await s.events(a.secretKey))[0]).toMatchObject({ learned: true, activatedAt: new Date(t0).toISOString() });
    expect(await s.server.engine.personalizer.observations(a.id)).toBe(1);
  });

  it('gives the default reward (0) to an active event left without one for 10 minutes; a later reward is ignored', async () => {
    await s.rank(a.secretKey, { ...referenceRankRequest, eventId: 'quiet' });
    await s.rank(a.secretKey, { ...referenceRankRequest, eventId: 'never-shown', deferActivation: true });
    s.clock.advance(9 * 60_000);
    expect((await s.events(a.secretKey)).find((e) => e.eventId === 'quiet')).toMatchObject({ reward: null, learned: false });
    s.clock.advance(2 * 60_000);
    expect((await s.reward(a.secretKey, 'quiet', 1)).status).toBe(204);
    const events = await s.events(a.secretKey);
    expect(events.find((e) => e.eventId === 'quiet')).toMatchObject({ reward: 0, rewardSource: 'default', learned: true });
    expect(events.find((e) => e.eventId === 'never-shown')).toMatchObject({ reward: null, learned: false });
  });

  it('learns concurrent rewards in one order, the one a restart replays', async () => {
    const ranked = await Promise.all(Array.from({ length: 60 }, (_, i) => s.rank(a.secretKey, { contextFeatures: [{ n: i % 3 }], actions: bikeActions })));
    expect(ranked.every((r) => r.status === 201)).toBe(true);
    // Rewards and activations of deferred events, all in flight at once.
    const deferred = await Promise.all(Array.from({ length: 20 }, () => s.rank(a.secretKey, { contextFeatures: [{ n: 9 }], actions: bikeActions, deferActivation: true })));
    const calls = [
      ...ranked.map((r, i) => s.reward(a.secretKey, r.body.eventId, i % 4 === 0 ? 1 : 0.25)),
      ...deferred.map((r) => s.reward(a.secretKey, r.body.eventId, 1)),
      ...deferred.map((r) => s.activate(a.secretKey, r.body.eventId)),
    ];
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual(calls.map(() => 204));
    expect(await s.server.engine.personalizer.observations(a.id)).toBe(80);
    const probe = { contextFeatures: [{ n: 1 }], actions: bikeActions, deferActivation: true };
    const before = (await s.rank(a.secretKey, probe)).body.ranking;
    await s.close();
    s = await new Server(dataDir, 3).start();
    const after = (await s.rank(a.secretKey, probe)).body.ranking;
    for (const { id, probability } of before) expect(after.find((r) => r.id === id)!.probability, id).toBeCloseTo(probability, 12);
  });

  it('learns which action suits which context, and keeps what it learned across a restart', async () => {
    const actions = bikeActions;
    const contexts = visitorContexts;
    const best = bestBike;
    const random = seededRandom(11);
    let rewarded = 0;
    for (let round = 0; round < 400; round++) {
      const name = round % 2 === 0 ? 'weekend' : 'weekday';
      const ranked = await s.rank(a.secretKey, { contextFeatures: contexts[name], actions });
      expect(ranked.status).toBe(201);
      // The right action pays nine times in ten, the others one time in ten.
      const paid = pays(name, ranked.body.rewardActionId, random.next());
      rewarded += paid ? 1 : 0;
      expect((await s.reward(a.secretKey, ranked.body.eventId, paid ? 1 : 0)).status).toBe(204);
    }
    // Far above the 0.37 of a uniform choice: the loop exploited what it learned.
    expect(rewarded / 400).toBeGreaterThan(0.6);

    const probabilities = async (server: Server) => {
      const out: Record<string, Record<string, number>> = {};
      for (const name of ['weekend', 'weekday'] as const) {
        // An event that is never rewarded and deferred, so asking teaches nothing.
        const ranked = await server.rank(a.secretKey, { contextFeatures: contexts[name], actions, deferActivation: true });
        out[name] = Object.fromEntries(ranked.body.ranking.map((r) => [r.id, r.probability]));
      }
      return out;
    };
    const before = await probabilities(s);
    for (const name of ['weekend', 'weekday'] as const) {
      const ranking = Object.entries(before[name]!).sort((x, y) => y[1] - x[1]);
      expect(ranking[0]![0], name).toBe(best[name]);
      // At most 1 − 0.2 + 0.2/3 ≈ 0.867 with 20% exploration.
      expect(ranking[0]![1], name).toBeGreaterThan(0.8);
      expect(ranking[2]![1], name).toBeGreaterThanOrEqual(0.2 / 3 - 1e-12);
    }
    // Chosen first, most of the time: the draw follows the probabilities.
    let firstRight = 0;
    for (let i = 0; i < 40; i++) {
      const ranked = await s.rank(a.secretKey, { contextFeatures: contexts.weekday, actions, deferActivation: true });
      if (ranked.body.ranking[0]!.id === best.weekday) firstRight++;
    }
    expect(firstRight).toBeGreaterThan(26);
    const learned = await s.server.engine.personalizer.observations(a.id);
    expect(learned).toBe(400);

    // A restart: a new server on the same files rebuilds the same model, from the snapshot of
    // the first 300 learned events and the 100 logged after it; without a snapshot, from all 400.
    expect(await s.server.engine.store.rankEvents.loadSnapshot(a.id)).toMatchObject({ learnedSeq: 300, observations: 300 });
    await s.close();
    s = await new Server(dataDir, 99, { snapshotEvery: 150 }).start();
    expect(await s.server.engine.personalizer.observations(a.id)).toBe(400);
    const after = await probabilities(s);
    for (const name of ['weekend', 'weekday'] as const) {
      for (const action of actions) expect(after[name]![action.id], `${name} ${action.id}`).toBeCloseTo(before[name]![action.id]!, 12);
    }
    expect((await s.events(a.secretKey, 1000)).filter((e) => e.learned).length).toBe(400);

    await s.close();
    s = await new Server(dataDir, 5, { snapshotEvery: 150, ridge: 2 }).start();
    expect(await s.server.engine.personalizer.observations(a.id), 'a snapshot of other settings is not used').toBe(400);
    await s.close();
    s = await new Server(dataDir, 5, { snapshotEvery: 150 }).start();
    s.store.db.prepare('DELETE FROM rank_model_snapshots').run();
    const replayed = await probabilities(s);
    for (const name of ['weekend', 'weekday'] as const) {
      for (const action of actions) expect(replayed[name]![action.id], `${name} ${action.id}`).toBeCloseTo(before[name]![action.id]!, 12);
    }
  });
});

describe('Personalizer-compatible API in the OpenAPI document', () => {
  let s: Server;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'attune-personalizer-'));
    s = await new Server(dataDir, 1).start();
  });
  afterAll(async () => {
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('documents the routes with their shapes and the subscription key scheme', async () => {
    const doc = (await s.call<{ paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>; components: { securitySchemes: Record<string, unknown> } }>('GET', '/openapi.json', null)).body;
    expect(doc.components.securitySchemes['subscriptionKey']).toMatchObject({ type: 'apiKey', in: 'header', name: 'Ocp-Apim-Subscription-Key' });
    const rank = doc.paths['/personalizer/v1.0/rank']?.['post'];
    expect(rank?.security).toEqual([{ subscriptionKey: [] }, { secretKeyBearer: [] }]);
    expect(JSON.stringify(rank?.responses['201'])).toContain('#/components/schemas/PersonalizerRankResponse');
    expect(doc.paths['/personalizer/v1.0/events/{eventId}/reward']?.['post']).toBeDefined();
    expect(doc.paths['/personalizer/v1.0/events/{eventId}/activate']?.['post']).toBeDefined();
    expect(doc.paths['/admin/v1/personalizer/events']?.['get']).toBeDefined();
  });
});
