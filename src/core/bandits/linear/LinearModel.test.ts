import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { addReward, createLinearModel, predictLinear, predictSparse, sparseOf, updateLinearModel } from './LinearModel.js';
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

  it('makes one observation (x, 1) of an impression (x, 0) and a reward b += x, in either order', () => {
    const random = seededRandom(8);
    const d = 6;
    const xs = Array.from({ length: 30 }, () => Array.from({ length: d }, (_, i) => (i === 0 ? 1 : random.next() < 0.5 ? 0 : random.next() * 2 - 1)));
    const rewards = xs.map(() => (random.next() < 0.4 ? 1 : 0));
    const direct = createLinearModel(d, 2);
    const viewedFirst = createLinearModel(d, 2);
    const clickedFirst = createLinearModel(d, 2);
    xs.forEach((x, n) => {
      updateLinearModel(direct, x, rewards[n]!);
      updateLinearModel(viewedFirst, x, 0);
      if (rewards[n] === 1) addReward(viewedFirst, x, 1);
    });
    // All rewards first (each before its impression), then the impressions.
    xs.forEach((x, n) => { if (rewards[n] === 1) addReward(clickedFirst, x, 1); });
    xs.forEach((x) => updateLinearModel(clickedFirst, x, 0));
    for (const model of [viewedFirst, clickedFirst]) {
      for (let i = 0; i < d; i++) expect(model.theta[i]).toBeCloseTo(direct.theta[i]!, 10);
      for (let i = 0; i < d * d; i++) expect(model.inverse[i]).toBeCloseTo(direct.inverse[i]!, 12);
      expect(model.observations).toBe(30);
    }
  });

  it('predicts the same on a sparse vector, and the prior (0, |x|²/λ) without a model', () => {
    const model = createLinearModel(8, 2);
    updateLinearModel(model, [1, 0, 2, 0, 0, -1, 0, 0], 1);
    const probe = [1, 0, 0.5, 0, 0, 0, 3, 0];
    const dense = predictLinear(model, probe);
    const sparse = predictSparse(model, sparseOf(probe), 2);
    expect(sparse.mean).toBeCloseTo(dense.mean, 14);
    expect(sparse.spread).toBeCloseTo(dense.spread, 14);
    expect(predictSparse(undefined, sparseOf(probe), 2)).toEqual(predictLinear(createLinearModel(8, 2), probe));
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
