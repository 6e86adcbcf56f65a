import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { spdInverse } from './spdInverse.js';

/** X^T X + ridge I for a random m x n matrix X: symmetric positive definite. */
function randomSpd(n: number, seed: number, ridge = 0.1): Float64Array {
  const random = seededRandom(seed);
  const m = n + 3;
  const x = Float64Array.from({ length: m * n }, () => random.next() - 0.5);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? ridge : 0;
      for (let k = 0; k < m; k++) s += x[k * n + i]! * x[k * n + j]!;
      a[i * n + j] = s;
    }
  }
  return a;
}

describe('spdInverse', () => {
  it('inverts the documented example', () => {
    const result = spdInverse(Float64Array.of(4, 2, 2, 3), 2);
    expect(result.ok).toBe(true);
    if (result.ok) expect([...result.inverse].map((v) => Number(v.toFixed(12)))).toEqual([0.375, -0.25, -0.25, 0.5]);
  });

  // Every size up to 13 covers each remainder of the four-row and two-column blocks.
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 37, 64])('A A^-1 = I and A^-1 is symmetric (n = %i)', (n) => {
    const a = randomSpd(n, n);
    const before = Float64Array.from(a);
    const result = spdInverse(a, n);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const inv = result.inverse;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k]! * inv[k * n + j]!;
        worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)), Math.abs(inv[i * n + j]! - inv[j * n + i]!));
      }
    }
    expect(worst).toBeLessThan(1e-9);
    expect(a).toEqual(before);
  });

  it('names the row where a matrix is not positive definite', () => {
    expect(spdInverse(Float64Array.of(1, 2, 2, 1), 2)).toEqual({ ok: false, reason: 'not-positive-definite', row: 1 });
    expect(spdInverse(Float64Array.of(0, 0, 0, 1), 2)).toEqual({ ok: false, reason: 'not-positive-definite', row: 0 });
  });

  it('reports progress from 0 to 1, never backwards', () => {
    const seen: number[] = [];
    spdInverse(randomSpd(40, 3), 40, (f) => seen.push(f));
    expect(seen.at(-1)).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
  });
});
