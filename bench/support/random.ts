import { seededRandom as coreRandom } from '../../src/core/common/random.js';

/** The core's seeded generator (mulberry32) as a function, so every run builds the same workload and histories. */
export function seededRandom(seed: number): () => number {
  const random = coreRandom(seed);
  return () => random.next();
}

/** One element of a non-empty list, drawn with `random`. */
export function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}
