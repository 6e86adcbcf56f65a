import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface Series {
  readonly label: string;
  readonly values: readonly number[];
}

export interface TimeSeriesChartProps {
  /** What the chart shows, read by screen readers and shown as the table's caption. */
  readonly title: string;
  /** Unix seconds of each point, ascending. */
  readonly times: readonly number[];
  readonly series: readonly Series[];
  readonly unit: string;
  readonly height?: number;
}

/** Distinct on white and for common colour blindness (Okabe and Ito's palette). */
const colours = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

/**
 * A line chart of time series, drawn by uPlot on a canvas. A canvas carries no text, so the
 * figure is labelled for assistive technology and the same numbers follow as a table that is
 * visually hidden: a screen reader reads the table, a sighted person the picture.
 */
export function TimeSeriesChart({ title, times, series, unit, height = 220 }: TimeSeriesChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (element === null) return undefined;
    const data: uPlot.AlignedData = [Float64Array.from(times), ...series.map((s) => Float64Array.from(s.values))];
    const options: uPlot.Options = {
      width: Math.max(280, element.clientWidth),
      height,
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: colours[i % colours.length]!, width: 2 }))],
      axes: [{}, { label: unit, size: 60 }],
      legend: { show: true },
    };
    const plot = new uPlot(options, data, element);
    // The canvas follows the page's width (390 pixels on a phone, more on a desktop).
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(280, element.clientWidth), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [times, series, unit, height]);

  return (
    <figure className="chart">
      <div ref={box} role="img" aria-label={`${title}: chart; the numbers follow as a table`} />
      {/* A table sizes to its content whatever its width: the wrapper is what is hidden. */}
      <div className="visually-hidden">
        <table>
          <caption>{title} ({unit})</caption>
          <thead>
            <tr><th scope="col">Day</th>{series.map((s) => <th scope="col" key={s.label}>{s.label}</th>)}</tr>
          </thead>
          <tbody>
            {times.map((t, row) => (
              <tr key={t}><th scope="row">{day(t)}</th>{series.map((s) => <td key={s.label}>{s.values[row]}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
