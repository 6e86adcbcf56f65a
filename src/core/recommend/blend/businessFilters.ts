/** What blending knows of an item: the catalog fields that filters, boosts and caps read. */
export interface ItemMeta {
  /** Root first, as in the catalog. */
  readonly category?: readonly string[] | undefined;
  /** In stock (false: not shown when `inStockOnly`). */
  readonly available?: boolean | undefined;
  /** The share of the price the shop keeps, in [0, 1]. */
  readonly margin?: number | undefined;
  /** When the item entered the catalog (unix seconds). */
  readonly createdAt?: number | undefined;
}

/**
 * Business filters, all of which an item must pass. An item the catalog does not know
 * passes only when no filter needs its fields: a recommender may know an item that was
 * deleted after training, and it must not be shown as if it were in stock.
 */
export interface BusinessFilters<M extends ItemMeta = ItemMeta> {
  /** Never these (already bought, already seen, on screen). */
  readonly exclude?: ReadonlySet<number> | undefined;
  readonly inStockOnly?: boolean | undefined;
  /** Only items under one of these category paths (["Shoes"] admits ["Shoes", "Running"]). */
  readonly categories?: readonly (readonly string[])[] | undefined;
  /** The caller's rule over the item's fields (a compiled rule, a closure). */
  readonly where?: ((meta: M, item: number) => boolean) | undefined;
}

/** @example passesFilters(7, { available: false }, { inStockOnly: true }) // false */
export function passesFilters<M extends ItemMeta>(item: number, meta: M | undefined, filters: BusinessFilters<M>): boolean {
  if (filters.exclude?.has(item) === true) return false;
  const needsMeta = filters.inStockOnly === true || filters.categories !== undefined || filters.where !== undefined;
  if (meta === undefined) return !needsMeta;
  if (filters.inStockOnly === true && meta.available !== true) return false;
  if (filters.categories !== undefined && !filters.categories.some((prefix) => underCategory(meta.category ?? [], prefix))) return false;
  return filters.where === undefined || filters.where(meta, item);
}

export function underCategory(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((part, depth) => path[depth] === part);
}
