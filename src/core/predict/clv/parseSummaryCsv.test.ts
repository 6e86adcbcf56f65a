import { describe, expect, it } from 'vitest';
import { parseSummaryCsv } from './parseSummaryCsv.js';

describe('parseSummaryCsv', () => {
  it('reads the lifetimes summary layout, with or without monetary value', () => {
    expect(parseSummaryCsv('ID,frequency,recency,T\n1,2,30.43,38.86\n2,0,0.0,38.86\n')).toEqual({
      customers: [{ customerId: '1', frequency: 2, recency: 30.43, T: 38.86 }, { customerId: '2', frequency: 0, recency: 0, T: 38.86 }],
      rejected: [],
      hasMonetaryValue: false,
    });
    const withMoney = parseSummaryCsv(',frequency,recency,T,monetary_value\r\nc7,1,2,3,4.5\r\n');
    expect(withMoney.customers).toEqual([{ customerId: 'c7', frequency: 1, recency: 2, T: 3, monetaryValue: 4.5 }]);
    expect(withMoney.hasMonetaryValue).toBe(true);
  });

  it('numbers the customers by line when there is no id column', () => {
    expect(parseSummaryCsv('frequency,recency,T\n1,2,3\n0,0,4\n').customers.map((c) => c.customerId)).toEqual(['1', '2']);
  });

  it('rejects, by line, what lifetimes refuses to fit', () => {
    const parsed = parseSummaryCsv('id,frequency,recency,T,monetary_value\na,1.5,1,2,3\nb,1,3,2,3\nc,0,1,2,0\nd,1,1,2,-1\ne,x,1,2,1\nf,2,1,2,10\n');
    expect(parsed.rejected.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([
      [2, 'frequency is not a whole number >= 0'],
      [3, 'needs 0 <= recency <= T, got recency "3", T "2"'],
      [4, 'recency must be 0 without a repeat purchase'],
      [5, 'not a monetary value'],
      [6, 'frequency is not a whole number >= 0'],
    ]);
    expect(parsed.customers.map((c) => c.customerId)).toEqual(['f']);
  });

  it('needs the frequency, recency and T columns', () => {
    expect(parseSummaryCsv('id,x_count\n1,2\n')).toMatchObject({ customers: [], rejected: [{ line: 1 }] });
  });
});
