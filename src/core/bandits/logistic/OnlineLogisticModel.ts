/**
 * Logistic regression learned one observation at a time by FTRL-Proximal with per-coordinate
 * learning rates (McMahan et al. 2013, "Ad click prediction: a view from the trenches"): the
 * model behind a learned click or conversion propensity. Over hashed feature vectors (a few
 * dozen non-zero entries of `dims`), an update and a prediction touch only the non-zero entries.
 *
 * The log loss of one observation splits into two parts, softplus(wᵀx) − y·wᵀx. The first is
 * the impression's (`observeImpression`, gradient σ(wᵀx)·x), the second the outcome's
 * (`observePositive`, gradient −x, the same whatever w is). A view and a later click are
 * therefore the two gradient steps of one observation (x, 1) taken at different times, which
 * is how a placement learns an impression now and its click later; `observe` takes both at once.
 *
 * With z and n the per-coordinate sums, a weight is w = −z / ((β + √n)/α + λ₂): λ₂ is the L2
 * penalty (λ₂/2)·‖w‖² on the whole objective, as in a batch fit (`core/predict/propensity/
 * fitLogistic.ts` penalises (λ/2)·Σβ² too, the intercept aside). The state is plain numbers, so
 * it is derived from the log like the other per-event state.
 */
export interface OnlineLogisticModel {
  readonly dims: number;
  readonly settings: OnlineLogisticSettings;
  /** FTRL's z: the gradients summed, less the σ-weighted weights. */
  readonly z: Float64Array;
  /** FTRL's n: the squared gradients summed, per coordinate. */
  readonly n: Float64Array;
  /** Impressions learned (trials). */
  observations: number;
  /** Positive outcomes learned (clicks or conversions). */
  positives: number;
}

export interface OnlineLogisticSettings {
  /** The L2 penalty λ₂ (default 1). */
  readonly l2: number;
  /** The learning rate α (default 0.1). */
  readonly alpha: number;
  /** The learning rate's smoothing β (default 1): the first steps are α/β. */
  readonly beta: number;
}

export const onlineLogisticDefaults: OnlineLogisticSettings = { l2: 1, alpha: 0.1, beta: 1 };

/**
 * A model with no observations: every weight 0, a predicted probability of 0.5.
 *
 * @example const model = createOnlineLogistic(16); observe(model, x, 1); predictOnlineLogistic(model, x)
 */
export function createOnlineLogistic(dims: number, settings: Partial<OnlineLogisticSettings> = {}): OnlineLogisticModel {
  if (!Number.isInteger(dims) || dims < 1) throw new RangeError(`dims must be a positive integer, got ${dims}`);
  const full = { ...onlineLogisticDefaults, ...settings };
  if (!(full.l2 >= 0)) throw new RangeError(`l2 must be ≥ 0, got ${full.l2}`);
  if (!(full.alpha > 0) || !(full.beta >= 0)) throw new RangeError(`alpha must be > 0 and beta ≥ 0, got ${full.alpha}, ${full.beta}`);
  return { dims, settings: full, z: new Float64Array(dims), n: new Float64Array(dims), observations: 0, positives: 0 };
}

/** The weight of coordinate i, from z and n (FTRL-Proximal's closed form, no L1). */
export function onlineLogisticWeight(model: OnlineLogisticModel, i: number): number {
  const { alpha, beta, l2 } = model.settings;
  return -model.z[i]! / ((beta + Math.sqrt(model.n[i]!)) / alpha + l2);
}

/** wᵀx over x's non-zero entries. */
function margin(model: OnlineLogisticModel, x: ArrayLike<number>): number {
  if (x.length !== model.dims) throw new RangeError(`x has ${x.length} values, the model ${model.dims}`);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    if (xi !== 0) sum += onlineLogisticWeight(model, i) * xi;
  }
  return sum;
}

/** σ(t) without overflow for large |t|. */
export function sigmoid(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

/**
 * The predicted probability at x; undefined model: the prior's 0.5.
 *
 * @example predictOnlineLogistic(createOnlineLogistic(4), [1, 0, 0, 1]) // 0.5
 */
export function predictOnlineLogistic(model: OnlineLogisticModel | undefined, x: ArrayLike<number>): number {
  return model === undefined ? 0.5 : sigmoid(margin(model, x));
}

/** One FTRL step with gradient scale·x (the gradient of a loss in wᵀx, times x). */
function step(model: OnlineLogisticModel, x: ArrayLike<number>, scale: number): void {
  const { z, n } = model;
  const alpha = model.settings.alpha;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const g = scale * xi;
    const before = n[i]!;
    const sigma = (Math.sqrt(before + g * g) - Math.sqrt(before)) / alpha;
    z[i] = z[i]! + g - sigma * onlineLogisticWeight(model, i);
    n[i] = before + g * g;
  }
}

/** The impression's part of an observation, softplus(wᵀx): a step of σ(wᵀx)·x, in place. Returns the probability predicted before it. */
export function observeImpression(model: OnlineLogisticModel, x: ArrayLike<number>): number {
  const p = sigmoid(margin(model, x));
  step(model, x, p);
  model.observations += 1;
  return p;
}

/** The positive outcome's part, −wᵀx: a step of −x, in place (after or before its impression). */
export function observePositive(model: OnlineLogisticModel, x: ArrayLike<number>): void {
  step(model, x, -1);
  model.positives += 1;
}

/**
 * One whole observation (x, y) with y 0 or 1: a single step of (σ(wᵀx) − y)·x, in place.
 * Returns the probability predicted before the update (progressive validation).
 */
export function observe(model: OnlineLogisticModel, x: ArrayLike<number>, y: number): number {
  const p = sigmoid(margin(model, x));
  step(model, x, p - y);
  model.observations += 1;
  if (y === 1) model.positives += 1;
  return p;
}
