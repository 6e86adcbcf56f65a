import { formatEffect, positionOn, timelineDomain, type TimelinePoint, type TimelineSeries } from '../pages/experimentFigures.js';

const height = 160;

/** Where a value falls down the plot: positionOn's [0, 100] turned so that larger is higher. */
const yOf = (domain: readonly [number, number], value: number | null, open: 'low' | 'high') => height - (positionOn(domain, value, open) / 100) * height;

/** The days with an estimate, each with its x across [0, 100]: a day without one leaves a gap. */
function runsOf(points: readonly TimelinePoint[]): { readonly x: number; readonly p: TimelinePoint }[][] {
  const xOf = (i: number) => (points.length === 1 ? 50 : (i / (points.length - 1)) * 100);
  const runs: { x: number; p: TimelinePoint }[][] = [];
  let run: { x: number; p: TimelinePoint }[] = [];
  points.forEach((p, i) => {
    if (p.estimate === null) {
      if (run.length > 0) runs.push(run);
      run = [];
    } else run.push({ x: xOf(i), p });
  });
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * The cumulative effect of one treatment arm over the days, drawn in SVG as IntervalChart is:
 * the estimate as a line, its interval as a band around it (an open bound reaches the edge),
 * a dashed line at 0 (no effect). A few lines of SVG: uPlot (TimeSeriesChart) draws lines on a
 * canvas but no band with open sides, and the days are few. The picture is labelled and its
 * numbers follow in a visually hidden table.
 */
export function CumulativeEffectChart({ title, series }: { readonly title: string; readonly series: TimelineSeries }) {
  const domain = timelineDomain(series.points);
  const zero = yOf(domain, 0, 'low');
  const runs = runsOf(series.points);
  const first = series.points[0]?.day ?? '';
  const last = series.points.at(-1)?.day ?? '';
  return (
    <figure className="chart cumulative-chart" data-testid={`cumulative-${series.key}`}>
      <div className="cumulative-axis-y" aria-hidden="true"><span>{formatEffect(domain[1], series.scale)}</span><span>{formatEffect(domain[0], series.scale)}</span></div>
      <svg role="img" aria-label={`${title}: chart; the numbers follow as a table`} viewBox={`0 0 100 ${height}`} preserveAspectRatio="none" height={height} className="cumulative-plot">
        <line x1={0} x2={100} y1={zero} y2={zero} className="zero" vectorEffect="non-scaling-stroke" />
        {runs.map((days) => {
          // A day alone would be a line of no length: it is drawn as a short bar, an interval's.
          const run = days.length > 1 ? days : [{ ...days[0]!, x: Math.max(0, days[0]!.x - 1.5) }, { ...days[0]!, x: Math.min(100, days[0]!.x + 1.5) }];
          const upper = run.map(({ x, p }) => `${x},${yOf(domain, p.upper, 'high')}`);
          const lower = run.map(({ x, p }) => `${x},${yOf(domain, p.lower, 'low')}`).reverse();
          const line = run.map(({ x, p }) => `${x},${yOf(domain, p.estimate, 'low')}`).join(' ');
          return (
            <g key={days[0]!.p.day}>
              <polygon points={[...upper, ...lower].join(' ')} className="band" vectorEffect="non-scaling-stroke" />
              <polyline points={line} className="estimate" vectorEffect="non-scaling-stroke" />
            </g>
          );
        })}
      </svg>
      <div className="cumulative-axis-x" aria-hidden="true"><span>{first}</span>{last === first ? null : <span>{last}</span>}</div>
      <figcaption className="stat-note">Line: the effect of all units so far, as of the end of each day (UTC); band: its interval; dashed: no effect.</figcaption>
      <div className="visually-hidden">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr><th scope="col">Day</th><th scope="col">Effect so far</th><th scope="col">Interval</th></tr>
          </thead>
          <tbody>
            {series.points.map((p) => (
              <tr key={p.day}>
                <th scope="row">{p.day}</th>
                <td>{p.estimate === null ? 'not enough data' : formatEffect(p.estimate, series.scale)}</td>
                <td>{p.estimate === null ? 'none' : `${formatEffect(p.lower, series.scale)} to ${formatEffect(p.upper, series.scale)}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
