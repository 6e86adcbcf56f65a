import { readFileSync } from 'node:fs';
import { seededRandom } from '../core/common/random.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { dayOf } from '../core/predict/orders/Order.js';
import { parseCdnow } from '../core/predict/orders/parseCdnow.js';
import { evaluatePropensity, type PropensityEvaluation } from '../core/predict/propensity/evaluatePropensity.js';

/** The CDNOW split of issue 15: features from weeks 1–39 of 1997, the label in weeks 40–78. */
export const cdnowCutoff = '1997-09-30';
export const cdnowHorizonEnd = '1998-06-30';

/**
 * Reads the CDNOW master file and runs the propensity check on it: features up to 1997-09-30,
 * label "bought from 1997-10-01 to 1998-06-30", models fitted on a seeded random half of the
 * customers and judged on the other half (docs/predict-propensity.md).
 *
 * @example evaluateCdnowPropensity('../shared/data/cdnow/CDNOW_master.txt').logistic.auc
 */
export function evaluateCdnowPropensity(file: string | URL, options: { readonly seed?: number; readonly l2?: number } = {}): PropensityEvaluation {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `cannot read the CDNOW file ${String(file)}: ${(error as Error).message}`, field: 'file', cause: error });
  }
  const parsed = parseCdnow(text);
  const cutoffDay = dayOf(cdnowCutoff)!;
  return evaluatePropensity(parsed.orders, {
    cutoffDay,
    horizonDays: dayOf(cdnowHorizonEnd)! - cutoffDay,
    random: seededRandom(options.seed ?? 15),
    ...(options.l2 === undefined ? {} : { l2: options.l2 }),
  });
}
