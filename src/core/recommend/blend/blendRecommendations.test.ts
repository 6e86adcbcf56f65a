import { describe, expect, it } from 'vitest';
import cases from './blend.cases.json' with { type: 'json' };
import type { Recommender } from '../Recommender.js';
import { topScored } from '../topScored.js';
import { addBasket, createCooccurrence } from '../cooccurrence/CooccurrenceState.js';
import { cooccurrenceRecommender } from '../cooccurrence/cooccurrenceRecommender.js';
import { trainSessionModels } from '../session/SessionModels.js';
import { sessionKnnRecommender } from '../session/sessionKnn.js';
import { contentRecommender, createContentIndex, setItemContent } from '../content/ContentIndex.js';
import { blendRecommendations, type BlendRequest, type BlendSources } from './blendRecommendations.js';
import type { ItemMeta } from './businessFilters.js';
import type { Diversity } from './diversify.js';

interface CaseRequest {
  history?: number[];
  session?: number[];
  k: number;
  filters?: { exclude?: number[]; inStockOnly?: boolean; categories?: string[][]; where?: 'notSocks' };
  boosts?: { now: number; marginWeight?: number; newItems?: { withinSeconds: number; factor: number } };
  diversity?: { kind: 'mmr'; lambda: number } | { kind: 'categoryCap'; maxPerCategory: number };
}
interface Expected { situation: string; preferred: string; fallback: string | null; used: string[]; items: [number, string, number | null][] }
type Case = [string, CaseRequest, Expected];

const catalog = new Map<number, ItemMeta>(Object.entries(cases.catalog).map(([id, meta]) => [Number(id), meta]));
const meta = (item: number): ItemMeta | undefined => catalog.get(item);

function fixtureSources(): BlendSources {
  const bought = createCooccurrence();
  for (const basket of cases.baskets) addBasket(bought, basket);
  let time = 0;
  const sessions = trainSessionModels(Object.entries(cases.sessions).flatMap(([session, items]) => items.map((item) => ({ session, item, time: (time += 1) }))));
  const content = createContentIndex();
  for (const [item, m] of catalog) setItemContent(content, item, { category: m.category });
  const counts = new Map(Object.entries(cases.popularity).map(([item, n]) => [Number(item), n]));
  const popular: Recommender = { name: 'popular', recommend: (q) => topScored(counts, q.k, q.exclude) };
  return {
    collaborative: cooccurrenceRecommender(bought, { name: 'bought-together', measure: 'cosine', minPairCount: 1 }),
    session: sessionKnnRecommender(sessions.index),
    content: contentRecommender(content),
    popular,
  };
}

const sameTopCategory = (a: number, b: number): number => {
  const x = meta(a)?.category?.[0];
  return x !== undefined && x === meta(b)?.category?.[0] ? 1 : 0;
};

function requestOf(raw: CaseRequest): BlendRequest {
  const { filters, diversity } = raw;
  return {
    history: raw.history ?? [], session: raw.session ?? [], k: raw.k, meta,
    filters: filters === undefined ? undefined : {
      exclude: filters.exclude === undefined ? undefined : new Set(filters.exclude),
      inStockOnly: filters.inStockOnly,
      categories: filters.categories,
      where: filters.where === 'notSocks' ? (m: ItemMeta) => m.category?.[0] !== 'Socks' : undefined,
    },
    boosts: raw.boosts,
    diversity: diversity === undefined ? undefined : diversity.kind === 'mmr' ? { ...diversity, similarity: sameTopCategory } satisfies Diversity : diversity,
  };
}

describe('blendRecommendations', () => {
  const sources = fixtureSources();

  it.each(cases.cases as Case[])('%s', (_name, raw, expected) => {
    const result = blendRecommendations(sources, requestOf(raw));
    expect({ situation: result.situation, preferred: result.preferred, fallback: result.fallback ?? null, used: result.used }).toEqual({
      situation: expected.situation, preferred: expected.preferred, fallback: expected.fallback, used: expected.used,
    });
    expect(result.items.map((r) => [r.item, r.strategy, r.because ?? null])).toEqual(expected.items);
    for (let i = 1; i < result.items.length; i += 1) {
      if (result.items[i]!.strategy === result.items[i - 1]!.strategy && raw.diversity === undefined) expect(result.items[i]!.score).toBeLessThanOrEqual(result.items[i - 1]!.score);
    }
  });

  it('a model still training: a known user is served by the next strategy, named as the fallback', () => {
    const { collaborative: _training, ...rest } = sources;
    const result = blendRecommendations(rest, { history: [3, 0, 5], session: [], k: 2, meta });
    expect(result.fallback).toBe('content');
    expect(result.items.length).toBe(2);
  });

  it('a cold user always gets a non-empty list, whatever the filters leave of the popular head', () => {
    const counts = new Map(Array.from({ length: 500 }, (_, item) => [item, 1000 - item] as const));
    const popular: Recommender = { name: 'popular', recommend: (q) => topScored(counts, q.k, q.exclude) };
    const rare = (m: ItemMeta): boolean => m.margin === 1;
    const result = blendRecommendations({ popular }, {
      history: [], session: [], k: 5, filters: { where: rare },
      meta: (item) => ({ margin: item === 430 ? 1 : 0 }),
    });
    expect(result.items.map((r) => r.item)).toEqual([430]);
  });
});
