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

/**
 * Adds one observation (x, reward), in place. With a = A⁻¹x and d = 1 + xᵀa, Sherman–Morrison
 * gives A'⁻¹ = A⁻¹ − a aᵀ/d, and θ' = A'⁻¹(b + r x) simplifies to θ + a·(r − θᵀx)/d: the rank-one
 * correction is the only O(d²) step, and A⁻¹x reads only x's non-zero entries.
 */
export function updateLinearModel(model: LinearModel, x: ArrayLike<number>, reward: number): void {
  const { dims, inverse, moment, theta } = model;
  const { nonZero, ax } = inverseTimes(model, x, reward);
  let denominator = 1;
  let predicted = 0;
  for (const j of nonZero) {
    denominator += x[j]! * ax[j]!;
    predicted += theta[j]! * x[j]!;
  }
  const step = (reward - predicted) / denominator;
  for (let i = 0; i < dims; i++) {
    const scaled = ax[i]! / denominator;
    theta[i] = theta[i]! + ax[i]! * step;
    if (scaled === 0) continue;
    const row = i * dims;
    // A⁻¹ is symmetric, so (A⁻¹x)(A⁻¹x)ᵀ is the whole correction.
    for (let j = 0; j < dims; j++) inverse[row + j] = inverse[row + j]! - scaled * ax[j]!;
  }
  for (const j of nonZero) moment[j] = moment[j]! + reward * x[j]!;
  model.observations += 1;
}

/**
 * θᵀx and xᵀA⁻¹x. Hashed feature vectors are sparse (a few dozen of hundreds of entries), so
 * both sums run over the non-zero entries only: O(nnz²) rather than O(d²).
 */
export function predictLinear(model: LinearModel, x: ArrayLike<number>): LinearPrediction {
  const { dims, inverse, theta } = model;
  if (x.length !== dims) throw new RangeError(`x has ${x.length} values, the model ${dims}`);
  const nonZero: number[] = [];
  for (let i = 0; i < dims; i++) if (x[i] !== 0) nonZero.push(i);
  let mean = 0;
  let spread = 0;
  for (let a = 0; a < nonZero.length; a++) {
    const i = nonZero[a]!;
    const xi = x[i]!;
    mean += theta[i]! * xi;
    const row = i * dims;
    // The upper triangle, each off-diagonal entry twice, in `predictSparse`'s order.
    let inner = inverse[row + i]! * xi;
    for (let b = a + 1; b < nonZero.length; b++) inner += 2 * inverse[row + nonZero[b]!]! * x[nonZero[b]!]!;
    spread += xi * inner;
  }
  return { mean, spread: Math.max(spread, 0) };
}

/**
 * A sparse vector: the non-zero entries of a hashed feature vector, indices ascending. A
 * decision encodes its context once and predicts with it for every action, so the list of
 * non-zero entries is built once rather than once per prediction.
 */
export interface SparseVector {
  readonly indices: readonly number[];
  readonly values: readonly number[];
}

/**
 * The non-zero entries of a dense vector.
 *
 * @example sparseOf(Float64Array.of(1, 0, 2)) // { indices: [0, 2], values: [1, 2] }
 */
export function sparseOf(x: ArrayLike<number>): SparseVector {
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== 0) {
      indices.push(i);
      values.push(x[i]!);
    }
  }
  return { indices, values };
}

/**
 * `predictLinear` on a sparse vector, without allocating: θᵀx and xᵀA⁻¹x over the non-zero
 * entries, O(nnz²). With no model (an action nothing was learned of yet) the prediction is the
 * prior's, mean 0 and spread |x|²/λ, so an untrained action needs no matrix of its own.
 */
export function predictSparse(model: LinearModel | undefined, x: SparseVector, ridge: number): LinearPrediction {
  const { indices, values } = x;
  const n = indices.length;
  if (model === undefined) {
    let squared = 0;
    for (let a = 0; a < n; a++) squared += values[a]! * values[a]!;
    return { mean: 0, spread: squared / ridge };
  }
  const { dims, inverse, theta } = model;
  let mean = 0;
  let spread = 0;
  for (let a = 0; a < n; a++) {
    const i = indices[a]!;
    const xi = values[a]!;
    mean += theta[i]! * xi;
    const row = i * dims;
    // xᵀA⁻¹x from the upper triangle (A⁻¹ is symmetric: each off-diagonal entry counts twice):
    // nnz(nnz+1)/2 entries of a d × d matrix instead of nnz², each most likely on a cache line
    // of its own, which a decision reads for every action from colder caches than a loop's.
    let inner = inverse[row + i]! * xi;
    for (let b = a + 1; b < n; b++) inner += 2 * inverse[row + indices[b]!]! * values[b]!;
    spread += xi * inner;
  }
  return { mean, spread: Math.max(spread, 0) };
}

/**
 * Adds `reward · x` to b alone, in place: θ += A⁻¹(reward · x), A unchanged. With
 * `updateLinearModel(model, x, 0)` (the impression: A += xxᵀ) it makes exactly one observation
 * (x, reward), in either order: θ = A⁻¹b holds after each step, and both steps are additive
 * in A and b. A contextual placement learns so: an impression when it is seen, the reward when
 * (and if) the click comes, however late.
 *
 * @example updateLinearModel(model, x, 0); addReward(model, x, 1); // the same model as updateLinearModel(model, x, 1)
 */
export function addReward(model: LinearModel, x: ArrayLike<number>, reward: number): void {
  const { dims, moment, theta } = model;
  const { nonZero, ax } = inverseTimes(model, x, reward);
  for (let i = 0; i < dims; i++) theta[i] = theta[i]! + reward * ax[i]!;
  for (const j of nonZero) moment[j] = moment[j]! + reward * x[j]!;
}

/** A⁻¹x over x's non-zero entries (listed too), after checking x and the reward. */
function inverseTimes(model: LinearModel, x: ArrayLike<number>, reward: number): { nonZero: number[]; ax: Float64Array } {
  const { dims, inverse } = model;
  if (x.length !== dims) throw new RangeError(`x has ${x.length} values, the model ${dims}`);
  if (!Number.isFinite(reward)) throw new RangeError(`reward must be finite, got ${reward}`);
  const nonZero: number[] = [];
  for (let j = 0; j < dims; j++) if (x[j] !== 0) nonZero.push(j);
  const ax = new Float64Array(dims);
  for (let i = 0; i < dims; i++) {
    const row = i * dims;
    let sum = 0;
    for (const j of nonZero) sum += inverse[row + j]! * x[j]!;
    ax[i] = sum;
  }
  return { nonZero, ax };
}
