import { readFileSync } from 'node:fs';
import { AttuneError } from '../core/errors/AttuneError.js';
import { parseSummaryCsv, type ParsedSummaries } from '../core/predict/clv/parseSummaryCsv.js';
import type { ParsedOrders } from '../core/predict/orders/Order.js';
import { parseCdnow } from '../core/predict/orders/parseCdnow.js';
import { parseOrdersCsv } from '../core/predict/orders/parseOrdersCsv.js';

/** `csv`: a header naming customer_id, date and amount; `cdnow`: the CDNOW master or sample file. */
export type OrdersFormat = 'csv' | 'cdnow';

export interface ReadOrders extends ParsedOrders {
  /** Whether the orders carry values (a spend model can be fitted). */
  readonly hasAmounts: boolean;
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, field: flag, cause: error });
  }
}

/**
 * An orders file. Lines that cannot be read come back with their number and reason, the
 * others are kept; a file with no valid line at all is a usage error naming the flag.
 *
 * @example readOrders('orders.csv', 'csv').orders
 */
export function readOrders(file: string, format: OrdersFormat, flag = '--orders'): ReadOrders {
  const text = readText(file, flag);
  const parsed = format === 'cdnow' ? { ...parseCdnow(text), hasAmounts: true } : parseOrdersCsv(text);
  if (parsed.orders.length === 0) throw noValidLine(file, flag, parsed.rejected[0]);
  return parsed;
}

/**
 * A lifetimes summary file (`id,frequency,recency,T[,monetary_value]`), read like readOrders.
 *
 * @example readSummaries('cdnow_customers_summary.csv').customers.length // 2357
 */
export function readSummaries(file: string, flag = '--summary'): ParsedSummaries {
  const parsed = parseSummaryCsv(readText(file, flag));
  if (parsed.customers.length === 0) throw noValidLine(file, flag, parsed.rejected[0]);
  return parsed;
}

function noValidLine(file: string, flag: string, first: { line: number; reason: string } | undefined): AttuneError {
  const why = first === undefined ? 'it is empty' : `line ${first.line}: ${first.reason}`;
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${flag} ${file} has no valid line (${why})`, field: flag });
}
