import type { Static } from 'typebox';
import type { ExperimentReadout, ExperimentTimeline, WorkspaceReport } from '../../api/experimentSchemas.js';
import type { ExperimentAnalysis } from '../../core/experiments/analyzeExperiment.js';
import type { PlanCheck } from '../../core/experiments/checkPlan.js';
import type { TimelineDay } from '../../core/experiments/cumulativeTimeline.js';
import type { RoiReport, TestedInterval } from '../../core/report/roiReport.js';
import type { AdminClient } from '../AdminClient.js';
import { CumulativeEffectChart } from '../components/CumulativeEffectChart.js';
import { Explain } from '../components/Explain.js';
import { IntervalChart } from '../components/IntervalChart.js';
import { Section } from '../components/Section.js';
import { formatInteger, formatShare, Stat } from '../components/Stat.js';
import { statisticTexts } from '../components/statisticTexts.js';
import { useAsync } from '../components/useAsync.js';
import { effectRows, finite, formatEffect, timelineSeries, type EffectRow } from './experimentFigures.js';

/** The read-out as the studio reads it: the open `Statistics` members typed by the core's result types. */
type Readout = Omit<Static<typeof ExperimentReadout>, 'analysis' | 'plan'> & { readonly analysis: ExperimentAnalysis; readonly plan: PlanCheck | null };
type Timeline = Omit<Static<typeof ExperimentTimeline>, 'days'> & { readonly days: readonly TimelineDay[] };
type Report = Omit<Static<typeof WorkspaceReport>, 'reports'> & { readonly reports: readonly RoiReport[] };

const when = (iso: string | null) => (iso === null ? 'not yet' : new Date(iso).toISOString().replace('T', ' ').slice(0, 16));
const pValue = (p: unknown) => { const v = finite(p); return v === null ? 'n/a' : v < 0.001 ? '< 0.001' : v.toFixed(3); };

function Srm({ srm }: { readonly srm: ExperimentAnalysis['srm'] }) {
  return (
    <Stat
      label="Sample ratio"
      value={<span data-testid="srm-status" className={srm.mismatch ? 'problem' : 'valid'}>{srm.mismatch ? 'Mismatch' : 'OK'}</span>}
      note={<>p = {pValue(srm.pValue)}; units {srm.counts.join(' : ')} for weights {srm.weights.map((w) => formatShare(w)).join(' : ')}</>}
    />
  );
}

function Plan({ plan }: { readonly plan: PlanCheck }) {
  const verdict = plan.reachable === null ? 'Not known yet' : plan.reachable ? 'Reachable' : 'Not reachable';
  return (
    <Stat
      label="Plan"
      value={<span data-testid="plan-status">{verdict}</span>}
      note={<>
        {formatShare(plan.minimumDetectableEffect)} effect in {plan.days} days at power {plan.power}: {plan.requiredUnitsPerArm === null ? 'units needed unknown' : `${formatInteger(plan.requiredUnitsPerArm)} units per arm needed`},
        {' '}{formatInteger(plan.unitsPerArm)} so far{plan.projectedUnitsPerArm === null ? '' : `, ${formatInteger(plan.projectedUnitsPerArm)} projected`}{plan.warning === null ? '' : `. ${plan.warning}`}
      </>}
    />
  );
}

