import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { seededRandom } from '../../src/core/common/random.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';
import { adminCalls, collect, expectCollected } from './httpHelpers.js';

// Trained collaborative models: trained from the event log, stored as versions, swapped in
// without a restart, and serving profiles from their live history.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');

interface Answer {
  profileId: string | null;
  situation: string;
  fallback: string | null;
  model: { version: number; kind: string } | null;
  items: { id: string; strategy: string; reason: string; because: string | null }[];
}
interface Summary { version: number; kind: string; active: boolean; items: number; users: number; ndcg: number; hitRate: number; popularHitRate: number; modelBytes: number; notice: string | null }
interface Listing { active: number | null; training: { version: number; phase: string } | null; lastFailure: { code: string } | null; versions: { version: number; active: boolean; kind: string; metrics: Record<string, unknown> }[] }

const view = (anonymousId: string, item: string, at: number) => ({ type: 'track', event: 'Product Viewed', anonymousId, timestamp: new Date(at).toISOString(), properties: { product_id: item } });
const order = (anonymousId: string, items: string[], at: number) => ({ type: 'track', event: 'Order Completed', anonymousId, timestamp: new Date(at).toISOString(), properties: { order_id: `o-${anonymousId}`, products: items.map((product_id) => ({ product_id })) } });

/** Two tastes: even visitors view 5 of a0..a9, odd ones 5 of b0..b9; every third buys one. */
function twoTastes(visitors: number, seed: number): Record<string, unknown>[] {
  const random = seededRandom(seed);
  const events: Record<string, unknown>[] = [];
  for (let v = 0; v < visitors; v++) {
    const taste = v % 2 === 0 ? 'a' : 'b';
    const picks = new Set<number>();
    while (picks.size < 5) picks.add(Math.floor(random.next() * 10));
    let at = t0 - 86_400_000 + v * 60_000;
    for (const p of picks) events.push(view(`visitor-${v}`, `${taste}${p}`, at += 1000));
    if (v % 3 === 0) events.push(order(`visitor-${v}`, [`${taste}${[...picks][0]}`], at + 1000));
  }
  return events;
}

