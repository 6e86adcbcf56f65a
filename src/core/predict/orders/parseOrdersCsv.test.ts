import { describe, expect, it } from 'vitest';
import { dayOf } from './Order.js';
import { parseOrdersCsv } from './parseOrdersCsv.js';

describe('parseOrdersCsv', () => {
  it('reads named columns in any order, both date forms and a time after the date', () => {
    const parsed = parseOrdersCsv('amount,"customer_id",date\r\n12.5,c1,2024-01-05\r\n3,c2,20240106\n7,c1,2024-01-07T23:59:00Z\n\n');
    expect(parsed.rejected).toEqual([]);
    expect(parsed.hasAmounts).toBe(true);
    expect(parsed.orders).toEqual([
      { customerId: 'c1', day: dayOf('2024-01-05'), amount: 12.5 },
      { customerId: 'c2', day: dayOf('2024-01-06'), amount: 3 },
      { customerId: 'c1', day: dayOf('2024-01-07'), amount: 7 },
    ]);
  });

  it('rejects bad lines by number and reason and keeps the rest', () => {
    const parsed = parseOrdersCsv('customer_id,date,amount\nc1,2024-02-30,1\n,2024-01-01,1\nc2,2024-01-01,-3\nc3,2024-01-01,x\nc4,2024-01-02,4\n');
    expect(parsed.rejected).toEqual([
      { line: 2, reason: 'not a date: "2024-02-30"' },
      { line: 3, reason: 'no customer id' },
      { line: 4, reason: 'not an amount: "-3"' },
      { line: 5, reason: 'not an amount: "x"' },
    ]);
    expect(parsed.orders).toEqual([{ customerId: 'c4', day: dayOf('2024-01-02'), amount: 4 }]);
  });

  it('without an amount column, orders are worth 0; without customer or date columns, nothing is read', () => {
    const counts = parseOrdersCsv('customer_id,date\na,2024-01-01\n');
    expect(counts.hasAmounts).toBe(false);
    expect(counts.orders[0]!.amount).toBe(0);
    expect(parseOrdersCsv('who,when\na,2024-01-01\n').rejected[0]!.line).toBe(1);
  });
});
