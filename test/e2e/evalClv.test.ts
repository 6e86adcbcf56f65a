import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sharedData } from '../support/sharedData.js';
import { killChildren, makeTempDir, removeTempDirs, runAttune } from './support.js';

const sample = sharedData('cdnow/CDNOW_sample.txt');
const summary = sharedData('cdnow/cdnow_customers_summary.csv');

interface Printed {
  customers: number;
  bgNbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; converged: boolean };
  gammaGamma?: { p: number; q: number; v: number; customers: number };
  holdout?: { frequency: number; customers: number; expected: number; actual: number }[];
  period?: { calibrationEnd: string; observationEnd: string; holdoutWeeks: number };
  forecast?: { horizonWeeks: number; expectedPurchases: number; lifetimeValue?: number };
  paretoNbd?: { r: number; alpha: number; s: number; beta: number; converged: boolean; holdout?: unknown[] };
  rejected: { line: number; reason: string }[];
}

/** Within half a unit of the 4th significant digit. */
const threeDigits = (actual: number, expected: number) => expect(Math.abs(actual / expected - 1)).toBeLessThan(5e-4);

describe('attune eval clv', () => {
  afterEach(() => killChildren());
  afterAll(() => removeTempDirs());

  it('fits an orders CSV, reports a bad line by number and keeps the rest', { timeout: 60_000 }, async () => {
    const file = join(makeTempDir(), 'orders.csv');
    const rows = ['customer_id,date,amount'];
    // Ten customers: c1, c2, c4, c5, c7, c8 buy again by 2024-03-31; the even ones buy once more in the holdout.
    for (let c = 0; c < 10; c++) {
      rows.push(`c${c},2024-01-0${1 + (c % 9)},${10 + c}`);
      for (let k = 1; k <= c % 3; k++) rows.push(`c${c},2024-0${1 + k}-1${c % 9},${5 * k}`);
      if (c % 2 === 0) rows.push(`c${c},2024-05-02,20`);
    }
    rows.splice(3, 0, 'c99,2024-13-01,5');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const [json, text] = await Promise.all([
      runAttune(['eval', 'clv', '--orders', file, '--calibration-end', '2024-03-31', '--observation-end', '20240630', '--horizon-weeks', '26', '--json']),
      runAttune(['eval', 'clv', '--orders', file, '--calibration-end', '2024-03-31']),
    ]);
    expect(json.code, json.stderr).toBe(0);
    const printed = JSON.parse(json.stdout) as Printed;
    expect(printed.customers).toBe(10);
    expect(printed.rejected).toEqual([{ line: 4, reason: 'not a date: "2024-13-01"' }]);
    expect(json.stderr).toContain('skipped line 4: not a date');
    expect(printed.period).toEqual({ calibrationEnd: '2024-03-31', observationEnd: '2024-06-30', holdoutWeeks: 13 });
    expect(printed.holdout!.reduce((n, row) => n + row.customers, 0)).toBe(10);
    expect(printed.holdout!.reduce((n, row) => n + row.actual * row.customers, 0)).toBeCloseTo(5, 10);
    expect(printed.gammaGamma?.customers).toBe(6);
    expect(printed.forecast!.expectedPurchases).toBeGreaterThan(0);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/BG\/NBD purchase model, 10 customers/);
    expect(text.stdout).toMatch(/Holdout: 4\.57 weeks after 2024-03-31, to 2024-05-02/);
  });

  it.each([
    [[], '--orders'],
    [['--orders', 'x.csv'], '--calibration-end'],
    [['--orders', 'x.csv', '--calibration-end', '2024-02-30'], '--calibration-end'],
    [['--orders', 'x.csv', '--calibration-end', '2024-03-01', '--format', 'tsv'], '--format'],
    [['--orders', 'x.csv', '--calibration-end', '2024-03-01', '--observation-end', '2024-02-01'], '--observation-end'],
    [['--summary', 'x.csv', '--calibration-end', '2024-03-01'], '--calibration-end'],
    [['--summary', 'none.csv', '--horizon-weeks', '-1'], '--horizon-weeks'],
    [['--summary', 'none.csv'], '--summary'],
  ])('exits 2 on a usage error: %j', { timeout: 60_000 }, async (args, flag) => {
    const dir = makeTempDir();
    writeFileSync(join(dir, 'x.csv'), 'customer_id,date,amount\nc1,2024-01-01,3\n');
    const result = await runAttune(['eval', 'clv', ...args.map((a) => (a.endsWith('.csv') ? join(dir, a) : a))]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ATTUNE_INVALID_REQUEST');
    expect(result.stderr).toContain(flag);
  });

  if (sample.path === null) it.skip(sample.skipReason, () => {});
  it.skipIf(sample.path === null || summary.path === null)('reproduces Fader, Hardie and Lee on the CDNOW sample from the orders and from the summary', { timeout: 60_000 }, async () => {
    const [fromOrders, fromSummary] = await Promise.all([
      runAttune(['eval', 'clv', '--orders', sample.path!, '--format', 'cdnow', '--calibration-end', '1997-09-30', '--observation-end', '1998-06-30', '--json']),
      runAttune(['eval', 'clv', '--summary', summary.path!, '--pareto-nbd', '--json']),
    ]);
    expect(fromOrders.code, fromOrders.stderr).toBe(0);
    expect(fromSummary.code, fromSummary.stderr).toBe(0);
    for (const printed of [JSON.parse(fromOrders.stdout) as Printed, JSON.parse(fromSummary.stdout) as Printed]) {
      expect(printed.customers).toBe(2357);
      expect(printed.bgNbd.converged).toBe(true);
      threeDigits(printed.bgNbd.r, 0.2426);
      threeDigits(printed.bgNbd.alpha, 4.4135);
      threeDigits(printed.bgNbd.a, 0.7929);
      threeDigits(printed.bgNbd.b, 2.4258);
      threeDigits(printed.bgNbd.logLikelihood, -9582.43);
    }
    const printed = JSON.parse(fromOrders.stdout) as Printed;
    threeDigits(printed.gammaGamma!.p, 6.2488);
    threeDigits(printed.gammaGamma!.q, 3.7446);
    threeDigits(printed.gammaGamma!.v, 15.4477);
    expect(printed.gammaGamma!.customers).toBe(946);
    expect(printed.holdout!.map((row) => row.frequency)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(printed.holdout![0]).toMatchObject({ frequency: 0, customers: 1411 });
    const withPareto = JSON.parse(fromSummary.stdout) as Printed;
    expect(withPareto).not.toHaveProperty('holdout');
    expect(withPareto.paretoNbd).toMatchObject({ converged: true });
    expect(Math.abs(withPareto.paretoNbd!.r - 0.553)).toBeLessThan(1.5e-3);
    expect(Math.abs(withPareto.paretoNbd!.beta - 11.669)).toBeLessThan(1.5e-3);
  });
});
