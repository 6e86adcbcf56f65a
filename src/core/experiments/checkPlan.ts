/**
 * Is the audience large enough? From the units an experiment gathered so far and the primary
 * metric's control mean and variance, the units per arm the plan needs (to detect its relative
 * effect with its power) against the units per arm it will have at the end of its planned days
 * at the pace so far. A placement whose actions target a small segment shows up here: a slow
 * pace, and a warning that says how long it would take instead.
 */
import { sampleSizePerArm } from '../stats/power.js';
import type { ArmSummary } from '../stats/SufficientStats.js';
import type { ExperimentDefinition } from './ExperimentDefinition.js';

export type ExperimentPlan = NonNullable<ExperimentDefinition['plan']>;

export interface PlanCheck {
  readonly minimumDetectableEffect: number;
  readonly days: number;
  readonly power: number;
  /** Null while the control has no variance to size with. */
  readonly requiredUnitsPerArm: number | null;
  /** The smallest arm so far. */
  readonly unitsPerArm: number;
  readonly daysElapsed: number;
  /** The smallest arm at the end of the planned days at the pace so far; null before a day of data. */
  readonly projectedUnitsPerArm: number | null;
  /** Days the experiment needs in all at this pace; null when unknown. */
  readonly daysNeeded: number | null;
  /** Null when not yet known. */
  readonly reachable: boolean | null;
  readonly warning: string | null;
}

/** Below a day of data a pace is not projected: the hour of day would dominate it. */
const MIN_DAYS_TO_PROJECT = 1;

export function checkPlan(plan: ExperimentPlan, input: { readonly control: ArmSummary | null; readonly unitsPerArm: number; readonly daysElapsed: number; readonly alpha?: number }): PlanCheck {
  const power = plan.power ?? 0.8;
  const base = { minimumDetectableEffect: plan.minimumDetectableEffect, days: plan.days, power, unitsPerArm: input.unitsPerArm, daysElapsed: input.daysElapsed };
  const control = input.control;
  const mde = control === null ? 0 : Math.abs(control.mean) * plan.minimumDetectableEffect;
  const required = control === null || !(control.variance > 0) || !(mde > 0)
    ? null
    : sampleSizePerArm({ mde, varianceControl: control.variance, alpha: input.alpha ?? 0.05, power });
  if (input.daysElapsed < MIN_DAYS_TO_PROJECT || input.unitsPerArm === 0) {
    return { ...base, requiredUnitsPerArm: required, projectedUnitsPerArm: null, daysNeeded: null, reachable: null, warning: null };
  }
  const pace = input.unitsPerArm / input.daysElapsed;
  const projected = Math.floor(pace * Math.max(plan.days, input.daysElapsed));
  if (required === null) return { ...base, requiredUnitsPerArm: null, projectedUnitsPerArm: projected, daysNeeded: null, reachable: null, warning: null };
  const daysNeeded = Math.ceil(required / pace);
  const reachable = projected >= required;
  const pct = (x: number) => `${Number((100 * x).toPrecision(3))}%`;
  const warning = reachable ? null
    : `the audience is too small for the plan: at ${pace.toFixed(1)} units per arm a day it will have about ${projected} per arm after ${plan.days} days, `
      + `but detecting a ${pct(plan.minimumDetectableEffect)} effect with ${pct(power)} power needs ${required}; at this pace that takes about ${daysNeeded} days `
      + '(widen the targeted segment, run longer, or plan for a larger effect)';
  return { ...base, requiredUnitsPerArm: required, projectedUnitsPerArm: projected, daysNeeded, reachable, warning };
}
