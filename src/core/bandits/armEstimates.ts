/** One action's recorded decisions and clicks, weighted by the recorded probabilities (a store's ArmWeights). */
export interface ArmWeightSums {
  readonly actionId: string;
  readonly decisions: number;
  readonly clicked: number;
  /** Σ 1/p over its clicked decisions. */
  readonly weightedClicks: number;
  /** Σ 1/p² over its clicked decisions. */
  readonly weightedClicksSquared: number;
}

/** One action's counters: what the naive rate divides. */
export interface ArmCounters {
  readonly actionId: string;
  readonly impressions: number;
  readonly clicks: number;
}

export interface ArmEstimate {
  readonly actionId: string;
  readonly impressions: number;
  readonly clicks: number;
  /** clicks / impressions: biased when the allocation adapted to the outcomes (a bandit's). */
  readonly naiveRate: number | null;
  /** Decisions of the placement that chose this action. */
  readonly decisions: number;
  /**
   * The click rate per decision had every decision of the placement chosen this action,
   * estimated by inverse propensity weighting: Σ over its clicked decisions of 1/p, divided by
   * all the placement's decisions. Unbiased whatever the allocation did, as long as every
   * probability recorded was the one the choice was made with and above 0.
   */
  readonly ipwRate: number | null;
  readonly ipwStandardError: number | null;
  /** ± 1.96 standard errors (normal approximation over the placement's decisions). */
  readonly ipwInterval: readonly [number, number] | null;
}

/**
 * The arms of a bandit placement side by side: the naive click rate of the counters and the
 * inverse-propensity-weighted estimate from the recorded decisions. Adaptive allocation shows
 * an arm more after it did well, so its naive mean carries the luck that made it look good;
 * weighting each click by 1 / the probability of the choice undoes that (Horvitz–Thompson).
 * x_t = 1[chosen = a]·click_t / p_t over all N decisions of the placement: the estimate is the
 * mean of x, its standard error sqrt((mean of x² − mean²) / N).
 *
 * @example armEstimates([{ actionId: 'a', decisions: 10, clicked: 2, weightedClicks: 4, weightedClicksSquared: 8 }], [{ actionId: 'a', impressions: 10, clicks: 2 }])
 */
export function armEstimates(weights: readonly ArmWeightSums[], counters: readonly ArmCounters[]): ArmEstimate[] {
  return perAction(weights, counters, (actionId, w, counter, total) => {
    const impressions = counter?.impressions ?? 0;
    const clicks = counter?.clicks ?? 0;
    const base = { actionId, impressions, clicks, naiveRate: impressions > 0 ? clicks / impressions : null, decisions: w?.decisions ?? 0 };
    const ipw = ipwMean(w?.weightedClicks ?? 0, w?.weightedClicksSquared ?? 0, total);
    return { ...base, ipwRate: ipw.mean, ipwStandardError: ipw.standardError, ipwInterval: ipw.interval };
  });
}

/** One action's recorded decisions and the revenue of their conversions, weighted by the recorded probabilities. */
export interface RevenueWeightSums {
  readonly actionId: string;
  readonly decisions: number;
  /** Σ r/p over its decisions, r a decision's revenue. */
  readonly weightedRevenue: number;
  /** Σ (r/p)² over its decisions. */
  readonly weightedRevenueSquared: number;
}

/** One action's revenue counters: what the naive revenue per impression divides. */
export interface RevenueCounters {
  readonly actionId: string;
  readonly impressions: number;
  readonly conversions: number;
  readonly conversionValue: number;
}

export interface RevenueEstimate {
  readonly actionId: string;
  readonly conversions: number;
  readonly revenue: number;
  /** revenue / impressions: biased when the allocation adapted to the outcomes. */
  readonly naiveRevenuePerImpression: number | null;
  /** Revenue per decision had every decision of the placement chosen this action (Horvitz–Thompson, as `ipwRate`). */
  readonly ipwRevenuePerDecision: number | null;
  readonly ipwStandardError: number | null;
  readonly ipwInterval: readonly [number, number] | null;
}

/**
 * Revenue per impression side by side, as `armEstimates` does for clicks: the naive mean of the
 * counters and the inverse-propensity-weighted mean over the placement's recorded decisions,
 * x_t = 1[chosen = a]·r_t / p_t with r_t the revenue of decision t's conversions.
 *
 * @example revenueEstimates([{ actionId: 'a', decisions: 4, weightedRevenue: 40, weightedRevenueSquared: 800 }], [{ actionId: 'a', impressions: 4, conversions: 1, conversionValue: 20 }])
 */
export function revenueEstimates(weights: readonly RevenueWeightSums[], counters: readonly RevenueCounters[]): RevenueEstimate[] {
  return perAction(weights, counters, (actionId, w, counter, total) => {
    const impressions = counter?.impressions ?? 0;
    const revenue = counter?.conversionValue ?? 0;
    const ipw = ipwMean(w?.weightedRevenue ?? 0, w?.weightedRevenueSquared ?? 0, total);
    return {
      actionId, conversions: counter?.conversions ?? 0, revenue, naiveRevenuePerImpression: impressions > 0 ? revenue / impressions : null,
      ipwRevenuePerDecision: ipw.mean, ipwStandardError: ipw.standardError, ipwInterval: ipw.interval,
    };
  });
}

/** Each action known to the weights or the counters, by id, built from both and the placement's decision count. */
function perAction<W extends { readonly actionId: string; readonly decisions: number }, C extends { readonly actionId: string }, R>(
  weights: readonly W[], counters: readonly C[], build: (actionId: string, w: W | undefined, counter: C | undefined, total: number) => R,
): R[] {
  const total = weights.reduce((sum, w) => sum + w.decisions, 0);
  const byAction = new Map(weights.map((w) => [w.actionId, w]));
  const counted = new Map(counters.map((c) => [c.actionId, c]));
  const ids = [...new Set([...counters.map((c) => c.actionId), ...weights.map((w) => w.actionId)])].sort();
  return ids.map((actionId) => build(actionId, byAction.get(actionId), counted.get(actionId), total));
}

/** The mean of x over `total` decisions from Σx and Σx², its standard error and a ± 1.96 SE interval; nulls without decisions. */
function ipwMean(sum: number, sumSquares: number, total: number): { mean: number | null; standardError: number | null; interval: readonly [number, number] | null } {
  if (total === 0) return { mean: null, standardError: null, interval: null };
  const mean = sum / total;
  const se = Math.sqrt(Math.max(0, sumSquares / total - mean * mean) / total);
  return { mean, standardError: se, interval: [mean - 1.96 * se, mean + 1.96 * se] as const };
}
