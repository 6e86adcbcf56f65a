/** The separator of a category path written as text: "Men > Shoes > Sneakers". */
export const categorySeparator = '>';

/**
 * Reads a category path written as text (a CSV cell, a Segment `category` property):
 * names split at ">", trimmed; an empty text is no category. An empty name between two
 * separators is a fault, reported as its position.
 *
 * @example parseCategoryPath(' Men > Shoes >Sneakers ') // { ok: true, path: ['Men', 'Shoes', 'Sneakers'] }
 */
export function parseCategoryPath(text: string): { ok: true; path: string[] } | { ok: false; index: number; message: string } {
  if (text.trim().length === 0) return { ok: true, path: [] };
  const path = text.split(categorySeparator).map((name) => name.trim());
  const empty = path.findIndex((name) => name.length === 0);
  if (empty >= 0) return { ok: false, index: empty, message: `category name ${empty + 1} of "${text}" is empty` };
  return { ok: true, path };
}

/** The text form of a path: `formatCategoryPath(['Men', 'Shoes'])` is "Men > Shoes". */
export function formatCategoryPath(path: readonly string[]): string {
  return path.join(` ${categorySeparator} `);
}

/** Whether `path` lies in `ancestor` (equal to it or below it): ['Men', 'Shoes'] is in ['Men']. */
export function isInCategory(path: readonly string[], ancestor: readonly string[]): boolean {
  return ancestor.length <= path.length && ancestor.every((name, i) => path[i] === name);
}
