import type { Command } from 'commander';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { CustomerSummary } from '../core/predict/clv/CustomerSummary.js';
import { customerLifetimeValue, WEEKS_PER_MONTH } from '../core/predict/clv/customerLifetimeValue.js';
import { expectedPurchases } from '../core/predict/clv/expectedPurchases.js';
import { fitBgNbd, type BgNbdFit } from '../core/predict/clv/fitBgNbd.js';
import { fitGammaGamma, type GammaGammaFit } from '../core/predict/clv/fitGammaGamma.js';
import { holdoutTable, type HoldoutRow, type PurchaseExpectation } from '../core/predict/clv/holdoutTable.js';
import { fitParetoNbd, paretoNbdExpectedPurchases, type ParetoNbdFit } from '../core/predict/clv/paretoNbd.js';
import { summarizeOrders } from '../core/predict/clv/summarizeOrders.js';
import { dayOf, isoDateOf, type RejectedLine } from '../core/predict/orders/Order.js';
import { readOrders, readSummaries } from '../predict/readOrders.js';
import { formatClvReport } from './formatClvReport.js';
import { numberOption } from './numberOption.js';

interface ClvFlags {
  summary?: string;
  orders?: string;
  format: string;
  calibrationEnd?: string;
  observationEnd?: string;
  horizonWeeks?: string;
  discountRate: string;
  paretoNbd?: boolean;
  json?: boolean;
}

/** What `attune eval clv --json` prints. */
export interface ClvReport {
  readonly customers: number;
  readonly bgNbd: Pick<BgNbdFit, 'r' | 'alpha' | 'a' | 'b' | 'logLikelihood' | 'converged'>;
  readonly gammaGamma?: Pick<GammaGammaFit, 'p' | 'q' | 'v' | 'customers'>;
  readonly holdout?: readonly HoldoutRow[];
  /** With --pareto-nbd: the Pareto/NBD fit and its own holdout table. */
  readonly paretoNbd?: Pick<ParetoNbdFit, 'r' | 'alpha' | 's' | 'beta' | 'logLikelihood' | 'converged'> & { readonly holdout?: readonly HoldoutRow[] };
  readonly period?: { readonly calibrationEnd: string; readonly observationEnd: string; readonly holdoutWeeks: number };
  readonly forecast?: { readonly horizonWeeks: number; readonly expectedPurchases: number; readonly lifetimeValue?: number; readonly monthlyDiscountRate?: number };
  readonly rejected: readonly RejectedLine[];
}

/**
 * Adds `clv` to the `eval` group: the BG/NBD purchase model and the Gamma-Gamma spend model
 * fitted to a summary or an orders file, with the holdout check (docs/predict.md).
 *
 * @example addEvalClvCommand(program.command('eval'))
 */
export function addEvalClvCommand(evalGroup: Command): Command {
  return evalGroup.command('clv')
    .description('customer lifetime value: fit the BG/NBD purchase and Gamma-Gamma spend models (as the lifetimes library does) and compare expected with actual holdout purchases')
    .option('--summary <file>', 'a lifetimes summary CSV: id,frequency,recency,T[,monetary_value] (times in weeks)')
    .option('--orders <file>', 'orders: CSV with a header customer_id,date,amount (yyyy-mm-dd or yyyymmdd), or the CDNOW files with --format cdnow')
    .option('--format <format>', 'the orders file\'s layout: csv or cdnow', 'csv')
    .option('--calibration-end <date>', 'with --orders: the last day (inclusive) the models learn from')
    .option('--observation-end <date>', 'with --orders: the last day of the holdout (default: the last order\'s day)')
    .option('--horizon-weeks <n>', 'forecast the customers\' purchases (and lifetime value, with spend) over the next n weeks')
    .option('--discount-rate <rate>', 'the monthly discount rate of the lifetime value (lifetimes\' default)', '0.01')
    .option('--pareto-nbd', 'also fit the Pareto/NBD model, with its own holdout table')
    .option('--json', 'print {customers, bgNbd, gammaGamma?, holdout?, paretoNbd?, forecast?, rejected} as JSON')
    .action((flags: ClvFlags) => {
      const report = evalClv(flags);
      process.stdout.write(flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatClvReport(report));
    });
}

function usage(detail: string, field: string): AttuneError {
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail, field });
}

function dateFlag(flag: string, text: string): number {
  const day = dayOf(text);
  if (day === undefined) throw usage(`${flag} must be a date (yyyy-mm-dd or yyyymmdd), got "${text}"`, flag);
  return day;
}

interface Loaded {
  readonly customers: readonly CustomerSummary[];
  readonly hasSpend: boolean;
  readonly rejected: readonly RejectedLine[];
  readonly holdout?: { readonly table: (expected: PurchaseExpectation) => HoldoutRow[]; readonly period: NonNullable<ClvReport['period']> };
}

