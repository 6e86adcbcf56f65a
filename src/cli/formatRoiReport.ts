/**
 * `attune report` in a terminal: ROI reports as plain-text tables. One block per report: a
 * header (scope, arms with units, period), one row per metric (baseline, treated, the absolute
 * uplift with its interval and its p-value, the relative uplift with its interval and its
 * p-value, the estimator, status), the incremental revenue, the ROI, the sample-ratio check and
 * the warnings. Every p-value stands beside the interval of the same test and its mark says
 * what the report's `significant` says: that interval excludes 0. Rates are shown as
 * percentages (uplifts in percentage points), money with 2 decimals. `--json` prints the
 * reports themselves instead.
 */
import type { Interval, MetricUplift, RoiMetricRole, RoiReport, TestedInterval } from '../core/report/roiReport.js';

/** The uplift a simulation built in, to show beside the estimate. */
export interface TrueUplift {
  readonly revenuePerVisitor: { readonly absolute: number; readonly relative: number | null };
  readonly conversionRate: { readonly absolute: number; readonly relative: number | null };
}

export interface FormatRoiReportOptions {
  /** Shown as a "true uplift (simulation)" column for revenue per visitor and conversion rate. */
  readonly trueUplift?: TrueUplift | null;
  /** ANSI colours (significant uplifts green or red, warnings yellow). Default false. */
  readonly color?: boolean;
}

const labels: Readonly<Record<RoiMetricRole, string>> = {
  conversionRate: 'conversion rate',
  revenuePerVisitor: 'revenue per visitor',
  averageOrderValue: 'average order value',
  clickThroughRate: 'click-through rate',
};
const isRate = (role: RoiMetricRole): boolean => role === 'conversionRate' || role === 'clickThroughRate';
const NONE = '-';

