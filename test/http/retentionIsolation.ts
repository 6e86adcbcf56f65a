import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';
import { admin, collect, expectCollected, storedMessageIds, uniqueId } from './httpHelpers.js';

/**
 * Isolation cases of the retention API, spread into `cases` of isolation.test.ts: A's key
 * reads and replaces only A's policy, and A's purge removes only A's events (B's policy, which
 * would remove everything of B's, is not applied by it).
 */

type IsolationCase = (h: Harness) => Promise<void>;

const policyOf = async (h: Harness, key: string) => (await admin(h, 'GET', '/admin/v1/retention', key)).json<{ policy: Record<string, unknown> }>().policy;

export const retentionIsolationCases: Record<string, IsolationCase> = {
  'GET /admin/v1/retention': async (h) => {
    expect((await admin(h, 'PUT', '/admin/v1/retention', h.b.secretKey, { decisions: { keepDays: 7 } })).statusCode).toBe(200);
    expect(await policyOf(h, h.a.secretKey)).not.toMatchObject({ decisions: { keepDays: 7 } });
    expect(await policyOf(h, h.b.secretKey)).toMatchObject({ decisions: { keepDays: 7 } });
  },

  'PUT /admin/v1/retention': async (h) => {
    const before = await policyOf(h, h.b.secretKey);
    expect((await admin(h, 'PUT', '/admin/v1/retention', h.a.secretKey, { audit: { keepDays: 3650 } })).statusCode).toBe(200);
    expect(await policyOf(h, h.a.secretKey)).toEqual({ audit: { keepDays: 3650 } });
    expect(await policyOf(h, h.b.secretKey)).toEqual(before);
  },

  'POST /admin/v1/retention/purge': async (h) => {
    const userId = uniqueId('iso-retention');
    const noAnalytics = { consent: { categoryPreferences: { analytics: false } } };
    for (const ws of [h.a, h.b]) expectCollected(await collect(h, '/v1/track', { userId, event: 'Seen', messageId: `${userId}-${ws.id}`, context: noAnalytics }, ws.writeKey));
    // A removes the events of people without analytics at once; B keeps them (no such policy).
    expect((await admin(h, 'PUT', '/admin/v1/retention', h.a.secretKey, { withoutAnalytics: { keepDays: 0 } })).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const res = await admin(h, 'POST', '/admin/v1/retention/purge', h.a.secretKey);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ workspaceId: string; events: { withoutAnalytics: number } }>()).toMatchObject({ workspaceId: h.a.id });
    expect(res.json<{ events: { withoutAnalytics: number } }>().events.withoutAnalytics).toBeGreaterThan(0);
    expect(await storedMessageIds(h, h.a.secretKey)).not.toContain(`${userId}-${h.a.id}`);
    expect(await storedMessageIds(h, h.b.secretKey)).toContain(`${userId}-${h.b.id}`);
  },
};
