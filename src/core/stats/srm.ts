/**
 * Sample-ratio mismatch: are the arms' unit counts consistent with the configured traffic
 * weights? Pearson's chi-square goodness-of-fit test with k − 1 degrees of freedom, as in
 * GrowthBook's `check_srm`. A mismatch is flagged at p < 0.001 (GrowthBook, Eppo), which keeps
 * false alarms rare when the check runs on every refresh of a live experiment.
 */
import { chiSquareSf } from './distributions.js';

export const SRM_THRESHOLD = 0.001;

export interface SrmResult {
  readonly chiSquare: number;
  readonly df: number;
  readonly pValue: number;
  /** True when pValue < threshold. */
  readonly mismatch: boolean;
}

/**
 * `users[i]` units were assigned to arm i, which was configured to get `weights[i]` of the
 * traffic (weights need not sum to 1; they are normalised). Arms with weight 0 must have no
 * users and are left out.
 */
export function sampleRatioMismatch(users: readonly number[], weights: readonly number[], threshold = SRM_THRESHOLD): SrmResult {
  if (users.length !== weights.length) throw new RangeError(`${users.length} counts but ${weights.length} weights`);
  const totalWeight = weights.reduce((s, w) => s + w, 0);
  const total = users.reduce((s, u) => s + u, 0);
  if (!(totalWeight > 0)) throw new RangeError('the weights must have a positive sum');
  let chiSquare = 0;
  let arms = 0;
  for (let i = 0; i < users.length; i++) {
    const u = users[i]!;
    const w = weights[i]!;
    if (!(u >= 0) || !(w >= 0)) throw new RangeError(`arm ${i}: counts and weights must be >= 0`);
    if (w === 0) {
      if (u > 0) return { chiSquare: Infinity, df: Math.max(1, users.length - 1), pValue: 0, mismatch: true };
      continue;
    }
    const expected = (total * w) / totalWeight;
    chiSquare += expected > 0 ? (u - expected) ** 2 / expected : 0;
    arms++;
  }
  if (arms < 2 || total === 0) return { chiSquare: 0, df: Math.max(0, arms - 1), pValue: 1, mismatch: false };
  const df = arms - 1;
  const pValue = chiSquareSf(chiSquare, df);
  return { chiSquare, df, pValue, mismatch: pValue < threshold };
}
