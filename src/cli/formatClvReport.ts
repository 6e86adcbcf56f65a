import type { ClvReport } from './evalClvCommand.js';

/** Rows of cells, the first column left-aligned and the others right-aligned. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => `  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ')}`.trimEnd()).join('\n');
}

/**
 * `attune eval clv` without --json: the fitted parameters, the holdout check and the forecast.
 *
 * @example formatClvReport(report) // "BG/NBD purchase model, 2357 customers (converged)\n  r  0.2426 ..."
 */
export function formatClvReport(report: ClvReport): string {
  const { bgNbd, gammaGamma, holdout, period, forecast, paretoNbd } = report;
  const parts = [
    `BG/NBD purchase model, ${report.customers} customers (${bgNbd.converged ? 'converged' : 'NOT converged: the estimates may be off'})`,
    table([['r', bgNbd.r.toFixed(4)], ['alpha', bgNbd.alpha.toFixed(4)], ['a', bgNbd.a.toFixed(4)], ['b', bgNbd.b.toFixed(4)], ['log-likelihood', bgNbd.logLikelihood.toFixed(2)]]),
  ];
  if (gammaGamma !== undefined) {
    const mean = gammaGamma.q > 1 ? `; mean spend per purchase p v / (q - 1) = ${((gammaGamma.p * gammaGamma.v) / (gammaGamma.q - 1)).toFixed(2)}` : '; q <= 1: the mean spend is unbounded';
    parts.push(`\nGamma-Gamma spend model, ${gammaGamma.customers} repeat buyers${mean}`, table([['p', gammaGamma.p.toFixed(4)], ['q', gammaGamma.q.toFixed(4)], ['v', gammaGamma.v.toFixed(4)]]));
  }
  if (paretoNbd !== undefined) {
    parts.push(
      `\nPareto/NBD purchase model (${paretoNbd.converged ? 'converged' : 'NOT converged: the estimates may be off'})`,
      table([['r', paretoNbd.r.toFixed(4)], ['alpha', paretoNbd.alpha.toFixed(4)], ['s', paretoNbd.s.toFixed(4)], ['beta', paretoNbd.beta.toFixed(4)], ['log-likelihood', paretoNbd.logLikelihood.toFixed(2)]]),
    );
  }
  if (holdout !== undefined && period !== undefined) {
    const pareto = paretoNbd?.holdout;
    const header = ['repeat purchases by calibration end', 'customers', pareto === undefined ? 'expected' : 'BG/NBD', ...(pareto === undefined ? [] : ['Pareto/NBD']), 'actual'];
    parts.push(
      `\nHoldout: ${period.holdoutWeeks.toFixed(2)} weeks after ${period.calibrationEnd}, to ${period.observationEnd}; purchases per customer`,
      table([
        header,
        ...holdout.map((row, i) => [
          `${row.frequency}${i === holdout.length - 1 && row.frequency === 7 ? '+' : ''}`, String(row.customers), row.expected.toFixed(3),
          ...(pareto === undefined ? [] : [pareto[i]!.expected.toFixed(3)]), row.actual.toFixed(3),
        ]),
      ]),
    );
  }
  if (forecast !== undefined) {
    const value = forecast.lifetimeValue === undefined ? ''
      : `; lifetime value ${forecast.lifetimeValue.toFixed(2)} (discounted ${(100 * forecast.monthlyDiscountRate!).toFixed(2)}% a month)`;
    parts.push(`\nNext ${forecast.horizonWeeks} weeks: ${forecast.expectedPurchases.toFixed(1)} expected purchases${value}`);
  }
  if (report.rejected.length > 0) parts.push(`\n${report.rejected.length} lines skipped (listed on stderr)`);
  return `${parts.join('\n')}\n`;
}
