import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Item } from '../../src/core/catalog/Item.js';
import { ItemIds } from '../../src/core/recommend/online/ItemIds.js';
import { ContentModels } from '../../src/recommend/ContentModels.js';
import type { ItemListOptions, ItemPage } from '../../src/store/ports.js';
import { startHarness, type Harness } from '../support/harness.js';
import { adminCalls } from '../http/httpHelpers.js';

// Content similarity per workspace: built from the catalog, current with every change.

const shoe = (id: string, brand: string, leaf: string) => ({ id, title: id, category: ['Shoes', 'Running', leaf], attributes: { brand }, price: 120, currency: 'EUR' });

describe('ContentModels through the engine', () => {
  let h: Harness;
  beforeEach(async () => { h = await startHarness(); });
  afterEach(async () => { await h.close(); });
  const { ok } = adminCalls(() => h);

  /** Content recommendations for a history, as ids, in the online models' space as the blend asks. */
  async function like(history: readonly string[], k = 5): Promise<[string, string | undefined][]> {
    const models = await h.store.itemModels(h.a.id);
    const content = await h.engine.contentModels.contentRecommender(h.a.id, models.ids);
    return content.recommend({ history: history.map((id) => models.ids.index(id)), k })
      .map((r) => [models.ids.id(r.item), r.because === undefined ? undefined : models.ids.id(r.because)]);
  }

  it('a new item is similar to an item of its category and brand right after it is created, and leaves when deleted', async () => {
    await ok('POST', '/admin/v1/items', {
      items: [
        shoe('trail-acme', 'Acme', 'Trail'), shoe('road-zeta', 'Zeta', 'Road'),
        { id: 'socks', title: 'Socks', category: ['Socks'], attributes: { brand: 'Zeta' }, price: 9, currency: 'EUR' },
        { id: 'book', title: 'Book', category: ['Books'], price: 15, currency: 'EUR' },
      ],
    }, 200);
    expect((await like(['trail-acme'])).map(([id]) => id)).toEqual(['road-zeta']);
    expect(await h.engine.contentModels.size(h.a.id)).toBe(4);

    // Created after the index was built, seen by no event: at the top for the trail shoe at once.
    await ok('PUT', '/admin/v1/items/trail-acme-2', shoe('trail-acme-2', 'Acme', 'Trail'), 201);
    expect(await like(['trail-acme'])).toEqual([['trail-acme-2', 'trail-acme'], ['road-zeta', 'trail-acme']]);

    // A patch moves it out of the shoes: only its brand is left in common.
    await ok('PATCH', '/admin/v1/items/trail-acme-2', { category: ['Bags'], price: 40 }, 200);
    expect((await like(['trail-acme'])).map(([id]) => id)).toEqual(['road-zeta', 'trail-acme-2']);

    await ok('DELETE', '/admin/v1/items/trail-acme-2', undefined, 204);
    expect((await like(['trail-acme'])).map(([id]) => id)).toEqual(['road-zeta']);
    expect(await h.engine.contentModels.size(h.a.id)).toBe(4);
  });

  it('knows each workspace\'s own catalog only', async () => {
    await ok('POST', '/admin/v1/items', { items: [shoe('x1', 'Acme', 'Trail'), shoe('x2', 'Acme', 'Trail')] }, 200);
    expect((await like(['x1'])).map(([id]) => id)).toEqual(['x2']);
    expect(await h.engine.contentModels.size(h.b.id)).toBe(0);
  });
});

describe('ContentModels while the catalog is read', () => {
  it('applies the changes stored during the build after its pages, in order', async () => {
    const stored = new Map<string, Item>();
    const item = (id: string, brand: string): Item => ({
      id, title: id, category: ['Shoes'], price: null, currency: null, attributes: { brand }, availability: 'in_stock', titles: {},
      createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
    });
    for (const i of [item('a', 'Acme'), item('b', 'Zeta'), item('c', 'Acme')]) stored.set(i.id, i);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const store = {
      async listItems(_ws: string, options: ItemListOptions): Promise<ItemPage> {
        await gate;
        const all = [...stored.values()].filter((i) => i.id > (options.after ?? '')).sort((x, y) => (x.id < y.id ? -1 : 1));
        return { items: all.slice(0, options.limit), next: all.length > options.limit ? all[options.limit - 1]!.id : null };
      },
    };
    const content = new ContentModels({ items: store });
    const space = new ItemIds();
    const recommending = content.contentRecommender('ws', space);
    // Stored while the build waits on its first page: a new Acme shoe, and c deleted.
    stored.set('d', item('d', 'Acme'));
    content.apply('ws', { kind: 'put', items: [item('d', 'Acme')] });
    stored.delete('c');
    content.apply('ws', { kind: 'delete', ids: ['c'] });
    release();
    const recommender = await recommending;
    expect(recommender.recommend({ history: [space.index('a')], k: 5 }).map((r) => space.id(r.item))).toEqual(['d', 'b']);
    expect(await content.size('ws')).toBe(3);
  });
});
