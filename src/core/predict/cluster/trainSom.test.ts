import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { AttuneError } from '../../errors/AttuneError.js';
import { dayOf } from '../orders/Order.js';
import { parseCdnow } from '../orders/parseCdnow.js';
import { matrixFromRows } from './Matrix.js';
import { rfmMatrix } from './rfmMatrix.js';
import { adjacent, gridDistances, somErrors, unitPositions } from './somGrid.js';
import { standardize } from './standardize.js';
import { trainSom } from './trainSom.js';

const cdnow = new URL('../../../../../shared/data/cdnow/CDNOW_master.txt', import.meta.url);

/** The quantization error falls: the last epoch is the lowest and most epochs improve on the one before. */
function expectFalling(errors: readonly number[]): void {
  const falls = errors.slice(1).filter((e, i) => e < errors[i]!).length;
  expect(falls).toBeGreaterThanOrEqual(Math.ceil(0.7 * (errors.length - 1)));
  expect(Math.min(...errors)).toBe(errors[errors.length - 1]);
  expect(errors[errors.length - 1]!).toBeLessThan(0.7 * errors[0]!);
}

describe('SOM grid', () => {
  it.each([
    ['rectangular', 3, 3, 4, [0, 1, 2, 3, 5, 6, 7, 8]],
    // Odd rows sit half a unit to the right: unit 4 (row 1, col 1) touches 1 and 2 above, 7 and 8 below.
    ['hexagonal', 3, 3, 4, [1, 2, 3, 5, 7, 8]],
    ['hexagonal', 3, 3, 3, [0, 1, 4, 6, 7]],
  ] as const)('%s %dx%d: the neighbours of unit %d', (topology, rows, cols, unit, expected) => {
    const between = gridDistances(unitPositions(rows, cols, topology));
    const units = rows * cols;
    const neighbours = Array.from({ length: units }, (_, u) => u).filter((u) => u !== unit && adjacent(between[unit * units + u]!, topology));
    expect(neighbours).toEqual(expected);
  });
});

describe('trainSom', () => {
  const random = seededRandom(4);
  // Points along a noisy ring: a 1-d manifold a map can unfold.
  const ring = matrixFromRows(Array.from({ length: 400 }, (_, i) => {
    const angle = (2 * Math.PI * i) / 400;
    return [Math.cos(angle) + 0.05 * random.next(), Math.sin(angle) + 0.05 * random.next(), 0.1 * random.next()];
  }));

  it.each(['rectangular', 'hexagonal'] as const)('%s: quantization error falls over training and the errors agree with the units', (topology) => {
    const som = trainSom(ring, { gridRows: 5, gridCols: 5, topology, epochs: 12 }, seededRandom(1));
    expect(som.quantizationErrors).toHaveLength(12);
    expectFalling(som.quantizationErrors);
    const again = somErrors(som, ring);
    expect(again.quantizationError).toBe(som.quantizationErrors[11]);
    expect(again.topographicError).toBe(som.topographicError);
    expect(Array.from(again.units)).toEqual(Array.from(som.units));
    expect(som.topographicError).toBeGreaterThanOrEqual(0);
    expect(som.topographicError).toBeLessThan(0.3);
    expect(trainSom(ring, { gridRows: 5, gridCols: 5, topology, epochs: 12 }, seededRandom(1)).weights.data).toEqual(som.weights.data);
  });

  it('counts a fold when best and second units are not neighbours', () => {
    // Two units far apart on a 1x3 line with the middle unit elsewhere: rows near units 0 and 2 fold.
    const model = { gridRows: 1, gridCols: 3, topology: 'rectangular' as const, weights: matrixFromRows([[0], [100], [1]]) };
    const errors = somErrors(model, matrixFromRows([[0.4], [0.6], [99]]));
    expect(Array.from(errors.units)).toEqual([0, 2, 1]);
    expect(errors.topographicError).toBeCloseTo(2 / 3, 12);
    expect(errors.quantizationError).toBeCloseTo((0.4 + 0.4 + 1) / 3, 12);
  });

  it('refuses an empty grid', () => {
    expect(() => trainSom(ring, { gridRows: 0, gridCols: 3 }, seededRandom(1))).toThrow(AttuneError);
  });

  it.skipIf(!existsSync(cdnow))('CDNOW RFM: the quantization error of a 6x6 hexagonal map falls (skips without ../shared/data)', { timeout: 60_000 }, () => {
    const rfm = rfmMatrix(parseCdnow(readFileSync(cdnow, 'utf8')).orders, dayOf('1998-06-30')!, true);
    const som = trainSom(standardize(rfm.matrix).matrix, { gridRows: 6, gridCols: 6, topology: 'hexagonal', epochs: 8 }, seededRandom(3));
    expectFalling(som.quantizationErrors);
    expect(som.topographicError).toBeLessThan(0.5);
  });
});
