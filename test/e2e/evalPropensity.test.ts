import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/common/random.js';
import { killChildren, makeTempDir, removeTempDirs, runAttune } from './support.js';

/** A CDNOW-layout file where recent buyers come back more often than lapsed ones. */
function ordersFile(): string {
  const random = seededRandom(4);
  const lines = ['customer_id date number_of_cds dollar_value'];
  const date = (dayOfYear: number): string => new Date(Date.UTC(1997, 0, 1 + dayOfYear)).toISOString().slice(0, 10).replaceAll('-', '');
  for (let c = 0; c < 600; c++) {
    const id = String(c).padStart(5, '0');
    const last = Math.floor(random.next() * 270);
    lines.push(`${id} ${date(last)} 1 ${(10 + 40 * random.next()).toFixed(2)}`);
    if (random.next() < 0.15 + 0.6 * (last / 270)) lines.push(`${id} ${date(280 + Math.floor(random.next() * 60))} 2 25.00`);
  }
  const file = join(makeTempDir(), 'orders.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('attune eval propensity', () => {
  afterEach(() => killChildren());
  afterAll(() => removeTempDirs());

  it('prints the model against the RFM baseline as a table and as JSON', { timeout: 60_000 }, async () => {
    const base = ['eval', 'propensity', '--orders', ordersFile(), '--cutoff', '1997-09-30', '--horizon-end', '1997-12-31'];
    const [text, json] = await Promise.all([runAttune(base), runAttune([...base, '--json'])]);
    expect(json.code, json.stderr).toBe(0);
    const printed = JSON.parse(json.stdout) as { trainCustomers: number; testCustomers: number; converged: boolean; logistic: { auc: number }; rfm: { auc: number }; coefficients: Record<string, number> };
    expect(printed.trainCustomers + printed.testCustomers).toBe(600);
    expect(printed.converged).toBe(true);
    expect(printed.logistic.auc).toBeGreaterThan(0.6);
    expect(printed.coefficients['recencyDays']).toBeLessThan(0);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('300 training and 300 test customers');
    expect(text.stdout).toMatch(/^logistic\s+0\.\d{4}\s+0\.\d{4}\s+0\.\d{4}\s+0\.\d{4}$/m);
    expect(text.stdout).toMatch(/^RFM\s+0\.\d{4}/m);
  });

  it.each([
    [['--cutoff', '1997-02-30', '--horizon-end', '1997-12-31'], '--cutoff'],
    [['--cutoff', '1997-09-30', '--horizon-end', '1997-09-01'], '--horizon-end'],
    [['--cutoff', '1997-09-30', '--horizon-end', '1997-12-31', '--train-share', '1'], '--train-share'],
    [['--cutoff', '1997-09-30', '--horizon-end', '1997-12-31', '--l2', '-1'], '--l2'],
  ])('exits 2 on a usage error: %j', { timeout: 60_000 }, async (args, flag) => {
    const result = await runAttune(['eval', 'propensity', '--orders', ordersFile(), ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ATTUNE_INVALID_REQUEST');
    expect(result.stderr).toContain(flag);
  });

  it('exits 2 when the order file is missing', { timeout: 60_000 }, async () => {
    const result = await runAttune(['eval', 'propensity', '--orders', join(makeTempDir(), 'none.txt'), '--cutoff', '1997-09-30', '--horizon-end', '1997-12-31']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--orders');
  });
});
