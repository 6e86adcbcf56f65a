import { dayOf, type Order, type ParsedOrders, type RejectedLine } from './Order.js';

/**
 * The CDNOW files of Fader and Hardie (as the lifetimes library ships them), whitespace
 * separated: the master file `customer_id yyyymmdd cds dollars` (a header line), the 1/10
 * sample `master_id sample_id yyyymmdd cds dollars` (no header). The layout is told by the
 * number of fields, so both read with one function; the customer is the first field.
 *
 * @example parseCdnow(' 00001 19970101  1   11.77\n').orders // [{ customerId: '00001', day: 9862, amount: 11.77 }]
 */
export function parseCdnow(text: string): ParsedOrders {
  const orders: Order[] = [];
  const rejected: RejectedLine[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || (index === 0 && /[a-z]/i.test(line))) continue;
    const fields = line.split(/\s+/);
    if (fields.length !== 4 && fields.length !== 5) {
      rejected.push({ line: index + 1, reason: `expected 4 or 5 fields, got ${fields.length}` });
      continue;
    }
    const offset = fields.length - 4;
    const day = dayOf(fields[1 + offset]!);
    const amount = Number(fields[3 + offset]);
    if (day === undefined) rejected.push({ line: index + 1, reason: `not a date: "${fields[1 + offset]}"` });
    else if (!Number.isFinite(amount) || amount < 0) rejected.push({ line: index + 1, reason: `not an amount: "${fields[3 + offset]}"` });
    else orders.push({ customerId: fields[0]!, day, amount });
  }
  return { orders, rejected };
}
