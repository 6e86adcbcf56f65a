import { readFileSync } from 'node:fs';
import { seededRandom } from '../core/common/random.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { dayOf } from '../core/predict/orders/Order.js';
import { parseCdnow } from '../core/predict/orders/parseCdnow.js';
import { evaluatePropensity, type PropensityEvaluation } from '../core/predict/propensity/evaluatePropensity.js';

/** The CDNOW split of issue 15: features from weeks 1–39 of 1997, the label in weeks 40–78. */
export const cdnowSplit = { cutoff: '1997-09-30', horizonEnd: '1998-06-30' } as const;

export interface PropensityFileOptions {
  /** The last day (yyyy-mm-dd) whose orders the features see. */
  readonly cutoff: string;
  /** The last day (yyyy-mm-dd) of the label window; the window starts the day after the cut-off. */
  readonly horizonEnd: string;
  /** Seeds the random split of customers. Default 15. */
  readonly seed?: number;
  readonly trainShare?: number;
  readonly l2?: number;
}

/**
 * Reads an order file in the CDNOW layout (`customer yyyymmdd quantity amount`, whitespace
 * separated; parseCdnow) and runs the propensity check on it (docs/predict-propensity.md):
 * features up to the cut-off, label "bought after it up to horizonEnd", models fitted on a
 * seeded random share of the customers and judged on the rest. Faults of the file or the dates
 * are AttuneErrors naming the field.
 *
 * @example evaluatePropensityFile('../shared/data/cdnow/CDNOW_master.txt', cdnowSplit).logistic.auc
 */
export function evaluatePropensityFile(file: string | URL, options: PropensityFileOptions): PropensityEvaluation {
  const cutoffDay = dateFlag('cutoff', options.cutoff);
  const endDay = dateFlag('horizonEnd', options.horizonEnd);
  if (endDay <= cutoffDay) throw invalid(`the horizon end ${options.horizonEnd} must come after the cut-off ${options.cutoff}`, 'horizonEnd');
  const parsed = parseCdnow(readOrders(file));
  const first = parsed.rejected[0];
  if (first !== undefined) throw invalid(`${parsed.rejected.length} unreadable lines in ${String(file)}, the first is line ${first.line}: ${first.reason}`, 'orders');
  if (!parsed.orders.some((order) => order.day <= cutoffDay)) throw invalid(`no order in ${String(file)} is on or before the cut-off ${options.cutoff}`, 'cutoff');
  return evaluatePropensity(parsed.orders, {
    cutoffDay,
    horizonDays: endDay - cutoffDay,
    random: seededRandom(options.seed ?? 15),
    ...(options.trainShare === undefined ? {} : { trainShare: options.trainShare }),
    ...(options.l2 === undefined ? {} : { l2: options.l2 }),
  });
}

function readOrders(file: string | URL): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `cannot read the orders file ${String(file)}: ${(error as Error).message}`, field: 'orders', cause: error });
  }
}

function dateFlag(field: string, text: string): number {
  const day = dayOf(text);
  if (day === undefined) throw invalid(`${field} must be a date yyyy-mm-dd, got "${text}"`, field);
  return day;
}

function invalid(detail: string, field: string): AttuneError {
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail, field });
}
