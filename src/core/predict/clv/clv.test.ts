import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { AttuneError } from '../../errors/AttuneError.js';
import { hyp2f1 } from '../../numeric/hyp2f1.js';
import { dayOf, type Order } from '../orders/Order.js';
import cases from './clv.cases.json' with { type: 'json' };
import type { BgNbdParameters } from './BgNbdParameters.js';
import type { CalibrationCustomer, PurchaseHistory } from './CustomerSummary.js';
import { customerLifetimeValue, WEEKS_PER_MONTH } from './customerLifetimeValue.js';
import { expectedPurchases, probabilityAlive } from './expectedPurchases.js';
import { expectedSpend, fitGammaGamma } from './fitGammaGamma.js';
import { bgNbdLogLikelihood, fitBgNbd } from './fitBgNbd.js';
import { holdoutTable } from './holdoutTable.js';
import { paretoNbdExpectedPurchases, paretoNbdLogLikelihood, paretoNbdProbabilityAlive, type ParetoNbdParameters } from './paretoNbd.js';
import { simulateBgNbd } from './simulateBgNbd.js';
import { summarizeOrders } from './summarizeOrders.js';

const published: BgNbdParameters = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
const spend = { p: 6.2488, q: 3.7446, v: 15.4477 };
/** BTYD's walkthrough figures for the CDNOW sample. */
const pareto: ParetoNbdParameters = { r: 0.5534, alpha: 10.5802, s: 0.6061, beta: 11.6562 };

type OrderRow = [string, string, number];
type SummaryCase = [string, OrderRow[], { calibrationEnd: string; observationEnd?: string }, unknown[]];

describe('summarizeOrders (the lifetimes convention)', () => {
  it.each(cases.summarizeOrders as SummaryCase[])('%s', (_name, rows, window, expected) => {
    const orders: Order[] = rows.map(([customerId, date, amount]) => ({ customerId, day: dayOf(date)!, amount }));
    const summary = summarizeOrders(orders, {
      calibrationEnd: dayOf(window.calibrationEnd)!,
      ...(window.observationEnd === undefined ? {} : { observationEnd: dayOf(window.observationEnd)! }),
    });
    expect(summary.customers).toEqual(expected);
    expect(summary.holdoutWeeks).toBe((summary.observationEnd - summary.calibrationEnd) / 7);
  });

  it('rejects an observation end before the calibration end', () => {
    expect(() => summarizeOrders([], { calibrationEnd: 10, observationEnd: 9 })).toThrow(AttuneError);
  });
});

describe('BG/NBD expectations', () => {
  it.each(cases.bgNbd as [string, PurchaseHistory, number, number, number][])('%s', (_name, history, t, expected, tolerance) => {
    expect(Math.abs(expectedPurchases(published, history, t) - expected)).toBeLessThan(tolerance);
  });

  it.each(cases.bgNbdNewCustomer as [string, number[], number[], number][])('%s', (_name, times, expected, tolerance) => {
    const fresh = { frequency: 0, recency: 0, T: 0 };
    times.forEach((t, i) => expect(Math.abs(expectedPurchases(published, fresh, t) - expected[i]!)).toBeLessThan(tolerance));
  });

  it('agrees with eq. 10 evaluated with the untransformed 2F1 series', () => {
    const { r, alpha, a, b } = published;
    for (const [x, tx, T, t] of [[0, 0, 20, 10], [1, 5, 30, 39], [4, 25, 38, 52], [0, 0, 0, 78]] as const) {
      const z = t / (alpha + T + t);
      const direct = ((a + b + x - 1) / (a - 1)) * (1 - hyp2f1(r + x, b + x, a + b + x - 1, z) * ((alpha + T) / (alpha + T + t)) ** (r + x))
        / (1 + (x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 0));
      expect(expectedPurchases(published, { frequency: x, recency: tx, T }, t)).toBeCloseTo(direct, 10);
    }
  });

  it('grows with the horizon, stays finite for heavy buyers, and is 0 over no time', () => {
    const history = { frequency: 3, recency: 20, T: 38 };
    const values = [1, 10, 39, 100, 1000].map((t) => expectedPurchases(published, history, t));
    values.slice(1).forEach((v, i) => expect(v).toBeGreaterThan(values[i]!));
    expect(expectedPurchases(published, history, 0)).toBe(0);
    const heavy = expectedPurchases(published, { frequency: 400, recency: 38, T: 38.5 }, 39);
    expect(Number.isFinite(heavy) && heavy > 100).toBe(true);
  });

  it('probability alive: 1 without repeat purchases, falls as the silence since the last one grows', () => {
    expect(probabilityAlive(published, { frequency: 0, recency: 0, T: 30 })).toBe(1);
    const recent = probabilityAlive(published, { frequency: 5, recency: 37, T: 38 });
    const silent = probabilityAlive(published, { frequency: 5, recency: 5, T: 38 });
    expect(recent).toBeGreaterThan(0.8);
    expect(silent).toBeLessThan(recent);
    expect(silent).toBeGreaterThan(0);
  });

  it('the fit recovers the parameters of simulated customers, at a maximum of the likelihood', () => {
    const truth: BgNbdParameters = { r: 0.5, alpha: 6, a: 0.9, b: 3 };
    const random = seededRandom(2005);
    const histories = Array.from({ length: 5000 }, (_, i) => simulateBgNbd(truth, 26 + (i % 27), random));
    const fit = fitBgNbd(histories);
    expect(fit.converged).toBe(true);
    // Sampling error at n = 5000 (lifetimes' standard errors are of this size): a and b the loosest.
    expect(fit.r).toBeCloseTo(truth.r, 1);
    expect(Math.abs(fit.alpha / truth.alpha - 1)).toBeLessThan(0.15);
    expect(Math.abs(fit.a / truth.a - 1)).toBeLessThan(0.3);
    expect(Math.abs(fit.b / truth.b - 1)).toBeLessThan(0.3);
    expect(fit.logLikelihood).toBeCloseTo(bgNbdLogLikelihood(fit, histories), 8);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      for (const factor of [0.99, 1.01]) {
        expect(bgNbdLogLikelihood({ ...fit, [key]: fit[key] * factor }, histories)).toBeLessThan(fit.logLikelihood);
      }
    }
  });
});

