import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../core/common/random.js';
import { spdInverse } from '../../core/recommend/ease/spdInverse.js';
import { startParallelSpdInverse, type ParallelSpdInverse } from './parallelSpdInverse.js';

/** X^T X + I for a random (n + 3) x n matrix X. */
function randomSpd(n: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  const m = n + 3;
  const x = Float64Array.from({ length: m * n }, () => random.next() - 0.5);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? 1 : 0;
    for (let k = 0; k < m; k++) s += x[k * n + i]! * x[k * n + j]!;
    a[i * n + j] = s;
  }
  return a;
}

describe('startParallelSpdInverse', () => {
  const solvers: ParallelSpdInverse[] = [];
  afterAll(async () => {
    await Promise.all(solvers.map((s) => s.close()));
  });

  it.each([2, 3])('gives the single-threaded inverse to the bit with %i parts', async (parts) => {
    const solver = await startParallelSpdInverse(parts);
    solvers.push(solver);
    expect(solver.parts).toBe(parts);
    for (const n of [1, 5, 13, 37, 101]) {
      const a = randomSpd(n, n);
      const single = spdInverse(a, n);
      const shared = solver.inverse(a, n);
      expect(shared.ok && single.ok).toBe(true);
      if (shared.ok && single.ok) expect(Array.from(shared.inverse)).toEqual(Array.from(single.inverse));
    }
  });

  it('names the same failing row as the single-threaded inverse, and keeps working after it', async () => {
    const solver = await startParallelSpdInverse(2);
    solvers.push(solver);
    const n = 40;
    for (const bad of [0, 5, 22, 39]) {
      const a = randomSpd(n, 7);
      a[bad * n + bad] = -1;
      expect(solver.inverse(a, n)).toEqual(spdInverse(a, n));
      expect(spdInverse(a, n)).toMatchObject({ ok: false, row: bad });
    }
    expect(solver.inverse(randomSpd(n, 8), n).ok).toBe(true);
  });

  it('reports progress from 0 to 1 on the calling thread', async () => {
    const solver = await startParallelSpdInverse(2);
    solvers.push(solver);
    const seen: number[] = [];
    solver.inverse(randomSpd(60, 3), 60, (f) => seen.push(f));
    expect(seen.at(-1)).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
  });
});
