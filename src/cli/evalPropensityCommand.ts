import type { Command } from 'commander';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { ClassificationMetrics } from '../core/predict/propensity/classificationMetrics.js';
import type { PropensityEvaluation } from '../core/predict/propensity/evaluatePropensity.js';
import { evaluatePropensityFile } from '../predict/evaluatePropensityFile.js';
import { numberOption } from './numberOption.js';

interface PropensityFlags {
  orders: string;
  cutoff: string;
  horizonEnd: string;
  seed: string;
  trainShare: string;
  l2: string;
  json?: boolean;
}

const flagOf: Readonly<Record<string, string>> = { orders: '--orders', cutoff: '--cutoff', horizonEnd: '--horizon-end' };

/**
 * Adds `propensity` to the `eval` group: the purchase-propensity model against the RFM baseline
 * on an order file, both judged on held-out customers (docs/predict-propensity.md).
 *
 * @example addEvalPropensityCommand(program.command('eval'))
 */
export function addEvalPropensityCommand(evalGroup: Command): Command {
  return evalGroup.command('propensity')
    .description('purchase propensity (L2 logistic regression) against the RFM baseline on an order file: AUC, Brier, log loss, calibration on held-out customers')
    .requiredOption('--orders <file>', 'orders in the CDNOW layout: customer yyyymmdd quantity amount, whitespace separated (a header line is skipped)')
    .requiredOption('--cutoff <date>', 'features see the orders up to this day (yyyy-mm-dd)')
    .requiredOption('--horizon-end <date>', 'the label is "ordered after the cut-off up to this day" (yyyy-mm-dd)')
    .option('--seed <n>', 'seeds the random split of customers', '15')
    .option('--train-share <s>', 'share of customers the models are fitted on, in (0, 1)', '0.5')
    .option('--l2 <lambda>', 'L2 penalty λ of the logistic regression (scikit-learn\'s C = 1/λ)', '1')
    .option('--json', 'print {"trainCustomers", "testCustomers", "testBaseRate", "logistic": {...}, "rfm": {...}, "coefficients": {...}}')
    .action((flags: PropensityFlags) => {
      const options = {
        cutoff: flags.cutoff,
        horizonEnd: flags.horizonEnd,
        seed: numberOption('--seed', flags.seed, 0, 2 ** 32 - 1, true),
        trainShare: numberOption('--train-share', flags.trainShare, 0.01, 0.99),
        l2: numberOption('--l2', flags.l2, 0, 1e6),
      };
      const report = withFlagNames(() => evaluatePropensityFile(flags.orders, options));
      process.stdout.write(flags.json === true ? `${JSON.stringify(asJson(report), null, 2)}\n` : render(report));
    });
}

/** The shell names faults by option field; the user typed flags. */
function withFlagNames<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof AttuneError && error.field !== undefined && flagOf[error.field] !== undefined) {
      throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${flagOf[error.field]!}: ${error.detail ?? error.message}`, field: flagOf[error.field]!, cause: error });
    }
    throw error;
  }
}

function asJson(report: PropensityEvaluation): Record<string, unknown> {
  const { logistic } = report.model;
  return {
    trainCustomers: report.trainCustomers,
    testCustomers: report.testCustomers,
    testBaseRate: report.testBaseRate,
    logistic: report.logistic,
    rfm: report.rfm,
    converged: logistic.converged,
    iterations: logistic.iterations,
    intercept: logistic.intercept,
    coefficients: Object.fromEntries(logistic.columns.map((column, j) => [column, logistic.coefficients[j]!])),
  };
}

function render(report: PropensityEvaluation): string {
  const { logistic } = report.model;
  const fixed = (value: number | null, digits = 4): string => (value === null ? 'n/a' : value.toFixed(digits));
  const row = (name: string, metrics: ClassificationMetrics): string =>
    `${name.padEnd(10)}${fixed(metrics.auc).padStart(8)}${fixed(metrics.brier).padStart(8)}${fixed(metrics.logLoss).padStart(10)}${fixed(metrics.ece).padStart(8)}`;
  const lines = [
    `${report.trainCustomers} training and ${report.testCustomers} test customers; ${(100 * report.testBaseRate).toFixed(1)}% of test customers bought in the horizon`,
    `logistic regression: ${logistic.converged ? 'converged' : 'NOT converged'} in ${logistic.iterations} Newton steps`,
    '',
    `${'model'.padEnd(10)}${'AUC'.padStart(8)}${'Brier'.padStart(8)}${'log loss'.padStart(10)}${'ECE'.padStart(8)}`,
    row('logistic', report.logistic),
    row('RFM', report.rfm),
    '',
    'calibration of the logistic model (10 equal-frequency bins)',
    `${'predicted'.padEnd(14)}${'customers'.padStart(10)}${'mean'.padStart(8)}${'observed'.padStart(10)}`,
    ...report.logistic.calibration.map((bin) =>
      `${`${fixed(bin.from, 3)}-${fixed(bin.to, 3)}`.padEnd(14)}${String(bin.count).padStart(10)}${fixed(bin.meanPredicted, 3).padStart(8)}${fixed(bin.observedRate, 3).padStart(10)}`),
    '',
    `coefficients (log-odds per standard deviation; intercept ${fixed(logistic.intercept, 3)})`,
    ...logistic.columns
      .map((column, j) => ({ column, value: logistic.coefficients[j]! }))
      .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
      .map(({ column, value }) => `${column.padEnd(28)}${fixed(value, 3).padStart(8)}`),
  ];
  return `${lines.join('\n')}\n`;
}
