import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';
import { admin, uniqueId } from './httpHelpers.js';

/**
 * Isolation cases of the audit trail's API, spread into `cases` of isolation.test.ts: each
 * workspace has its own chain, so A's key never reads, exports or verifies B's entries.
 */

type IsolationCase = (h: Harness) => Promise<void>;

interface EntryBody { seq: number; workspaceId: string; target: { id: string } }

/** A change in B only: a segment whose id names it. */
async function changeInB(h: Harness): Promise<string> {
  const id = uniqueId('iso-audit');
  const res = await admin(h, 'POST', '/admin/v1/segments', h.b.secretKey, { id, name: 'B only', rule: 'true' });
  expect(res.statusCode, res.body).toBe(201);
  return id;
}

export const auditIsolationCases: Record<string, IsolationCase> = {
  'GET /admin/v1/audit': async (h) => {
    const id = await changeInB(h);
    const inB = (await admin(h, 'GET', `/admin/v1/audit?targetId=${id}`, h.b.secretKey)).json<{ entries: EntryBody[] }>().entries;
    expect(inB.map((e) => e.target.id)).toEqual([id]);
    const inA = (await admin(h, 'GET', `/admin/v1/audit?targetId=${id}`, h.a.secretKey)).json<{ entries: EntryBody[] }>().entries;
    expect(inA).toEqual([]);
    const all = (await admin(h, 'GET', '/admin/v1/audit?limit=1000', h.a.secretKey)).json<{ entries: EntryBody[] }>().entries;
    expect(all.every((e) => e.workspaceId === h.a.id)).toBe(true);
  },

  'GET /admin/v1/audit/export': async (h) => {
    const id = await changeInB(h);
    const res = await admin(h, 'GET', '/admin/v1/audit/export', h.a.secretKey);
    expect(res.statusCode).toBe(200);
    const lines = res.body.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as EntryBody);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((e) => e.workspaceId === h.a.id)).toBe(true);
    expect(res.body).not.toContain(id);
  },

  'POST /admin/v1/audit/verify': async (h) => {
    await changeInB(h);
    const a = (await admin(h, 'POST', '/admin/v1/audit/verify', h.a.secretKey, {})).json<{ ok: boolean; entries: number }>();
    const b = (await admin(h, 'POST', '/admin/v1/audit/verify', h.b.secretKey, {})).json<{ ok: boolean; entries: number }>();
    expect(a.ok && b.ok).toBe(true);
    const countOf = async (key: string) => (await admin(h, 'GET', '/admin/v1/audit?limit=1000', key)).json<{ entries: EntryBody[] }>().entries.length;
    // Each verification covers its own workspace's chain, no more.
    expect(a.entries).toBe(await countOf(h.a.secretKey));
    expect(b.entries).toBe(await countOf(h.b.secretKey));
    // An anchor of B's chain means nothing in A's: A's entry at that position has another hash.
    const bHead = (await admin(h, 'POST', '/admin/v1/audit/verify', h.b.secretKey, {})).json<{ head: { seq: number; hash: string } }>().head;
    const crossed = (await admin(h, 'POST', '/admin/v1/audit/verify', h.a.secretKey, { anchors: [bHead] })).json<{ ok: boolean; fault?: string }>();
    expect(crossed).toMatchObject({ ok: false, fault: 'anchor' });
  },
};
