import { describe, expect, it } from 'vitest';
import cases from './catalog.cases.json' with { type: 'json' };
import { formatCategoryPath, isInCategory, parseCategoryPath } from './categoryPath.js';
import { buildItem, checkItemInput, checkItemPatch, patchItem } from './checkItem.js';
import type { Item } from './Item.js';
import { matchesItemSearch } from './itemSearch.js';
import { productIdsOf } from './productIds.js';

const T0 = Date.parse('2024-05-01T12:00:00Z');

describe('parseCategoryPath', () => {
  it.each(cases.categoryPath as [string, string, Record<string, unknown>][])('%s', (_name, text, expected) => {
    expect(parseCategoryPath(text)).toMatchObject(expected);
  });

  it('formats a path back to the text it reads', () => {
    const path = ['Home & Garden', 'Garden Tools', 'Spades'];
    expect(parseCategoryPath(formatCategoryPath(path))).toEqual({ ok: true, path });
  });

  it('tells whether a path lies in a category', () => {
    expect(isInCategory(['Men', 'Shoes'], ['Men'])).toBe(true);
    expect(isInCategory(['Men', 'Shoes'], ['Men', 'Shoes'])).toBe(true);
    expect(isInCategory(['Men'], ['Men', 'Shoes'])).toBe(false);
    expect(isInCategory(['Menswear'], ['Men'])).toBe(false);
  });
});

describe('matchesItemSearch', () => {
  it.each(cases.search as [string, Pick<Item, 'id' | 'title' | 'titles'>, string, boolean][])('%s', (_name, item, query, expected) => {
    expect(matchesItemSearch(item, query)).toBe(expected);
  });
});

describe('productIdsOf', () => {
  it.each(cases.productIds as [string, Record<string, unknown> | null, string[]][])('%s', (_name, properties, expected) => {
    expect(productIdsOf(properties)).toEqual(expected);
  });
});

describe('checkItemInput', () => {
  it.each(cases.checkItem as [string, unknown, string | null][])('%s', (_name, input, field) => {
    const result = checkItemInput(input);
    if (field === null) {
      expect(result.ok, JSON.stringify(result)).toBe(true);
    } else {
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.fault.field).toBe(field);
        expect(result.fault.message.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('buildItem and patchItem', () => {
  it('fills in the defaults, and sets createdAt and updatedAt to now for a new item', () => {
    expect(buildItem({ id: 'sku-1', title: 'Mug' }, undefined, T0)).toEqual({
      id: 'sku-1', title: 'Mug', category: [], price: null, currency: null, attributes: {}, availability: 'in_stock', titles: {},
      createdAt: '2024-05-01T12:00:00.000Z', updatedAt: '2024-05-01T12:00:00.000Z',
    });
  });

  it('keeps the stored createdAt on a replacement that gives none, and normalises a given one to UTC', () => {
    const stored = buildItem({ id: 'sku-1', title: 'Mug' }, undefined, T0);
    expect(buildItem({ id: 'sku-1', title: 'Big mug' }, stored, T0 + 1000)).toMatchObject({ title: 'Big mug', createdAt: stored.createdAt, updatedAt: '2024-05-01T12:00:01.000Z' });
    expect(buildItem({ id: 'sku-1', title: 'Mug', createdAt: '2024-01-01T01:00:00+01:00' }, stored, T0).createdAt).toBe('2024-01-01T00:00:00.000Z');
  });

  it('patches the fields given and checks the result: a price cannot lose its currency', () => {
    const stored = buildItem({ id: 'sku-1', title: 'Mug', price: 5, currency: 'EUR', attributes: { brand: 'Acme' } }, undefined, T0);
    const patch = checkItemPatch({ availability: 'out_of_stock', attributes: { color: 'red' } });
    expect(patch.ok).toBe(true);
    if (!patch.ok) return;
    expect(patchItem(stored, patch.value, T0 + 5)).toEqual({ ok: true, value: { ...stored, availability: 'out_of_stock', attributes: { color: 'red' }, updatedAt: '2024-05-01T12:00:00.005Z' } });
    const unpriced = checkItemPatch({ currency: null });
    expect(unpriced.ok && patchItem(stored, unpriced.value, T0)).toEqual({ ok: false, fault: { field: '/currency', message: 'a price needs its currency' } });
    expect(checkItemPatch({ id: 'other' })).toMatchObject({ ok: false, fault: { field: '/id' } });
  });
});
