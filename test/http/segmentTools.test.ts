import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';
import { userWithRole } from './accessHelpers.js';
import { admin, expectProblem, findProfile, uniqueId } from './httpHelpers.js';

// POST /admin/v1/segments/estimate and GET /admin/v1/segments/overlap, against real collection.
const t0 = Date.parse('2026-04-01T10:00:00.000Z');

interface Estimate {
  exists: boolean;
  analysis: { stored: boolean };
  estimate: { kind: 'exact' | 'sample'; count: number; population: number } | null;
  preview: string[] | null;
}
interface Overlap { segments: { id: string; size: number }[]; pairs: { a: string; b: string; both: number; jaccard: number | null }[] }

describe('segment estimate and overlap', () => {
  const clock = fixedClock(t0);
  let h: Harness;
  let key: string;
  const tier = uniqueId('tier');
  const users = ['u1', 'u2', 'u3', 'u4'].map((u) => `${tier}-${u}`);

  beforeAll(async () => {
    h = await startHarness({ clock });
    key = h.a.secretKey;
    const batch = users.map((userId, i) => ({ type: 'identify', userId, messageId: uniqueId('m'), traits: { tier, rank: i + 1 } }));
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { batch } });
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(async () => { await h.close(); });

  const estimate = (payload: Record<string, unknown>, secret = key) => admin(h, 'POST', '/admin/v1/segments/estimate', secret, payload);
  const ok = async <T>(res: Awaited<ReturnType<typeof estimate>>): Promise<T> => {
    expect(res.statusCode, res.body).toBe(200);
    return res.json<T>();
  };

  it('counts an unsaved rule exactly over every profile, with matching ids in id order, and saves nothing', async () => {
    const rule = `profile.traits.tier == "${tier}" and profile.traits.rank >= 2`;
    const result = await ok<Estimate>(await estimate({ id: 'draft', name: 'Draft', rule, preview: 2 }));
    expect(result.exists).toBe(false);
    expect(result.estimate).toMatchObject({ kind: 'exact', count: 3 });
    expect(result.estimate!.population).toBeGreaterThanOrEqual(4);
    const expected = (await Promise.all(users.slice(1).map(async (u) => (await findProfile(h, key, u))!.id))).sort().slice(0, 2);
    expect(result.preview).toEqual(expected);
    expect((await ok<Estimate>(await estimate({ id: 'draft', name: 'Draft', rule }))).preview).toBeNull();
    expectProblem(await admin(h, 'GET', '/admin/v1/segments/draft', key), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
  });

  it('agrees with the size the segment has once saved', async () => {
    const rule = `profile.traits.tier == "${tier}" and profile.traits.rank != 3`;
    const before = await ok<Estimate>(await estimate({ id: 'saved_tier', name: 'Saved', rule }));
    const created = await admin(h, 'POST', '/admin/v1/segments', key, { id: 'saved_tier', name: 'Saved', rule });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json<{ segment: { size: number } }>().segment.size).toBe(before.estimate!.count);
    expect((await ok<Estimate>(await estimate({ id: 'saved_tier', name: 'Saved', rule }))).exists).toBe(true);
  });

  it('has no estimate for a rule that reads the request context (it has no stored members)', async () => {
    const result = await ok<Estimate>(await estimate({ id: 'ctx', name: 'Context', rule: 'context.page.path starts_with "/shoes"', preview: 3 }));
    expect(result).toMatchObject({ analysis: { stored: false }, estimate: null, preview: null });
  });

  it('answers bad input with problem+json naming the field', async () => {
    const fault = expectProblem(await estimate({ id: 'bad', name: 'Bad', rule: 'profile.traits.tier ==' }), 400, 'ATTUNE_RULE_INVALID');
    expect(fault.field).toBe('/rule');
    expect(expectProblem(await estimate({ id: 'bad', name: 'Bad', rule: 'true', preview: 21 }), 400, 'ATTUNE_INVALID_REQUEST').field).toMatch(/preview/);
    expect(expectProblem(await estimate({ id: 'Bad id', name: 'Bad', rule: 'true' }), 400, 'ATTUNE_INVALID_REQUEST').field).toMatch(/id/);
    expect(expectProblem(await estimate({ id: 'bad', name: 'Bad', rule: 'true', extra: 1 }), 400, 'ATTUNE_INVALID_REQUEST').field).toMatch(/extra/);
  });

  it('shows profile ids only to a credential that may read personal data; counts to anyone who reads the configuration', async () => {
    const { token } = await userWithRole(h, 'analyst');
    const refused = expectProblem(await estimate({ id: 'draft', name: 'Draft', rule: 'true', preview: 1 }, token), 403, 'ATTUNE_FORBIDDEN');
    expect(refused.field).toBe('/preview');
    expect((await ok<Estimate>(await estimate({ id: 'draft', name: 'Draft', rule: 'true' }, token))).estimate?.kind).toBe('exact');
  });

  it('gives the members each pair of segments shares, with the Jaccard index', async () => {
    const low = `profile.traits.tier == "${tier}" and profile.traits.rank <= 2`;
    const high = `profile.traits.tier == "${tier}" and profile.traits.rank >= 2`;
    for (const [id, rule] of [['ov_low', low], ['ov_high', high], ['ov_none', 'false']] as const) {
      expect((await admin(h, 'POST', '/admin/v1/segments', key, { id, name: id, rule })).statusCode).toBe(201);
    }
    const res = await admin(h, 'GET', '/admin/v1/segments/overlap?ids=ov_low,ov_high,ov_none', key);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Overlap>()).toEqual({
      segments: [{ id: 'ov_low', size: 2 }, { id: 'ov_high', size: 3 }, { id: 'ov_none', size: 0 }],
      pairs: [
        { a: 'ov_low', b: 'ov_high', both: 1, jaccard: 0.25 },
        { a: 'ov_low', b: 'ov_none', both: 0, jaccard: 0 },
        { a: 'ov_high', b: 'ov_none', both: 0, jaccard: 0 },
      ],
    });
  });

  it('refuses an overlap of unknown, repeated, contextual or too few segments, naming the field', async () => {
    expectProblem(await admin(h, 'GET', '/admin/v1/segments/overlap?ids=ov_low,nobody', key), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    for (const ids of ['ov_low', '', 'ov_low,,ov_high', 'ov_low,OV', Array.from({ length: 13 }, (_, i) => `s${i}`).join(',')]) {
      expect(expectProblem(await admin(h, 'GET', `/admin/v1/segments/overlap?ids=${ids}`, key), 400, 'ATTUNE_INVALID_REQUEST').field, ids).toMatch(/ids/);
    }
    expect(expectProblem(await admin(h, 'GET', '/admin/v1/segments/overlap?ids=ov_low,ov_low', key), 400, 'ATTUNE_INVALID_REQUEST').field).toBe('querystring/ids');
    expectProblem(await admin(h, 'GET', '/admin/v1/segments/overlap', key), 400, 'ATTUNE_INVALID_REQUEST');
    expect((await admin(h, 'POST', '/admin/v1/segments', key, { id: 'ov_ctx', name: 'ctx', rule: 'context.page.path == "/"' })).statusCode).toBe(201);
    expect(expectProblem(await admin(h, 'GET', '/admin/v1/segments/overlap?ids=ov_low,ov_ctx', key), 400, 'ATTUNE_INVALID_REQUEST').field).toBe('querystring/ids');
  });

  it('refuses a segment named after a path of the segments API, which could be written but never read back', async () => {
    for (const id of ['overlap', 'estimate']) {
      expect(expectProblem(await admin(h, 'POST', '/admin/v1/segments', key, { id, name: id, rule: 'profile.traits.rank >= 1' }), 400, 'ATTUNE_INVALID_REQUEST').field, id).toBe('body/id');
      expect(expectProblem(await admin(h, 'PUT', `/admin/v1/segments/${id}`, key, { name: id, rule: 'profile.traits.rank >= 1' }), 400, 'ATTUNE_INVALID_REQUEST').field, id).toBe('params/id');
    }
    expect((await admin(h, 'POST', '/admin/v1/segments', key, { id: 'overlapping', name: 'fine', rule: 'profile.traits.rank >= 1' })).statusCode).toBe(201);
  });
});

