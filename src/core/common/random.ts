/**
 * A source of uniform random numbers in [0, 1), passed to the core as a parameter: the core
 * never calls `Math.random()`, so a decision that samples is reproducible from its seed.
 */
export interface Random {
  /** The next number, uniform in [0, 1). */
  next(): number;
}

/**
 * A small seeded generator (mulberry32: 32 bits of state, period 2^32). Fast and well
 * distributed for sampling decisions; not for anything cryptographic. The same seed gives
 * the same sequence on every platform. The seed is taken as a 32-bit integer
 * (`seed >>> 0`; fractions are dropped, and NaN or infinities become 0).
 *
 * @example const random = seededRandom(42); random.next(); // 0.6011037519201636, always
 */
export function seededRandom(seed: number): Random {
  let state = Number.isFinite(seed) ? Math.trunc(seed) >>> 0 : 0;
  return {
    next(): number {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
