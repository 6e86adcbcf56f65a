import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import type { Item } from '../../src/core/catalog/Item.js';
import { startHarness, type Harness } from '../support/harness.js';
import { admin, adminCalls, collect, expectCollected, expectProblem, type ProblemBody } from './httpHelpers.js';

// The catalog administration API (/admin/v1/items, /admin/v1/unknown-items) on an injected clock.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

interface WriteResult { created: number; updated: number; items: { index: number; id: string; status: string }[] }
interface Page { items: Item[]; next: string | null; total: number }
interface UnknownReport { events: string[]; since: string; items: { itemId: string; events: number; lastSeen: string }[] }

describe('the catalog API', () => {
  const clock = fixedClock(t0);
  let h: Harness;

  beforeEach(async () => {
    clock.set(t0);
    h = await startHarness({ clock });
  });
  afterEach(async () => { await h.close(); });

  const { ok, problem } = adminCalls(() => h);
  const mug = { id: 'sku-1', title: 'Mug', category: ['Home', 'Kitchen'], price: 9.5, currency: 'EUR', attributes: { brand: 'Acme', dishwasher: true }, titles: { de: 'Becher' } };

  it('creates one item with its defaults, reads it back, and replaces it in place keeping createdAt', async () => {
    expect(await ok<WriteResult>('POST', '/admin/v1/items', mug, 200)).toEqual({ created: 1, updated: 0, items: [{ index: 0, id: 'sku-1', status: 'created' }] });
    const stored = await ok<Item>('GET', '/admin/v1/items/sku-1', undefined, 200);
    expect(stored).toEqual({ ...mug, availability: 'in_stock', createdAt: iso(t0), updatedAt: iso(t0) });

    clock.set(t0 + 60_000);
    const replaced = await ok<{ status: string; item: Item }>('PUT', '/admin/v1/items/sku-1', { title: 'Big mug' }, 200);
    expect(replaced).toEqual({
      status: 'updated',
      item: { id: 'sku-1', title: 'Big mug', category: [], price: null, currency: null, attributes: {}, availability: 'in_stock', titles: {}, createdAt: iso(t0), updatedAt: iso(t0 + 60_000) },
    });
    expect((await ok<{ status: string }>('PUT', '/admin/v1/items/sku-2', { id: 'sku-2', title: 'Plate' }, 201)).status).toBe('created');
  });

  it('creates many items in one request, all or none', async () => {
    const items = [mug, { id: 'sku-2', title: 'Plate' }, { id: 'sku-3', title: 'Bowl', availability: 'preorder' }];
    expect(await ok<WriteResult>('POST', '/admin/v1/items', { items }, 200)).toMatchObject({ created: 3, updated: 0 });
    const bad = await problem<ProblemBody>('POST', '/admin/v1/items', { items: [{ id: 'sku-2', title: 'Plate 2' }, { id: 'sku-4', title: 'Cup', price: -1, currency: 'EUR' }, { id: 'sku-5', title: 'Pan', price: 3 }] }, 400, 'ATTUNE_ITEM_INVALID');
    expect(bad).toMatchObject({ field: '/price', index: 1 });
    expect(bad.errors).toEqual([
      { code: 'ATTUNE_ITEM_INVALID', index: 1, field: '/price', message: expect.any(String) },
      { code: 'ATTUNE_ITEM_INVALID', index: 2, field: '/currency', message: 'a price needs its currency' },
    ]);
    // Nothing of the refused request was stored.
    expect((await ok<Item>('GET', '/admin/v1/items/sku-2')).title).toBe('Plate');
    await problem('GET', '/admin/v1/items/sku-4', undefined, 404, 'ATTUNE_ITEM_NOT_FOUND');
    expect((await ok<WriteResult>('POST', '/admin/v1/items', { items: [{ id: 'sku-2', title: 'Plate 2' }, { id: 'sku-9', title: 'Jug' }] }, 200))).toMatchObject({ created: 1, updated: 1 });
  });

  it('answers bad input with problem+json naming the field', async () => {
    const cases: [string, 'POST' | 'PUT' | 'PATCH', string, unknown, number, string, string][] = [
      ['no title', 'POST', '/admin/v1/items', { id: 'x' }, 400, 'ATTUNE_ITEM_INVALID', '/title'],
      ['a currency that is no code', 'POST', '/admin/v1/items', { id: 'x', title: 'X', price: 1, currency: 'EURO' }, 400, 'ATTUNE_ITEM_INVALID', '/currency'],
      ['an unknown member', 'POST', '/admin/v1/items', { id: 'x', title: 'X', colour: 'red' }, 400, 'ATTUNE_ITEM_INVALID', '/colour'],
      ['a nested attribute', 'POST', '/admin/v1/items', { id: 'x', title: 'X', attributes: { size: { w: 1 } } }, 400, 'ATTUNE_ITEM_INVALID', '/attributes/size'],
      ['items that is not a list', 'POST', '/admin/v1/items', { items: {} }, 400, 'ATTUNE_INVALID_REQUEST', '/items'],
      ['an empty batch', 'POST', '/admin/v1/items', { items: [] }, 400, 'ATTUNE_INVALID_REQUEST', '/items'],
      ['a list instead of an object', 'POST', '/admin/v1/items', [{ id: 'x', title: 'X' }], 400, 'ATTUNE_ITEM_INVALID', ''],
      ['a body id that differs from the path', 'PUT', '/admin/v1/items/a', { id: 'b', title: 'X' }, 400, 'ATTUNE_ITEM_INVALID', '/id'],
      ['a patch of an unknown item', 'PATCH', '/admin/v1/items/nope', { title: 'X' }, 404, 'ATTUNE_ITEM_NOT_FOUND', ''],
    ];
    for (const [name, method, url, body, status, code, field] of cases) {
      const res = await admin(h, method, url, h.a.secretKey, body as Record<string, unknown>);
      const p = expectProblem(res, status, code);
      if (field !== '') expect(p.field, name).toBe(field);
    }
    const tooMany = { items: Array.from({ length: 1001 }, (_, i) => ({ id: `i${i}`, title: 'T' })) };
    expectProblem(await admin(h, 'POST', '/admin/v1/items', h.a.secretKey, tooMany), 400, 'ATTUNE_INVALID_REQUEST');
    await problem('GET', '/admin/v1/items?limit=0', undefined, 400, 'ATTUNE_INVALID_REQUEST');
    await problem('DELETE', '/admin/v1/items/nope', undefined, 404, 'ATTUNE_ITEM_NOT_FOUND');
    expectProblem(await admin(h, 'GET', '/admin/v1/items', h.a.writeKey), 403, 'ATTUNE_FORBIDDEN');
  });

  it('changes some fields in place, and refuses a change that leaves a price without currency', async () => {
    await ok('POST', '/admin/v1/items', mug, 200);
    clock.set(t0 + 1000);
    const patched = await ok<Item>('PATCH', '/admin/v1/items/sku-1', { availability: 'out_of_stock', price: 7 }, 200);
    expect(patched).toMatchObject({ availability: 'out_of_stock', price: 7, currency: 'EUR', title: 'Mug', createdAt: iso(t0), updatedAt: iso(t0 + 1000) });
    expect(await ok<Item>('GET', '/admin/v1/items/sku-1')).toEqual(patched);
    expect((await problem<ProblemBody>('PATCH', '/admin/v1/items/sku-1', { currency: null }, 400, 'ATTUNE_ITEM_INVALID')).field).toBe('/currency');
    expect((await problem<ProblemBody>('PATCH', '/admin/v1/items/sku-1', { availability: 'gone' }, 400, 'ATTUNE_ITEM_INVALID')).field).toBe('/availability');
  });

  it('lists a page at a time with search by id and title, and deletes', async () => {
    const items = Array.from({ length: 12 }, (_, i) => ({ id: `sku-${String(i).padStart(2, '0')}`, title: i % 3 === 0 ? `Café ${i}` : `Plate ${i}` }));
    await ok('POST', '/admin/v1/items', { items }, 200);
    const first = await ok<Page>('GET', '/admin/v1/items?limit=5');
    expect([first.items.map((i) => i.id), first.next, first.total]).toEqual([['sku-00', 'sku-01', 'sku-02', 'sku-03', 'sku-04'], 'sku-04', 12]);
    const second = await ok<Page>(`GET`, `/admin/v1/items?limit=5&after=${first.next}`);
    expect(second.items[0]?.id).toBe('sku-05');
    const cafes = await ok<Page>('GET', `/admin/v1/items?q=${encodeURIComponent('CAFE')}`);
    expect([cafes.items.map((i) => i.id), cafes.total, cafes.next]).toEqual([['sku-00', 'sku-03', 'sku-06', 'sku-09'], 4, null]);
    expect((await ok<Page>('GET', '/admin/v1/items?q=sku-1')).items.map((i) => i.id)).toEqual(['sku-10', 'sku-11']);
    await ok('DELETE', '/admin/v1/items/sku-03', undefined, 204);
    expect((await ok<Page>('GET', '/admin/v1/items?q=cafe')).total).toBe(3);
    // An id with a slash and spaces travels URL-encoded.
    await ok('POST', '/admin/v1/items', { id: 'a/b c', title: 'Odd id' }, 200);
    expect((await ok<Item>('GET', `/admin/v1/items/${encodeURIComponent('a/b c')}`)).title).toBe('Odd id');
  });

  it('reports items that Product Viewed and Order Completed events name and the catalog lacks, and adds none', async () => {
    await ok('POST', '/admin/v1/items', { id: 'known', title: 'Known' }, 200);
    const events = [
      { type: 'track', userId: 'u1', event: 'Product Viewed', properties: { product_id: 'ghost' }, timestamp: iso(t0 - 3000) },
      { type: 'track', userId: 'u1', event: 'Product Viewed', properties: { product_id: 'known' }, timestamp: iso(t0 - 2000) },
      { type: 'track', userId: 'u2', event: 'Order Completed', properties: { order_id: 'o1', products: [{ product_id: 'ghost' }, { product_id: 'phantom' }, { product_id: 'known' }] }, timestamp: iso(t0 - 1000) },
      { type: 'track', userId: 'u2', event: 'Product Clicked', properties: { product_id: 'elsewhere' }, timestamp: iso(t0 - 500) },
    ];
    expectCollected(await collect(h, '/v1/batch', { batch: events }));
    expectCollected(await collect(h, '/v1/track', { userId: 'b1', event: 'Product Viewed', properties: { product_id: 'b-only' } }, h.b.writeKey));
    const report = await ok<UnknownReport>('GET', '/admin/v1/unknown-items', undefined, 200);
    expect(report).toEqual({
      events: ['Product Viewed', 'Order Completed'],
      since: iso(t0 - 30 * 86_400_000),
      items: [{ itemId: 'ghost', events: 2, lastSeen: iso(t0 - 1000) }, { itemId: 'phantom', events: 1, lastSeen: iso(t0 - 1000) }],
    });
    expect((await ok<UnknownReport>('GET', '/admin/v1/unknown-items?limit=1')).items.map((i) => i.itemId)).toEqual(['ghost']);
    // Reported, not invented: the catalog still holds only what was put in it.
    expect((await ok<Page>('GET', '/admin/v1/items')).items.map((i) => i.id)).toEqual(['known']);
    await ok('PUT', '/admin/v1/items/ghost', { title: 'Ghost, now real' }, 201);
    expect((await ok<UnknownReport>('GET', '/admin/v1/unknown-items')).items.map((i) => i.itemId)).toEqual(['phantom']);
    // The window: events received (at t0) more than a day ago are not read with days=1.
    clock.set(t0 + 2 * 86_400_000);
    expect((await ok<UnknownReport>('GET', '/admin/v1/unknown-items?days=1')).items).toEqual([]);
    expect((await ok<UnknownReport>('GET', '/admin/v1/unknown-items?days=3')).items.map((i) => i.itemId)).toEqual(['phantom']);
    await problem('GET', '/admin/v1/unknown-items?days=0', undefined, 400, 'ATTUNE_INVALID_REQUEST');
  });
});
