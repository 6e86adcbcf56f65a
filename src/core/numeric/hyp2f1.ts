const MAX_TERMS = 1_000_000;

/**
 * Gauss's hypergeometric function 2F1(a, b; c; z) by its power series, for |z| < 1:
 * the sum over n of (a)_n (b)_n / ((c)_n n!) z^n, stopping when a term no longer changes the
 * sum in double precision. The series converges slowly when z is near 1 and c - a - b is small
 * or negative; callers in that case use Euler's transformation
 * 2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z), whose parameters are small in
 * the BG/NBD formulas (see predict/clv/expectedPurchases.ts).
 *
 * @example hyp2f1(1, 1, 2, 0.5) // = -ln(0.5) / 0.5 ≈ 1.3862943611198906
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(Math.abs(z) < 1)) throw new RangeError(`hyp2f1 needs |z| < 1, got ${z}`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1 is undefined for c = ${c}`);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < MAX_TERMS; n++) {
    term *= ((a + n) * (b + n)) / ((c + n) * (n + 1)) * z;
    const next = sum + term;
    // A zero term ends a terminating series (a or b a non-positive integer) as well.
    if (next === sum) return sum;
    sum = next;
  }
  throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge in ${MAX_TERMS} terms`);
}
