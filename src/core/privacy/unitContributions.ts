import { UNITS_METRIC } from '../experiments/ExperimentModel.js';
import { ipwMetricId, ipwPair, type ExperimentUnits } from '../experiments/experimentUnits.js';

/** One (x, y) observation a profile's experiment unit put into an arm's statistics. */
export interface UnitContribution {
  readonly experimentId: string;
  readonly armId: string;
  readonly metricId: string;
  readonly pair: readonly [number, number];
}

/**
 * What a profile's experiment units contribute to the arm statistics, so that an erasure can
 * take it back out (removePair): per experiment the `_units` count and each metric the unit is
 * counted in, with the same (x, y) pairs applyExperimentEvent put in (a number with the unit's
 * covariate, a ratio as its stored pair), and a bandit unit's `_ipw.` rows.
 *
 * @example unitContributions({ e1: { a: 'b', t: 0, v: { revenue: 12 } } })
 *   // [{ experimentId: 'e1', armId: 'b', metricId: '_units', pair: [0, 0] }, { ..., metricId: 'revenue', pair: [12, 0] }]
 */
export function unitContributions(units: ExperimentUnits | undefined): UnitContribution[] {
  if (units === undefined) return [];
  const out: UnitContribution[] = [];
  for (const experimentId of Object.keys(units)) {
    const unit = units[experimentId]!;
    const covariate = unit.c ?? 0;
    out.push({ experimentId, armId: unit.a, metricId: UNITS_METRIC, pair: [0, 0] });
    for (const metricId of Object.keys(unit.v ?? {})) {
      const stored = unit.v![metricId]!;
      out.push({ experimentId, armId: unit.a, metricId, pair: Array.isArray(stored) ? [stored[0], stored[1]] : [stored, covariate] });
      if (unit.p !== undefined && !Array.isArray(stored)) out.push({ experimentId, armId: unit.a, metricId: ipwMetricId(metricId), pair: ipwPair(stored, unit.p) });
    }
  }
  return out;
}
