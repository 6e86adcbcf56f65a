import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { createLinearModel, predictLinear, updateLinearModel } from './LinearModel.js';
import { encodeFeatures, flattenFeatures } from './encodeFeatures.js';

/** Solves M y = r by Gaussian elimination with partial pivoting (the direct computation to compare with). */
function solve(matrix: number[][], rhs: number[]): number[] {
  const n = rhs.length;
  const m = matrix.map((row, i) => [...row, rhs[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k] = m[r]![k]! - f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

describe('LinearModel', () => {
  it('keeps θ = (λI + XᵀX)⁻¹Xᵀr and xᵀA⁻¹x equal to the direct solution after many updates', () => {
    const random = seededRandom(3);
    const d = 5;
    const lambda = 2;
    const model = createLinearModel(d, lambda);
    const a = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? lambda : 0)));
    const b = new Array<number>(d).fill(0);
    for (let n = 0; n < 200; n++) {
      const x = Array.from({ length: d }, () => random.next() * 2 - 1);
      const r = x[0]! * 0.5 - x[3]! + random.next();
      updateLinearModel(model, x, r);
      for (let i = 0; i < d; i++) {
        b[i]! += r * x[i]!;
        for (let j = 0; j < d; j++) a[i]![j]! += x[i]! * x[j]!;
      }
    }
    const theta = solve(a, b);
    for (let i = 0; i < d; i++) expect(model.theta[i]).toBeCloseTo(theta[i]!, 10);
    const probe = [0.3, -0.2, 0.9, 0.1, -0.5];
    const direct = solve(a, probe).reduce((sum, v, i) => sum + v * probe[i]!, 0);
    const prediction = predictLinear(model, probe);
    expect(prediction.spread).toBeCloseTo(direct, 12);
    expect(prediction.mean).toBeCloseTo(theta.reduce((sum, v, i) => sum + v * probe[i]!, 0), 10);
    expect(model.observations).toBe(200);
  });

  it('refuses a vector of the wrong length, a non-finite reward and a bad size', () => {
    const model = createLinearModel(3);
    expect(() => updateLinearModel(model, [1, 2], 1)).toThrow(RangeError);
    expect(() => updateLinearModel(model, [1, 2, 3], Number.NaN)).toThrow(RangeError);
    expect(() => createLinearModel(0)).toThrow(RangeError);
    expect(() => createLinearModel(3, 0)).toThrow(RangeError);
  });
});

describe('encodeFeatures', () => {
  it('puts the intercept at 0, numbers by name, strings one-hot, and is the same for the same input', () => {
    const v = encodeFeatures([{ namespace: 'c', features: { device: 'mobile', visits: 3, vip: true, gone: null } }], 32);
    expect(v[0]).toBe(1);
    const nonZero = [...v.keys()].filter((i) => i > 0 && v[i] !== 0);
    expect(nonZero.length).toBeGreaterThanOrEqual(1);
    expect(nonZero.length).toBeLessThanOrEqual(3);
    expect([...encodeFeatures([{ namespace: 'c', features: { visits: 3, device: 'mobile', vip: true } }], 32)]).toEqual([...v]);
    expect([...encodeFeatures([{ namespace: 'c', features: { device: 'desktop', visits: 3, vip: true } }], 32)]).not.toEqual([...v]);
  });

  it('adds context × action crosses only when asked', () => {
    const groups = [{ namespace: 'c', features: { tier: 'gold' } }, { namespace: 'a', features: { kind: 'sale' } }];
    const plain = encodeFeatures(groups, 1024);
    const crossed = encodeFeatures(groups, 1024, true);
    const count = (v: Float64Array) => [...v].filter((x) => x !== 0).length;
    expect(count(crossed)).toBe(count(plain) + 1);
  });

  it('flattens nested objects and lists of objects to dotted names', () => {
    expect(flattenFeatures([{ user: { tier: 'gold', age: 31 } }, { device: 'mobile', tags: ['a', 'b'] }])).toEqual({
      'user.tier': 'gold', 'user.age': 31, device: 'mobile', 'tags.0': 'a', 'tags.1': 'b',
    });
  });
});
