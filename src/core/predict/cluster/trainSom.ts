import type { Random } from '../../common/random.js';
import { AttuneError } from '../../errors/AttuneError.js';
import type { Matrix } from './Matrix.js';
import { gridDistances, matchingUnits, somErrors, unitPositions, type SomModel, type SomTopology } from './somGrid.js';

export interface SomOptions {
  readonly gridRows: number;
  readonly gridCols: number;
  /** Default rectangular. */
  readonly topology?: SomTopology;
  /** Passes over the rows, each in a fresh seeded order; default 20. */
  readonly epochs?: number;
  /** Learning rate at the start and at the end (decayed geometrically); default 0.5 to 0.01. */
  readonly learningRate?: readonly [number, number];
  /** Neighbourhood radius (the Gaussian's sigma, in grid units) at the start and at the end; default max(rows, cols) / 2 to 0.5. */
  readonly radius?: readonly [number, number];
}

export interface TrainedSom extends SomModel {
  /** The quantization error after each epoch: it falls as the map settles. */
  readonly quantizationErrors: readonly number[];
  readonly topographicError: number;
  /** The best matching unit of every row after training, in row order. */
  readonly units: Int32Array;
}

/**
 * Kohonen's online self-organizing map: units start as randomly drawn rows; each row in turn
 * pulls its best matching unit and, through a Gaussian of the grid distance, that unit's
 * neighbours toward it. Learning rate and radius decay geometrically over all steps, so the
 * map first orders itself globally and then fits locally. Deterministic for a seeded `random`.
 *
 * @example trainSom(matrix, { gridRows: 6, gridCols: 6, topology: 'hexagonal' }, seededRandom(1)).quantizationErrors
 */
export function trainSom(matrix: Matrix, options: SomOptions, random: Random): TrainedSom {
  const { rows: n, cols: d, data } = matrix;
  const { gridRows, gridCols } = options;
  const topology = options.topology ?? 'rectangular';
  const epochs = options.epochs ?? 20;
  const [rateStart, rateEnd] = options.learningRate ?? [0.5, 0.01];
  const [radiusStart, radiusEnd] = options.radius ?? [Math.max(gridRows, gridCols) / 2, 0.5];
  for (const [name, value] of [['gridRows', gridRows], ['gridCols', gridCols], ['epochs', epochs]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${name} must be a positive integer, got ${value}`, field: name });
  }
  if (n === 0) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'no rows to train on', field: 'matrix' });
  if (!(rateStart > 0 && rateEnd > 0 && radiusStart > 0 && radiusEnd > 0)) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'learning rates and radii must be positive', field: 'learningRate' });
  const unitCount = gridRows * gridCols;
  const weights = new Float64Array(unitCount * d);
  for (let u = 0; u < unitCount; u++) {
    const row = Math.floor(random.next() * n);
    weights.set(data.subarray(row * d, (row + 1) * d), u * d);
  }
  const model: SomModel = { gridRows, gridCols, topology, weights: { rows: unitCount, cols: d, data: weights } };
  const between = gridDistances(unitPositions(gridRows, gridCols, topology));
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const steps = epochs * n;
  const quantizationErrors: number[] = [];
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffle(order, random);
    for (const i of order) {
      const progress = step / steps;
      const rate = rateStart * (rateEnd / rateStart) ** progress;
      const radius = radiusStart * (radiusEnd / radiusStart) ** progress;
      const spread = 2 * radius * radius;
      const { best } = matchingUnits(model, data, i * d);
      for (let u = 0; u < unitCount; u++) {
        const pull = rate * Math.exp(-between[best * unitCount + u]! / spread);
        // Units beyond about 4 radii would move by less than rounding: skip them.
        if (pull < 1e-7 * rate) continue;
        for (let c = 0; c < d; c++) weights[u * d + c]! += pull * (data[i * d + c]! - weights[u * d + c]!);
      }
      step++;
    }
    quantizationErrors.push(somErrors(model, matrix).quantizationError);
  }
  const { units, topographicError } = somErrors(model, matrix);
  return { ...model, quantizationErrors, topographicError, units };
}

/** Fisher-Yates, in place. */
function shuffle(values: Int32Array, random: Random): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const held = values[i]!;
    values[i] = values[j]!;
    values[j] = held;
  }
}
