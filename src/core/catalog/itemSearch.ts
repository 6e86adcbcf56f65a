import type { Item } from './Item.js';

/**
 * Text as search compares it: Unicode compatibility forms folded (NFKD), accents dropped,
 * lower case, runs of white space as one space. "Café  Crème" and "cafe creme" compare equal.
 */
export function normalizeSearchText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * What a search looks in: the id, the title and every locale's title, normalised, one per
 * line. Stores keep this beside the item so that their search and `matchesItemSearch` agree.
 */
export function itemSearchText(item: Pick<Item, 'id' | 'title' | 'titles'>): string {
  return [item.id, item.title, ...Object.values(item.titles)].map(normalizeSearchText).join('\n');
}

/**
 * Whether an item matches a search: the normalised query is a substring of its id, its title
 * or a locale's title. An empty query matches everything.
 *
 * @example matchesItemSearch({ id: 'sku-1', title: 'Café Crème', titles: {} }, 'creme') // true
 */
export function matchesItemSearch(item: Pick<Item, 'id' | 'title' | 'titles'>, query: string): boolean {
  const q = normalizeSearchText(query);
  return q.length === 0 || itemSearchText(item).split('\n').some((field) => field.includes(q));
}
