import { describe, expect, it } from 'vitest';
import type { Item } from '../core/catalog/Item.js';
import { ItemCache } from './ItemCache.js';

const item = (id: string, title = id): Item => ({ id, title, category: [], price: null, currency: null, attributes: {}, availability: 'in_stock', titles: {}, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });

describe('ItemCache', () => {
  it('remembers what reads found, absent items included, per workspace', () => {
    const cache = new ItemCache();
    cache.remember('w1', cache.generation('w1'), 'a', item('a'));
    cache.remember('w1', cache.generation('w1'), 'gone', undefined);
    expect(cache.get('w1', 'a')?.title).toBe('a');
    expect(cache.get('w1', 'gone')).toBeNull();
    expect(cache.get('w2', 'a')).toBeUndefined();
  });

  it('drops a read that began before a write: the write\'s value stays', () => {
    const cache = new ItemCache();
    const before = cache.generation('w1');
    cache.written('w1', [['a', item('a', 'new')]]);
    cache.remember('w1', before, 'a', item('a', 'old'));
    expect(cache.get('w1', 'a')?.title).toBe('new');
    cache.written('w1', [['a', null]]);
    expect(cache.get('w1', 'a')).toBeNull();
  });

  it('keeps within its bound, dropping what it cached first', () => {
    const cache = new ItemCache(10);
    for (let i = 0; i < 25; i++) cache.written('w1', [[`i${i}`, item(`i${i}`)]]);
    expect(cache.get('w1', 'i0')).toBeUndefined();
    expect(cache.get('w1', 'i24')?.id).toBe('i24');
  });
});
