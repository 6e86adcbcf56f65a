/**
 * Bucket ranges, variation choice and namespaces, with GrowthBook's exact semantics
 * (including its clamping and fallbacks) so that assignments match its JS SDK. See README.md.
 */
import { hash } from './hash.js';

/** A half-open interval [start, end) of hash values that map to one variation. */
export type VariationRange = readonly [start: number, end: number];

/**
 * A namespace: experiments sharing an id take disjoint slices [start, end) of the users, so
 * that no user is in two of them. The slice is judged on a hash of the user alone.
 */
export type Namespace = readonly [id: string, start: number, end: number];

/** Total weight accepted as "adds up to 1"; outside it, weights fall back to equal. */
const MIN_TOTAL_WEIGHT = 0.99;
const MAX_TOTAL_WEIGHT = 1.01;

/**
 * `n` weights of 1/n each, or none when n <= 0. Like GrowthBook, a non-integer n throws a
 * RangeError (an invalid array length): the variation count comes from a validated definition.
 */
export function getEqualWeights(n: number): number[] {
  if (n <= 0) return [];
  return new Array<number>(n).fill(1 / n);
}

/**
 * One range per variation. Variation i starts at the sum of the weights before it and covers
 * `coverage` of its weight, so lowering coverage shrinks each range from its end and users who
 * stay included keep their variation.
 * - `coverage` defaults to 1 and is clamped to [0, 1].
 * - `weights` missing, of the wrong length, or not adding up to 1 within 0.01 → equal weights.
 *   Weights adding up to 0.995 are kept, so hashes in [0.995, 1) fall in no range.
 * - NaN is passed through as GrowthBook does (NaN coverage → NaN ends → nobody is in range);
 *   validate definitions before they get here.
 */
export function getBucketRanges(
  numVariations: number,
  coverage?: number | null,
  weights?: readonly number[] | null,
): VariationRange[] {
  let cover = coverage ?? 1;
  if (cover < 0) cover = 0;
  else if (cover > 1) cover = 1;

  const equal = getEqualWeights(numVariations);
  let chosen: readonly number[] = weights ?? equal;
  if (chosen.length !== numVariations) chosen = equal;
  const total = chosen.reduce((sum, w) => sum + w, 0);
  if (total < MIN_TOTAL_WEIGHT || total > MAX_TOTAL_WEIGHT) chosen = equal;

  let cumulative = 0;
  return chosen.map((w): VariationRange => {
    const start = cumulative;
    cumulative += w;
    return [start, start + cover * w];
  });
}

/** Whether `n` is in [start, end). */
export function inRange(n: number, range: VariationRange): boolean {
  return n >= range[0] && n < range[1];
}

/** The index of the first range containing `n`, or -1 when none does (the user is excluded). */
export function chooseVariation(n: number, ranges: readonly VariationRange[]): number {
  return ranges.findIndex((range) => inRange(n, range));
}

/**
 * Whether the user whose hash attribute is `hashValue` falls in the namespace's slice. As in
 * GrowthBook, the hash is version 1 with seed `__<id>`, i.e. FNV-1a of `${hashValue}__${id}`,
 * independent of any experiment key.
 */
export function inNamespace(hashValue: string, namespace: Namespace): boolean {
  const [id, start, end] = namespace;
  const n = hash(`__${id}`, hashValue, 1);
  return n !== null && n >= start && n < end;
}
