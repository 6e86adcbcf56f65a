/**
 * Adjusted p-values for many comparisons (several arms or metrics in one experiment). Both
 * return the adjusted values in the input order, capped at 1.
 *
 * - Holm (step-down, controls the family-wise error rate): sort ascending; the i-th smallest
 *   (0-based) becomes max over j <= i of (m − j)·p_(j).
 * - Benjamini–Hochberg (step-up, controls the false discovery rate): the i-th smallest
 *   (1-based) becomes min over j >= i of m·p_(j)/j.
 */

function ascendingOrder(p: readonly number[]): number[] {
  for (const value of p) if (!(value >= 0 && value <= 1)) throw new RangeError(`p-values must be in [0, 1], got ${value}`);
  return p.map((_, i) => i).sort((a, b) => p[a]! - p[b]! || a - b);
}

export function holmAdjust(p: readonly number[]): number[] {
  const m = p.length;
  const order = ascendingOrder(p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[index]!));
    adjusted[index] = running;
  });
  return adjusted;
}

export function benjaminiHochbergAdjust(p: readonly number[]): number[] {
  const m = p.length;
  const order = ascendingOrder(p);
  const adjusted = new Array<number>(m).fill(1);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = order[rank]!;
    running = Math.min(running, (m * p[index]!) / (rank + 1));
    adjusted[index] = running;
  }
  return adjusted;
}
