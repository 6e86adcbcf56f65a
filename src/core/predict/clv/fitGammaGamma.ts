import { logGamma } from '../../numeric/logBeta.js';
import { distinctValues } from './distinctValues.js';
import { maximizeLikelihood } from './maximizeLikelihood.js';

/**
 * The Gamma-Gamma spend model (Fader, Hardie and Lee 2005b; Hardie's note 025): a customer's
 * purchase values are Gamma(p, nu) around their own mean p / nu, and nu is Gamma(q, v) across
 * customers. It assumes spend does not depend on how often a customer buys.
 */
export interface GammaGammaParameters {
  readonly p: number;
  readonly q: number;
  readonly v: number;
}

export interface GammaGammaFit extends GammaGammaParameters {
  readonly logLikelihood: number;
  readonly converged: boolean;
  /** The customers the fit used: those with a repeat purchase of positive mean value. */
  readonly customers: number;
}

/** What the spend model reads: the number of repeat purchases (x) and their mean value (m). */
export interface SpendHistory {
  readonly frequency: number;
  readonly monetaryValue: number;
}

/** The repeat buyers as arrays, with what does not depend on the parameters computed once. */
interface Spends {
  readonly x: Float64Array;
  readonly m: Float64Array;
  readonly logM: Float64Array;
  readonly xIndex: Int32Array;
  readonly distinctX: readonly number[];
}

function spendsOf(histories: readonly SpendHistory[]): Spends {
  const { distinct, index } = distinctValues(histories.map((h) => h.frequency));
  return {
    x: Float64Array.from(histories, (h) => h.frequency),
    m: Float64Array.from(histories, (h) => h.monetaryValue),
    logM: Float64Array.from(histories, (h) => Math.log(h.monetaryValue)),
    xIndex: index,
    distinctX: distinct,
  };
}

/** Note 025, eq. 1a, summed over customers; the x-only terms once per distinct x. */
function logLikelihoodOf({ p, q, v }: GammaGammaParameters, s: Spends): number {
  const byX = s.distinctX.map((x) => logGamma(p * x + q) - logGamma(p * x) - logGamma(q) + q * Math.log(v) + p * x * Math.log(x));
  let sum = 0;
  for (let i = 0; i < s.x.length; i++) {
    const px = p * s.x[i]!;
    sum += byX[s.xIndex[i]!]! + (px - 1) * s.logM[i]! - (px + q) * Math.log(s.x[i]! * s.m[i]! + v);
  }
  return sum;
}

/**
 * Fits the Gamma-Gamma model by maximum likelihood on the customers with a repeat purchase
 * (the others say nothing about spend), searching log p, log q, log v by Nelder–Mead as
 * lifetimes' `GammaGammaFitter` does. Returns undefined when no customer has a repeat purchase.
 *
 * @example fitGammaGamma(summaries) // on the CDNOW sample's 946 repeat buyers: { p: 6.2488, q: 3.7446, v: 15.4477, ... }
 */
export function fitGammaGamma(histories: readonly SpendHistory[]): GammaGammaFit | undefined {
  const buyers = histories.filter((h) => h.frequency > 0 && h.monetaryValue > 0);
  if (buyers.length === 0) return undefined;
  const meanSpend = buyers.reduce((sum, h) => sum + h.monetaryValue, 0) / buyers.length;
  const spends = spendsOf(buyers);
  const fromLogs = ([p, q, v]: readonly number[]): GammaGammaParameters => ({ p: Math.exp(p!), q: Math.exp(q!), v: Math.exp(v!) });
  // Start at p = 1, q = 2 with v matching the mean spend (E[m] = p v / (q - 1)): the scale of the
  // money is the data's, so the search starts near it whatever the currency.
  const { params, converged } = maximizeLikelihood((candidate) => logLikelihoodOf(candidate, spends), fromLogs, [0, Math.log(2), Math.log(meanSpend)], buyers.length);
  return { ...params, logLikelihood: logLikelihoodOf(params, spends), converged, customers: buyers.length };
}

/**
 * The expected mean purchase value of a customer with x repeat purchases of mean value m
 * (note 025, eq. 5): a weighted average of the population mean p v / (q - 1) and m, the
 * customer's own mean weighing more the more purchases it rests on. Needs q > 1.
 *
 * @example expectedSpend({ p: 6.25, q: 3.74, v: 15.44 }, { frequency: 0, monetaryValue: 0 }) // the population mean, ≈ 35.2
 */
export function expectedSpend({ p, q, v }: GammaGammaParameters, { frequency: x, monetaryValue: m }: SpendHistory): number {
  const own = (p * x) / (p * x + q - 1);
  return (1 - own) * ((p * v) / (q - 1)) + own * m;
}
