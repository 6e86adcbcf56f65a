import { hyp2f1 } from '../../numeric/hyp2f1.js';
import { logGamma } from '../../numeric/logBeta.js';
import type { PurchaseHistory } from './CustomerSummary.js';
import { historyPatterns, unitTimeScale, type HistoryPatterns } from './historyPatterns.js';
import { logSumExp, maximizeLikelihood } from './maximizeLikelihood.js';

/**
 * The Pareto/NBD model (Schmittlein, Morrison and Colombo 1987): while alive a customer buys at
 * a rate from Gamma(r, alpha); their lifetime is exponential with a rate from Gamma(s, beta).
 * Unlike BG/NBD, a customer may drop out at any time, not only just after a purchase.
 */
export interface ParetoNbdParameters {
  readonly r: number;
  readonly alpha: number;
  readonly s: number;
  readonly beta: number;
}

export interface ParetoNbdFit extends ParetoNbdParameters {
  readonly logLikelihood: number;
  readonly converged: boolean;
  readonly customers: number;
}

/**
 * ln of Hardie's A0 term divided by (its weight aside) and the "alive at T" term, per note 008:
 * A0 = F(t_x) - F(T) with F(t) = 2F1(r+s+x, b; r+s+x+1; z(t)) / (m + t)^(r+s+x), m = max(alpha, beta).
 * The 2F1 is taken through Euler's transformation, (1 - z)^(1 - b) 2F1(1, r+s+x+1-b; r+s+x+1; z),
 * whose terms are positive and shrink at least as fast as z^n.
 */
function logA0Terms({ r, alpha, s, beta }: ParetoNbdParameters, x: number, t: number): number {
  const rho = r + s + x;
  const alphaLarger = alpha >= beta;
  const m = alphaLarger ? alpha : beta;
  const b = alphaLarger ? s + 1 : r + x;
  const z = Math.abs(alpha - beta) / (m + t);
  // 1 - z = (min(alpha, beta) + t) / (m + t).
  const logOneMinusZ = Math.log((alphaLarger ? beta : alpha) + t) - Math.log(m + t);
  return (1 - b) * logOneMinusZ + Math.log(hyp2f1(1, rho + 1 - b, rho + 1, z)) - rho * Math.log(m + t);
}

/**
 * ln[1 / ((alpha+T)^(r+x) (beta+T)^s)] and ln[s / (r+s+x) A0], A0 >= 0 as F falls with t,
 * from F's logarithms at t_x and at T.
 */
function logTerms({ r, alpha, s, beta }: ParetoNbdParameters, x: number, T: number, atRecency: number, atT: number): { alive: number; dropped: number } {
  const alive = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  // ln(e^atRecency - e^atT); -Infinity when recency = T.
  const dropped = atRecency > atT ? Math.log(s / (r + s + x)) + atRecency + Math.log(-Math.expm1(atT - atRecency)) : -Infinity;
  return { alive, dropped };
}

/** The histories' distinct (x, t) pairs, t a recency or a T: F is computed once per pair and evaluation. */
interface ParetoPatterns extends HistoryPatterns {
  readonly pairX: Float64Array;
  readonly pairTime: Float64Array;
  readonly recencyPair: Int32Array;
  readonly tPair: Int32Array;
}

function paretoPatterns(histories: readonly PurchaseHistory[], timeScale: number): ParetoPatterns {
  const p = historyPatterns(histories, timeScale);
  const pairs = new Map<string, number>();
  const pairOf = (x: number, time: number): number => {
    const key = `${x}|${time}`;
    let at = pairs.get(key);
    if (at === undefined) pairs.set(key, (at = pairs.size));
    return at;
  };
  const recencyPair = Int32Array.from(p.x, (x, i) => pairOf(x, p.distinctRecency[p.recencyIndex[i]!]!));
  const tPair = Int32Array.from(p.x, (x, i) => pairOf(x, p.distinctT[p.tIndex[i]!]!));
  const keys = [...pairs.keys()].map((key) => key.split('|').map(Number));
  return { ...p, recencyPair, tPair, pairX: Float64Array.from(keys, (k) => k[0]!), pairTime: Float64Array.from(keys, (k) => k[1]!) };
}

