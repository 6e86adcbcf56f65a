import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';
import { expectProblem, uniqueId } from './httpHelpers.js';
import { personalizerVersions } from '../../src/server/routes/personalizerRoutes.js';

/**
 * Isolation cases of the Personalizer-compatible API, spread into `cases` of isolation.test.ts:
 * event ids are each workspace's own, a workspace neither rewards, activates nor lists another's
 * events, and its model learns from its own rewards only.
 */

type IsolationCase = (h: Harness) => Promise<void>;

interface LoggedEvent { eventId: string; reward: number | null; activatedAt: string | null; learned: boolean }

const call = (h: Harness, method: 'GET' | 'POST', url: string, key: string, payload?: Record<string, unknown>) =>
  h.app.inject({ method, url, headers: { 'ocp-apim-subscription-key': key }, ...(payload === undefined ? {} : { payload }) });

/** B ranks an event of its own (at the paths of `version`); its id. */
async function rankB(h: Harness, deferActivation = false, version = 'v1.0'): Promise<string> {
  const eventId = uniqueId('iso-rank');
  const res = await call(h, 'POST', `/personalizer/${version}/rank`, h.b.secretKey, { contextFeatures: [{ tier: 'gold' }], actions: [{ id: 'x', features: [] }, { id: 'y', features: [] }], eventId, deferActivation });
  expect(res.statusCode, res.body).toBe(201);
  return eventId;
}

async function logged(h: Harness, key: string): Promise<LoggedEvent[]> {
  const res = await call(h, 'GET', '/admin/v1/personalizer/events?limit=1000', key);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ events: LoggedEvent[] }>().events;
}

/** The cases of one API version's paths (v1.0, and the preview versions answered alike). */
function versionCases(version: string): Record<string, IsolationCase> {
  const base = `/personalizer/${version}`;
  return {
    [`POST ${base}/rank`]: async (h) => {
      const eventId = await rankB(h, false, version);
      // The same event id is A's own to use.
      const inA = await call(h, 'POST', `${base}/rank`, h.a.secretKey, { actions: [{ id: 'z', features: [] }], eventId });
      expect(inA.statusCode, inA.body).toBe(201);
      expect((await logged(h, h.b.secretKey)).find((e) => e.eventId === eventId)).toBeDefined();
      expect((await logged(h, h.a.secretKey)).filter((e) => e.eventId === eventId)).toHaveLength(1);
    },

    [`POST ${base}/events/:eventId/reward`]: async (h) => {
      const eventId = await rankB(h, false, version);
      const learnedBefore = await h.engine.personalizer.observations(h.a.id);
      expectProblem(await call(h, 'POST', `${base}/events/${eventId}/reward`, h.a.secretKey, { value: 1 }), 404, 'ATTUNE_RANK_EVENT_NOT_FOUND');
      expect((await logged(h, h.b.secretKey)).find((e) => e.eventId === eventId)).toMatchObject({ reward: null, learned: false });
      expect((await call(h, 'POST', `${base}/events/${eventId}/reward`, h.b.secretKey, { value: 1 })).statusCode).toBe(204);
      expect(await h.engine.personalizer.observations(h.a.id)).toBe(learnedBefore);
    },

    [`POST ${base}/events/:eventId/activate`]: async (h) => {
      const eventId = await rankB(h, true, version);
      expectProblem(await call(h, 'POST', `${base}/events/${eventId}/activate`, h.a.secretKey), 404, 'ATTUNE_RANK_EVENT_NOT_FOUND');
      expect((await logged(h, h.b.secretKey)).find((e) => e.eventId === eventId)).toMatchObject({ activatedAt: null });
    },
  };
}

export const personalizerIsolationCases: Record<string, IsolationCase> = {
  ...Object.assign({}, ...personalizerVersions.map(versionCases)) as Record<string, IsolationCase>,

  'GET /admin/v1/personalizer/events': async (h) => {
    const eventId = await rankB(h);
    expect((await logged(h, h.a.secretKey)).map((e) => e.eventId)).not.toContain(eventId);
    expect((await logged(h, h.b.secretKey)).map((e) => e.eventId)).toContain(eventId);
  },
};
