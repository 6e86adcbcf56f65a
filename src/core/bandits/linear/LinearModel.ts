/**
 * Bayesian ridge regression updated one observation at a time: the model behind linear
 * Thompson sampling and LinUCB (Li et al. 2010, "A contextual-bandit approach to personalized
 * news article recommendation"; Agrawal and Goyal 2013 for the Thompson variant).
 *
 * With A = λI + Σ x xᵀ and b = Σ r x, the estimate is θ = A⁻¹ b and the uncertainty of a
 * prediction at x is xᵀ A⁻¹ x. The inverse is kept directly and updated by Sherman–Morrison,
 * A⁻¹ ← A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x), so an update costs O(d²) and a prediction O(d²)
 * without solving a system. The state is plain numbers (JSON or msgpack as it is), so it can be
 * derived from the log and stored like any other model state.
 */
export interface LinearModel {
  readonly dims: number;
  /** A⁻¹, row-major d × d. */
  readonly inverse: Float64Array;
  /** b = Σ reward · x. */
  readonly moment: Float64Array;
  /** θ = A⁻¹ b, kept current by every update. */
  readonly theta: Float64Array;
  /** Observations so far. */
  observations: number;
}

/** A prediction at x: the mean reward and the variance factor xᵀA⁻¹x (times the noise variance for a posterior). */
export interface LinearPrediction {
  readonly mean: number;
  readonly spread: number;
}

/**
 * A model with no observations: A = λI (the ridge penalty, a N(0, I/λ) prior on θ).
 *
 * @example const model = createLinearModel(4, 1); updateLinearModel(model, [1, 0, 0, 1], 1);
 */
export function createLinearModel(dims: number, ridge = 1): LinearModel {
  if (!Number.isInteger(dims) || dims < 1) throw new RangeError(`dims must be a positive integer, got ${dims}`);
  if (!(ridge > 0)) throw new RangeError(`ridge must be > 0, got ${ridge}`);
  const inverse = new Float64Array(dims * dims);
  for (let i = 0; i < dims; i++) inverse[i * dims + i] = 1 / ridge;
  return { dims, inverse, moment: new Float64Array(dims), theta: new Float64Array(dims), observations: 0 };
}

/** A⁻¹ x into `out`. */
function inverseTimes(model: LinearModel, x: ArrayLike<number>, out: Float64Array): void {
  const { dims, inverse } = model;
  for (let i = 0; i < dims; i++) {
    let sum = 0;
    const row = i * dims;
    for (let j = 0; j < dims; j++) sum += inverse[row + j]! * x[j]!;
    out[i] = sum;
  }
}

/** Adds one observation (x, reward), in place. */
export function updateLinearModel(model: LinearModel, x: ArrayLike<number>, reward: number): void {
  const { dims, inverse, moment, theta } = model;
  if (x.length !== dims) throw new RangeError(`x has ${x.length} values, the model ${dims}`);
  if (!Number.isFinite(reward)) throw new RangeError(`reward must be finite, got ${reward}`);
  const ax = new Float64Array(dims);
  inverseTimes(model, x, ax);
  let denominator = 1;
  for (let i = 0; i < dims; i++) denominator += x[i]! * ax[i]!;
  for (let i = 0; i < dims; i++) {
    const scaled = ax[i]! / denominator;
    if (scaled === 0) continue;
    const row = i * dims;
    // A⁻¹ is symmetric, so (A⁻¹x)(A⁻¹x)ᵀ is the whole correction.
    for (let j = 0; j < dims; j++) inverse[row + j] = inverse[row + j]! - scaled * ax[j]!;
  }
  for (let i = 0; i < dims; i++) moment[i] = moment[i]! + reward * x[i]!;
  inverseTimes(model, moment, theta);
  model.observations += 1;
}

/** θᵀx and xᵀA⁻¹x. */
export function predictLinear(model: LinearModel, x: ArrayLike<number>): LinearPrediction {
  const { dims, inverse, theta } = model;
  if (x.length !== dims) throw new RangeError(`x has ${x.length} values, the model ${dims}`);
  let mean = 0;
  let spread = 0;
  for (let i = 0; i < dims; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    mean += theta[i]! * xi;
    const row = i * dims;
    let inner = 0;
    for (let j = 0; j < dims; j++) inner += inverse[row + j]! * x[j]!;
    spread += xi * inner;
  }
  return { mean, spread: Math.max(spread, 0) };
}
