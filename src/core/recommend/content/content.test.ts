import { describe, expect, it } from 'vitest';
import { contentRecommender, contentSimilarity, createContentIndex, removeItemContent, setItemContent } from './ContentIndex.js';
import { contentTokens, type ItemContent } from './contentTokens.js';

const catalog: ItemContent[] = [
  { category: ['Shoes', 'Running', 'Trail'], attributes: { color: 'Red', sizes: ['42', '43'] }, price: 120 },
  { category: ['Shoes', 'Running', 'Road'], attributes: { color: 'red' }, price: 110 },
  { category: ['Shoes', 'Running', 'Trail'], attributes: { color: 'blue' }, price: 130 },
  { category: ['Socks'], attributes: { color: 'red' }, price: 9 },
  { category: ['Books'], price: 15 },
];

function indexOf(items: readonly ItemContent[]): ReturnType<typeof createContentIndex> {
  const index = createContentIndex();
  items.forEach((content, item) => setItemContent(index, item, content));
  return index;
}

describe('content similarity', () => {
  it('tokens: category prefixes, lower-cased attribute values, a doubling price band', () => {
    expect(contentTokens(catalog[0]!)).toEqual([
      'cat:Shoes', 'cat:Shoes/Running', 'cat:Shoes/Running/Trail', 'attr:color=red', 'attr:sizes=42', 'attr:sizes=43', 'price:6',
    ]);
    expect(contentTokens({ price: 0 })).toEqual([]);
  });

  it('is a cosine of TF-IDF vectors: 1 with itself, symmetric, 0 when nothing is shared', () => {
    const index = indexOf(catalog);
    expect(contentSimilarity(index, 0, 0)).toBeCloseTo(1, 12);
    expect(contentSimilarity(index, 0, 2)).toBeCloseTo(contentSimilarity(index, 2, 0), 12);
    expect(contentSimilarity(index, 0, 4)).toBe(0);
    // By hand, N = 5: idf(t) = ln(6 / (1 + df)) + 1. Items 0 and 1 share cat:Shoes (df 3),
    // cat:Shoes/Running (df 3), color=red (df 3) and price:6 (df 2: 120 and 110; 130 is band 7).
    // Item 0 also has .../Trail (df 2) and two sizes (df 1); item 1 has .../Road (df 1).
    const w = (df: number): number => Math.log(6 / (1 + df)) + 1;
    const norm0 = Math.sqrt(3 * w(3) ** 2 + 2 * w(2) ** 2 + 2 * w(1) ** 2);
    const norm1 = Math.sqrt(3 * w(3) ** 2 + w(2) ** 2 + w(1) ** 2);
    expect(contentSimilarity(index, 0, 1)).toBeCloseTo((3 * w(3) ** 2 + w(2) ** 2) / (norm0 * norm1), 12);
  });

  it('recommends the most alike items for one interaction, never the history, because of it', () => {
    const got = contentRecommender(indexOf(catalog)).recommend({ history: [0], k: 3 });
    // The red road shoe in the same price band beats the blue trail shoe; the red socks come last.
    expect(got.map((r) => r.item)).toEqual([1, 2, 3]);
    expect(got.every((r) => r.because === 0)).toBe(true);
  });

  it('serves a new item at once and forgets a removed one', () => {
    const index = indexOf(catalog);
    const recommender = contentRecommender(index);
    setItemContent(index, 9, { category: ['Books'], attributes: { author: 'Le Guin' }, price: 14 });
    // The new book shares the category and the price band (8-16); the socks only the band.
    expect(recommender.recommend({ history: [4], k: 3 }).map((r) => r.item)).toEqual([9, 3]);
    removeItemContent(index, 9);
    expect(recommender.recommend({ history: [4], k: 3 }).map((r) => r.item)).toEqual([3]);
  });
});
