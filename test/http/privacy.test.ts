import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem, findProfile, storedMessageIds, uniqueId } from './httpHelpers.js';

interface Receipt {
  id: string;
  found: boolean;
  subject: { kind: string; hash: string };
  identifiers: { kind: string; hash: string }[];
  removed: Record<string, number>;
  suppressed: number;
  verification: { remaining: Record<string, number>; inMemory: number; clean: boolean };
}

interface Report {
  suppressedIdentifiers: number;
  droppedEvents: number;
  suppressions: { kind: string; hash: string; dropped: number }[];
  receipts: Receipt[];
}

/** The privacy API: bad bodies, export, erasure of a known and an unknown person, suppression. */
describe('privacy API', () => {
  let h: Harness;
  beforeAll(async () => {
    // Rank events wait a minute to be written, so only the flush before an export can show them.
    h = await startHarness({ personalizer: { recordDelayMs: 60_000 } });
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (path: string, body: unknown, key = h.a.secretKey) => admin(h, 'POST', `/admin/v1/privacy/${path}`, key, body as Record<string, unknown>);
  const report = async (key = h.a.secretKey) => {
    const res = await admin(h, 'GET', '/admin/v1/privacy/report', key);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Report>();
  };

  it.each(['export', 'erase', 'suppress', 'unsuppress'])('%s: a body naming no person, two, or an unknown member is a 400 with the field', async (path) => {
    expect(expectProblem(await post(path, {}), 400, 'ATTUNE_INVALID_REQUEST').field).toBe('body/userId');
    expect(expectProblem(await post(path, { userId: 'u', anonymousId: 'a' }), 400, 'ATTUNE_INVALID_REQUEST').field).toBe('body/anonymousId');
    expect(expectProblem(await post(path, { anonymousId: 'a', profileId: 'p' }), 400, 'ATTUNE_INVALID_REQUEST').field).toBe('body/profileId');
    expect(expectProblem(await post(path, { email: 'x@example.com' }), 400, 'ATTUNE_INVALID_REQUEST').field).toBe('body/email');
    expect(expectProblem(await post(path, { userId: '' }), 400, 'ATTUNE_INVALID_REQUEST').field).toBe('body/userId');
    expectProblem(await post(path, { userId: 'u' }, h.a.writeKey), 403, 'ATTUNE_FORBIDDEN');
  });

  it('exports everything held about a person, merged profiles included', async () => {
    const [userId, anonymousId] = [uniqueId('priv-user'), uniqueId('priv-anon')];
    expectCollected(await collect(h, '/v1/batch', {
      batch: [
        { type: 'page', anonymousId, name: 'Home' },
        { type: 'identify', userId, anonymousId, traits: { favouriteColour: 'teal-export' } },
        { type: 'track', userId, event: 'Order Completed', properties: { revenue: 12 } },
      ],
    }));
    const res = await post('export', { anonymousId });
    expect(res.statusCode, res.body).toBe(200);
    const doc = res.json<{ found: boolean; traits: Record<string, unknown>; identities: { kind: string; value: string }[]; events: { type: string }[]; profiles: unknown[]; knowledge: { features: Record<string, unknown> } }>();
    expect(doc.found).toBe(true);
    expect(doc.traits).toMatchObject({ favouriteColour: 'teal-export' });
    expect(doc.identities.map((i) => `${i.kind}:${i.value}`).sort()).toEqual([`anonymous:${anonymousId}`, `user:${userId}`]);
    expect(doc.events.map((e) => e.type)).toEqual(['page', 'identify', 'track']);
    expect(doc.knowledge.features).toBeDefined();
    // The same person by any identifier.
    expect((await post('export', { userId })).json<{ events: unknown[] }>().events).toHaveLength(3);
  });

  it('exports and erases the rank events naming a person that still wait to be written', async () => {
    const userId = uniqueId('priv-rank');
    expectCollected(await collect(h, '/v1/batch', { batch: [{ type: 'identify', userId, traits: { plan: 'rank' } }] }));
    const rank = await h.app.inject({
      method: 'POST', url: '/personalizer/v1.0/rank', headers: { 'ocp-apim-subscription-key': h.a.secretKey, 'content-type': 'application/json' },
      payload: { contextFeatures: [{ user: userId }], actions: [{ id: 'a', features: [{ k: 1 }] }, { id: 'b', features: [{ k: 2 }] }] },
    });
    expect(rank.statusCode, rank.body).toBe(201);
    const exported = await post('export', { userId });
    expect(exported.json<{ rankEvents: { eventId: string }[] }>().rankEvents.map((r) => r.eventId)).toEqual([rank.json<{ eventId: string }>().eventId]);
    const erased = await post('erase', { userId });
    expect(erased.json<Receipt>().removed['rankEvents']).toBe(1);
    expect(await h.store.rankEvents.getEvent(h.a.id, rank.json<{ eventId: string }>().eventId)).toBeUndefined();
  });

  it('an erasure for an unknown person returns a receipt that says nothing was found', async () => {
    const res = await post('erase', { userId: uniqueId('nobody') });
    expect(res.statusCode, res.body).toBe(200);
    const receipt = res.json<Receipt>();
    expect(receipt.found).toBe(false);
    expect(Object.values(receipt.removed).every((n) => n === 0)).toBe(true);
    expect(receipt.verification.clean).toBe(true);
    expect(receipt.subject.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('erases a person, suppresses them, and drops and counts their later events', async () => {
    const [userId, anonymousId] = [uniqueId('priv-erase'), uniqueId('priv-erase-anon')];
    expectCollected(await collect(h, '/v1/batch', {
      batch: [
        { type: 'page', anonymousId, name: 'Home' },
        { type: 'identify', userId, anonymousId, traits: { plan: 'gold-erase' } },
        { type: 'track', userId, event: 'Product Viewed', properties: { product_id: 'sku-1' } },
      ],
    }));
    const res = await post('erase', { userId });
    expect(res.statusCode, res.body).toBe(200);
    const receipt = res.json<Receipt>();
    expect(receipt.found).toBe(true);
    expect(receipt.removed).toMatchObject({ events: 3, identities: 2 });
    expect(receipt.removed['profiles']).toBeGreaterThanOrEqual(1);
    expect(receipt.verification).toMatchObject({ clean: true, inMemory: 0 });
    expect(JSON.stringify(receipt)).not.toContain(userId);
    expect(JSON.stringify(receipt)).not.toContain(anonymousId);
    expect(await findProfile(h, h.a.secretKey, userId)).toBeUndefined();

    const later = uniqueId('priv-later');
    const answer = expectCollected(await collect(h, '/v1/batch', {
      batch: [{ type: 'track', userId, event: 'Came Back', messageId: later }, { type: 'page', anonymousId, name: 'Home' }, { type: 'page', anonymousId: uniqueId('someone-else'), name: 'Home' }],
    }));
    expect(answer).toMatchObject({ accepted: 1, suppressed: 2 });
    expect(await storedMessageIds(h, h.a.secretKey)).not.toContain(later);
    expect(await findProfile(h, h.a.secretKey, userId)).toBeUndefined();

    const listed = await report();
    expect(listed.droppedEvents).toBeGreaterThanOrEqual(2);
    expect(listed.receipts.map((r) => r.id)).toContain(receipt.id);
    expect(JSON.stringify(listed)).not.toContain(userId);

    // Lifting the user id's suppression collects their events again (a new profile).
    const lifted = await post('unsuppress', { userId });
    expect(lifted.json<{ changed: number }>().changed).toBe(1);
    expect(expectCollected(await collect(h, '/v1/track', { userId, event: 'Came Back Again' }))).toMatchObject({ accepted: 1 });
    expect(await findProfile(h, h.a.secretKey, userId)).toBeDefined();
  });

  it('suppression without erasure drops later events and keeps what was held', async () => {
    const userId = uniqueId('priv-supp');
    expectCollected(await collect(h, '/v1/track', { userId, event: 'First' }));
    const res = await post('suppress', { userId });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ changed: number }>().changed).toBeGreaterThanOrEqual(1);
    expect(expectCollected(await collect(h, '/v1/track', { userId, event: 'Second' }))).toMatchObject({ accepted: 0, suppressed: 1 });
    const profile = await findProfile(h, h.a.secretKey, userId);
    expect(profile?.eventCounts).toEqual({ track: 1 });
  });
});
