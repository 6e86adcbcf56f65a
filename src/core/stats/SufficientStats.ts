/**
 * Per-arm sufficient statistics. Collectors keep plain sums (`n`, `sum`, `sumSquares`, and for
 * ratio metrics and CUPED the cross-products) because they are cheap to add and to store;
 * combining and converting goes through centred moments (mean and M2, Welford / Chan et al.),
 * which do not lose precision to cancellation the way `sumSquares − sum²/n` can.
 */

/** Plain sums of one metric over the units of an arm. */
export interface MomentSums {
  readonly n: number;
  readonly sum: number;
  readonly sumSquares: number;
}

/**
 * Sums of a pair of metrics over the same units: X (`sum`, `sumSquares`), Y (`sumY`, `sumY2`)
 * and the cross-product `sumXY`. X is the numerator (or the post-period metric for CUPED),
 * Y the denominator (or the pre-period covariate).
 */
export interface PairSums extends MomentSums {
  readonly sumY: number;
  readonly sumY2: number;
  readonly sumXY: number;
}

/** Centred moments of one metric: count, mean and M2 = Σ(x − mean)². */
export interface Moments {
  readonly n: number;
  readonly mean: number;
  readonly m2: number;
}

/** Centred moments of a pair of metrics, with the co-moment C = Σ(x − mean_x)(y − mean_y). */
export interface PairMoments {
  readonly n: number;
  readonly meanX: number;
  readonly meanY: number;
  readonly m2X: number;
  readonly m2Y: number;
  readonly cXY: number;
}

/** What the tests need of an arm: its size, the mean of the metric and the per-unit variance. */
export interface ArmSummary {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
}

export const emptyMoments: Moments = { n: 0, mean: 0, m2: 0 };

/** Adds one observation (Welford's update). */
export function addObservation(m: Moments, x: number): Moments {
  const n = m.n + 1;
  const delta = x - m.mean;
  const mean = m.mean + delta / n;
  return { n, mean, m2: m.m2 + delta * (x - mean) };
}

/** Takes one observation back out (the inverse of Welford's update): a unit whose value changed is removed and added again. */
export function removeObservation(m: Moments, x: number): Moments {
  if (m.n <= 1) return emptyMoments;
  const n = m.n - 1;
  const delta = x - m.mean;
  const mean = m.mean - delta / n;
  return { n, mean, m2: Math.max(0, m.m2 - delta * (x - mean)) };
}

/** Combines the moments of two disjoint groups (Chan, Golub and LeVeque's parallel update). */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  return { n, mean: a.mean + (delta * b.n) / n, m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n };
}

/** Moments from plain sums. M2 is clamped at 0 against rounding. */
export function momentsFromSums(s: MomentSums): Moments {
  if (s.n === 0) return emptyMoments;
  const mean = s.sum / s.n;
  return { n: s.n, mean, m2: Math.max(0, s.sumSquares - s.sum * mean) };
}

/** Plain sums from moments. */
export function sumsFromMoments(m: Moments): MomentSums {
  return { n: m.n, sum: m.mean * m.n, sumSquares: m.m2 + m.n * m.mean * m.mean };
}

/** Adds plain sums of two disjoint groups (exact up to floating-point addition). */
export function mergeSums(a: MomentSums, b: MomentSums): MomentSums {
  return { n: a.n + b.n, sum: a.sum + b.sum, sumSquares: a.sumSquares + b.sumSquares };
}

/** The sample variance, M2 / (n − 1); NaN below two observations. */
export function sampleVariance(m: Moments): number {
  return m.n < 2 ? NaN : m.m2 / (m.n - 1);
}

/** A mean metric: mean = sum/n, variance = (sumSquares − sum²/n) / (n − 1). */
export function meanSummary(s: MomentSums): ArmSummary {
  const m = momentsFromSums(s);
  return { n: m.n, mean: m.mean, variance: sampleVariance(m) };
}

/** A proportion (conversion) metric from `sum` successes in `n`: p = sum/n, variance = p(1 − p). */
export function proportionSummary(s: { readonly n: number; readonly sum: number }): ArmSummary {
  const p = s.sum / s.n;
  return { n: s.n, mean: p, variance: p * (1 - p) };
}

export const emptyPairMoments: PairMoments = { n: 0, meanX: 0, meanY: 0, m2X: 0, m2Y: 0, cXY: 0 };

/** Adds one (x, y) observation. */
export function addPair(m: PairMoments, x: number, y: number): PairMoments {
  const n = m.n + 1;
  const dx = x - m.meanX;
  const dy = y - m.meanY;
  const meanX = m.meanX + dx / n;
  const meanY = m.meanY + dy / n;
  return { n, meanX, meanY, m2X: m.m2X + dx * (x - meanX), m2Y: m.m2Y + dy * (y - meanY), cXY: m.cXY + dx * (y - meanY) };
}

