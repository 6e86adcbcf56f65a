import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';
import { admin, collect, expectCollected, findProfile, uniqueId } from './httpHelpers.js';

/**
 * Isolation cases of the privacy API, spread into `cases` of isolation.test.ts: the same user
 * id in two workspaces is two people. A's key exports, erases and suppresses only A's person;
 * B's is untouched, B's events are still collected, and A's report lists only A's hashes.
 */

type IsolationCase = (h: Harness) => Promise<void>;

/** One person with the same user id and trait in both workspaces; the id. */
async function inBoth(h: Harness): Promise<string> {
  const userId = uniqueId('iso-privacy');
  for (const ws of [h.a, h.b]) {
    expectCollected(await collect(h, '/v1/batch', { batch: [{ type: 'identify', userId, traits: { secretOf: ws.name } }, { type: 'track', userId, event: 'Seen' }] }, ws.writeKey));
  }
  return userId;
}

const post = (h: Harness, path: string, key: string, userId: string) => admin(h, 'POST', `/admin/v1/privacy/${path}`, key, { userId });

/** Workspace B still holds its person, and collects their events. */
async function expectBIntact(h: Harness, userId: string): Promise<void> {
  const inB = await findProfile(h, h.b.secretKey, userId);
  expect(inB?.traits).toMatchObject({ secretOf: 'workspace B' });
  expect(expectCollected(await collect(h, '/v1/track', { userId, event: 'Still Here' }, h.b.writeKey))).toMatchObject({ accepted: 1 });
}

export const privacyIsolationCases: Record<string, IsolationCase> = {
  'POST /admin/v1/privacy/export': async (h) => {
    const userId = await inBoth(h);
    const res = await post(h, 'export', h.a.secretKey, userId);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain('workspace A');
    expect(res.body).not.toContain('workspace B');
    expect(res.json<{ workspaceId: string }>().workspaceId).toBe(h.a.id);
  },

  'POST /admin/v1/privacy/erase': async (h) => {
    const userId = await inBoth(h);
    const res = await post(h, 'erase', h.a.secretKey, userId);
    expect(res.statusCode, res.body).toBe(200);
    expect(await findProfile(h, h.a.secretKey, userId)).toBeUndefined();
    await expectBIntact(h, userId);
  },

  'POST /admin/v1/privacy/suppress': async (h) => {
    const userId = await inBoth(h);
    expect((await post(h, 'suppress', h.a.secretKey, userId)).statusCode).toBe(200);
    expect(expectCollected(await collect(h, '/v1/track', { userId, event: 'Dropped' }, h.a.writeKey))).toMatchObject({ accepted: 0, suppressed: 1 });
    await expectBIntact(h, userId);
  },

  'POST /admin/v1/privacy/unsuppress': async (h) => {
    const userId = await inBoth(h);
    for (const ws of [h.a, h.b]) expect((await post(h, 'suppress', ws.secretKey, userId)).statusCode).toBe(200);
    expect((await post(h, 'unsuppress', h.a.secretKey, userId)).json<{ changed: number }>().changed).toBeGreaterThan(0);
    expect(expectCollected(await collect(h, '/v1/track', { userId, event: 'Back' }, h.a.writeKey))).toMatchObject({ accepted: 1 });
    // B's suppression stands.
    expect(expectCollected(await collect(h, '/v1/track', { userId, event: 'Dropped' }, h.b.writeKey))).toMatchObject({ accepted: 0, suppressed: 1 });
  },

  'GET /admin/v1/privacy/report': async (h) => {
    const userId = await inBoth(h);
    const erased = await post(h, 'erase', h.b.secretKey, userId);
    const receiptId = erased.json<{ id: string }>().id;
    const report = async (key: string) => (await admin(h, 'GET', '/admin/v1/privacy/report', key)).json<{ receipts: { id: string }[]; suppressions: { hash: string }[] }>();
    const [inA, inB] = [await report(h.a.secretKey), await report(h.b.secretKey)];
    expect(inB.receipts.map((r) => r.id)).toContain(receiptId);
    expect(inA.receipts.map((r) => r.id)).not.toContain(receiptId);
    const bHashes = new Set(inB.suppressions.map((s) => s.hash));
    expect(inA.suppressions.filter((s) => bHashes.has(s.hash))).toEqual([]);
  },
};
