import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dayOf, isoDateOf } from './Order.js';
import { parseCdnow } from './parseCdnow.js';

const data = new URL('../../../../../shared/data/cdnow/', import.meta.url);
const haveData = existsSync(new URL('CDNOW_master.txt', data));

describe('parseCdnow', () => {
  it('reads both layouts and rejects a bad line by number', () => {
    const parsed = parseCdnow(' customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n 00004 0001 19970118  2   29.73\nx 19970230 1 2\n');
    expect(parsed.orders).toEqual([
      { customerId: '00001', day: dayOf('1997-01-01'), amount: 11.77 },
      { customerId: '00004', day: dayOf('19970118'), amount: 29.73 },
    ]);
    expect(parsed.rejected).toEqual([{ line: 4, reason: 'not a date: "19970230"' }]);
  });

  it('round-trips days', () => {
    expect(isoDateOf(dayOf('1998-06-30')!)).toBe('1998-06-30');
    expect(dayOf('1998-13-01')).toBeUndefined();
  });

  it.skipIf(!haveData)('reads the whole master file and the sample (skips without ../shared/data)', () => {
    const master = parseCdnow(readFileSync(new URL('CDNOW_master.txt', data), 'utf8'));
    expect(master.rejected).toEqual([]);
    expect(master.orders).toHaveLength(69_659);
    expect(new Set(master.orders.map((o) => o.customerId)).size).toBe(23_570);
    const sample = parseCdnow(readFileSync(new URL('CDNOW_sample.txt', data), 'utf8'));
    expect(sample.orders).toHaveLength(6_919);
    expect(new Set(sample.orders.map((o) => o.customerId)).size).toBe(2_357);
  });
});
