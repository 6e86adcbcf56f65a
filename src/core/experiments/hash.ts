/**
 * Hashing for experiment assignment, bit-for-bit that of GrowthBook's JS SDK, so that a user
 * hashed here lands in the same bucket as in GrowthBook (see README.md).
 */

/** The hashing schemes GrowthBook has shipped. 1 is the original (slightly biased), 2 the current. */
export type HashVersion = 1 | 2;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * 32-bit FNV-1a over the string's UTF-16 code units (as `charCodeAt` returns them), not its
 * UTF-8 bytes: this is what GrowthBook hashes, so non-ASCII ids must be hashed the same way.
 * Each code unit is XOR-ed in whole (it may exceed a byte). Returns an unsigned 32-bit integer.
 */
export function fnv1a32(text: string): number {
  let h = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * A number in [0, 1) derived from `seed` and `value` (usually the experiment key and the
 * user's id), or null for a version that is not 1 or 2 (a definition from a newer engine).
 * - Version 1: FNV-1a of `value + seed`, modulo 1000, so a multiple of 0.001.
 * - Version 2: FNV-1a of the decimal text of FNV-1a of `seed + value`, modulo 10000, so a
 *   multiple of 0.0001. The second round removes the bias of version 1.
 */
export function hash(seed: string, value: string, version: HashVersion): number | null {
  if (version === 2) return (fnv1a32(String(fnv1a32(seed + value))) % 10_000) / 10_000;
  if (version === 1) return (fnv1a32(value + seed) % 1_000) / 1_000;
  return null;
}