describe('Pareto/NBD', () => {
  type ParetoCase = [string, 'probabilityAlive' | 'expectedPurchases', PurchaseHistory, number, number, number];
  it.each(cases.paretoNbd as ParetoCase[])('%s', (_name, what, history, t, expected, tolerance) => {
    const value = what === 'probabilityAlive' ? paretoNbdProbabilityAlive(pareto, history) : paretoNbdExpectedPurchases(pareto, history, t);
    expect(Math.abs(value - expected)).toBeLessThan(tolerance);
  });

  it('the likelihood is continuous where its formula switches branch (alpha = beta)', () => {
    const histories = [{ frequency: 0, recency: 0, T: 30 }, { frequency: 3, recency: 12, T: 35 }, { frequency: 1, recency: 20, T: 20 }];
    const at = (alpha: number) => paretoNbdLogLikelihood({ ...pareto, alpha, beta: 11 }, histories);
    expect(at(11 + 1e-9)).toBeCloseTo(at(11 - 1e-9), 6);
    expect(at(11)).toBeCloseTo(at(11 - 1e-9), 6);
  });

  it('probability alive is in (0, 1], 1 when the last purchase is now, and expectations grow with t', () => {
    expect(paretoNbdProbabilityAlive(pareto, { frequency: 4, recency: 30, T: 30 })).toBe(1);
    for (const history of [{ frequency: 0, recency: 0, T: 38 }, { frequency: 10, recency: 2, T: 38 }, { frequency: 300, recency: 5, T: 80 }]) {
      const alive = paretoNbdProbabilityAlive(pareto, history);
      expect(alive > 0 && alive < 1).toBe(true);
      expect(paretoNbdExpectedPurchases(pareto, history, 20)).toBeLessThan(paretoNbdExpectedPurchases(pareto, history, 40));
    }
    // s = 1 exactly takes the limit form; it agrees with s just off 1.
    const one = paretoNbdExpectedPurchases({ ...pareto, s: 1 }, { frequency: 2, recency: 10, T: 30 }, 39);
    expect(one).toBeCloseTo(paretoNbdExpectedPurchases({ ...pareto, s: 1 + 1e-7 }, { frequency: 2, recency: 10, T: 30 }, 39), 5);
  });
});

describe('Gamma-Gamma and lifetime value', () => {
  it('expected spend: the population mean without purchases, near the own mean with many', () => {
    expect(expectedSpend(spend, { frequency: 0, monetaryValue: 0 })).toBeCloseTo((spend.p * spend.v) / (spend.q - 1), 12);
    expect(expectedSpend(spend, { frequency: 1000, monetaryValue: 80 })).toBeCloseTo(80, 0);
  });

  it('fits nothing without repeat buyers', () => {
    expect(fitGammaGamma([{ frequency: 0, monetaryValue: 0 }])).toBeUndefined();
  });

  it('without discount, CLV is expected purchases over the horizon times expected spend', () => {
    const customer = { frequency: 2, recency: 30.43, T: 38.86, monetaryValue: 22.35 };
    const clv = customerLifetimeValue(published, spend, customer, { months: 12, monthlyDiscountRate: 0 });
    expect(clv).toBeCloseTo(expectedPurchases(published, customer, 12 * WEEKS_PER_MONTH) * expectedSpend(spend, customer), 10);
    const discounted = customerLifetimeValue(published, spend, customer, { months: 12, monthlyDiscountRate: 0.01 });
    expect(discounted).toBeLessThan(clv);
    expect(discounted).toBeGreaterThan(clv / 1.01 ** 12);
    const half = customerLifetimeValue(published, spend, customer, { months: 11.5, monthlyDiscountRate: 0.01 });
    expect(half).toBeGreaterThan(customerLifetimeValue(published, spend, customer, { months: 11, monthlyDiscountRate: 0.01 }));
    expect(half).toBeLessThan(discounted);
  });
});

describe('holdoutTable', () => {
  it('groups by calibration frequency with 7+ last and averages expected and actual purchases', () => {
    const customer = (frequency: number, holdoutFrequency: number): CalibrationCustomer =>
      ({ customerId: `${frequency}-${holdoutFrequency}`, frequency, recency: frequency === 0 ? 0 : 30, T: 38, monetaryValue: 0, holdoutFrequency });
    const rows = holdoutTable((h, t) => expectedPurchases(published, h, t), [customer(0, 0), customer(0, 1), customer(2, 3), customer(9, 4), customer(7, 6)], 39);
    expect(rows.map(({ frequency, customers, actual }) => [frequency, customers, actual])).toEqual([[0, 2, 0.5], [2, 1, 3], [7, 2, 5]]);
    expect(rows[0]!.expected).toBeCloseTo(expectedPurchases(published, { frequency: 0, recency: 0, T: 38 }, 39), 12);
    const plus = (expectedPurchases(published, { frequency: 9, recency: 30, T: 38 }, 39) + expectedPurchases(published, { frequency: 7, recency: 30, T: 38 }, 39)) / 2;
    expect(rows[2]!.expected).toBeCloseTo(plus, 12);
  });
});