describe('trained recommender models', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ clock: fixedClock(t0) });
  });
  afterEach(async () => { await h.close(); });
  const { ok, problem } = adminCalls(() => h);

  const recommend = async (body: Record<string, unknown>): Promise<Answer> => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/recommend', headers: { authorization: basicAuth(h.a.writeKey) }, payload: body });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Answer>();
  };

  async function shop(): Promise<void> {
    const items = ['a', 'b'].flatMap((taste) => Array.from({ length: 10 }, (_, i) => ({ id: `${taste}${i}`, title: `Item ${taste}${i}` })));
    await ok('POST', '/admin/v1/items', { items }, 200);
    const events = twoTastes(120, 5);
    for (let i = 0; i < events.length; i += 500) expectCollected(await collect(h, '/v1/batch', { batch: events.slice(i, i + 500) }));
  }

  /** A visitor that arrives now, after any training: three a-items viewed. */
  async function newcomer(id: string): Promise<void> {
    expectCollected(await collect(h, '/v1/batch', { batch: ['a1', 'a2', 'a3'].map((item, i) => view(id, item, t0 + i * 1000)) }));
  }

  it('trains from the event log, and serves a profile created after training from its live history', async () => {
    await shop();
    const summary = await ok<Summary>('POST', '/admin/v1/recommenders/train', { wait: true }, 200);
    expect(summary).toMatchObject({ version: 1, kind: 'ease-norm', active: true, items: 20, users: 120, notice: null });
    expect(summary.modelBytes).toBe(20 * 20 * 4 + 20 * 8);
    expect(summary.hitRate).toBeGreaterThan(summary.popularHitRate);
    const listing = await ok<Listing>('GET', '/admin/v1/recommenders');
    expect(listing).toMatchObject({ active: 1, training: null, lastFailure: null });
    expect(listing.versions.map((v) => [v.version, v.active, v.kind])).toEqual([[1, true, 'ease-norm']]);
    expect(listing.versions[0]!.metrics).toMatchObject({ protocol: 'leave-last-out', k: 10, items: 20 });

    await newcomer('arrived-after-training');
    const answer = await recommend({ anonymousId: 'arrived-after-training', count: 5 });
    expect(answer).toMatchObject({ situation: 'known-user', fallback: null, model: { version: 1, kind: 'ease-norm' } });
    expect(answer.items).toHaveLength(5);
    for (const item of answer.items) {
      expect(item.id).toMatch(/^a/);
      expect(item.strategy).toBe('collaborative');
      expect(['a1', 'a2', 'a3']).toContain(item.because);
      expect(item.reason).toMatch(/^because you viewed Item a[123]$/);
    }
  });

  it('without a model, the collaborative source is co-occurrence; an explicit collaborative strategy says which served', async () => {
    await shop();
    await newcomer('visitor-x');
    const before = await recommend({ anonymousId: 'visitor-x', count: 3 });
    expect(before.model).toBeNull();
    expect(before.items[0]!.strategy).toBe('viewed-together');
    await ok('POST', '/admin/v1/recommenders/train', { wait: true }, 200);
    const after = await recommend({ anonymousId: 'visitor-x', strategy: 'collaborative', count: 3 });
    expect(after.items.map((i) => i.strategy)).toEqual(['collaborative', 'collaborative', 'collaborative']);
  });

  it('activates another version without a restart; an unknown version is 404', async () => {
    await shop();
    await ok('POST', '/admin/v1/recommenders/train', { wait: true }, 200);
    const second = await ok<Summary>('POST', '/admin/v1/recommenders/train', { wait: true, activate: false, kind: 'item-knn' }, 200);
    expect(second).toMatchObject({ version: 2, kind: 'item-knn', active: false });
    await newcomer('visitor-y');
    expect((await recommend({ anonymousId: 'visitor-y' })).model).toEqual({ version: 1, kind: 'ease-norm' });
    expect(await ok('POST', '/admin/v1/recommenders/2/activate', undefined, 200)).toMatchObject({ version: 2, active: true, kind: 'item-knn' });
    const answer = await recommend({ anonymousId: 'visitor-y', count: 3 });
    expect(answer.model).toEqual({ version: 2, kind: 'item-knn' });
    expect(answer.items.every((i) => i.strategy === 'collaborative' && i.id.startsWith('a'))).toBe(true);
    expect((await ok<Listing>('GET', '/admin/v1/recommenders')).versions.map((v) => [v.version, v.active])).toEqual([[2, true], [1, false]]);
    expect((await problem('POST', '/admin/v1/recommenders/9/activate', undefined, 404, 'ATTUNE_MODEL_NOT_FOUND')).field).toBe('/version');
    await problem('POST', '/admin/v1/recommenders/0/activate', undefined, 400, 'ATTUNE_INVALID_REQUEST');
  });

  it('never shows an item deleted from the catalog after training', async () => {
    await shop();
    await ok('POST', '/admin/v1/recommenders/train', { wait: true }, 200);
    await newcomer('visitor-z');
    const first = (await recommend({ anonymousId: 'visitor-z', count: 1 })).items[0]!.id;
    await ok('DELETE', `/admin/v1/items/${first}`, undefined, 204);
    const answer = await recommend({ anonymousId: 'visitor-z', count: 5 });
    expect(answer.items.map((i) => i.id)).not.toContain(first);
    expect(answer.items[0]!.strategy).toBe('collaborative');
  });

  it('runs in the background with 202, refuses a second training meanwhile with 409, then lists the version', async () => {
    await shop();
    const accepted = await ok<{ version: number; status: string }>('POST', '/admin/v1/recommenders/train', {}, 202);
    expect(accepted).toMatchObject({ version: 1, status: 'training' });
    const refused = await problem('POST', '/admin/v1/recommenders/train', { wait: true }, 409, 'ATTUNE_MODEL_TRAINING');
    expect(refused.detail).toMatch(/version 1 is training/);
    let listing = await ok<Listing>('GET', '/admin/v1/recommenders');
    expect(listing.training?.version).toBe(1);
    for (let i = 0; i < 300 && listing.training !== null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      listing = await ok<Listing>('GET', '/admin/v1/recommenders');
    }
    expect(listing).toMatchObject({ active: 1, training: null, lastFailure: null });
  });

  it('a workspace without item events: 409 ATTUNE_MODEL_NO_DATA, and the failure of a background job is listed', async () => {
    expectCollected(await collect(h, '/v1/batch', { batch: [{ type: 'track', event: 'Signed Up', anonymousId: 'v1' }] }));
    await problem('POST', '/admin/v1/recommenders/train', { wait: true }, 409, 'ATTUNE_MODEL_NO_DATA');
    await ok('POST', '/admin/v1/recommenders/train', {}, 202);
    let listing = await ok<Listing>('GET', '/admin/v1/recommenders');
    for (let i = 0; i < 100 && listing.training !== null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      listing = await ok<Listing>('GET', '/admin/v1/recommenders');
    }
    expect(listing).toMatchObject({ active: null, versions: [], lastFailure: { code: 'ATTUNE_MODEL_NO_DATA' } });
    expect((await recommend({ anonymousId: 'v1' })).model).toBeNull();
  });

  it('refuses bad input with the field at fault, and the write key is forbidden', async () => {
    expect((await problem('POST', '/admin/v1/recommenders/train', { kind: 'svd' }, 400, 'ATTUNE_INVALID_REQUEST')).field).toMatch(/kind/);
    const res = await h.app.inject({ method: 'GET', url: '/admin/v1/recommenders', headers: { authorization: basicAuth(h.a.writeKey) } });
    expect(res.statusCode).toBe(403);
  });

  it('a train call without a body takes the defaults', async () => {
    await shop();
    const res = await h.app.inject({ method: 'POST', url: '/admin/v1/recommenders/train', headers: { authorization: `Bearer ${h.a.secretKey}` } });
    expect(res.statusCode, res.body).toBe(202);
    let listing = await ok<Listing>('GET', '/admin/v1/recommenders');
    for (let i = 0; i < 300 && listing.training !== null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      listing = await ok<Listing>('GET', '/admin/v1/recommenders');
    }
    expect(listing.active).toBe(1);
  });
});
