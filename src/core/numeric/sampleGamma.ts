import type { Random } from '../common/random.js';

/**
 * A draw from Gamma(shape, 1) by Marsaglia and Tsang (2000); for shape < 1 a draw with
 * shape + 1 times U^(1 / shape) (their boost). Divide by a rate for Gamma(shape, rate).
 *
 * @example sampleGamma(2.5, seededRandom(1)) // a positive number; the mean over many draws is 2.5
 */
export function sampleGamma(shape: number, random: Random): number {
  if (!(shape > 0)) throw new RangeError(`sampleGamma needs shape > 0, got ${shape}`);
  if (shape < 1) return sampleGamma(shape + 1, random) * (1 - random.next()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = sampleStandardNormal(random);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = 1 - random.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A draw from Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function sampleBeta(a: number, b: number, random: Random): number {
  const x = sampleGamma(a, random);
  return x / (x + sampleGamma(b, random));
}

/** A standard normal draw by Box–Muller (one of the pair is enough here). */
export function sampleStandardNormal(random: Random): number {
  const u = 1 - random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}
