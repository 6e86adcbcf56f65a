/*
 * P(best) of independent normal arms at every contextual decision, so cost matters as much as
 * precision. How the integral ∫ φk(x) Π_{i≠k} Φi(x) dx is cut up:
 *
 * - Each arm lives on its window mean ± REACH·sd (REACH = 5: Φ(−5) ≈ 2.9e-7). Below the highest
 *   window bottom some arm's Φ is under 2.9e-7, so the max lies there with probability below
 *   that: the integral starts at that bottom, and every window starts at or below it. An arm
 *   whose window ends below it is best with probability below 2.9e-7 and gets 0. Above an arm's
 *   window its Φ is 1 within 2.9e-7 and its density as small: it drops out of the products there.
 * - From the bottom up, pieces as long as STEP times the narrowest sd of the arms still in their
 *   window, NODES-point Gauss–Legendre on each. The integrand is analytic and varies on the scale
 *   of the narrowest arm present, so the pieces follow it: short where a confident arm lives,
 *   long above it. Arms leave the window in order of their window tops, so the arms still in
 *   are a suffix of the arms sorted by top.
 * - Φ(z) and e(z) = exp(−z²/2) (φ but for its constant, which cancels) from tables at 1/32 in z
 *   on [−6.5, 8.5], cubic Hermite between entries (the tables hold the derivatives too: Φ' = φ,
 *   e' = −z·e): no exp per arm and node, which was half of the function's time. The entries are
 *   Hart's rational Φ(−|z|) = e·P(|z|)/Q(|z|) (West 2005, relative error near 1e-14); the
 *   interpolation is within 7.5e-9 of e and 1.4e-9 of Φ (measured against
 *   `stats/distributions.ts` on a 1e-4 grid of z). Above 8.5, Φ is 1 and e is 0 within 1e-15 (a piece may reach past an arm's window top by up to STEP sds).
 * - Π_{i≠k} Φi from prefix and suffix products: O(nodes·arms), no division by a Φ near 0.
 *
 * Error, measured (normalBest.test.ts, against `stats/bestArm.ts`'s adaptive Simpson with the
 * exact Φ; the windows' truncation alone is bounded by some 2.9e-7 per arm leaving the
 * products, so the bound is one of measurement, not a proof): below 2e-6 per arm on seeded
 * cases of 2 to 12 arms with sds up to 200 times apart (5.9e-7 the worst, 7.3e-7 on the
 * recorded cases of normalBest.cases.json), and 4e-12 with a far finer grid and exp (STEP 0.5,
 * 6 nodes, REACH 8), which is how the grid's part was isolated. The grid is the cheapest within
 * the bound of those tried on those cases (REACH 4.5 to 6, pieces of 4 to 12 sds, 6 to 20
 * nodes), counted in arm-node evaluations on the bench's decisions: 11 nodes on 6-sd pieces
 * within 5-sd windows take 176, against 220 for 10 nodes within 6-sd windows (1.4e-6) and 326
 * for the 5 nodes on 2-sd pieces before that; within 6-sd windows 5 nodes on 3 sds (3e-5), 8 on
 * 4 (3.4e-6) and 12 on 8 (1.6e-5) miss the bound, and no grid within 4.5-sd windows meets it.
 */
const REACH = 5;
const STEP = 6;
// 11-point Gauss–Legendre on [−1, 1]: exact for polynomials up to degree 21.
const NODES = [
  -0.978228658146057, -0.8870625997680953, -0.7301520055740494, -0.5190961292068118, -0.26954315595234496, 0,
  0.26954315595234496, 0.5190961292068118, 0.7301520055740494, 0.8870625997680953, 0.978228658146057,
] as const;
const WEIGHTS = [
  0.05566856711617393, 0.12558036946490433, 0.1862902109277343, 0.23319376459199057, 0.26280454451024654, 0.2729250867779005,
  0.26280454451024654, 0.23319376459199057, 0.1862902109277343, 0.12558036946490433, 0.05566856711617393,
] as const;

