import type { Static } from 'typebox';
import type { SegmentEstimate, SegmentOverlap } from '../../api/knowledgeSchemas.js';

export type EstimateView = Static<typeof SegmentEstimate>;
export type OverlapView = Static<typeof SegmentOverlap>;

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const whole = (n: number) => integer.format(n);

/**
 * The editor's sentence about an unsaved rule's size: an exact count, or an estimate with its
 * interval and the sample it comes from, or why there is none.
 *
 * @example estimateText({ kind: 'exact', count: 12, population: 40 }) // 'Would hold 12 of 40 profiles now (counted exactly).'
 */
export function estimateText(estimate: EstimateView['estimate']): string {
  if (estimate === null) return 'No size before saving: the rule reads the request context, so it is evaluated at decision time only and stores no members.';
  if (estimate.kind === 'exact') return `Would hold ${whole(estimate.count)} of ${whole(estimate.population)} profiles now (counted exactly).`;
  const level = Math.round(estimate.confidence * 100);
  return `Would hold about ${whole(estimate.count)} of ${whole(estimate.population)} profiles now `
    + `(${level}% interval ${whole(estimate.low)} to ${whole(estimate.high)}; ${whole(estimate.matchedInSample)} of a random sample of ${whole(estimate.sampled)} match).`;
}

/** One cell of the overlap matrix: the shared members, the Jaccard index as a percentage, and its shade (0 to 1). */
export interface OverlapCell {
  readonly both: number;
  /** Null on the diagonal (a segment with itself) and for two empty segments. */
  readonly jaccardPercent: number | null;
  readonly shade: number;
}

export interface OverlapRow {
  readonly id: string;
  readonly size: number;
  readonly cells: readonly OverlapCell[];
}

/**
 * The overlap answer as a symmetric matrix in the order of its segments: off the diagonal, the
 * pair's shared members shaded by their Jaccard index; on it, the segment's size, fully shaded
 * (a segment overlaps itself wholly).
 */
export function overlapMatrix(view: OverlapView): OverlapRow[] {
  const byPair = new Map<string, OverlapView['pairs'][number]>();
  for (const p of view.pairs) {
    byPair.set(`${p.a}\u0000${p.b}`, p);
    byPair.set(`${p.b}\u0000${p.a}`, p);
  }
  return view.segments.map((row) => ({
    id: row.id,
    size: row.size,
    cells: view.segments.map((column) => {
      if (column.id === row.id) return { both: row.size, jaccardPercent: null, shade: 1 };
      const pair = byPair.get(`${row.id}\u0000${column.id}`);
      const jaccard = pair?.jaccard ?? null;
      return { both: pair?.both ?? 0, jaccardPercent: jaccard === null ? null : Math.round(jaccard * 1000) / 10, shade: jaccard ?? 0 };
    }),
  }));
}
