/** One block of a monotone fit: the points it pools, their weighted mean position and value. */
export interface IsotonicBlock {
  /** Weighted mean of the pooled points' x. */
  readonly x: number;
  /** Weighted mean of their y: the fitted value of every point in the block. */
  readonly y: number;
  readonly weight: number;
}

/**
 * Isotonic (non-decreasing) regression of y on x by pool-adjacent-violators, with a minimum
 * block weight: points are sorted by x (equal x pooled first, so a fitted map is a function of
 * x), then scanned left to right, and the newest block is pooled into the one before while that
 * one's value is not below it (a violation, or a tie, so block values rise strictly) or while
 * that one weighs less than `minWeight`; a last block under `minWeight` joins its predecessor.
 * Pooling two adjacent blocks gives a value between theirs, so the result stays monotone. With
 * `minWeight` 0 this is the textbook PAV (Barlow et al. 1972), the least-squares monotone fit;
 * a minimum keeps a calibration map from following the noise of a few customers.
 *
 * @example poolAdjacentViolators([1, 2, 3], [1, 0, 1]) // [{ x: 1.5, y: 0.5, weight: 2 }, { x: 3, y: 1, weight: 1 }]
 */
export function poolAdjacentViolators(x: readonly number[], y: readonly number[], options: { readonly weights?: readonly number[]; readonly minWeight?: number } = {}): IsotonicBlock[] {
  if (x.length !== y.length) throw new RangeError(`${x.length} x values for ${y.length} y values`);
  const weights = options.weights ?? x.map(() => 1);
  if (weights.length !== x.length) throw new RangeError(`${weights.length} weights for ${x.length} points`);
  if (x.some((v, i) => !Number.isFinite(v) || !Number.isFinite(y[i]!) || !(weights[i]! > 0))) throw new RangeError('x and y must be finite and weights positive');
  const minWeight = options.minWeight ?? 0;
  const order = x.map((_v, i) => i).sort((a, b) => x[a]! - x[b]! || a - b);
  // Sums, not means, so that pooling is exact addition whatever the order.
  const stack: { wx: number; wy: number; w: number }[] = [];
  const violates = (before: { wy: number; w: number }, after: { wy: number; w: number }): boolean =>
    before.w < minWeight || before.wy / before.w >= after.wy / after.w;
  const pool = (): void => {
    const top = stack.pop()!;
    const below = stack[stack.length - 1]!;
    below.wx += top.wx;
    below.wy += top.wy;
    below.w += top.w;
  };
  order.forEach((i, position) => {
    const w = weights[i]!;
    const point = { wx: w * x[i]!, wy: w * y[i]!, w };
    const last = stack[stack.length - 1];
    // Equal x: one point, whatever the y.
    if (last !== undefined && position > 0 && x[order[position - 1]!] === x[i]) {
      last.wx += point.wx;
      last.wy += point.wy;
      last.w += point.w;
    } else {
      stack.push(point);
    }
    while (stack.length >= 2 && violates(stack[stack.length - 2]!, stack[stack.length - 1]!)) pool();
  });
  if (stack.length >= 2 && stack[stack.length - 1]!.w < minWeight) pool();
  return stack.map((block) => ({ x: block.wx / block.w, y: block.wy / block.w, weight: block.w }));
}
