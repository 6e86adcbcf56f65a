import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildItem } from '../../core/catalog/checkItem.js';
import type { Item, ItemInput } from '../../core/catalog/Item.js';
import { matchesItemSearch } from '../../core/catalog/itemSearch.js';
import { itemEventNames, productIdsOf } from '../../core/catalog/productIds.js';
import type { CollectedEvent } from '../../core/events/CollectedEvent.js';
import type { UnknownItem } from '../ports.js';
import { contractWorkspaces, openContractStore, type ContractStore, type OpenAdapter } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;
const T0 = Date.parse('2024-05-01T12:00:00Z');

const item = (id: string, fields: Partial<ItemInput> = {}, at = T0): Item => buildItem({ id, title: `Item ${id}`, ...fields }, undefined, at);

let messages = 0;
function track(name: string, properties: Record<string, unknown> | null, timestamp: number, type: CollectedEvent['type'] = 'track'): CollectedEvent {
  messages += 1;
  const body = { type, event: name, properties };
  return {
    type, messageId: `m-${messages}`, generatedMessageId: false, userId: 'u1', anonymousId: null, previousId: null, groupId: null,
    name: type === 'track' ? name : null, timestamp, receivedAt: timestamp, traits: null, properties, context: null, body,
  };
}

/** The report as the pure core computes it: what the adapter's query must equal. */
function expectedUnknown(events: readonly CollectedEvent[], catalog: ReadonlySet<string>, limit: number): UnknownItem[] {
  const seen = new Map<string, { events: number; lastSeen: number }>();
  for (const e of events) {
    if (e.type !== 'track' || e.name === null || !itemEventNames.includes(e.name)) continue;
    for (const id of productIdsOf(e.properties)) {
      if (catalog.has(id)) continue;
      const entry = seen.get(id) ?? { events: 0, lastSeen: -Infinity };
      seen.set(id, { events: entry.events + 1, lastSeen: Math.max(entry.lastSeen, e.timestamp) });
    }
  }
  return [...seen].map(([itemId, s]) => ({ itemId, ...s }))
    .sort((x, y) => y.events - x.events || y.lastSeen - x.lastSeen || (x.itemId < y.itemId ? -1 : 1))
    .slice(0, limit);
}

/**
 * The contract of CatalogStore: items per workspace, written whole in one commit, read in
 * bulk, listed a page at a time in id order with the core's search, and the unknown-item
 * report over the event log (equal to the core's `productIdsOf` over the same events).
 *
 * @example describeCatalogStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:', synchronous: 'normal' }))
 */
