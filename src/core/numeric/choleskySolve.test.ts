import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import cases from './choleskySolve.cases.json' with { type: 'json' };
import { choleskyFactor, choleskySolve } from './choleskySolve.js';

type Expected = { ok: true; x: number[] } | { ok: false; pivot: number };

describe('choleskySolve (choleskySolve.cases.json, numpy.linalg.solve)', () => {
  it.each(cases.cases as [string, number[][], number[], Expected][])('%s', (_name, matrix, rhs, expected) => {
    const solved = choleskySolve(matrix, rhs);
    if (!expected.ok) {
      expect(solved).toEqual({ ok: false, reason: 'not_positive_definite', pivot: expected.pivot });
      return;
    }
    if (!solved.ok) throw new Error(`expected a solution, got pivot ${solved.pivot}`);
    // The Hilbert matrix's condition number (~5e5) costs digits: relative 1e-9 holds for all.
    solved.x.forEach((value, i) => expect(Math.abs(value - expected.x[i]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected.x[i]!))));
  });

  it('factors A into L·Lᵀ with L lower-triangular', () => {
    const random = seededRandom(7);
    const n = 6;
    const m = Array.from({ length: n }, () => Array.from({ length: n }, () => random.next() - 0.5));
    const a = m.map((row, i) => m.map((other, j) => row.reduce((sum, v, k) => sum + v * other[k]!, i === j ? 1 : 0)));
    const factor = choleskyFactor(a);
    if (!factor.ok) throw new Error('expected a factor');
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let product = 0;
        for (let k = 0; k < n; k++) product += factor.lower[i * n + k]! * factor.lower[j * n + k]!;
        expect(product).toBeCloseTo(a[i]![j]!, 12);
        if (j > i) expect(factor.lower[i * n + j]).toBe(0);
      }
    }
  });

  it('reads only the lower triangle', () => {
    const solved = choleskySolve([[4, 999], [2, 3]], [2, 1]);
    expect(solved.ok && [...solved.x]).toEqual([0.5, 0]);
  });

  it('rejects a matrix and a right-hand side of different sizes', () => {
    expect(() => choleskySolve([[1, 0], [0, 1]], [1])).toThrow(RangeError);
    expect(() => choleskySolve([[1, 0], [0]], [1, 1])).toThrow(RangeError);
  });
});
