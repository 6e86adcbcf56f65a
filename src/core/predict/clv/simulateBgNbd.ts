import type { Random } from '../../common/random.js';
import { sampleBeta, sampleGamma } from '../../numeric/sampleGamma.js';
import type { BgNbdParameters } from './BgNbdParameters.js';
import type { PurchaseHistory } from './CustomerSummary.js';

/**
 * Draws a customer's history from the BG/NBD model over `T` weeks after their first purchase
 * (lifetimes' `beta_geometric_nbd_model`): a rate from Gamma(r, alpha), a drop-out probability
 * from Beta(a, b); exponential gaps between purchases, and after each repeat purchase the
 * customer drops out with that probability. For testing fits against known parameters.
 *
 * @example simulateBgNbd({ r: 0.25, alpha: 4, a: 0.8, b: 2.5 }, 39, seededRandom(7))
 */
export function simulateBgNbd(params: BgNbdParameters, T: number, random: Random): PurchaseHistory {
  const rate = sampleGamma(params.r, random) / params.alpha;
  const dropOut = sampleBeta(params.a, params.b, random);
  let frequency = 0;
  let recency = 0;
  for (let t = 0; ;) {
    t += -Math.log(1 - random.next()) / rate;
    if (t > T) break;
    frequency++;
    recency = t;
    if (random.next() < dropOut) break;
  }
  return { frequency, recency, T };
}
