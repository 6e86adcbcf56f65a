import { logGamma } from '../../numeric/logBeta.js';
import { nelderMead } from '../../numeric/nelderMead.js';

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

/** Note 025, eq. 1a, summed over customers; the x-only terms once per distinct x. */
function logLikelihoodOf({ p, q, v }: GammaGammaParameters, spends: readonly SpendHistory[]): number {
  const byX = new Map<number, number>();
  let sum = 0;
  for (const { frequency: x, monetaryValue: m } of spends) {
    let constant = byX.get(x);
    if (constant === undefined) {
      constant = logGamma(p * x + q) - logGamma(p * x) - logGamma(q) + q * Math.log(v) + p * x * Math.log(x);
      byX.set(x, constant);
    }
    sum += constant + (p * x - 1) * Math.log(m) - (p * x + q) * Math.log(x * m + v);
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
  const spends = histories.filter((h) => h.frequency > 0 && h.monetaryValue > 0);
  if (spends.length === 0) return undefined;
  const meanSpend = spends.reduce((sum, h) => sum + h.monetaryValue, 0) / spends.length;
  const fromLog = ([p, q, v]: readonly number[]): GammaGammaParameters => ({ p: Math.exp(p!), q: Math.exp(q!), v: Math.exp(v!) });
  // Start at p = 1, q = 2 with v matching the mean spend (E[m] = p v / (q - 1)): the scale of the
  // money is the data's, so the search starts near it whatever the currency.
  const result = nelderMead((logs) => -logLikelihoodOf(fromLog(logs), spends) / spends.length, [0, Math.log(2), Math.log(meanSpend)], { maxEvaluations: 20_000 });
  const params = fromLog(result.x);
  return { ...params, logLikelihood: logLikelihoodOf(params, spends), converged: result.converged, customers: spends.length };
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
