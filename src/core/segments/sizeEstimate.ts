import { normalQuantile } from '../stats/distributions.js';

/** A segment's size before it is saved: counted over every profile, or estimated from a sample of them. */
export type SizeEstimate =
  | { readonly kind: 'exact'; readonly count: number; readonly population: number }
  | {
    readonly kind: 'sample';
    /** The matching share of the sample scaled to the population, rounded. */
    readonly count: number;
    readonly population: number;
    readonly sampled: number;
    readonly matchedInSample: number;
    /** Bounds on the count at `confidence`: a Wilson interval with the finite population correction. */
    readonly low: number;
    readonly high: number;
    readonly confidence: number;
  };

/**
 * The size a rule would give, from `matched` of `sampled` profiles out of `population`. A sample
 * of the whole population is an exact count. Otherwise the sample must be a simple random one
 * (profile ids are hashes, so any run of them in id order is): the share of matches with a
 * Wilson interval, its z shrunk by the finite population correction sqrt((N - n) / (N - 1)),
 * scaled to N and kept within what is known for sure (at least the matches seen, at most those
 * plus every profile not sampled).
 *
 * @example sizeEstimate(30, 100, 1000, 0.95) // { kind: 'sample', count: 300, low: 222, high: 391, ... }
 */
export function sizeEstimate(matched: number, sampled: number, population: number, confidence = 0.95): SizeEstimate {
  if (!(matched >= 0 && matched <= sampled && sampled <= population)) {
    throw new RangeError(`sizeEstimate needs 0 <= matched <= sampled <= population (got ${matched}, ${sampled}, ${population})`);
  }
  if (sampled === population) return { kind: 'exact', count: matched, population };
  const n = sampled;
  const unseen = population - sampled;
  if (n === 0) return { kind: 'sample', count: 0, population, sampled, matchedInSample: 0, low: 0, high: population, confidence };
  const p = matched / n;
  const z = normalQuantile(1 - (1 - confidence) / 2) * Math.sqrt((population - n) / (population - 1));
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const clamp = (x: number) => Math.min(matched + unseen, Math.max(matched, x));
  return {
    kind: 'sample',
    count: clamp(Math.round(p * population)),
    population,
    sampled,
    matchedInSample: matched,
    low: clamp(Math.floor(Math.max(0, centre - half) * population)),
    high: clamp(Math.ceil(Math.min(1, centre + half) * population)),
    confidence,
  };
}