/** The tables' range in z and entries per unit of z. */
const TABLE_FROM = -6.5;
const TABLE_TO = 8.5;
const PER_UNIT = 32;
const ENTRIES = Math.ceil((TABLE_TO - TABLE_FROM) * PER_UNIT) + 1;
/**
 * Entry i is z = TABLE_FROM + i / PER_UNIT: e(z), its derivative times the spacing (Hermite's
 * tangent), Φ(z) and its tangent, side by side at TABLE[4i..4i+3], so that a lookup's two
 * entries (i and i + 1) are 64 consecutive bytes, one or two cache lines. Four separate tables
 * spread one lookup over four lines at least; a decision reads the tables for some 200
 * arm-nodes, often after other work has pushed them out of the cache. The same numbers.
 */
const TABLE = new Float64Array(ENTRIES * 4);
for (let i = 0; i < ENTRIES; i++) {
  const z = TABLE_FROM + i / PER_UNIT;
  const e = Math.exp(-0.5 * z * z);
  const tail = e * lowerTail(z < 0 ? -z : z);
  TABLE[4 * i] = e;
  TABLE[4 * i + 1] = (-z * e) / PER_UNIT;
  TABLE[4 * i + 2] = z > 0 ? 1 - tail : tail;
  TABLE[4 * i + 3] = e / Math.sqrt(2 * Math.PI) / PER_UNIT;
}

/**
 * Scratch space, grown to the largest arm count seen and reused: a decision allocates only its
 * result. Nothing in it outlives a call, so calls stay independent (JavaScript runs one at a time).
 */
let scratch = allocate(16);

function allocate(size: number) {
  return {
    size,
    order: new Int32Array(size), mu: new Float64Array(size), inv: new Float64Array(size), top: new Float64Array(size),
    narrowestFrom: new Float64Array(size + 1), totals: new Float64Array(size), cdf: new Float64Array(size),
    pdf: new Float64Array(size), prefix: new Float64Array(size + 1), suffix: new Float64Array(size + 1),
  };
}

/**
 * P(arm k draws the largest value) for independent normal arms N(means[k], sds[k]²), normalised
 * to sum to 1. A contextual decision computes it at every call (its context, so its arms,
 * differ per decision); what is recorded and drawn from are these numbers, so the recorded
 * probability is exactly that of the choice, and only its distance to the ideal Thompson
 * probability (below 2e-6, see above) is the quadrature's.
 *
 * @example normalBestProbabilities([0, 1], [1, 1]) // ≈ [0.2398, 0.7602]
 */
