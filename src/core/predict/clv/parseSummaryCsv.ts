import { csvCells, headerPositions } from '../orders/parseOrdersCsv.js';
import type { RejectedLine } from '../orders/Order.js';
import type { CustomerSummary } from './CustomerSummary.js';

export interface ParsedSummaries {
  readonly customers: readonly CustomerSummary[];
  readonly rejected: readonly RejectedLine[];
  /** Whether the file has a monetary_value column (then every kept customer has one). */
  readonly hasMonetaryValue: boolean;
}

const columnNames = {
  id: ['id', 'customer_id', 'customer'],
  frequency: ['frequency', 'x', 'frequency_cal'],
  recency: ['recency', 't_x', 'recency_cal'],
  T: ['t', 't_cal'],
  monetaryValue: ['monetary_value', 'monetary_value_cal'],
} as const;

/**
 * A lifetimes summary CSV, `id,frequency,recency,T[,monetary_value]` (what
 * `summary_data_from_transaction_data` writes; the id may be the first, unnamed column, or
 * absent: then the line's number less one). Lines
 * that break the model's assumptions are rejected as lifetimes' `_check_inputs` rejects them:
 * a frequency that is not a whole number, recency after T, recency without a repeat purchase.
 *
 * @example parseSummaryCsv('ID,frequency,recency,T\n1,2,30.43,38.86\n').customers // [{ customerId: '1', frequency: 2, recency: 30.43, T: 38.86 }]
 */
export function parseSummaryCsv(text: string): ParsedSummaries {
  const lines = text.split('\n');
  const at = headerPositions(lines[0] ?? '', columnNames);
  // Without an id header, lifetimes' index is the first, unnamed column, unless that column is data.
  const id = at.id >= 0 ? at.id : [at.frequency, at.recency, at.T, at.monetaryValue].includes(0) ? -1 : 0;
  if (at.frequency < 0 || at.recency < 0 || at.T < 0) {
    return { customers: [], rejected: [{ line: 1, reason: 'the header must name frequency, recency and T columns' }], hasMonetaryValue: false };
  }
  const customers: CustomerSummary[] = [];
  const rejected: RejectedLine[] = [];
  for (const [index, raw] of lines.entries()) {
    if (index === 0 || raw.trim() === '') continue;
    const cells = csvCells(raw);
    const [frequency, recency, T, monetaryValue] = [at.frequency, at.recency, at.T, at.monetaryValue].map((i) => (i < 0 ? 0 : Number(cells[i] ?? 'x'))) as [number, number, number, number];
    const reason = !Number.isInteger(frequency) || frequency < 0 ? `frequency is not a whole number >= 0: "${cells[at.frequency] ?? ''}"`
      : !(recency >= 0) || !(T >= recency) ? `needs 0 <= recency <= T, got recency "${cells[at.recency] ?? ''}", T "${cells[at.T] ?? ''}"`
        : frequency === 0 && recency !== 0 ? 'recency must be 0 without a repeat purchase'
          : !(monetaryValue >= 0) ? `not a monetary value: "${cells[at.monetaryValue] ?? ''}"` : undefined;
    if (reason !== undefined) {
      rejected.push({ line: index + 1, reason });
      continue;
    }
    const customerId = id < 0 ? String(index) : cells[id] ?? String(index);
    customers.push(at.monetaryValue < 0 ? { customerId, frequency, recency, T } : { customerId, frequency, recency, T, monetaryValue });
  }
  return { customers, rejected, hasMonetaryValue: at.monetaryValue >= 0 };
}
