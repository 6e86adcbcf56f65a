import { midranks } from './midranks.js';

/** One bin of a calibration table. */
export interface CalibrationBin {
  /** Smallest and largest predicted probability in the bin. */
  readonly from: number;
  readonly to: number;
  readonly count: number;
  readonly meanPredicted: number;
  readonly observedRate: number;
}

export interface ClassificationMetrics {
  readonly count: number;
  readonly positives: number;
  /** Area under the ROC curve (Mann–Whitney, ties count ½); null when one class is absent. */
  readonly auc: number | null;
  /** Mean squared error of the probabilities. */
  readonly brier: number;
  /** Mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15] (as scikit-learn). */
  readonly logLoss: number;
  /** Up to `bins` equal-frequency bins (empty ones omitted). */
  readonly calibration: readonly CalibrationBin[];
  /** Expected calibration error: Σ (count/n)·|meanPredicted − observedRate| over the bins. */
  readonly ece: number;
}

const clip = 1e-15;

/**
 * How well probabilities predict 0/1 outcomes: ranking (AUC), accuracy of the probabilities
 * themselves (Brier, log loss) and calibration (does "30 %" happen 30 % of the time?).
 * The calibration bins are equal-frequency (deciles of the predictions, as scikit-learn's
 * calibration_curve(strategy='quantile')): propensities crowd near the base rate, and
 * equal-width bins would put nearly everyone in two or three of them.
 *
 * @example classificationMetrics([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]).auc // 0.75
 */
export function classificationMetrics(predicted: readonly number[], labels: readonly number[], options: { readonly bins?: number } = {}): ClassificationMetrics {
  if (predicted.length !== labels.length) throw new RangeError(`${predicted.length} predictions for ${labels.length} labels`);
  if (labels.some((y) => y !== 0 && y !== 1)) throw new RangeError('labels must be 0 or 1');
  if (predicted.some((p) => !(p >= 0 && p <= 1))) throw new RangeError('predictions must be probabilities in [0, 1]');
  const count = labels.length;
  const positives = labels.reduce((sum, y) => sum + y, 0);
  let squared = 0;
  let loss = 0;
  predicted.forEach((p, i) => {
    const y = labels[i]!;
    squared += (p - y) ** 2;
    const q = Math.min(Math.max(p, clip), 1 - clip);
    loss -= y === 1 ? Math.log(q) : Math.log1p(-q);
  });
  const calibration = calibrationTable(predicted, labels, options.bins ?? 10);
  const ece = calibration.reduce((sum, bin) => sum + (bin.count / count) * Math.abs(bin.meanPredicted - bin.observedRate), 0);
  return {
    count,
    positives,
    auc: rocAuc(predicted, labels),
    brier: count > 0 ? squared / count : Number.NaN,
    logLoss: count > 0 ? loss / count : Number.NaN,
    calibration,
    ece: count > 0 ? ece : Number.NaN,
  };
}

/**
 * ROC AUC as the Mann–Whitney U statistic over midranks: the probability that a random
 * positive scores above a random negative, a tie counting ½. Any real-valued score works
 * (an RFM sum as well as a probability). O(n log n).
 *
 * @example rocAuc([1, 2, 2, 3], [0, 0, 1, 1]) // 0.875
 */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number | null {
  const positives = labels.reduce((sum, y) => sum + y, 0);
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const ranks = midranks(scores);
  const positiveRankSum = labels.reduce((sum, y, i) => (y === 1 ? sum + ranks[i]! : sum), 0);
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Equal-frequency bins that keep ties together: a prediction goes to bin
 * ⌊bins · (number of predictions strictly below it) / n⌋, so the result does not depend on
 * the input's order; bins left empty by ties are omitted.
 */
export function calibrationTable(predicted: readonly number[], labels: readonly number[], bins: number): CalibrationBin[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const n = predicted.length;
  const order = predicted.map((_p, i) => i).sort((a, b) => predicted[a]! - predicted[b]!);
  const sums = Array.from({ length: bins }, () => ({ count: 0, predicted: 0, observed: 0, from: Infinity, to: -Infinity }));
  let below = 0;
  order.forEach((index, position) => {
    if (position > 0 && predicted[order[position - 1]!]! < predicted[index]!) below = position;
    const bin = sums[Math.floor((bins * below) / n)]!;
    const p = predicted[index]!;
    bin.count += 1;
    bin.predicted += p;
    bin.observed += labels[index]!;
    bin.from = Math.min(bin.from, p);
    bin.to = Math.max(bin.to, p);
  });
  return sums.filter((bin) => bin.count > 0).map((bin) => ({
    from: bin.from,
    to: bin.to,
    count: bin.count,
    meanPredicted: bin.predicted / bin.count,
    observedRate: bin.observed / bin.count,
  }));
}
