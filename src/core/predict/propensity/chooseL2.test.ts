import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { chooseL2 } from './chooseL2.js';
import { featureMatrix } from './FeatureMatrix.js';

/** Rows of `noise` pure-noise columns and one column that moves the label with strength `signal`. */
function data(seed: number, rows: number, noise: number, signal: number): { input: { numeric: ReturnType<typeof featureMatrix> }; labels: number[] } {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const x: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = Array.from({ length: noise + 1 }, normal);
    x.push(row);
    labels.push(random.next() < 1 / (1 + Math.exp(-signal * row[0]!)) ? 1 : 0);
  }
  return { input: { numeric: featureMatrix(Array.from({ length: noise + 1 }, (_v, j) => `x${j}`), x) }, labels };
}

describe('chooseL2', () => {
  it('penalises hard when a few rows face many noise columns, and little when rows are many and the signal strong', () => {
    const small = data(1, 120, 30, 0.3);
    expect(chooseL2(small.input, small.labels, seededRandom(2))).toBeGreaterThanOrEqual(10);
    const large = data(3, 4000, 2, 4);
    expect(chooseL2(large.input, large.labels, seededRandom(2))).toBeLessThanOrEqual(1);
  });

  it('falls back to 1 with too few rows to fold, and is deterministic for a seed', () => {
    const tiny = data(4, 5, 1, 1);
    expect(chooseL2(tiny.input, tiny.labels, seededRandom(1))).toBe(1);
    const some = data(5, 300, 5, 1);
    expect(chooseL2(some.input, some.labels, seededRandom(9))).toBe(chooseL2(some.input, some.labels, seededRandom(9)));
  });
});
