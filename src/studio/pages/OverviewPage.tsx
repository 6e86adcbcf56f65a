import type { Static } from 'typebox';
import type { ExperimentView, WorkspaceReport } from '../../api/experimentSchemas.js';
import type { AdminClient } from '../AdminClient.js';
import { Section } from '../components/Section.js';
import { Stat, formatDecimal, formatInteger, formatShare } from '../components/Stat.js';
import { TimeSeriesChart } from '../components/TimeSeriesChart.js';
import { useAsync } from '../components/useAsync.js';
import { gate } from '../permissionGate.js';
import { eventsPerMinuteBySource, qualityWarnings, recentEventsPerMinute, type QualityView, type TrafficView } from './overviewFigures.js';

type ExperimentList = Static<typeof ExperimentView>[];
type ReportView = Static<typeof WorkspaceReport>;

interface Interval { readonly estimate: number; readonly lower: number; readonly upper: number }
interface Money { readonly perMonth: number; readonly currency: string | null }

const asRecord = (value: unknown) => (typeof value === 'object' && value !== null ? value as Record<string, unknown> : null);

/**
 * The workspace at a glance: events per minute by source over the last hour (GET
 * /admin/v1/quality/traffic) and each day's average over the week, profiles, rejected events and
 * data-quality warnings (GET /admin/v1/quality), active experiments (GET
 * /admin/v1/experiments) and the program's ROI (GET /admin/v1/report). Each part loads and
 * fails on its own, so one missing permission or slow report does not blank the page.
 */
export function OverviewPage({ client, permissions }: { readonly client: AdminClient; readonly permissions: readonly string[] }) {
  const quality = useAsync(() => client.get<QualityView>('/admin/v1/quality'), 'quality');
  const traffic = useAsync(() => client.get<TrafficView>('/admin/v1/quality/traffic'), 'traffic');
  const experiments = useAsync(() => client.get<ExperimentList>('/admin/v1/experiments'), 'experiments');
  const report = useAsync(() => client.get<ReportView>('/admin/v1/report'), 'report');
  const reports = gate(permissions, 'reports.read');
  if (!reports.allowed) return <><h1>Overview</h1><p className="reason">{reports.reason}</p></>;

  return (
    <>
      <h1>Overview</h1>
      <Section title="Traffic" loaded={traffic}>
        {(t) => {
          const recent = recentEventsPerMinute(t);
          return (
            <>
              <dl className="stats">
                {recent.latest.map((r) => <Stat key={r.source} label={`Events per minute, ${r.source}`} value={formatDecimal(r.perMinute)} note="average of the last 5 minutes" />)}
              </dl>
              {recent.series.length === 0
                ? <p>No events in the last hour (counted since the server started).</p>
                : <TimeSeriesChart title="Events per minute by source, the last hour" unit="events per minute" times={recent.times} series={recent.series} />}
            </>
          );
        }}
      </Section>
      <Section title="Profiles and events" loaded={quality}>
        {(q) => {
          const rates = eventsPerMinuteBySource(q, Date.now());
          return (
            <>
              <dl className="stats">
                <Stat label="Profiles" value={formatInteger(q.identity.profiles)} note={`${formatInteger(q.identity.merges)} merges in the period`} />
                <Stat label="Events stored" value={formatInteger(q.volume.events)} note={`${q.since.slice(0, 10)} to ${q.until.slice(0, 10)}`} />
              </dl>
              {rates.series.length === 0
                ? <p>No events in the period yet.</p>
                : <TimeSeriesChart title="Events per minute by source, each day's average" unit="events per minute" times={rates.times} series={rates.series} />}
            </>
          );
        }}
      </Section>
      <Section title="Rejected events and data quality" loaded={quality}>
        {(q) => {
          const warnings = qualityWarnings(q);
          return (
            <>
              <dl className="stats">
                <Stat label="Rejected events" value={formatInteger(q.rejections.rejected)} note={`${formatShare(q.rejections.rate)} of ${formatInteger(q.rejections.received)} received`} />
                <Stat label="Duplicates dropped" value={formatInteger(q.rejections.duplicates)} />
              </dl>
              {q.rejections.byReason.length === 0 ? null : (
                <table>
                  <caption>Rejections by reason</caption>
                  <thead><tr><th scope="col">Code</th><th scope="col">Step</th><th scope="col">Events</th><th scope="col">Share</th></tr></thead>
                  <tbody>{q.rejections.byReason.map((r) => <tr key={`${r.code}-${r.step}`}><td>{r.code}</td><td>{r.step}</td><td>{formatInteger(r.count)}</td><td>{formatShare(r.rate)}</td></tr>)}</tbody>
                </table>
              )}
              <h3>Data-quality warnings</h3>
              {warnings.length === 0 ? <p>No warnings.</p> : <ul className="warnings">{warnings.map((w) => <li key={w}>{w}</li>)}</ul>}
            </>
          );
        }}
      </Section>
      <Section title="Experiments" loaded={experiments}>
        {(list) => {
          const running = list.filter((e) => e.status === 'running');
          return (
            <>
              <dl className="stats">
                <Stat label="Active experiments" value={formatInteger(running.length)} note={`${formatInteger(list.length)} in all`} />
              </dl>
              {running.length === 0 ? null : <ul>{running.map((e) => <li key={e.definition.id}>{e.definition.name ?? e.definition.id}{e.problems.length > 0 ? ` (${e.problems.join('; ')})` : ''}</li>)}</ul>}
            </>
          );
        }}
      </Section>
      <Section title="Return on investment" loaded={report}>
        {(r) => <RoiGlance report={r} />}
      </Section>
    </>
  );
}

function RoiGlance({ report }: { readonly report: ReportView }) {
  const program = report.reports.find((x) => x.scope === 'program');
  if (program === undefined) return <p>No program report yet: it needs a holdout and exposures.</p>;
  const roi = asRecord(program.roi) as Interval | null;
  const revenue = asRecord(program.incrementalRevenue) as Money | null;
  const srm = asRecord(program.srm);
  return (
    <>
      <dl className="stats">
        <Stat label="Personalised vs holdout" value={`${formatInteger(program.arms.treated.units)} / ${formatInteger(program.arms.baseline.units)}`} note={`profiles over ${formatDecimal(program.periodDays)} days`} />
        <Stat label="Incremental revenue per month" value={revenue === null ? 'n/a' : `${formatDecimal(revenue.perMonth)} ${revenue.currency ?? ''}`} />
        <Stat
          label="ROI"
          value={roi === null ? 'n/a' : formatShare(roi.estimate)}
          note={roi === null ? `missing: ${program.roiMissing.join(', ')}` : `interval ${formatShare(roi.lower)} to ${formatShare(roi.upper)}`}
        />
      </dl>
      {srm?.['flagged'] === true ? <p className="problem">Sample ratio mismatch: the holdout split is off; the figures may be biased.</p> : null}
      {program.warnings.length === 0 ? null : <ul className="warnings">{program.warnings.map((w) => <li key={w}>{w}</li>)}</ul>}
    </>
  );
}
