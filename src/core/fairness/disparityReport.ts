import { riskRatio, type Proportion } from './riskRatio.js';

/** One group of the chosen trait or segment, with a proportion per measure (exposure, click, ...). */
export interface GroupCounts {
  readonly group: string;
  readonly measures: Readonly<Record<string, Proportion>>;
}

export interface DisparitySettings {
  /** The four-fifths rule's 0.8 by default: a group whose rate is below this share of the reference's is flagged. */
  readonly threshold: number;
  /** Two-sided: the intervals are `1 − alpha`. */
  readonly alpha: number;
  /** `best`: the group with the highest rate of each measure (the four-fifths rule); otherwise a group's value. */
  readonly reference: 'best' | { readonly group: string };
  /** Groups with fewer units in a measure are shown but neither compared nor chosen as reference. */
  readonly minUnits: number;
}

export interface GroupDisparity {
  readonly group: string;
  readonly successes: number;
  readonly units: number;
  /** successes / units, null without units. */
  readonly rate: number | null;
  /** rate / the reference's rate with its interval; null for the reference itself and for groups not compared. */
  readonly ratio: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly corrected: boolean;
  /** The ratio is below the threshold. */
  readonly belowThreshold: boolean;
  /** The whole interval is below the threshold: the disparity is not noise at this alpha. */
  readonly conclusive: boolean;
}

export interface MeasureDisparity {
  readonly measure: string;
  /** The group every other is compared with; null when none qualifies (no group has enough units or any success). */
  readonly reference: string | null;
  readonly groups: readonly GroupDisparity[];
}

/** A warning: a group's ratio is below the workspace's threshold. */
export interface DisparityWarning {
  readonly code: 'FAIRNESS_BELOW_THRESHOLD';
  readonly measure: string;
  readonly group: string;
  readonly reference: string;
  readonly ratio: number;
  readonly threshold: number;
  readonly conclusive: boolean;
}

export interface DisparityReport {
  readonly threshold: number;
  readonly alpha: number;
  readonly measures: readonly MeasureDisparity[];
  readonly warnings: readonly DisparityWarning[];
}

/** The rate of a proportion, null without units. */
function rateOf(p: Proportion): number | null {
  return p.units > 0 ? p.successes / p.units : null;
}

function chooseReference(measure: string, groups: readonly GroupCounts[], settings: DisparitySettings): string | null {
  const eligible = groups.filter((g) => (g.measures[measure]?.units ?? 0) >= settings.minUnits && (g.measures[measure]?.units ?? 0) > 0);
  if (settings.reference !== 'best') {
    const wanted = settings.reference.group;
    const found = eligible.find((g) => g.group === wanted);
    return found !== undefined && (found.measures[measure]?.successes ?? 0) > 0 ? wanted : null;
  }
  let best: { group: string; rate: number } | null = null;
  // Ties go to the group first in order, so the report does not depend on how equal floats compare.
  for (const g of eligible) {
    const rate = rateOf(g.measures[measure]!) ?? 0;
    if (rate > 0 && (best === null || rate > best.rate)) best = { group: g.group, rate };
  }
  return best?.group ?? null;
}

/**
 * Disparity ratios of each measure's rate against a reference group, with Katz intervals,
 * and a warning per group whose ratio is below the threshold. Groups and measures come out in
 * the order given; a measure missing from a group counts as no units.
 *
 * With `reference: 'best'` the reference is picked from the data (the highest rate), as the
 * four-fifths rule does: that makes the lowest ratio biased downwards a little when groups are
 * small (the highest of several noisy rates is optimistic), so a ratio just under the
 * threshold with a wide interval is a reason to look, not a finding; `conclusive` says when
 * the interval's upper bound is under the threshold too.
 *
 * @example disparityReport(['exposure'], [{ group: 'a', measures: { exposure: { successes: 50, units: 100 } } }, { group: 'b', measures: { exposure: { successes: 30, units: 100 } } }], { threshold: 0.8, alpha: 0.05, reference: 'best', minUnits: 1 })
 * // exposure: reference a; b ratio 0.6 below the threshold
 */
export function disparityReport(measures: readonly string[], groups: readonly GroupCounts[], settings: DisparitySettings): DisparityReport {
  const warnings: DisparityWarning[] = [];
  const out = measures.map((measure): MeasureDisparity => {
    const reference = chooseReference(measure, groups, settings);
    const referenceCounts = reference === null ? undefined : groups.find((g) => g.group === reference)?.measures[measure];
    const rows = groups.map((g): GroupDisparity => {
      const counts = g.measures[measure] ?? { successes: 0, units: 0 };
      const plain = { group: g.group, successes: counts.successes, units: counts.units, rate: rateOf(counts) };
      const compared = referenceCounts !== undefined && g.group !== reference && counts.units >= settings.minUnits && counts.units > 0;
      if (!compared) return { ...plain, ratio: null, lower: null, upper: null, corrected: false, belowThreshold: false, conclusive: false };
      const r = riskRatio(counts, referenceCounts, settings.alpha);
      const belowThreshold = r.ratio !== null && r.ratio < settings.threshold;
      const conclusive = belowThreshold && r.upper !== null && r.upper < settings.threshold;
      if (belowThreshold && reference !== null) {
        warnings.push({ code: 'FAIRNESS_BELOW_THRESHOLD', measure, group: g.group, reference, ratio: r.ratio!, threshold: settings.threshold, conclusive });
      }
      return { ...plain, ...r, belowThreshold, conclusive };
    });
    return { measure, reference, groups: rows };
  });
  return { threshold: settings.threshold, alpha: settings.alpha, measures: out, warnings };
}
