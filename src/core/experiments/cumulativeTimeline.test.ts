import { describe, expect, it } from 'vitest';
import type { PairMoments } from '../stats/SufficientStats.js';
import { analyzeExperiment, type AnalysisDesign, type MetricRole } from './analyzeExperiment.js';
import cases from './cumulativeTimeline.cases.json' with { type: 'json' };
import { cumulativeTimeline, utcDay, type DailyArmSnapshot } from './cumulativeTimeline.js';
import type { MetricKind } from './MetricDefinition.js';

type SnapshotTuple = [day: string, armId: string, metricId: string, n: number, meanX: number, m2X: number];
interface CaseInput { arms: [string, number][]; metrics: [string, MetricKind, MetricRole][]; snapshots: SnapshotTuple[] }
interface ExpectedDay { day: string; units: Record<string, number>; comparisons: [string, string, string, number | null, number | null][]; absoluteInterval?: [number, number] }
type Case = [name: string, input: CaseInput, expected: ExpectedDay[]];

const moments = (n: number, meanX: number, m2X: number): PairMoments => ({ n, meanX, meanY: 0, m2X, m2Y: 0, cXY: 0 });
const inputOf = (c: CaseInput, design: Partial<AnalysisDesign> = {}) => ({
  design: { arms: c.arms.map(([id, weight]) => ({ id, weight })), controlArmId: c.arms[0]![0], ...design },
  metrics: c.metrics.map(([metricId, kind, role]) => ({ metricId, kind, role })),
  snapshots: c.snapshots.map(([day, armId, metricId, n, meanX, m2X]): DailyArmSnapshot => ({ day, armId, metricId, moments: moments(n, meanX, m2X) })),
});

describe('cumulativeTimeline (cumulativeTimeline.cases.json)', () => {
  it.each(cases.cases as unknown as Case[])('%s', (_name, input, expected) => {
    const days = cumulativeTimeline(inputOf(input));
    expect(days.map((d) => d.day)).toEqual(expected.map((e) => e.day));
    days.forEach((d, i) => {
      const want = expected[i]!;
      expect(d.units).toEqual(want.units);
      const got = d.metrics.flatMap((m) => m.comparisons.map((c) => [m.metricId, c.armId, c.status, c.absolute?.estimate ?? null, c.relative?.estimate ?? null]));
      expect(got.length).toBe(want.comparisons.length);
      got.forEach((row, j) => {
        const w = want.comparisons[j]!;
        expect(row.slice(0, 3)).toEqual(w.slice(0, 3));
        for (const k of [3, 4]) {
          if (w[k] === null) expect(row[k]).toBeNull();
          else expect(row[k]).toBeCloseTo(w[k] as number, 10);
        }
      });
      if (want.absoluteInterval !== undefined) {
        const c = d.metrics[0]!.comparisons[0]!;
        expect(c.absolute!.lower).toBeCloseTo(want.absoluteInterval[0], 3);
        expect(c.absolute!.upper).toBeCloseTo(want.absoluteInterval[1], 3);
      }
    });
  });

  it('gives on the last day exactly the read-out of the final totals, always-valid intervals included', () => {
    const input = inputOf((cases.cases as unknown as Case[])[0]![1], { sequential: { nStar: 1000 } });
    const last = cumulativeTimeline(input).at(-1)!;
    const latest = new Map(input.snapshots.map((s) => [`${s.armId}/${s.metricId}`, s.moments]));
    const analysis = analyzeExperiment({
      design: input.design,
      unitCounts: { control: latest.get('control/_units')!.n, b: latest.get('b/_units')!.n },
      metrics: input.metrics.map((m) => ({ ...m, arms: { control: { kind: 'pair', moments: latest.get(`control/${m.metricId}`)! }, b: { kind: 'pair', moments: latest.get(`b/${m.metricId}`)! } } })),
    });
    const c = analysis.metrics[0]!.comparisons[0]!;
    const t = last.metrics[0]!.comparisons[0]!;
    expect(t.absolute).toEqual({ estimate: c.absolute!.estimate, lower: c.absolute!.ci[0], upper: c.absolute!.ci[1] });
    expect(t.relative).toEqual({ estimate: c.relative!.estimate, lower: c.relative!.ci[0], upper: c.relative!.ci[1] });
    expect(t.sequentialAbsolute).toEqual({ estimate: c.sequential!.absolute.estimate, lower: c.sequential!.absolute.ci[0], upper: c.sequential!.absolute.ci[1] });
    expect(t.headline).toBe(c.headline);
  });

  it('writes an open bound of a one-sided interval as null', () => {
    const [day] = cumulativeTimeline(inputOf((cases.cases as unknown as Case[])[0]![1], { alternative: 'greater' }));
    expect(day!.metrics[0]!.comparisons[0]!.absolute!.upper).toBeNull();
    expect(day!.metrics[0]!.comparisons[0]!.absolute!.lower).not.toBeNull();
  });

  it('keys a snapshot by the UTC day of its instant', () => {
    expect(utcDay(Date.UTC(2026, 11, 7, 23, 59, 59, 999))).toBe('2026-12-07');
    expect(utcDay(Date.UTC(2026, 11, 8))).toBe('2026-12-08');
  });
});
