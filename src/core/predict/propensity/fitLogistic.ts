import { choleskySolve } from '../../numeric/choleskySolve.js';
import type { FeatureMatrix } from './FeatureMatrix.js';

/** A fitted logistic regression over (usually standardised) feature columns. */
export interface LogisticModel {
  readonly columns: readonly string[];
  readonly intercept: number;
  /** One per column, in column order. */
  readonly coefficients: Float64Array;
  /** The L2 strength λ the fit used. */
  readonly l2: number;
  /** Whether the Newton steps settled within the tolerance before maxIterations. */
  readonly converged: boolean;
  readonly iterations: number;
  /** The minimised objective at the answer: negative log-likelihood + (λ/2)·Σ coefficient². */
  readonly objective: number;
}

export interface LogisticOptions {
  /** λ in (λ/2)·Σβⱼ² (the intercept is not penalised); scikit-learn's C is 1/λ. Default 1. */
  readonly l2?: number;
  /** Converged when no parameter moves more than this in one Newton step. Default 1e-10. */
  readonly tolerance?: number;
  /** Default 100; Newton needs fewer than 10 on well-posed problems. */
  readonly maxIterations?: number;
}

/**
 * L2-regularised logistic regression by Newton's method (IRLS): each step solves
 * (XᵀWX + λI')·Δ = −gradient by Cholesky, with W = diag(p(1−p)) and I' the identity without
 * the intercept's entry. The objective is convex, so Newton converges in a handful of steps;
 * a step that fails to lower the objective is halved (which also keeps separable data, where
 * the unpenalised optimum is at infinity, from oscillating). Labels are 0/1.
 *
 * @example fitLogistic(featureMatrix(['x'], [[-1], [0], [1], [2]]), [0, 1, 0, 1], { l2: 1 })
 */
export function fitLogistic(matrix: FeatureMatrix, labels: readonly number[], options: LogisticOptions = {}): LogisticModel {
  const l2 = options.l2 ?? 1;
  const tolerance = options.tolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 100;
  if (labels.length !== matrix.rows.length) throw new RangeError(`${labels.length} labels for ${matrix.rows.length} rows`);
  if (labels.some((y) => y !== 0 && y !== 1)) throw new RangeError('labels must be 0 or 1');
  if (!(l2 >= 0)) throw new RangeError(`l2 must be ≥ 0, got ${l2}`);
  // Parameter 0 is the intercept, parameter j + 1 the coefficient of column j.
  const size = matrix.columns.length + 1;
  let beta = new Float64Array(size);
  let objective = objectiveOf(matrix, labels, beta, l2);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations && !converged) {
    iterations += 1;
    const { gradient, hessian } = derivatives(matrix, labels, beta, l2);
    const solved = choleskySolve(hessian, gradient);
    if (!solved.ok) break;
    let scale = 1;
    let next = beta;
    let nextObjective = objective;
    // Step halving: accept the first fraction of the Newton step that does not raise the objective.
    for (let halvings = 0; halvings < 30; halvings++) {
      next = beta.map((value, j) => value - scale * solved.x[j]!);
      nextObjective = objectiveOf(matrix, labels, next, l2);
      if (nextObjective <= objective) break;
      scale /= 2;
    }
    if (nextObjective > objective) {
      // Not even a tiny step lowers the objective: we are at its minimum to rounding.
      converged = true;
      break;
    }
    const largestMove = next.reduce((most, value, j) => Math.max(most, Math.abs(value - beta[j]!)), 0);
    converged = largestMove <= tolerance;
    beta = next;
    objective = nextObjective;
  }
  return { columns: matrix.columns, intercept: beta[0]!, coefficients: beta.slice(1), l2, converged, iterations, objective };
}

/** log(1 + eᶻ) without overflow. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** 1 / (1 + e⁻ᶻ), symmetric in its rounding. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function linear(row: Float64Array, beta: Float64Array): number {
  let z = beta[0]!;
  for (let j = 0; j < row.length; j++) z += beta[j + 1]! * row[j]!;
  return z;
}

function objectiveOf(matrix: FeatureMatrix, labels: readonly number[], beta: Float64Array, l2: number): number {
  let total = 0;
  matrix.rows.forEach((row, i) => {
    const z = linear(row, beta);
    total += softplus(z) - labels[i]! * z;
  });
  for (let j = 1; j < beta.length; j++) total += (l2 / 2) * beta[j]! ** 2;
  return total;
}

function derivatives(matrix: FeatureMatrix, labels: readonly number[], beta: Float64Array, l2: number): { gradient: Float64Array; hessian: Float64Array[] } {
  const size = beta.length;
  const gradient = new Float64Array(size);
  const hessian = Array.from({ length: size }, () => new Float64Array(size));
  const x = new Float64Array(size);
  x[0] = 1;
  matrix.rows.forEach((row, i) => {
    x.set(row, 1);
    const p = sigmoid(linear(row, beta));
    const residual = p - labels[i]!;
    const weight = p * (1 - p);
    for (let a = 0; a < size; a++) {
      gradient[a] = gradient[a]! + residual * x[a]!;
      const hessianRow = hessian[a]!;
      const wa = weight * x[a]!;
      // Only the lower triangle: choleskySolve reads no more.
      for (let b = 0; b <= a; b++) hessianRow[b] = hessianRow[b]! + wa * x[b]!;
    }
  });
  for (let j = 1; j < size; j++) {
    gradient[j] = gradient[j]! + l2 * beta[j]!;
    hessian[j]![j] = hessian[j]![j]! + l2;
  }
  return { gradient, hessian };
}
