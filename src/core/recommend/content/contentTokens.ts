/**
 * What an item is, for content similarity: its category path, attributes and price. Plain
 * data from the catalog; the shell maps catalog ids to item indices.
 */
export interface ItemContent {
  /** Root first: ["Shoes", "Running", "Trail"]. */
  readonly category?: readonly string[] | undefined;
  readonly attributes?: Readonly<Record<string, string | number | boolean | readonly string[]>> | undefined;
  readonly price?: number | undefined;
}

/**
 * The item's tokens: each prefix of the category path (so two trail shoes share "Shoes",
 * "Shoes/Running" and "Shoes/Running/Trail", and a trail shoe and a road shoe share the first
 * two), one token per attribute value (lower-cased, so "Red" and "red" agree), and a price
 * band. Bands double in width (1-2, 2-4, 4-8, ...): a 12 and a 15 are alike, a 12 and a 120
 * are not, whatever the currency's scale.
 *
 * @example contentTokens({ category: ['Shoes', 'Running'], attributes: { color: 'Red' }, price: 12 })
 *   // ['cat:Shoes', 'cat:Shoes/Running', 'attr:color=red', 'price:3']
 */
export function contentTokens(content: ItemContent): string[] {
  const tokens: string[] = [];
  (content.category ?? []).forEach((_, depth, path) => tokens.push(`cat:${path.slice(0, depth + 1).join('/')}`));
  for (const [name, value] of Object.entries(content.attributes ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) tokens.push(`attr:${name}=${String(one).toLowerCase()}`);
  }
  if (content.price !== undefined && Number.isFinite(content.price) && content.price > 0) tokens.push(`price:${Math.floor(Math.log2(content.price))}`);
  return [...new Set(tokens)];
}
