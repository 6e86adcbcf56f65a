import { logGamma } from '../../numeric/logBeta.js';
import type { BgNbdParameters } from './BgNbdParameters.js';
import type { PurchaseHistory } from './CustomerSummary.js';
import { historyPatterns, unitTimeScale, type HistoryPatterns } from './historyPatterns.js';
import { logSumExp, maximizeLikelihood } from './maximizeLikelihood.js';

export interface BgNbdFit extends BgNbdParameters {
  /** The log-likelihood at the fitted parameters, summed over customers (the figure papers quote). */
  readonly logLikelihood: number;
  readonly converged: boolean;
  readonly customers: number;
}

/** The BG/NBD log-likelihood (FHL 2005, eq. 6, as in Hardie's note 004), summed with weights. */
function logLikelihoodOf(params: BgNbdParameters, p: HistoryPatterns): number {
  const { r, alpha, a, b } = params;
  const logA = Math.log(a);
  const byX = p.distinctX.map((x) =>
    logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + logGamma(a + b) + logGamma(b + x) - logGamma(b) - logGamma(a + b + x),
  );
  const dropTerm = p.distinctX.map((x) => (x > 0 ? logA - Math.log(b + x - 1) : -Infinity));
  const logAlphaT = p.distinctT.map((T) => Math.log(alpha + T));
  const logAlphaRecency = p.distinctRecency.map((tx) => Math.log(alpha + tx));
  let sum = 0;
  for (let i = 0; i < p.x.length; i++) {
    const x = p.x[i]!;
    const k = p.xIndex[i]!;
    // ln[(alpha + T)^-(r + x) + [x > 0] a / (b + x - 1) (alpha + t_x)^-(r + x)], by log-sum-exp.
    const alive = -(r + x) * logAlphaT[p.tIndex[i]!]!;
    const dropped = dropTerm[k]! - (r + x) * logAlphaRecency[p.recencyIndex[i]!]!;
    sum += p.weight[i]! * (byX[k]! + logSumExp(alive, dropped));
  }
  return sum;
}

/**
 * The BG/NBD log-likelihood of customers' histories at given parameters.
 *
 * @example bgNbdLogLikelihood({ r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 }, summaries) // ≈ -9582.43 on the CDNOW sample
 */
export function bgNbdLogLikelihood(params: BgNbdParameters, histories: readonly PurchaseHistory[]): number {
  return logLikelihoodOf(params, historyPatterns(histories, 1));
}

/**
 * Fits the BG/NBD model by maximum likelihood, as lifetimes' `BetaGeoFitter` does: the four
 * parameters are searched as logarithms (so they stay positive) by Nelder–Mead, on times
 * scaled so that the longest T is 1 (alpha then starts near its scale), from all-ones.
 *
 * @example fitBgNbd(summaries) // on the CDNOW sample: { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258, ... }
 */
export function fitBgNbd(histories: readonly PurchaseHistory[]): BgNbdFit {
  if (histories.length === 0) throw new RangeError('fitBgNbd needs at least one customer');
  const scale = unitTimeScale(histories);
  const scaled = historyPatterns(histories, scale);
  const fromLogs = ([r, alpha, a, b]: readonly number[]): BgNbdParameters =>
    ({ r: Math.exp(r!), alpha: Math.exp(alpha!), a: Math.exp(a!), b: Math.exp(b!) });
  const { params: fitted, converged } = maximizeLikelihood((params) => logLikelihoodOf(params, scaled), fromLogs, [0, 0, 0, 0], scaled.total);
  const params = { ...fitted, alpha: fitted.alpha / scale };
  return { ...params, logLikelihood: bgNbdLogLikelihood(params, histories), converged, customers: histories.length };
}