/** The customers' summaries, from a summary file or summarised from orders, with the holdout when there is one. */
function load(flags: ClvFlags): Loaded {
  if ((flags.summary === undefined) === (flags.orders === undefined)) throw usage('give either --summary or --orders', flags.summary === undefined ? '--orders' : '--summary');
  if (flags.summary !== undefined) {
    if (flags.calibrationEnd !== undefined || flags.observationEnd !== undefined) throw usage('--calibration-end and --observation-end go with --orders', '--calibration-end');
    const parsed = readSummaries(flags.summary);
    return { customers: parsed.customers, hasSpend: parsed.hasMonetaryValue, rejected: parsed.rejected };
  }
  if (flags.format !== 'csv' && flags.format !== 'cdnow') throw usage(`--format must be csv or cdnow, got "${flags.format}"`, '--format');
  if (flags.calibrationEnd === undefined) throw usage('--orders needs --calibration-end', '--calibration-end');
  const calibrationEnd = dateFlag('--calibration-end', flags.calibrationEnd);
  const observationEnd = flags.observationEnd === undefined ? undefined : dateFlag('--observation-end', flags.observationEnd);
  if (observationEnd !== undefined && observationEnd < calibrationEnd) throw usage('--observation-end comes before --calibration-end', '--observation-end');
  const parsed = readOrders(flags.orders!, flags.format);
  const summary = summarizeOrders(parsed.orders, { calibrationEnd, ...(observationEnd === undefined ? {} : { observationEnd }) });
  if (summary.customers.length === 0) throw usage(`no customer bought by --calibration-end ${flags.calibrationEnd}`, '--calibration-end');
  const period = { calibrationEnd: isoDateOf(summary.calibrationEnd), observationEnd: isoDateOf(summary.observationEnd), holdoutWeeks: summary.holdoutWeeks };
  return {
    customers: summary.customers,
    hasSpend: parsed.hasAmounts && summary.customers.some((c) => c.monetaryValue > 0),
    rejected: parsed.rejected,
    ...(summary.holdoutWeeks > 0 ? { holdout: { table: (expected: PurchaseExpectation) => holdoutTable(expected, summary.customers, summary.holdoutWeeks), period } } : {}),
  };
}

/** The models fitted to the flags' file, as the report prints them. */
function evalClv(flags: ClvFlags): ClvReport {
  const horizonWeeks = flags.horizonWeeks === undefined ? undefined : numberOption('--horizon-weeks', flags.horizonWeeks, 0, 5200);
  const discountRate = numberOption('--discount-rate', flags.discountRate, 0, 1);
  const loaded = load(flags);
  for (const { line, reason } of loaded.rejected.slice(0, 20)) process.stderr.write(`skipped line ${line}: ${reason}\n`);
  if (loaded.rejected.length > 20) process.stderr.write(`... and ${loaded.rejected.length - 20} more skipped lines\n`);
  const bgNbd = fitBgNbd(loaded.customers);
  const spends = loaded.customers.map((c) => ({ frequency: c.frequency, monetaryValue: c.monetaryValue ?? 0 }));
  const gammaGamma = loaded.hasSpend ? fitGammaGamma(spends) : undefined;
  const { r, alpha, a, b, logLikelihood, converged } = bgNbd;
  return {
    customers: loaded.customers.length,
    bgNbd: { r, alpha, a, b, logLikelihood, converged },
    ...(gammaGamma === undefined ? {} : { gammaGamma: { p: gammaGamma.p, q: gammaGamma.q, v: gammaGamma.v, customers: gammaGamma.customers } }),
    ...(loaded.holdout === undefined ? {} : { holdout: loaded.holdout.table((h, t) => expectedPurchases(bgNbd, h, t)), period: loaded.holdout.period }),
    ...(flags.paretoNbd === true ? { paretoNbd: paretoNbdReport(loaded) } : {}),
    ...(horizonWeeks === undefined ? {} : { forecast: forecast(loaded.customers, bgNbd, gammaGamma, horizonWeeks, discountRate) }),
    rejected: loaded.rejected,
  };
}

/** The Pareto/NBD fit as reported, with its holdout table when there is a holdout. */
function paretoNbdReport(loaded: Loaded): NonNullable<ClvReport['paretoNbd']> {
  const fit = fitParetoNbd(loaded.customers);
  const { r, alpha, s, beta, logLikelihood, converged } = fit;
  const holdout = loaded.holdout?.table((h, t) => paretoNbdExpectedPurchases(fit, h, t));
  return { r, alpha, s, beta, logLikelihood, converged, ...(holdout === undefined ? {} : { holdout }) };
}

/** The customers' total expected purchases over the horizon, and their total lifetime value when spend is modelled (q > 1). */
function forecast(customers: readonly CustomerSummary[], bgNbd: BgNbdFit, gammaGamma: GammaGammaFit | undefined, horizonWeeks: number, monthlyDiscountRate: number): NonNullable<ClvReport['forecast']> {
  const purchases = customers.reduce((sum, c) => sum + expectedPurchases(bgNbd, c, horizonWeeks), 0);
  if (gammaGamma === undefined || gammaGamma.q <= 1) return { horizonWeeks, expectedPurchases: purchases };
  const months = horizonWeeks / WEEKS_PER_MONTH;
  const value = customers.reduce((sum, c) => sum + customerLifetimeValue(bgNbd, gammaGamma, { ...c, monetaryValue: c.monetaryValue ?? 0 }, { months, monthlyDiscountRate }), 0);
  return { horizonWeeks, expectedPurchases: purchases, lifetimeValue: value, monthlyDiscountRate };
}
