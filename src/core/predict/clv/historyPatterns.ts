import { distinctValues } from './distinctValues.js';
import type { PurchaseHistory } from './CustomerSummary.js';

/**
 * Customers with the same (x, t_x, T) contribute the same likelihood term, so the sum runs over
 * the distinct histories with their counts as weights (Fader and Hardie fit the CDNOW data that
 * way). The terms that depend only on x, on T or on t_x are computed once per distinct value:
 * in daily data the distinct T and t_x are a few hundred where the histories are thousands.
 */
export interface HistoryPatterns {
  readonly x: Float64Array;
  readonly weight: Float64Array;
  /** Indices of each pattern's x, T and t_x among the distinct values. */
  readonly xIndex: Int32Array;
  readonly tIndex: Int32Array;
  readonly recencyIndex: Int32Array;
  readonly distinctX: readonly number[];
  readonly distinctT: readonly number[];
  readonly distinctRecency: readonly number[];
  readonly total: number;
}

/**
 * The distinct histories with their counts, times multiplied by `timeScale`.
 *
 * @example historyPatterns(summaries, 1 / 38.86).total // the number of customers
 */
export function historyPatterns(histories: readonly PurchaseHistory[], timeScale: number): HistoryPatterns {
  const counts = new Map<string, { h: PurchaseHistory; n: number }>();
  for (const h of histories) {
    const key = `${h.frequency}|${h.recency}|${h.T}`;
    const seen = counts.get(key);
    if (seen === undefined) counts.set(key, { h, n: 1 });
    else seen.n++;
  }
  const rows = [...counts.values()];
  const xs = distinctValues(rows.map((row) => row.h.frequency));
  const ts = distinctValues(rows.map((row) => row.h.T * timeScale));
  const recencies = distinctValues(rows.map((row) => row.h.recency * timeScale));
  return {
    x: Float64Array.from(rows, (row) => row.h.frequency),
    weight: Float64Array.from(rows, (row) => row.n),
    xIndex: xs.index,
    tIndex: ts.index,
    recencyIndex: recencies.index,
    distinctX: xs.distinct,
    distinctT: ts.distinct,
    distinctRecency: recencies.distinct,
    total: histories.length,
  };
}

/** The factor that makes the longest T 1: the fits search time-scale parameters from 1 on this scale. */
export function unitTimeScale(histories: readonly PurchaseHistory[]): number {
  const longest = histories.reduce((max, h) => Math.max(max, h.T), 0);
  return longest > 0 ? 1 / longest : 1;
}
