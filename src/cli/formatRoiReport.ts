/**
 * `attune report` in a terminal: ROI reports as plain-text tables. One block per report: a
 * header (scope, arms with units, period), one row per metric (baseline, treated, absolute and
 * relative uplift with their intervals, p-value, status), the incremental revenue, the ROI, the
 * sample-ratio check and the warnings. Rates are shown as percentages (uplifts in percentage
 * points), money with 2 decimals. `--json` prints the reports themselves instead.
 */
import type { Interval, MetricUplift, RoiMetricRole, RoiReport } from '../core/report/roiReport.js';

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

function pValueText(p: number | null): string {
  if (p === null) return NONE;
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}
const pIs = (p: number): string => (p < 0.0001 ? 'p < 0.0001' : `p = ${p.toFixed(4)}`);

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
    const c = tone(m.absolute, paint);
    const significant = m.pValue !== null && m.pValue < report.alpha;
    rows.push([
      { text: labels[role] },
      { text: m.baseline === null ? NONE : value(role, m.baseline), right: true },
      { text: m.treated === null ? NONE : value(role, m.treated), right: true },
      { text: m.absolute === null ? NONE : withInterval(m.absolute, (x) => delta(role, x), deltaUnit(role)), paint: c },
      { text: m.relative === null ? NONE : withInterval(m.relative, relDelta), paint: c },
      { text: `${pValueText(m.pValue)}${significant ? ' *' : ''}`, right: true },
      ...(truth === null ? [] : [{ text: trueUpliftText(role, m, truth) }]),
      { text: statusText(m) },
    ]);
    if (m.sequential !== undefined && m.sequential !== null) {
      const s = m.sequential;
      rows.push([
        { text: '  always-valid' }, { text: '' }, { text: '' },
        { text: withInterval(s.absolute, (x) => delta(role, x), deltaUnit(role)), paint: tone(s.absolute, paint) },
        { text: s.relative === null ? NONE : withInterval(s.relative, relDelta), paint: tone(s.relative ?? s.absolute, paint) },
        { text: '' }, ...(truth === null ? [] : [{ text: '' }]), { text: 'valid at every look' },
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

function formatOne(report: RoiReport, truth: TrueUplift | null, paint: Paint): string {
  const { baseline, treated } = report.arms;
  const level = `${grouped((1 - report.alpha) * 100, 0)}%`;
  const lines = [
    paint.bold(`ROI report: ${report.scope}`),
    `${baseline.id} (${grouped(baseline.units, 0)} units) vs ${treated.id} (${grouped(treated.units, 0)} units), over ${days(report.periodDays)}, ${level} intervals`,
    '',
  ];
  const header = ['metric', 'baseline', 'treated', `absolute uplift [${level} CI]`, `relative uplift [${level} CI]`, 'p-value',
    ...(truth === null ? [] : ['true uplift (simulation)']), 'status'];
  lines.push(...table(header, metricRows(report, truth, paint), paint));
  const anySignificant = Object.values(report.metrics).some((m) => m.pValue !== null && m.pValue < report.alpha);
  lines.push(...(anySignificant ? [`* p < ${report.alpha}`] : []), '');

  const revenue = report.incrementalRevenue;
  const currency = revenue?.currency === null || revenue?.currency === undefined ? '' : ` ${revenue.currency}`;
  if (revenue === null) {
    lines.push('incremental revenue: - (no revenue per visitor data)');
  } else {
    const show = (x: number): string => signed(x, money(x));
    lines.push(`incremental revenue over ${days(report.periodDays)}: ${tone(revenue.period, paint)(withInterval(revenue.period, show))}${currency}`);
    lines.push(`incremental revenue per 30-day month: ${tone(revenue.perMonth, paint)(withInterval(revenue.perMonth, show))}${currency}`);
  }
  if (report.roi === null) {
    lines.push('ROI: - (needs a monthly cost and revenue per visitor data)');
  } else {
    const roiInterval = { estimate: report.roi.estimate, lower: report.roi.lower, upper: report.roi.upper };
    lines.push(`ROI at a monthly cost of ${money(report.roi.monthlyCost)}${currency}: ${tone(roiInterval, paint)(withInterval(roiInterval, relDelta))}`);
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
