import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { buildServer, type AttuneServer } from '../../src/server/buildServer.js';
import { openStore } from '../../src/engine/openStore.js';
import type { LiveStore } from '../../src/profiles/LiveStore.js';
import { uuidIds } from '../../src/cli/systemClock.js';
import { basicAuth } from '../support/harness.js';

// Session kNN over the live sessions: a view is a click of its session at once, anonymous
// visitors get next items from the sessions going on, and a restart rebuilds from the log.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const minute = 60_000;
const hour = 60 * minute;

describe('LiveSessions through the engine', () => {
  const clock = fixedClock(t0);
  const dirs: string[] = [];
  const open: AttuneServer[] = [];
  afterEach(async () => {
    for (const server of open.splice(0)) await server.app.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function server(dir: string): Promise<{ server: AttuneServer; store: LiveStore }> {
    const store = openStore({ path: join(dir, 'attune.db'), synchronous: 'normal', writer: 'inline', maxPendingEvents: 100_000 });
    const s = await buildServer({ store, clock, ids: uuidIds, logger: false });
    open.push(s);
    return { server: s, store };
  }

  const view = (anonymousId: string, item: string, at: number) => ({ type: 'track', event: 'Product Viewed', anonymousId, timestamp: new Date(at).toISOString(), properties: { product_id: item } });

  async function send(s: AttuneServer, writeKey: string, events: readonly Record<string, unknown>[]): Promise<void> {
    const res = await s.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(writeKey) }, payload: { batch: events } });
    expect(res.statusCode, res.body).toBe(200);
  }

  /** Next items for a visitor's session so far, as the blend asks: in the online models' id space. */
  async function next(s: AttuneServer, store: LiveStore, ws: string, session: readonly string[], options: { anonymousId?: string; keepHistory?: boolean } = {}): Promise<string[]> {
    const { anonymousId } = options;
    const models = await store.itemModels(ws);
    const knn = await s.engine.sessions.sessionRecommender(ws, models.ids);
    let key: string | undefined;
    if (anonymousId !== undefined) {
      const profile = await store.decisions.findDecisionProfile(ws, null, anonymousId);
      key = profile === undefined ? undefined : s.engine.sessions.sessionKey(ws, profile.id);
      expect(key).toBeDefined();
    }
    const history = session.map((id) => models.ids.index(id));
    return knn.recommend({ history, k: 5, ...(options.keepHistory === true ? {} : { exclude: new Set(history) }), ...(key === undefined ? {} : { session: key }) })
      .map((r) => models.ids.id(r.item));
  }

  it('a view is a neighbour for the next request; the asking session is not its own neighbour; a restart rebuilds the sessions from the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-sessions-'));
    dirs.push(dir);
    clock.set(t0);
    // Received 30 hours ago: kept while the process lives, beyond the horizon a restart reads.
    clock.set(t0 - 30 * hour);
    let { server: s, store } = await server(dir);
    const ws = await s.workspaces.create('shop', { verification: false });
    await send(s, ws.writeKey, [view('old', 'a', t0 - 30 * hour), view('old', 'z', t0 - 30 * hour + minute)]);
    clock.set(t0);
    await send(s, ws.writeKey, [
      view('s1', 'a', t0 - 50 * minute), view('s1', 'b', t0 - 49 * minute),
      view('s2', 'a', t0 - 40 * minute), view('s2', 'b', t0 - 39 * minute),
      view('s3', 'a', t0 - 30 * minute), view('s3', 'c', t0 - 29 * minute),
    ]);
    // Four neighbours hold a, each similarity 1: b 2, z 1, c 1 (ties: first seen first).
    expect(await next(s, store, ws.id, ['a'])).toEqual(['b', 'z', 'c']);

    // A visitor views a, then d. Weights a 1/2, d 1; each other session shares a only:
    // similarity 1/4, step back 2, so 1/8 to each of its items: a 4/8, b 2/8, z and c 1/8.
    await send(s, ws.writeKey, [view('v', 'a', t0 - minute), view('v', 'd', t0)]);
    expect(await next(s, store, ws.id, ['a', 'd'], { anonymousId: 'v', keepHistory: true })).toEqual(['a', 'b', 'z', 'c']);
    // Without its key the session finds itself (similarity 3/4, step 1): a 1 1/4, d 3/4.
    expect(await next(s, store, ws.id, ['a', 'd'], { keepHistory: true })).toEqual(['a', 'd', 'b', 'z', 'c']);
    // v's session is a neighbour of the next visitor at once.
    expect(await next(s, store, ws.id, ['d'])).toEqual(['a']);

    // Restart: the same data folder, a new process state; rebuilt from the last 24 hours of the log.
    await s.app.close();
    open.pop();
    ({ server: s, store } = await server(dir));
    // s1, s2, s3 and v over a, b, c, d; the old session was received before the last 24 hours.
    expect(await s.engine.sessions.warm(ws.id)).toEqual({ sessions: 4, items: 4 });
    expect(await next(s, store, ws.id, ['a'])).toEqual(['b', 'c', 'd']);
    expect(await next(s, store, ws.id, ['d'])).toEqual(['a']);
  });

  it('splits a profile\'s clicks into sessions after 30 minutes without one, and keeps workspaces apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-sessions-'));
    dirs.push(dir);
    clock.set(t0);
    const { server: s, store } = await server(dir);
    const [one, two] = [await s.workspaces.create('one', { verification: false }), await s.workspaces.create('two', { verification: false })];
    await send(s, one.writeKey, [view('p', 'a', t0 - 2 * hour), view('p', 'b', t0 - 2 * hour + minute), view('p', 'c', t0 - hour)]);
    await send(s, two.writeKey, [view('q', 'a', t0 - hour), view('q', 'x', t0 - hour + minute)]);
    // a and b share a session; c came an hour later, in a session of its own.
    expect(await next(s, store, one.id, ['a'])).toEqual(['b']);
    expect(await next(s, store, one.id, ['c'])).toEqual([]);
    expect(await next(s, store, two.id, ['a'])).toEqual(['x']);
    expect(await s.engine.sessions.warm(one.id)).toEqual({ sessions: 2, items: 3 });
  });
});