/** The statistics of every row in words, with the explanation of each column on hover and focus. */
function EffectTable({ rows }: { readonly rows: readonly EffectRow[] }) {
  return (
    <table data-testid="effects">
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col"><Explain term="Effect">{statisticTexts.effect}</Explain></th>
          <th scope="col"><Explain term="Interval">{statisticTexts.interval}</Explain></th>
          <th scope="col"><Explain term="Always-valid">{statisticTexts.sequential}</Explain></th>
          <th scope="col"><Explain term="p-value">{statisticTexts.pValue}</Explain></th>
          <th scope="col"><Explain term="Chance to win">{statisticTexts.chanceToWin}</Explain></th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <th scope="row">{r.label} <span className="stat-note">{r.role}</span>{r.problem === null ? null : <span className="stat-note">{r.problem}</span>}</th>
            <td>{formatEffect(r.estimate, r.scale)}</td>
            <td>{formatEffect(r.lower, r.scale)} to {formatEffect(r.upper, r.scale)}</td>
            <td>{r.sequentialLower === null && r.sequentialUpper === null ? '—' : `${formatEffect(r.sequentialLower, r.scale)} to ${formatEffect(r.sequentialUpper, r.scale)}`}</td>
            <td>{pValue(r.pValue)}</td>
            <td data-testid={`chance-${r.key}`}>{r.chanceToWin === null ? '—' : formatShare(r.chanceToWin)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const moneyFormat = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const interval = (i: TestedInterval | { readonly estimate: number; readonly lower: number; readonly upper: number }, money: (n: number | null) => string) => `${money(finite(i.estimate))} (${money(finite(i.lower))} to ${money(finite(i.upper))})`;

/** One section of the ROI report: its arms, uplifts, incremental revenue and ROI (or what it lacks). */
function RoiSection({ report, currency }: { readonly report: RoiReport; readonly currency: string | null }) {
  const money = (n: number | null) => (n === null ? 'open' : `${moneyFormat.format(n)}${currency === null ? '' : ` ${currency}`}`);
  const uplift = (role: keyof RoiReport['metrics'], label: string) => {
    const m = report.metrics[role];
    return <Stat label={label} value={m.relative === null ? '—' : formatEffect(finite(m.relative.estimate), 'relative')} note={m.relative === null ? (m.problem ?? m.status) : `${formatEffect(finite(m.relative.lower), 'relative')} to ${formatEffect(finite(m.relative.upper), 'relative')}`} />;
  };
  return (
    <div data-testid={`roi-${report.scope}`}>
      <h3>{report.scope === 'program' ? 'The program: holdout against everyone personalized' : `${report.arms.treated.id} against ${report.arms.baseline.id}`}</h3>
      <dl className="stats">
        <Stat label={report.arms.baseline.id === 'holdout' ? 'Held out' : `Units in ${report.arms.baseline.id}`} value={formatInteger(report.arms.baseline.units)} />
        <Stat label={`Units in ${report.arms.treated.id}`} value={formatInteger(report.arms.treated.units)} note={`over ${report.periodDays.toFixed(1)} days`} />
        {uplift('conversionRate', 'Conversion uplift')}
        {uplift('revenuePerVisitor', 'Revenue per visitor uplift')}
        <Stat
          label="Incremental revenue"
          value={<span data-testid="incremental-revenue">{report.incrementalRevenue === null ? '—' : money(finite(report.incrementalRevenue.period.estimate))}</span>}
          note={report.incrementalRevenue === null ? 'no revenue per visitor data yet' : `per month ${interval(report.incrementalRevenue.perMonth, money)}`}
        />
        <Stat
          label="ROI"
          value={report.roi === null ? '—' : formatShare(finite(report.roi.estimate))}
          note={report.roi === null ? `missing: ${report.roiMissing.join(', ')}` : `${formatShare(finite(report.roi.lower))} to ${formatShare(finite(report.roi.upper))} at ${money(report.roi.monthlyCost)} a month`}
        />
      </dl>
      {report.warnings.length === 0 ? null : <ul className="warnings">{report.warnings.map((w) => <li key={w}>{w}</li>)}</ul>}
    </div>
  );
}

/** The primary metric's effect so far, day by day: one chart per treatment arm. */
function CumulativeEffect({ timeline }: { readonly timeline: Timeline }) {
  if (timeline.withheld !== null) return <p>{timeline.withheld}</p>;
  const primary = timeline.days.at(-1)?.metrics.find((m) => m.role === 'primary');
  const series = primary === undefined ? [] : timelineSeries(timeline.days, primary.metricId);
  if (series.length === 0) return <p>No day measured yet.</p>;
  return (
    <div data-testid="cumulative-effect">
      <p className="explanations"><Explain term="Cumulative effect">{statisticTexts.cumulative}</Explain></p>
      {series.map((s) => <CumulativeEffectChart key={s.key} title={`Cumulative ${s.scale} effect on ${s.label}, day by day`} series={s} />)}
    </div>
  );
}

/**
 * The results of one experiment (docs/studio.md): its read-out with sequential intervals and
 * the chance to win (GET /admin/v1/experiments/:id/analysis) and the ROI report's sections for
 * it and for the program's holdout (GET /admin/v1/report).
 */
export function ExperimentResults({ client, id }: { readonly client: AdminClient; readonly id: string }) {
  const readout = useAsync(() => client.get<Readout>(`/admin/v1/experiments/${encodeURIComponent(id)}/analysis?sequential=true&bayesian=true`), `readout:${id}`);
  const timeline = useAsync(() => client.get<Timeline>(`/admin/v1/experiments/${encodeURIComponent(id)}/timeline`), `timeline:${id}`);
  const report = useAsync(() => client.get<Report>('/admin/v1/report?sequential=true'), `report:${id}`);
  const name = readout.state === 'done' ? readout.value.experiment.definition.name ?? id : id;
  return (
    <>
      <h1>Results of {name}</h1>
      <Section title="Summary" loaded={readout}>
        {(r) => (
          <>
            <dl className="stats">
              <Stat label="Status" value={r.experiment.status} note={`first exposure ${when(r.firstExposureAt)}; last event ${when(r.lastEventAt)}`} />
              {Object.entries(r.units).map(([arm, n]) => <Stat key={arm} label={`Units in ${arm}`} value={<span data-testid={`units-${arm}`}>{formatInteger(n)}</span>} />)}
              <Srm srm={r.analysis.srm} />
              {r.plan === null ? null : <Plan plan={r.plan} />}
            </dl>
            <p className="explanations"><Explain term="Sample ratio">{statisticTexts.srm}</Explain>{r.plan === null ? null : <Explain term="Plan">{statisticTexts.plan}</Explain>}</p>
            {r.warnings.length === 0 ? null : <ul className="warnings">{r.warnings.map((w) => <li key={w}>{w}</li>)}</ul>}
          </>
        )}
      </Section>
      <Section title="Effects" loaded={readout}>
        {(r) => {
          const rows = effectRows(r.analysis.metrics);
          if (rows.length === 0) return <p>No metric has a comparison yet.</p>;
          const scales = (['relative', 'absolute'] as const).map((scale) => ({ scale, rows: rows.filter((row) => row.scale === scale) })).filter((s) => s.rows.length > 0);
          return (
            <div data-testid="effects-chart">
              {scales.map((s) => <IntervalChart key={s.scale} title={s.scale === 'relative' ? 'Relative effect of each metric with its intervals' : 'Absolute effect of each metric with its intervals'} rows={s.rows} />)}
              <EffectTable rows={rows} />
            </div>
          );
        }}
      </Section>
      <Section title="Cumulative effect" loaded={timeline}>
        {(t) => <CumulativeEffect timeline={t} />}
      </Section>
      <Section title="ROI and holdout" loaded={report}>
        {(value) => {
          const program = value.reports.find((x) => x.scope === 'program');
          const own = value.reports.filter((x) => x.scope === id || x.scope.startsWith(`${id}:`));
          return (
            <>
              <p className="explanations">
                <Explain term="Holdout">{statisticTexts.holdout}</Explain>
                <Explain term="Incremental revenue">{statisticTexts.incrementalRevenue}</Explain>
                <Explain term="ROI">{statisticTexts.roi}</Explain>
              </p>
              {own.length === 0 ? <p>No report for this experiment yet.</p> : own.map((x) => <RoiSection key={x.scope} report={x} currency={value.measurement.currency} />)}
              {program === undefined ? null : (
                <>
                  <p>Holdout share: <strong data-testid="holdout-share">{formatShare(value.measurement.holdoutShare)}</strong> of profiles.</p>
                  <RoiSection report={program} currency={value.measurement.currency} />
                </>
              )}
            </>
          );
        }}
      </Section>
    </>
  );
}
