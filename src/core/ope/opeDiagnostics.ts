import type { RoundTerms } from './roundTerms.js';

/** Stable codes of the conditions under which an off-policy estimate should not be trusted as is. */
export type OpeWarningCode =
  | 'OPE_NO_ROUNDS'
  | 'OPE_PROPENSITY_MISSING'
  | 'OPE_PROPENSITY_ZERO'
  | 'OPE_PROPENSITY_LOW'
  | 'OPE_NO_OVERLAP'
  | 'OPE_LOW_ESS'
  | 'OPE_MEAN_WEIGHT'
  | 'OPE_WEIGHTS_CLIPPED';

export interface OpeWarning {
  readonly code: OpeWarningCode;
  readonly detail: string;
}

/** How well the logs support the evaluation policy, as values. Weights are π_e(a_t | x_t)/p_t, unclipped. */
export interface OpeDiagnostics {
  /** All logged rounds. */
  readonly rounds: number;
  /** Rounds with a positive propensity: the ones every estimate is computed on. */
  readonly usedRounds: number;
  readonly propensityMissing: number;
  readonly propensityZero: number;
  /** Rounds whose propensity is positive but below `lowPropensity`. */
  readonly propensityLow: number;
  readonly lowPropensity: number;
  /** (Σw)² / Σw²: how many rounds the weighted average is worth. */
  readonly effectiveSampleSize: number;
  readonly maxWeight: number;
  /** Close to 1 when the logging probabilities are right and cover π_e (E[w] = 1). */
  readonly meanWeight: number;
  /** Rounds whose weight was cut to the clip weight W. */
  readonly clippedRounds: number;
  readonly warnings: readonly OpeWarning[];
}

export interface DiagnosticThresholds {
  readonly lowPropensity: number;
  readonly clip: number;
  /** OPE_LOW_ESS below this many effective rounds. */
  readonly minEffectiveSampleSize: number;
  /** ... or below this share of the used rounds. */
  readonly minEffectiveShare: number;
}

/** The diagnostics of the per-round terms, with a warning for each condition met. */
export function opeDiagnostics(rounds: number, terms: RoundTerms, thresholds: DiagnosticThresholds): OpeDiagnostics {
  const w = terms.rawWeight;
  const n = w.length;
  let sum = 0;
  let sumSquares = 0;
  let maxWeight = 0;
  for (let t = 0; t < n; t += 1) {
    sum += w[t]!;
    sumSquares += w[t]! * w[t]!;
    maxWeight = Math.max(maxWeight, w[t]!);
  }
  const effectiveSampleSize = sumSquares === 0 ? 0 : (sum * sum) / sumSquares;
  const meanWeight = n === 0 ? Number.NaN : sum / n;
  const meanSquareDeviation = n === 0 ? 0 : Math.max(0, sumSquares / n - meanWeight * meanWeight);
  const standardError = n < 2 ? Number.POSITIVE_INFINITY : Math.sqrt(meanSquareDeviation / (n - 1));
  const warnings: OpeWarning[] = [];
  const warn = (when: boolean, code: OpeWarningCode, detail: string): void => {
    if (when) warnings.push({ code, detail });
  };
  warn(n === 0, 'OPE_NO_ROUNDS', 'no round has a positive propensity: nothing to estimate from');
  warn(terms.propensityMissing > 0, 'OPE_PROPENSITY_MISSING', `${terms.propensityMissing} of ${rounds} rounds have no logged propensity and were left out`);
  warn(terms.propensityZero > 0, 'OPE_PROPENSITY_ZERO', `${terms.propensityZero} of ${rounds} rounds have propensity 0 (an action the logging policy could not take) and were left out`);
  warn(terms.propensityLow > 0, 'OPE_PROPENSITY_LOW', `${terms.propensityLow} rounds have a propensity below ${thresholds.lowPropensity}: their weights can dominate the estimate`);
  warn(n > 0 && sum === 0, 'OPE_NO_OVERLAP', 'the evaluation policy gives probability 0 to every logged action: the logs say nothing about it');
  const essFloor = Math.max(thresholds.minEffectiveSampleSize, thresholds.minEffectiveShare * n);
  warn(n > 0 && sum > 0 && effectiveSampleSize < essFloor, 'OPE_LOW_ESS',
    `the importance weights are worth ${effectiveSampleSize.toFixed(1)} rounds of ${n} (below ${essFloor.toFixed(1)}): the weighted estimates rest on a few rounds`);
  // A mean weight far from 1, beyond its own noise, means wrong propensities or actions of π_e the logging policy never takes.
  warn(n > 1 && Math.abs(meanWeight - 1) > Math.max(0.05, 3 * standardError), 'OPE_MEAN_WEIGHT',
    `the mean importance weight is ${meanWeight.toFixed(3)}, not 1 (± ${(3 * standardError).toFixed(3)}): the propensities may be wrong or miss actions of the evaluation policy`);
  warn(terms.clippedRounds > 0, 'OPE_WEIGHTS_CLIPPED', `${terms.clippedRounds} weights were clipped to ${thresholds.clip}: the weighted estimates are biased (IPW downwards when rewards are non-negative)`);
  return {
    rounds, usedRounds: n,
    propensityMissing: terms.propensityMissing, propensityZero: terms.propensityZero, propensityLow: terms.propensityLow,
    lowPropensity: thresholds.lowPropensity, effectiveSampleSize, maxWeight, meanWeight,
    clippedRounds: terms.clippedRounds, warnings,
  };
}
