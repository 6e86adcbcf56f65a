import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dayOf } from '../orders/Order.js';
import { parseCdnow } from '../orders/parseCdnow.js';
import type { PurchaseHistory } from './CustomerSummary.js';
import { expectedPurchases } from './expectedPurchases.js';
import { bgNbdLogLikelihood, fitBgNbd } from './fitBgNbd.js';
import { fitGammaGamma } from './fitGammaGamma.js';
import { fitParetoNbd, paretoNbdExpectedPurchases } from './paretoNbd.js';
import { summarizeOrders } from './summarizeOrders.js';

const data = new URL('../../../../../shared/data/cdnow/', import.meta.url);
const haveData = existsSync(new URL('cdnow_customers_summary.csv', data)) && existsSync(new URL('CDNOW_sample.txt', data));
const skipNote = 'skips without ../shared/data/cdnow';

/** The summary csv: ID,frequency,recency,T (recency and T rounded to 2 decimals). */
function readSummary(): (PurchaseHistory & { id: string })[] {
  const lines = readFileSync(new URL('cdnow_customers_summary.csv', data), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [id, frequency, recency, T] = line.split(',');
    return { id: id!, frequency: Number(frequency), recency: Number(recency), T: Number(T) };
  });
}

/** Relative agreement to 3 significant digits: within half a unit of the 4th. */
function toThreeDigits(actual: number, expected: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(5e-4);
}

describe(`BG/NBD on the CDNOW sample, Fader, Hardie and Lee (2005) (${skipNote})`, () => {
  it.skipIf(!haveData)('fits r = 0.2426, alpha = 4.4135, a = 0.7929, b = 2.4258, LL = -9582.43', () => {
    const fit = fitBgNbd(readSummary());
    expect(fit.customers).toBe(2357);
    expect(fit.converged).toBe(true);
    toThreeDigits(fit.r, 0.2426);
    toThreeDigits(fit.alpha, 4.4135);
    toThreeDigits(fit.a, 0.7929);
    toThreeDigits(fit.b, 2.4258);
    toThreeDigits(fit.logLikelihood, -9582.43);
  });

  it.skipIf(!haveData)('the published parameters give the published log-likelihood and conditional expectation', () => {
    const published = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
    expect(bgNbdLogLikelihood(published, readSummary())).toBeCloseTo(-9582.43, 0);
    expect(expectedPurchases(published, { frequency: 2, recency: 30.43, T: 38.86 }, 39)).toBeCloseTo(1.226, 3);
  });

  it.skipIf(!haveData)('summarizeOrders on CDNOW_sample.txt reproduces the summary csv over 1997-01-01..1997-09-30', () => {
    const text = readFileSync(new URL('CDNOW_sample.txt', data), 'utf8');
    const summary = summarizeOrders(parseCdnow(text).orders, { calibrationEnd: dayOf('1997-09-30')! });
    // The csv's ID is the sample's own number (the second field), not the master id.
    const sampleId = new Map(text.trim().split('\n').map((line) => line.trim().split(/\s+/)).map(([master, sample]) => [master!, String(Number(sample))]));
    const expected = new Map(readSummary().map((row) => [row.id, row]));
    expect(summary.customers).toHaveLength(expected.size);
    for (const customer of summary.customers) {
      const row = expected.get(sampleId.get(customer.customerId)!)!;
      expect(customer.frequency, row.id).toBe(row.frequency);
      expect(Math.abs(customer.recency - row.recency), row.id).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(customer.T - row.T), row.id).toBeLessThanOrEqual(0.005 + 1e-9);
    }
  });

  it.skipIf(!haveData)('Gamma-Gamma on the 946 repeat buyers of the sample (weeks 1-39): p = 6.2488, q = 3.7446, v = 15.4477 (Hardie, note 025)', () => {
    const { orders } = parseCdnow(readFileSync(new URL('CDNOW_sample.txt', data), 'utf8'));
    // 1997-09-30 inclusive is the end that gives the csv's T (38.86 weeks from 1997-01-01) and 946 repeat buyers.
    const { customers } = summarizeOrders(orders, { calibrationEnd: dayOf('1997-09-30')! });
    expect(customers.filter((c) => c.frequency > 0)).toHaveLength(946);
    const fit = fitGammaGamma(customers)!;
    expect(fit.customers).toBe(946);
    expect(fit.converged).toBe(true);
    toThreeDigits(fit.p, 6.2488);
    toThreeDigits(fit.q, 3.7446);
    toThreeDigits(fit.v, 15.4477);
  });

  it.skipIf(!haveData)('Pareto/NBD on the summary: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669 (lifetimes\' test, to 3 decimals)', () => {
    const fit = fitParetoNbd(readSummary());
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.r - 0.553)).toBeLessThan(1.5e-3);
    expect(Math.abs(fit.alpha - 10.578)).toBeLessThan(1.5e-3);
    expect(Math.abs(fit.s - 0.606)).toBeLessThan(1.5e-3);
    expect(Math.abs(fit.beta - 11.669)).toBeLessThan(1.5e-3);
    // BTYD's walkthrough: 25.46 expected purchases in 52 weeks for x = 26, t_x = 30.86, T = 31.
    expect(Math.abs(paretoNbdExpectedPurchases(fit, { frequency: 26, recency: 30.86, T: 31 }, 52) - 25.46)).toBeLessThan(0.01);
  });
});
