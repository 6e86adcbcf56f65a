import type { FeatureMatrix } from './FeatureMatrix.js';

/** Which feature columns are recency (lower is better), frequency and monetary value. */
export interface RfmColumns {
  readonly recency: string;
  readonly frequency: string;
  readonly monetary: string;
}

/** Quintile breakpoints learned on training customers, and each RFM sum's purchase rate there. */
export interface RfmBaseline {
  readonly columns: RfmColumns;
  /** The 20th, 40th, 60th and 80th percentiles (numpy's default, linear interpolation) of each. */
  readonly breakpoints: { readonly recency: readonly number[]; readonly frequency: readonly number[]; readonly monetary: readonly number[] };
  /** Training purchase rate by RFM sum (3..15), shrunk toward the base rate by one pseudo-customer. */
  readonly rateBySum: ReadonlyMap<number, number>;
  readonly baseRate: number;
}

export interface RfmScore {
  readonly recency: number;
  readonly frequency: number;
  readonly monetary: number;
  /** recency + frequency + monetary, 3..15: the marketer's ranking. */
  readonly sum: number;
  /** The training purchase rate of customers with this sum. */
  readonly probability: number;
}

export const defaultRfmColumns: RfmColumns = { recency: 'recencyDays', frequency: 'purchases', monetary: 'monetaryTotal' };

/**
 * The marketer's RFM score: each of recency, frequency and monetary value cut into quintiles
 * scored 1 (worst) to 5 (best), the three summed. A value equal to a breakpoint belongs to the
 * lower quintile, so heavy ties (most customers bought once) share one score instead of being
 * split arbitrarily. To be judged by Brier, log loss and calibration like a model, each sum is
 * mapped to the purchase rate of training customers with that sum (how a marketer reads an RFM
 * table); AUC uses the sum itself.
 *
 * @example const rfm = fitRfm(train, trainLabels); scoreRfm(test, rfm)[0].sum // 3..15
 */
export function fitRfm(matrix: FeatureMatrix, labels: readonly number[], columns: RfmColumns = defaultRfmColumns): RfmBaseline {
  const column = (name: string): number[] => valuesOf(matrix, name);
  const breakpoints = {
    recency: quintileBreakpoints(column(columns.recency)),
    frequency: quintileBreakpoints(column(columns.frequency)),
    monetary: quintileBreakpoints(column(columns.monetary)),
  };
  const baseRate = labels.length > 0 ? labels.reduce((sum, y) => sum + y, 0) / labels.length : 0;
  const partial: RfmBaseline = { columns, breakpoints, rateBySum: new Map(), baseRate };
  const tally = new Map<number, { count: number; positives: number }>();
  scoreRfm(matrix, partial).forEach((score, i) => {
    const cell = tally.get(score.sum) ?? { count: 0, positives: 0 };
    cell.count += 1;
    cell.positives += labels[i]!;
    tally.set(score.sum, cell);
  });
  const rateBySum = new Map([...tally].map(([sum, cell]) => [sum, (cell.positives + baseRate) / (cell.count + 1)]));
  return { ...partial, rateBySum };
}

/**
 * Each row's R, F and M quintile scores, their sum and the sum's training purchase rate (the
 * base rate for a sum no training customer had).
 *
 * @example scoreRfm(test, fitRfm(train, labels)).map((s) => s.sum)
 */
export function scoreRfm(matrix: FeatureMatrix, rfm: RfmBaseline): RfmScore[] {
  const recency = valuesOf(matrix, rfm.columns.recency);
  const frequency = valuesOf(matrix, rfm.columns.frequency);
  const monetary = valuesOf(matrix, rfm.columns.monetary);
  return recency.map((days, i) => {
    const r = 1 + rfm.breakpoints.recency.filter((b) => b > days).length;
    const f = 1 + rfm.breakpoints.frequency.filter((b) => b < frequency[i]!).length;
    const m = 1 + rfm.breakpoints.monetary.filter((b) => b < monetary[i]!).length;
    const sum = r + f + m;
    return { recency: r, frequency: f, monetary: m, sum, probability: rfm.rateBySum.get(sum) ?? rfm.baseRate };
  });
}

/** numpy.percentile(values, [20, 40, 60, 80]) (linear interpolation between order statistics). */
export function quintileBreakpoints(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  return [0.2, 0.4, 0.6, 0.8].map((q) => {
    const position = q * (sorted.length - 1);
    const low = Math.floor(position);
    const high = Math.min(low + 1, sorted.length - 1);
    return sorted[low]! + (position - low) * (sorted[high]! - sorted[low]!);
  });
}

function valuesOf(matrix: FeatureMatrix, name: string): number[] {
  const j = matrix.columns.indexOf(name);
  if (j < 0) throw new RangeError(`no column "${name}" among ${matrix.columns.join(', ')}`);
  return matrix.rows.map((row) => row[j]!);
}