/** Pair moments a caller owns and updates in place (hot loops that must not allocate). */
export interface MutablePairMoments {
  n: number;
  meanX: number;
  meanY: number;
  m2X: number;
  m2Y: number;
  cXY: number;
}

/**
 * A unit's (x, y) changed from `before` (null: a new unit) to `after`: takes the old value out
 * and puts the new one in, in place. The same arithmetic as removePair then addPair.
 */
export function replacePairInPlace(m: MutablePairMoments, before: readonly [number, number] | null, after: readonly [number, number]): void {
  if (before !== null) {
    if (m.n <= 1) {
      m.n = 0; m.meanX = 0; m.meanY = 0; m.m2X = 0; m.m2Y = 0; m.cXY = 0;
    } else {
      const n = m.n - 1;
      const dx = before[0] - m.meanX;
      const dy = before[1] - m.meanY;
      const meanX = m.meanX - dx / n;
      const meanY = m.meanY - dy / n;
      m.m2X = Math.max(0, m.m2X - dx * (before[0] - meanX));
      m.m2Y = Math.max(0, m.m2Y - dy * (before[1] - meanY));
      m.cXY -= dx * (before[1] - meanY);
      m.n = n; m.meanX = meanX; m.meanY = meanY;
    }
  }
  const n = m.n + 1;
  const dx = after[0] - m.meanX;
  const dy = after[1] - m.meanY;
  const meanX = m.meanX + dx / n;
  const meanY = m.meanY + dy / n;
  m.m2X += dx * (after[0] - meanX);
  m.m2Y += dy * (after[1] - meanY);
  m.cXY += dx * (after[1] - meanY);
  m.n = n; m.meanX = meanX; m.meanY = meanY;
}

/** Takes one (x, y) observation back out of pair moments (the inverse of addPair). */
export function removePair(m: PairMoments, x: number, y: number): PairMoments {
  if (m.n <= 1) return emptyPairMoments;
  const n = m.n - 1;
  const dx = x - m.meanX;
  const dy = y - m.meanY;
  const meanX = m.meanX - dx / n;
  const meanY = m.meanY - dy / n;
  return { n, meanX, meanY, m2X: Math.max(0, m.m2X - dx * (x - meanX)), m2Y: Math.max(0, m.m2Y - dy * (y - meanY)), cXY: m.cXY - dx * (y - meanY) };
}

/** Combines the pair moments of two disjoint groups (Chan et al., with the co-moment term). */
export function mergePairMoments(a: PairMoments, b: PairMoments): PairMoments {
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const n = a.n + b.n;
  const dx = b.meanX - a.meanX;
  const dy = b.meanY - a.meanY;
  const w = (a.n * b.n) / n;
  return {
    n,
    meanX: a.meanX + (dx * b.n) / n,
    meanY: a.meanY + (dy * b.n) / n,
    m2X: a.m2X + b.m2X + dx * dx * w,
    m2Y: a.m2Y + b.m2Y + dy * dy * w,
    cXY: a.cXY + b.cXY + dx * dy * w,
  };
}

/** Pair moments from plain sums. */
export function pairMomentsFromSums(s: PairSums): PairMoments {
  if (s.n === 0) return emptyPairMoments;
  const meanX = s.sum / s.n;
  const meanY = s.sumY / s.n;
  return {
    n: s.n, meanX, meanY,
    m2X: Math.max(0, s.sumSquares - s.sum * meanX),
    m2Y: Math.max(0, s.sumY2 - s.sumY * meanY),
    cXY: s.sumXY - s.sum * meanY,
  };
}

/**
 * A ratio metric (for example revenue per order, X/Y summed over units): the ratio of means
 * mean_x/mean_y, with the per-unit delta-method variance
 * var_x/μ_y² + var_y·μ_x²/μ_y⁴ − 2·cov·μ_x/μ_y³ (n − 1 denominators).
 */
export function ratioSummary(s: PairSums): ArmSummary {
  const m = pairMomentsFromSums(s);
  const d = m.n - 1;
  const vx = m.m2X / d;
  const vy = m.m2Y / d;
  const cov = m.cXY / d;
  const r = m.meanX / m.meanY;
  return {
    n: m.n,
    mean: r,
    // Clamped: when every unit has the same ratio the terms cancel, and rounding can leave a tiny negative.
    variance: Math.max(0, vx / m.meanY ** 2 + (vy * m.meanX ** 2) / m.meanY ** 4 - (2 * cov * m.meanX) / m.meanY ** 3),
  };
}
