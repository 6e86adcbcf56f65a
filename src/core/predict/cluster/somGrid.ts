import { squaredDistance, type Matrix } from './Matrix.js';

/** The map's layout: units on a rectangular grid (8 neighbours) or a hexagonal one (6 neighbours). */
export type SomTopology = 'rectangular' | 'hexagonal';

export interface SomModel {
  readonly gridRows: number;
  readonly gridCols: number;
  readonly topology: SomTopology;
  /** One weight vector per unit, unit u = row * gridCols + col. */
  readonly weights: Matrix;
}

/**
 * The plane position of every unit: a unit's grid neighbours are at distance 1 (and the
 * diagonals of the rectangular grid at sqrt 2). Hexagonal rows are offset by half a unit
 * every other row and sqrt(3)/2 apart.
 */
export function unitPositions(gridRows: number, gridCols: number, topology: SomTopology): Float64Array {
  const positions = new Float64Array(gridRows * gridCols * 2);
  for (let r = 0; r < gridRows; r++) {
    for (let c = 0; c < gridCols; c++) {
      const u = r * gridCols + c;
      positions[2 * u] = topology === 'hexagonal' ? c + (r % 2) / 2 : c;
      positions[2 * u + 1] = topology === 'hexagonal' ? (r * Math.sqrt(3)) / 2 : r;
    }
  }
  return positions;
}

/** Squared plane distance between every two units (units x units). */
export function gridDistances(positions: Float64Array): Float64Array {
  const units = positions.length / 2;
  const out = new Float64Array(units * units);
  for (let a = 0; a < units; a++) {
    for (let b = 0; b < units; b++) {
      out[a * units + b] = (positions[2 * a]! - positions[2 * b]!) ** 2 + (positions[2 * a + 1]! - positions[2 * b + 1]!) ** 2;
    }
  }
  return out;
}

/** Whether two units touch: neighbours in the grid, diagonals included on the rectangular one. */
export function adjacent(gridSquaredDistance: number, topology: SomTopology): boolean {
  return gridSquaredDistance <= (topology === 'hexagonal' ? 1 : 2) + 1e-9;
}

/** Row i's best and second-best matching units (squared distance for the best). */
export function matchingUnits(model: SomModel, x: Float64Array, base: number): { best: number; second: number; bestDistance: number } {
  const { rows: units, cols: d, data: w } = model.weights;
  let best = 0;
  let second = 0;
  let bestDistance = Infinity;
  let secondDistance = Infinity;
  for (let u = 0; u < units; u++) {
    const sum = squaredDistance(x, base, w, u * d, d);
    if (sum < bestDistance) {
      second = best;
      secondDistance = bestDistance;
      best = u;
      bestDistance = sum;
    } else if (sum < secondDistance) {
      second = u;
      secondDistance = sum;
    }
  }
  return { best, second, bestDistance };
}

/**
 * The best matching unit of every row, the quantization error (mean distance from a row to its
 * unit's weights) and the topographic error (share of rows whose best and second-best units
 * are not neighbours: the map folds where the data is continuous).
 *
 * @example somErrors(model, matrix).quantizationError
 */
export function somErrors(model: SomModel, matrix: Matrix): { units: Int32Array; quantizationError: number; topographicError: number } {
  const { rows: n, cols: d, data } = matrix;
  const positions = unitPositions(model.gridRows, model.gridCols, model.topology);
  const units = new Int32Array(n);
  let quantization = 0;
  let folds = 0;
  for (let i = 0; i < n; i++) {
    const { best, second, bestDistance } = matchingUnits(model, data, i * d);
    units[i] = best;
    quantization += Math.sqrt(bestDistance);
    const gap = (positions[2 * best]! - positions[2 * second]!) ** 2 + (positions[2 * best + 1]! - positions[2 * second + 1]!) ** 2;
    if (model.weights.rows > 1 && !adjacent(gap, model.topology)) folds++;
  }
  return { units, quantizationError: n === 0 ? 0 : quantization / n, topographicError: n === 0 ? 0 : folds / n };
}
