import { logGamma } from '../stats/distributions.js';

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b) for a, b > 0. The log-gamma is the statistics
 * module's Lanczos approximation (about 15 significant digits; checked in numeric.test.ts).
 *
 * @example logBeta(2, 3) // ≈ ln(1/12)
 */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

export { logGamma };
