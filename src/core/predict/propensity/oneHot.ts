import { featureMatrix, type FeatureMatrix } from './FeatureMatrix.js';

/** The categories seen in training, in sorted order: one column each. */
export interface OneHotEncoder {
  readonly name: string;
  readonly categories: readonly string[];
}

/**
 * Learns the categories of a categorical column on training rows. Missing (null/undefined) is
 * not a category: it encodes as all zeros, like a category never seen in training, so a new
 * channel at scoring time does not break the model. All categories are kept (no dropped
 * reference level): the L2 penalty makes the full set identifiable and each category's
 * contribution readable on its own.
 *
 * @example fitOneHot('channel', ['web', 'store', 'web']) // { name: 'channel', categories: ['store', 'web'] }
 */
export function fitOneHot(name: string, values: readonly (string | null | undefined)[]): OneHotEncoder {
  const categories = [...new Set(values.filter((value): value is string => value !== null && value !== undefined))].sort();
  return { name, categories };
}

/**
 * One column `<name>=<category>` per training category, 1 where the row has it.
 *
 * @example oneHot(['web', 'fax'], fitOneHot('channel', ['web', 'store'])).rows // [[0, 1], [0, 0]]
 */
export function oneHot(values: readonly (string | null | undefined)[], encoder: OneHotEncoder): FeatureMatrix {
  const position = new Map(encoder.categories.map((category, j) => [category, j]));
  const rows = values.map((value) => {
    const row = new Float64Array(encoder.categories.length);
    const j = value === null || value === undefined ? undefined : position.get(value);
    if (j !== undefined) row[j] = 1;
    return row;
  });
  return featureMatrix(encoder.categories.map((category) => `${encoder.name}=${category}`), rows);
}