export function describeCatalogStoreContract(adapterName: string, open: OpenAdapter): void {
  describe(`${adapterName}: catalog store contract`, () => {
    let store: ContractStore;
    beforeEach(async () => { store = await openContractStore(open); });
    afterEach(async () => { await store.close(); });
    const catalog = () => store.engine.catalog;

    it('creates and replaces items whole, in one call, and reads them back in bulk in the order asked', async () => {
      const full = item('sku-1', {
        title: 'Café Crème "Grande"', category: ['Home', 'Kitchen'], price: 9.99, currency: 'EUR',
        attributes: { brand: 'Acme', margin: 0.35, organic: true, size: '' }, availability: 'backorder', titles: { de: 'Tasse', 'zh-Hant-TW': '杯子 ☕' },
        createdAt: '2023-01-02T03:04:05.678Z',
      });
      expect(await catalog().putItems(A, [full, item('sku-2')])).toEqual(['created', 'created']);
      const replaced = item('sku-2', { title: 'Renamed', price: 1, currency: 'USD' }, T0 + 1);
      expect(await catalog().putItems(A, [replaced, item('sku-3')])).toEqual(['updated', 'created']);
      expect(await store.readBoth((r) => r.catalog.getItems(A, ['sku-3', 'nope', 'sku-1', 'sku-2', 'sku-1']))).toEqual([item('sku-3'), undefined, full, replaced, full]);
      expect(await catalog().getItems(A, [])).toEqual([]);
      // The same id twice in one call: the later one wins, and is an update of the first.
      expect(await catalog().putItems(A, [item('sku-4', { title: 'first' }), item('sku-4', { title: 'second' })])).toEqual(['created', 'updated']);
      expect((await catalog().getItems(A, ['sku-4']))[0]?.title).toBe('second');
    });

    it('keeps workspaces apart: the same id in two workspaces is two items', async () => {
      await catalog().putItems(A, [item('sku-1', { title: 'in A' })]);
      expect(await catalog().getItems(B, ['sku-1'])).toEqual([undefined]);
      expect(await catalog().putItems(B, [item('sku-1', { title: 'in B' })])).toEqual(['created']);
      expect((await catalog().getItems(A, ['sku-1']))[0]?.title).toBe('in A');
      expect(await catalog().deleteItems(B, ['sku-1'])).toEqual([true]);
      expect((await catalog().getItems(A, ['sku-1']))[0]?.title).toBe('in A');
      expect(await catalog().countItems(B)).toBe(0);
      expect((await catalog().listItems(B, { limit: 10 })).items).toEqual([]);
    });

    it('deletes items in one call and says which existed', async () => {
      await catalog().putItems(A, [item('a'), item('b'), item('c')]);
      expect(await catalog().deleteItems(A, ['b', 'nope', 'c', 'b'])).toEqual([true, false, true, false]);
      expect(await catalog().getItems(A, ['a', 'b', 'c'])).toEqual([item('a'), undefined, undefined]);
      expect(await catalog().deleteItems(A, [])).toEqual([]);
    });

    it('lists every item once, a page at a time in id order', async () => {
      const ids = Array.from({ length: 23 }, (_, i) => `sku-${String(i).padStart(3, '0')}`).reverse();
      await catalog().putItems(A, ids.map((id) => item(id)));
      await catalog().putItems(B, [item('sku-000a')]);
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await store.readBoth((r) => r.catalog.listItems(A, { limit: 10, ...(after === undefined ? {} : { after }) }));
        seen.push(...page.items.map((i) => i.id));
        after = page.next ?? undefined;
        pages += 1;
      } while (after !== undefined);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].sort());
      expect(await catalog().countItems(A)).toBe(23);
      // Exactly a page's worth: no empty page after it.
      const exact = await catalog().listItems(A, { limit: 23 });
      expect([exact.items.length, exact.next]).toEqual([23, null]);
    });

    it("searches ids and titles as the core's matchesItemSearch does", async () => {
      const items = [
        item('sku-100', { title: 'Café Crème' }), item('SKU-200', { title: 'Blue Denim Jacket' }), item('mug-1', { title: 'Mug', titles: { de: 'Becher', fr: 'Tasse à café' } }),
        item('x-1', { title: 'Red   Shoe' }), item('x-2', { title: 'Shoehorn' }), item('y%_1', { title: 'Percent 100%' }),
      ];
      await catalog().putItems(A, items);
      await catalog().putItems(B, [item('sku-999', { title: 'Café in B' })]);
      for (const query of ['', 'sku', 'CAFE', 'crème', 'becher', 'shoe', 'red shoe', '100%', '%', '_', 'y%_', 'nothing', '  denim  ']) {
        const expected = items.filter((i) => matchesItemSearch(i, query)).map((i) => i.id).sort();
        const page = await store.readBoth((r) => r.catalog.listItems(A, { limit: 100, query }));
        expect(page.items.map((i) => i.id), `query "${query}"`).toEqual(expected);
        expect(await catalog().countItems(A, query), `count of "${query}"`).toBe(expected.length);
      }
      const first = await catalog().listItems(A, { limit: 1, query: 'sku' });
      expect(first.items.map((i) => i.id)).toEqual(['SKU-200']);
      expect((await catalog().listItems(A, { limit: 1, query: 'sku', after: first.next! })).items.map((i) => i.id)).toEqual(['sku-100']);
    });

    it('reports the item ids that Product Viewed and Order Completed events name and the catalog lacks, most events first', async () => {
      await catalog().putItems(A, [item('known'), item('42')]);
      const inA = [
        track('Product Viewed', { product_id: 'ghost' }, T0 + 1),
        track('Product Viewed', { product_id: 'known' }, T0 + 2),
        track('Product Viewed', { product_id: 42 }, T0 + 3),
        track('Product Viewed', { product_id: 43 }, T0 + 4),
        track('Product Viewed', { product_id: 43.0 }, T0 + 4),
        track('Product Viewed', { product_id: 4.5 }, T0 + 4),
        track('Order Completed', { order_id: 'o1', products: [{ product_id: 'ghost' }, { product_id: 'ghost' }, { product_id: 'phantom' }, { product_id: 'known' }, { sku: 'x' }, 'y', null] }, T0 + 5),
        track('Order Completed', { product_id: 'phantom', products: [{ product_id: 'phantom' }] }, T0 + 6),
        track('Order Completed', { products: { product_id: 'not-a-list' } }, T0 + 7),
        track('Product Added', { product_id: 'other-event' }, T0 + 8),
        track('Product Viewed', { product_id: 'a-page' }, T0 + 9, 'page'),
        track('Product Viewed', { product_id: '' }, T0 + 10),
        track('Product Viewed', null, T0 + 11),
        track('Product Viewed', { product_id: 'late' }, T0 + 12),
      ];
      const inB = [track('Product Viewed', { product_id: 'b-only' }, T0), track('Product Viewed', { product_id: 'ghost' }, T0 + 100)];
      await store.run((tx) => {
        tx.createProfile(A, 'p1', T0);
        tx.createProfile(B, 'p1', T0);
        for (const e of inA) tx.appendEvent(A, 'p1', e);
        for (const e of inB) tx.appendEvent(B, 'p1', e);
      });
      const report = await store.readBoth((r) => r.catalog.unknownItems(A, { limit: 10 }));
      expect(report).toEqual(expectedUnknown(inA, new Set(['known', '42']), 10));
      expect(report).toEqual([
        { itemId: '43', events: 2, lastSeen: T0 + 4 },
        { itemId: 'phantom', events: 2, lastSeen: T0 + 6 },
        { itemId: 'ghost', events: 2, lastSeen: T0 + 5 },
        { itemId: 'late', events: 1, lastSeen: T0 + 12 },
      ].sort((x, y) => y.events - x.events || y.lastSeen - x.lastSeen));
      expect(await catalog().unknownItems(A, { limit: 2 })).toEqual(report.slice(0, 2));
      // An item added to the catalog is no longer reported; one deleted is again.
      await catalog().putItems(A, [item('phantom')]);
      await catalog().deleteItems(A, ['known']);
      expect(await catalog().unknownItems(A, { limit: 10 })).toEqual(expectedUnknown(inA, new Set(['phantom', '42']), 10));
      expect(await catalog().unknownItems(B, { limit: 10 })).toEqual(expectedUnknown(inB, new Set(), 10));
      // A window: only the events received at or after `since`.
      for (const since of [T0 + 5, T0 + 6, T0 + 13, T0 - 1]) {
        expect(await store.readBoth((r) => r.catalog.unknownItems(A, { limit: 10, since })), `since T0 + ${since - T0}`)
          .toEqual(expectedUnknown(inA.filter((e) => e.receivedAt >= since), new Set(['phantom', '42']), 10));
      }
    });
  });
}
