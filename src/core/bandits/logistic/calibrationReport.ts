/**
 * How well predicted probabilities match outcomes, kept as running sums so that it updates
 * with each observation and can be reported at any time. Fed on a progressive-validation
 * basis: each prediction is the model's before it learned that observation, so the figures
 * are out-of-sample without a held-out set (Blum, Kalai and Langford 1999).
 *
 * A positive outcome may arrive after its impression (a click after the view): the impression
 * is counted with y = 0 (`recordPrediction`), and `recordPositive` with the same prediction
 * turns it into y = 1. Every figure below is a sum over observations, so the correction is exact.
 */
export interface CalibrationState {
  /** Equal-width bins of the predicted probability over [0, 1]. */
  readonly bins: number;
  readonly counts: Float64Array;
  /** Σ predicted probability, per bin. */
  readonly predicted: Float64Array;
  /** Σ y, per bin. */
  readonly positives: Float64Array;
  /** Σ (p − y)². */
  brier: number;
  /** Σ −log(p if y else 1 − p), each probability clamped to [1e-15, 1 − 1e-15]. */
  logLoss: number;
}

/** One bin of the reliability table. */
export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean predicted probability in the bin; null when empty. */
  readonly meanPredicted: number | null;
  /** Observed rate of positives in the bin; null when empty. */
  readonly observedRate: number | null;
}

export interface CalibrationReport {
  readonly observations: number;
  readonly positives: number;
  /** Mean predicted probability and observed rate over all observations (null without any). */
  readonly meanPredicted: number | null;
  readonly observedRate: number | null;
  /** Expected calibration error: Σ (nᵦ/N)·|mean predictedᵦ − observed rateᵦ| over the bins (null without observations). */
  readonly expectedCalibrationError: number | null;
  /** The largest |mean predicted − observed rate| over the non-empty bins. */
  readonly maxCalibrationError: number | null;
  /** Mean (p − y)². */
  readonly brier: number | null;
  /** Mean negative log-likelihood, natural log. */
  readonly logLoss: number | null;
  readonly table: readonly ReliabilityBin[];
}

const epsilon = 1e-15;

/** @example const c = createCalibration(10); recordPrediction(c, 0.2); recordPositive(c, 0.2); calibrationReport(c) */
export function createCalibration(bins = 10): CalibrationState {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  return { bins, counts: new Float64Array(bins), predicted: new Float64Array(bins), positives: new Float64Array(bins), brier: 0, logLoss: 0 };
}

function binOf(state: CalibrationState, p: number): number {
  return Math.min(state.bins - 1, Math.max(0, Math.floor(p * state.bins)));
}

function clamp(p: number): number {
  return Math.min(1 - epsilon, Math.max(epsilon, p));
}

/** An observation predicted at p, counted as negative until `recordPositive` says otherwise. */
export function recordPrediction(state: CalibrationState, p: number): void {
  const bin = binOf(state, p);
  state.counts[bin] = state.counts[bin]! + 1;
  state.predicted[bin] = state.predicted[bin]! + p;
  state.brier += p * p;
  state.logLoss -= Math.log(1 - clamp(p));
}

/** The observation predicted at p (already recorded) turned out positive. */
export function recordPositive(state: CalibrationState, p: number): void {
  const bin = binOf(state, p);
  state.positives[bin] = state.positives[bin]! + 1;
  // (p − 1)² − p² and −log p + log(1 − p): the negative's terms replaced by the positive's.
  state.brier += 1 - 2 * p;
  state.logLoss += Math.log(1 - clamp(p)) - Math.log(clamp(p));
}

/**
 * The figures of a calibration state.
 *
 * @example calibrationReport(calibrationOf([0.1, 0.9], [0, 1], 2)).brier // 0.01
 */
export function calibrationReport(state: CalibrationState): CalibrationReport {
  let n = 0;
  let positives = 0;
  let predicted = 0;
  let ece = 0;
  let mce = 0;
  const table: ReliabilityBin[] = [];
  for (let b = 0; b < state.bins; b++) {
    const count = state.counts[b]!;
    n += count;
    positives += state.positives[b]!;
    predicted += state.predicted[b]!;
    const meanPredicted = count > 0 ? state.predicted[b]! / count : null;
    const observedRate = count > 0 ? state.positives[b]! / count : null;
    if (meanPredicted !== null && observedRate !== null) {
      const gap = Math.abs(meanPredicted - observedRate);
      ece += count * gap;
      mce = Math.max(mce, gap);
    }
    table.push({ lower: b / state.bins, upper: (b + 1) / state.bins, count, meanPredicted, observedRate });
  }
  if (n === 0) {
    return { observations: 0, positives: 0, meanPredicted: null, observedRate: null, expectedCalibrationError: null, maxCalibrationError: null, brier: null, logLoss: null, table };
  }
  return {
    observations: n, positives, meanPredicted: predicted / n, observedRate: positives / n,
    expectedCalibrationError: ece / n, maxCalibrationError: mce, brier: state.brier / n, logLoss: state.logLoss / n, table,
  };
}

/** A calibration state from predictions and their 0/1 outcomes at once (tests, offline reports). */
export function calibrationOf(predictions: readonly number[], outcomes: readonly number[], bins = 10): CalibrationState {
  if (predictions.length !== outcomes.length) throw new RangeError(`${predictions.length} predictions for ${outcomes.length} outcomes`);
  const state = createCalibration(bins);
  for (const [i, p] of predictions.entries()) {
    recordPrediction(state, p);
    if (outcomes[i] === 1) recordPositive(state, p);
  }
  return state;
}

/** Two states' sums added (a placement's figures over its actions). Both must have the same bins. */
export function mergeCalibration(into: CalibrationState, other: CalibrationState): CalibrationState {
  if (into.bins !== other.bins) throw new RangeError(`bins differ: ${into.bins} and ${other.bins}`);
  for (let b = 0; b < into.bins; b++) {
    into.counts[b] = into.counts[b]! + other.counts[b]!;
    into.predicted[b] = into.predicted[b]! + other.predicted[b]!;
    into.positives[b] = into.positives[b]! + other.positives[b]!;
  }
  into.brier += other.brier;
  into.logLoss += other.logLoss;
  return into;
}
