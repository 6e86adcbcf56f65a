import { effectDomain, formatEffect, positionOn, type EffectRow } from '../pages/experimentFigures.js';

const rowHeight = 28;

/**
 * Each metric's effect with its intervals, drawn as a forest plot in SVG: one row per metric
 * and treatment arm, a thick bar for the fixed-horizon interval, a thin one below it for the
 * always-valid (sequential) interval, a mark at the estimate and a dashed line at 0 (no
 * effect). A few lines of SVG rather than a chart library: uPlot draws series over an x axis,
 * not intervals. As TimeSeriesChart, the picture is labelled and its numbers follow in a
 * visually hidden table.
 */
export function IntervalChart({ title, rows }: { readonly title: string; readonly rows: readonly EffectRow[] }) {
  const domain = effectDomain(rows);
  const zero = positionOn(domain, 0, 'low');
  const height = rows.length * rowHeight + 4;
  const scale = rows[0]?.scale ?? 'relative';
  return (
    <figure className="chart interval-chart">
      <div className="interval-labels" aria-hidden="true">
        {rows.map((r) => <span key={r.key} style={{ height: rowHeight }}>{r.label}</span>)}
      </div>
      <svg role="img" aria-label={`${title}: chart; the numbers follow as a table`} viewBox={`0 0 100 ${height}`} preserveAspectRatio="none" height={height} className="interval-plot">
        <line x1={zero} x2={zero} y1={0} y2={height} className="zero" vectorEffect="non-scaling-stroke" />
        {rows.map((r, i) => {
          const y = i * rowHeight + rowHeight / 2;
          const tone = r.lower !== null && r.lower > 0 ? 'better' : r.upper !== null && r.upper < 0 ? 'worse' : 'unclear';
          return (
            <g key={r.key} className={tone}>
              {r.sequentialLower === null && r.sequentialUpper === null ? null : (
                <line x1={positionOn(domain, r.sequentialLower, 'low')} x2={positionOn(domain, r.sequentialUpper, 'high')} y1={y + 7} y2={y + 7} className="sequential" vectorEffect="non-scaling-stroke" />
              )}
              {r.estimate === null ? null : (
                <>
                  <line x1={positionOn(domain, r.lower, 'low')} x2={positionOn(domain, r.upper, 'high')} y1={y} y2={y} className="fixed" vectorEffect="non-scaling-stroke" />
                  <line x1={positionOn(domain, r.estimate, 'low')} x2={positionOn(domain, r.estimate, 'low')} y1={y - 8} y2={y + 8} className="estimate" vectorEffect="non-scaling-stroke" />
                </>
              )}
            </g>
          );
        })}
      </svg>
      {/* HTML, not SVG text: the plot stretches to the width, which would stretch its letters. */}
      <span aria-hidden="true" />
      <div className="interval-axis" aria-hidden="true"><span>{formatEffect(domain[0], scale)}</span><span>{formatEffect(domain[1], scale)}</span></div>
      <figcaption className="stat-note">Thick: the interval; thin, below: the always-valid interval; the mark: the estimate; dashed: no effect.</figcaption>
      <div className="visually-hidden">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr><th scope="col">Metric</th><th scope="col">Effect</th><th scope="col">Interval</th><th scope="col">Always-valid interval</th><th scope="col">p-value</th><th scope="col">Chance to win</th></tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.label}</th>
                <td>{formatEffect(r.estimate, r.scale)}</td>
                <td>{formatEffect(r.lower, r.scale)} to {formatEffect(r.upper, r.scale)}</td>
                <td>{r.sequentialLower === null && r.sequentialUpper === null ? 'none' : `${formatEffect(r.sequentialLower, r.scale)} to ${formatEffect(r.sequentialUpper, r.scale)}`}</td>
                <td>{r.pValue === null ? 'n/a' : r.pValue.toFixed(3)}</td>
                <td>{r.chanceToWin === null ? 'n/a' : `${(r.chanceToWin * 100).toFixed(1)}%`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