export function normalBestProbabilities(means: ArrayLike<number>, sds: ArrayLike<number>): number[] {
  const k = means.length;
  if (k === 0) return [];
  if (k === 1) return [1];
  if (scratch.size < k) scratch = allocate(k);
  const { order, mu, inv, top, narrowestFrom, totals, cdf, pdf, prefix, suffix } = scratch;
  let bottom = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < k; i++) bottom = Math.max(bottom, means[i]! - REACH * sds[i]!);
  let m = 0;
  // `>=`: the arm that sets the bottom stays, whatever the rounding of its window.
  for (let i = 0; i < k; i++) if (means[i]! + REACH * sds[i]! >= bottom) order[m++] = i;
  const result = new Array<number>(k).fill(0);
  if (m === 1) {
    result[order[0]!] = 1;
    return result;
  }
  // By window top, ascending, ties in index order: a stable insertion sort (k is a placement's
  // action count) in place of TypedArray sort with a comparator, which cost more than it sorted.
  for (let j = 0; j < m; j++) top[j] = means[order[j]!]! + REACH * sds[order[j]!]!;
  for (let j = 1; j < m; j++) {
    const i = order[j]!;
    const t = top[j]!;
    let at = j;
    for (; at > 0 && top[at - 1]! - t > 0; at--) {
      order[at] = order[at - 1]!;
      top[at] = top[at - 1]!;
    }
    order[at] = i;
    top[at] = t;
  }
  for (let j = 0; j < m; j++) {
    const i = order[j]!;
    mu[j] = means[i]!;
    inv[j] = 1 / sds[i]!;
    totals[j] = 0;
  }
  narrowestFrom[m] = Number.POSITIVE_INFINITY;
  for (let j = m - 1; j >= 0; j--) narrowestFrom[j] = Math.min(narrowestFrom[j + 1]!, sds[order[j]!]!);
  const end = top[m - 1]!;
  let first = 0;
  let x = bottom;
  while (x < end) {
    while (top[first]! <= x) first++;
    // A few ulps at least, so that an sd below the resolution of x cannot stall the walk.
    const length = Math.max(Math.min(STEP * narrowestFrom[first]!, end - x), 4 * Number.EPSILON * Math.abs(x));
    const half = length / 2;
    const centre = x + half;
    for (let n = 0; n < NODES.length; n++) {
      const at = centre + half * NODES[n]!;
      prefix[first] = 1;
      for (let j = first; j < m; j++) {
        // Every z is at least −6 here (the bottom is above every window's), but for rounding.
        const u = Math.max(((at - mu[j]!) * inv[j]! - TABLE_FROM) * PER_UNIT, 0);
        let e = 0;
        let c = 1;
        if (u < ENTRIES - 1) {
          const i = u | 0;
          const t = u - i;
          const t2 = t * t;
          const t3 = t2 * t;
          const h00 = 2 * t3 - 3 * t2 + 1;
          const h10 = t3 - 2 * t2 + t;
          const h01 = 3 * t2 - 2 * t3;
          const h11 = t3 - t2;
          const o = 4 * i;
          e = h00 * TABLE[o]! + h10 * TABLE[o + 1]! + h01 * TABLE[o + 4]! + h11 * TABLE[o + 5]!;
          c = h00 * TABLE[o + 2]! + h10 * TABLE[o + 3]! + h01 * TABLE[o + 6]! + h11 * TABLE[o + 7]!;
        }
        pdf[j] = e;
        cdf[j] = c;
        prefix[j + 1] = prefix[j]! * c;
      }
      // From the top down, the product of the arms above j is ready when arm j's term is added.
      const w = half * WEIGHTS[n]!;
      suffix[m] = 1;
      for (let j = m - 1; j >= first; j--) {
        totals[j] = totals[j]! + w * prefix[j]! * suffix[j + 1]! * pdf[j]!;
        suffix[j] = suffix[j + 1]! * cdf[j]!;
      }
    }
    x += length;
  }
  // φ's 1/sqrt(2π) cancels in the normalisation; its 1/sd does not.
  let sum = 0;
  for (let j = 0; j < m; j++) {
    totals[j] = totals[j]! * inv[j]!;
    sum += totals[j]!;
  }
  for (let j = 0; j < m; j++) result[order[j]!] = sum > 0 ? totals[j]! / sum : 1 / m;
  return result;
}

/**
 * Φ(−a) / exp(−a²/2) for a ≥ 0: Hart's (1968) rational function below 7.07 and the continued
 * fraction above, as West (2005, "Better approximations to cumulative normal functions") gives them.
 *
 * @example Math.exp(-0.5) * lowerTail(1) // ≈ 0.158655 = Φ(−1)
 */
export function lowerTail(a: number): number {
  if (a < 7.07106781186547) {
    let p = 3.52624965998911e-2 * a + 0.700383064443688;
    p = p * a + 6.37396220353165;
    p = p * a + 33.912866078383;
    p = p * a + 112.079291497871;
    p = p * a + 221.213596169931;
    p = p * a + 220.206867912376;
    let q = 8.83883476483184e-2 * a + 1.75566716318264;
    q = q * a + 16.064177579207;
    q = q * a + 86.7807322029461;
    q = q * a + 296.564248779674;
    q = q * a + 637.333633378831;
    q = q * a + 793.826512519948;
    q = q * a + 440.413735824752;
    return p / q;
  }
  let b = a + 0.65;
  b = a + 4 / b;
  b = a + 3 / b;
  b = a + 2 / b;
  b = a + 1 / b;
  return 1 / (b * 2.506628274631);
}