describe('profile search by trait', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ clock: fixedClock(t0) });
    const batch = [['s1', 'Ann@Example.com', 41], ['s2', 'ann@example.com', 30], ['s3', 'bob@example.com', 41]].map(([userId, email, age]) => ({ type: 'identify', userId, messageId: uniqueId('m'), traits: { email, age } }));
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { batch } });
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(async () => { await h.close(); });

  type Found = { profiles: { id: string; firstSeen: string; lastSeen: string }[]; next: string | null };
  const search = (query: string, key = h.a.secretKey) => admin(h, 'GET', `/admin/v1/profiles?${query}`, key);

  it('finds profiles by a string trait ignoring case, or a number, a page at a time', async () => {
    const ids = await Promise.all(['s1', 's2', 's3'].map(async (u) => (await findProfile(h, h.a.secretKey, u))!.id));
    const ann = [ids[0]!, ids[1]!].sort();
    const first = await search('trait=email&value=ANN%40example.com&limit=1');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json<Found>()).toEqual({ profiles: [{ id: ann[0], firstSeen: new Date(t0).toISOString(), lastSeen: new Date(t0).toISOString() }], next: ann[0] });
    expect((await search(`trait=email&value=ann%40example.com&after=${ann[0]}`)).json<Found>()).toEqual({ profiles: [expect.objectContaining({ id: ann[1] })], next: null });
    expect((await search('trait=age&value=41')).json<Found>().profiles.map((p) => p.id)).toEqual([ids[0]!, ids[2]!].sort());
    expect((await search('trait=email&value=nobody%40example.com')).json<Found>()).toEqual({ profiles: [], next: null });
  });

  it('answers bad input with problem+json naming the field, and needs personalData.read', async () => {
    for (const [query, field] of [['trait=email&value=x&limit=0', 'limit'], ['trait=%22email&value=x', 'trait'], ['trait=email&value=x&other=1', 'other']] as const) {
      expect(expectProblem(await search(query), 400, 'ATTUNE_INVALID_REQUEST').field, query).toMatch(new RegExp(field));
    }
    // A missing member is the query's fault, and the detail names it.
    for (const [query, missing] of [['value=x', 'trait'], ['trait=email', 'value']] as const) {
      const fault = expectProblem(await search(query), 400, 'ATTUNE_INVALID_REQUEST');
      expect([fault.field, fault.detail]).toEqual(['querystring', expect.stringContaining(missing)]);
    }
    const { token } = await userWithRole(h, 'analyst');
    expectProblem(await search('trait=email&value=x', token), 403, 'ATTUNE_FORBIDDEN');
  });
});
