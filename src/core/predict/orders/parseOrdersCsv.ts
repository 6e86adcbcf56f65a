import { dayOf, type Order, type ParsedOrders, type RejectedLine } from './Order.js';

/** Header names each column is found under (lower case). */
const columnNames = {
  customer: ['customer_id', 'customer', 'customerid', 'id'],
  date: ['date', 'day', 'order_date', 'datetime', 'timestamp'],
  amount: ['amount', 'value', 'monetary_value', 'revenue', 'total'],
} as const;

/** Cells of one CSV line: commas split, surrounding quotes and spaces dropped (no embedded commas). */
export function csvCells(line: string): string[] {
  return line.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1').trim());
}

/** Where the named columns are in a header, -1 for one that is absent. */
export function headerPositions<K extends string>(header: string, names: Readonly<Record<K, readonly string[]>>): Record<K, number> {
  const cells = csvCells(header).map((cell) => cell.toLowerCase());
  const positions = {} as Record<K, number>;
  for (const key of Object.keys(names) as K[]) positions[key] = cells.findIndex((cell) => names[key].includes(cell));
  return positions;
}

/**
 * Orders from a CSV with a header naming `customer_id`, `date` and optionally `amount` (in any
 * order; a few other usual names too). Dates are `yyyy-mm-dd` or `yyyymmdd`, optionally
 * followed by a time (`T...` or a space), whose calendar date is taken as written. Each line
 * that cannot be read is returned with its number and reason; the others are kept.
 *
 * @example parseOrdersCsv('customer_id,date,amount\nc1,2024-01-05,12.50\n').orders // [{ customerId: 'c1', day: 19727, amount: 12.5 }]
 */
export function parseOrdersCsv(text: string): ParsedOrders & { readonly hasAmounts: boolean } {
  const lines = text.split('\n');
  const at = headerPositions(lines[0] ?? '', columnNames);
  if (at.customer < 0 || at.date < 0) {
    return { orders: [], rejected: [{ line: 1, reason: 'the header must name customer_id and date columns (and amount for spend)' }], hasAmounts: false };
  }
  const orders: Order[] = [];
  const rejected: RejectedLine[] = [];
  for (const [index, raw] of lines.entries()) {
    if (index === 0 || raw.trim() === '') continue;
    const cells = csvCells(raw);
    const customerId = cells[at.customer] ?? '';
    const dateText = (cells[at.date] ?? '').split(/[T ]/)[0]!;
    const day = dayOf(dateText);
    const amountText = at.amount < 0 ? '0' : cells[at.amount] ?? '';
    const amount = Number(amountText);
    const reason = customerId === '' ? 'no customer id'
      : day === undefined ? `not a date: "${cells[at.date] ?? ''}"`
        : amountText === '' || !Number.isFinite(amount) || amount < 0 ? `not an amount: "${amountText}"` : undefined;
    if (reason !== undefined) rejected.push({ line: index + 1, reason });
    else orders.push({ customerId, day: day!, amount });
  }
  return { orders, rejected, hasAmounts: at.amount >= 0 };
}