/** Digits grouped by thousands with commas, independent of the locale. */
function grouped(x: number, decimals: number): string {
  if (!Number.isFinite(x)) return String(x);
  const [whole = '0', fraction] = Math.abs(x).toFixed(decimals).split('.');
  const sign = x < 0 && Number(Math.abs(x).toFixed(decimals)) !== 0 ? '-' : '';
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** A '+' before a positive number's text, unless it rounds to 0. */
const signed = (x: number, text: string): string => (x > 0 && /[1-9]/.test(text) ? `+${text}` : text);
const money = (x: number): string => grouped(x, 2);
const percent = (x: number, decimals = 2): string => `${grouped(x * 100, decimals)}%`;
/** A rate's value ("3.10%"), or its uplift in percentage points ("+0.35 pp"). */
const value = (role: RoiMetricRole, x: number): string => (isRate(role) ? percent(x) : money(x));
const delta = (role: RoiMetricRole, x: number): string => (isRate(role) ? signed(x, grouped(x * 100, 2)) : signed(x, money(x)));
/** "pp" (percentage points) after a rate's uplift and its interval. */
const deltaUnit = (role: RoiMetricRole): string => (isRate(role) ? ' pp' : '');
const relDelta = (x: number): string => signed(x, percent(x, 1));

function withInterval(i: Interval, show: (x: number) => string, unit = ''): string {
  return `${show(i.estimate)}${unit} [${show(i.lower)}, ${show(i.upper)}]`;
}

const pIs = (p: number): string => (p < 0.0001 ? 'p < 0.0001' : `p = ${p.toFixed(4)}`);
/** The mark of an interval that excludes 0, after its p-value. */
const MARK = ' *';
/** A tested interval's p-value and mark ("0.0110 *"); '-' without one. */
function pCell(i: TestedInterval | null): string {
  if (i === null) return NONE;
  return `${i.pValue < 0.0001 ? '<0.0001' : i.pValue.toFixed(4)}${i.significant ? MARK : ''}`;
}

function days(d: number): string {
  const text = Number.isInteger(d) ? String(d) : d.toFixed(1);
  return `${text} ${d === 1 ? 'day' : 'days'}`;
}

interface Paint {
  bold(s: string): string;
  good(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
}

function painter(color: boolean): Paint {
  const wrap = (code: string) => (s: string): string => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { bold: wrap('1'), good: wrap('32'), bad: wrap('31'), warn: wrap('33') };
}

/** Green when the interval lies above 0, red when below, plain otherwise. */
function tone(i: Interval | null, paint: Paint): (s: string) => string {
  if (i === null) return (s) => s;
  if (i.lower > 0) return paint.good;
  if (i.upper < 0) return paint.bad;
  return (s) => s;
}

function statusText(m: MetricUplift): string {
  if (m.status === 'ok') return 'ok';
  if (m.status === 'not_configured') return 'not configured';
  return `insufficient data${m.problem === null ? '' : ` (${m.problem})`}`;
}

function trueUpliftText(role: RoiMetricRole, m: MetricUplift, truth: TrueUplift | null): string {
  if (truth === null || (role !== 'revenuePerVisitor' && role !== 'conversionRate')) return '';
  const t = truth[role];
  const rel = t.relative === null ? '' : ` (${relDelta(t.relative)})`;
  const covered = m.absolute === null ? '' : m.absolute.lower <= t.absolute && t.absolute <= m.absolute.upper ? ', in CI' : ', outside CI';
  return `${delta(role, t.absolute)}${deltaUnit(role)}${rel}${covered}`;
}

interface Cell { readonly text: string; readonly paint?: (s: string) => string; readonly right?: boolean }

function metricRows(report: RoiReport, truth: TrueUplift | null, paint: Paint): Cell[][] {
  const rows: Cell[][] = [];
  for (const role of Object.keys(labels) as RoiMetricRole[]) {
    const m = report.metrics[role];
    const absolute = (i: TestedInterval): string => withInterval(i, (x) => delta(role, x), deltaUnit(role));
    rows.push([
      { text: labels[role] },
      { text: m.baseline === null ? NONE : value(role, m.baseline), right: true },
      { text: m.treated === null ? NONE : value(role, m.treated), right: true },
      { text: m.absolute === null ? NONE : absolute(m.absolute), paint: tone(m.absolute, paint) },
      { text: pCell(m.absolute) },
      { text: m.relative === null ? NONE : withInterval(m.relative, relDelta), paint: tone(m.relative, paint) },
      { text: pCell(m.relative) },
      ...(truth === null ? [] : [{ text: trueUpliftText(role, m, truth) }]),
      { text: m.status === 'not_configured' ? NONE : m.estimator },
      { text: statusText(m) },
    ]);
    if (m.sequential !== undefined && m.sequential !== null) {
      const s = m.sequential;
      rows.push([
        { text: '  always-valid' }, { text: '' }, { text: '' },
        { text: absolute(s.absolute), paint: tone(s.absolute, paint) },
        { text: pCell(s.absolute) },
        { text: s.relative === null ? NONE : withInterval(s.relative, relDelta), paint: tone(s.relative, paint) },
        { text: pCell(s.relative) },
        ...(truth === null ? [] : [{ text: '' }]), { text: m.estimator }, { text: 'valid at every look' },
      ]);
    }
  }
  return rows;
}

/** Columns padded to their widest cell; colour applied after padding so it does not count. */
function table(header: readonly string[], rows: readonly Cell[][], paint: Paint): string[] {
  const all: Cell[][] = [header.map((text) => ({ text })), ...rows];
  const widths = header.map((_, k) => Math.max(...all.map((row) => row[k]?.text.length ?? 0)));
  return all.map((row, r) => row
    .map((cell, k) => {
      const width = widths[k] ?? 0;
      const last = k === row.length - 1;
      const padded = cell.right === true ? cell.text.padStart(width) : last ? cell.text : cell.text.padEnd(width);
      return r === 0 ? paint.bold(padded) : (cell.paint ?? ((s: string) => s))(padded);
    })
    .join('  ')
    .trimEnd());
}

/** Why there is no revenue per visitor figure. */
function rpvMissing(m: MetricUplift): string {
  if (m.status === 'not_configured') return 'no revenue per visitor data in either arm';
  return `revenue per visitor: insufficient data${m.problem === null ? '' : ` (${m.problem})`}`;
}

/** Exactly what the ROI lacks: a cost (and where to set it), revenue per visitor data, or both. */
function roiMissingText(report: RoiReport): string {
  const missing: string[] = [];
  if (report.roiMissing.includes('monthlyCost')) {
    missing.push(report.scope === 'program'
      ? 'no monthly cost: set the measurement settings\' monthlyCost, or pass --monthly-cost'
      : 'no monthly cost for this experiment: set monthlyCost in its definition (the workspace\'s monthly cost is the whole program\'s, used in the program\'s report)');
  }
  if (report.roiMissing.includes('revenuePerVisitor')) missing.push(rpvMissing(report.metrics.revenuePerVisitor));
  return missing.join('; ');
}

function formatOne(report: RoiReport, truth: TrueUplift | null, paint: Paint): string {
  const { baseline, treated } = report.arms;
  const level = `${grouped((1 - report.alpha) * 100, 0)}%`;
  const lines = [
    paint.bold(`ROI report: ${report.scope}`),
    `${baseline.id} (${grouped(baseline.units, 0)} units) vs ${treated.id} (${grouped(treated.units, 0)} units), over ${days(report.periodDays)}, ${level} intervals`,
    '',
  ];
  const header = ['metric', 'baseline', 'treated', `absolute uplift [${level} CI]`, 'p (absolute)', `relative uplift [${level} CI]`, 'p (relative)',
    ...(truth === null ? [] : ['true uplift (simulation)']), 'estimator', 'status'];
  lines.push(...table(header, metricRows(report, truth, paint), paint));
  lines.push(`Each p-value is of the uplift to its left (absolute: treated − baseline; relative: that over the baseline);${MARK}: its interval excludes 0 (p < ${report.alpha}).`);
  lines.push('Estimator plain: the arms\' own values, without covariate adjustment.', '');

  const revenue = report.incrementalRevenue;
  const currency = revenue?.currency === null || revenue?.currency === undefined ? '' : ` ${revenue.currency}`;
  if (revenue === null) {
    lines.push(`incremental revenue: - (${rpvMissing(report.metrics.revenuePerVisitor)})`);
  } else {
    const show = (x: number): string => signed(x, money(x));
    const basis = `revenue per visitor's absolute uplift × ${grouped(treated.units, 0)} ${treated.id} units: ${pIs(revenue.pValue)}${revenue.significant ? MARK : ''}`;
    lines.push(`incremental revenue over ${days(report.periodDays)}: ${tone(revenue.period, paint)(withInterval(revenue.period, show))}${currency} (${basis})`);
    lines.push(`incremental revenue per 30-day month: ${tone(revenue.perMonth, paint)(withInterval(revenue.perMonth, show))}${currency}`);
  }
  if (report.roi === null) {
    lines.push(`ROI: - (${roiMissingText(report)})`);
  } else {
    const roi = report.roi;
    lines.push(`ROI at a monthly cost of ${money(roi.monthlyCost)}${currency}: ${tone(roi, paint)(withInterval(roi, relDelta))} `
      + `(against break-even: ${pIs(roi.pValue)}${roi.significant ? MARK : ''})`);
  }
  const srm = report.srm;
  const split = `${srm.counts.map((n) => grouped(n, 0)).join(' / ')} units against weights ${srm.weights.join(' / ')}`;
  lines.push(srm.flagged
    ? paint.bad(`SRM: MISMATCH (${pIs(srm.pValue)}; ${split}): do not trust these numbers`)
    : `SRM: ok (${pIs(srm.pValue)}; ${split})`);
  for (const w of report.warnings) lines.push(paint.warn(`warning: ${w}`));
  return lines.join('\n');
}

/**
 * The reports as text for a terminal, separated by blank lines; ends with a newline.
 *
 * @example process.stdout.write(formatRoiReport([roiReport(input)], { color: process.stdout.isTTY }));
 */
export function formatRoiReport(reports: readonly RoiReport[], options: FormatRoiReportOptions = {}): string {
  const paint = painter(options.color ?? false);
  const truth = options.trueUplift ?? null;
  if (reports.length === 0) return 'No reports: no experiment or holdout has exposures yet.\n';
  return `${reports.map((r) => formatOne(r, truth, paint)).join('\n\n')}\n`;
}