function logLikelihoodOf(params: ParetoNbdParameters, p: ParetoPatterns): number {
  const { r, alpha, s, beta } = params;
  const constant = r * Math.log(alpha) + s * Math.log(beta) - logGamma(r);
  const byX = p.distinctX.map((x) => logGamma(r + x));
  const f = Float64Array.from(p.pairX, (x, j) => logA0Terms(params, x, p.pairTime[j]!));
  let sum = 0;
  for (let i = 0; i < p.x.length; i++) {
    const { alive, dropped } = logTerms(params, p.x[i]!, p.distinctT[p.tIndex[i]!]!, f[p.recencyPair[i]!]!, f[p.tPair[i]!]!);
    sum += p.weight[i]! * (constant + byX[p.xIndex[i]!]! + logSumExp(alive, dropped));
  }
  return sum;
}

/**
 * The Pareto/NBD log-likelihood of customers' histories (Fader, Hardie and Lee 2005, note 008, eq. 2).
 *
 * @example paretoNbdLogLikelihood({ r: 0.5534, alpha: 10.5802, s: 0.6061, beta: 11.6562 }, summaries)
 */
export function paretoNbdLogLikelihood(params: ParetoNbdParameters, histories: readonly PurchaseHistory[]): number {
  return logLikelihoodOf(params, paretoPatterns(histories, 1));
}

/**
 * Fits the Pareto/NBD model by maximum likelihood, as fitBgNbd fits BG/NBD (log-parameters,
 * Nelder–Mead, times scaled so the longest T is 1, from all-ones).
 *
 * @example fitParetoNbd(summaries) // on the CDNOW sample: r ≈ 0.553, alpha ≈ 10.58, s ≈ 0.606, beta ≈ 11.67
 */
export function fitParetoNbd(histories: readonly PurchaseHistory[]): ParetoNbdFit {
  if (histories.length === 0) throw new RangeError('fitParetoNbd needs at least one customer');
  const scale = unitTimeScale(histories);
  const scaled = paretoPatterns(histories, scale);
  const fromLogs = ([r, alpha, s, beta]: readonly number[]): ParetoNbdParameters =>
    ({ r: Math.exp(r!), alpha: Math.exp(alpha!), s: Math.exp(s!), beta: Math.exp(beta!) });
  const { params: fitted, converged } = maximizeLikelihood((params) => logLikelihoodOf(params, scaled), fromLogs, [0, 0, 0, 0], scaled.total);
  const params = { ...fitted, alpha: fitted.alpha / scale, beta: fitted.beta / scale };
  return { ...params, logLikelihood: paretoNbdLogLikelihood(params, histories), converged, customers: histories.length };
}

/**
 * The probability that a customer with this history is still alive (note 008, eq. 3).
 *
 * @example paretoNbdProbabilityAlive({ r: 0.5534, alpha: 10.5802, s: 0.6061, beta: 11.6562 }, { frequency: 26, recency: 30.86, T: 31 }) // ≈ 0.9979
 */
export function paretoNbdProbabilityAlive(params: ParetoNbdParameters, history: PurchaseHistory): number {
  const { frequency: x, recency, T } = history;
  const { alive, dropped } = logTerms(params, x, T, logA0Terms(params, x, recency), logA0Terms(params, x, T));
  return 1 / (1 + Math.exp(dropped - alive));
}

/**
 * The expected number of purchases in the next `t` weeks of a customer with this history
 * (Schmittlein et al. 1987, eq. 22): what an alive customer would buy, times P(alive).
 *
 * @example paretoNbdExpectedPurchases(params, { frequency: 26, recency: 30.86, T: 31 }, 52) // ≈ 25.46
 */
export function paretoNbdExpectedPurchases(params: ParetoNbdParameters, history: PurchaseHistory, t: number): number {
  if (t <= 0) return 0;
  const { r, alpha, s, beta } = params;
  const { frequency: x, T } = history;
  const ratio = (beta + T) / (beta + T + t);
  // At s = 1 the bracket [1 - ratio^(s-1)] / (s - 1) tends to -ln(ratio).
  const bracket = Math.abs(s - 1) < 1e-9 ? -Math.log(ratio) : -Math.expm1((s - 1) * Math.log(ratio)) / (s - 1);
  return (((r + x) * (beta + T)) / (alpha + T)) * bracket * paretoNbdProbabilityAlive(params, history);
}
