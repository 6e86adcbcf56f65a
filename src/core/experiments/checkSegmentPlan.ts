/**
 * Is a segment large enough for an experiment planned on it, before it starts? checkPlan
 * answers that for a running experiment from the pace of its units so far; here there is no
 * pace yet, only the segment: its members today and the profiles that entered it per day
 * lately. The units the experiment can reach by the end of its planned days are the members
 * today plus the entries of those days, times the share of traffic it gets, split over its
 * arms. That is an upper bound: it counts every member as exposed.
 *
 * The metric is a conversion (did the unit buy?) with a baseline rate p, and the plan a
 * relative effect: the treatment converts at p(1 + mde). Units per arm are those of a
 * two-proportion test (control variance p(1 − p), treatment q(1 − q); proportionSampleSizePerArm).
 */
import { proportionSampleSizePerArm } from '../stats/power.js';

export interface SegmentPlanInput {
  /** Members today. */
  readonly members: number;
  /** Profiles entering the segment per day lately; null when unknown (then only today's members count). */
  readonly entriesPerDay: number | null;
  /** The conversion rate in the control, in (0, 1). */
  readonly baselineRate: number;
  /** The relative effect to detect (0.1: the rate rises by 10%); baseline × (1 + it) must stay below 1. */
  readonly minimumDetectableEffect: number;
  readonly days: number;
  /** Default 0.8. */
  readonly power?: number;
  /** Arms, the control included; default 2. */
  readonly arms?: number;
  /** Share of the segment's profiles the experiment takes (0 to 1]; default 1. */
  readonly trafficShare?: number;
  /** Two-sided; default 0.05. */
  readonly alpha?: number;
}

export interface SegmentPlanCheck {
  readonly baselineRate: number;
  readonly minimumDetectableEffect: number;
  readonly days: number;
  readonly power: number;
  readonly arms: number;
  readonly trafficShare: number;
  readonly members: number;
  readonly entriesPerDay: number | null;
  readonly requiredUnitsPerArm: number;
  /** Units per arm after the planned days: (members + entries per day × days) × traffic share / arms, rounded down. */
  readonly projectedUnitsPerArm: number;
  readonly reachable: boolean;
  /** Days until the arms are full (0 when today's members suffice); null when the entries never fill them. */
  readonly daysNeeded: number | null;
  readonly warning: string | null;
}

/** An input the check cannot size with, and the member at fault. */
export interface SegmentPlanProblem {
  readonly member: 'baselineRate' | 'minimumDetectableEffect' | 'days' | 'power' | 'arms' | 'trafficShare' | 'members';
  readonly message: string;
}

/** What is wrong with an input; empty when checkSegmentPlan can size it. */
export function segmentPlanProblems(input: SegmentPlanInput): SegmentPlanProblem[] {
  const problems: SegmentPlanProblem[] = [];
  const { baselineRate: p, minimumDetectableEffect: mde, power = 0.8, arms = 2, trafficShare = 1 } = input;
  if (!(p > 0 && p < 1)) problems.push({ member: 'baselineRate', message: `the baseline rate must be in (0, 1), got ${p}` });
  if (!(mde > 0)) problems.push({ member: 'minimumDetectableEffect', message: `the minimum detectable effect must be > 0, got ${mde}` });
  else if (p > 0 && p < 1 && !(p * (1 + mde) < 1)) {
    problems.push({ member: 'minimumDetectableEffect', message: `a ${mde} relative effect on a baseline of ${p} is a rate of ${p * (1 + mde)}, not below 1` });
  }
  if (!(input.days > 0) || !Number.isFinite(input.days)) problems.push({ member: 'days', message: `days must be > 0, got ${input.days}` });
  if (!(power > 0 && power < 1)) problems.push({ member: 'power', message: `power must be in (0, 1), got ${power}` });
  if (!Number.isInteger(arms) || arms < 2) problems.push({ member: 'arms', message: `arms must be a whole number >= 2, got ${arms}` });
  if (!(trafficShare > 0 && trafficShare <= 1)) problems.push({ member: 'trafficShare', message: `the traffic share must be in (0, 1], got ${trafficShare}` });
  if (!(input.members >= 0)) problems.push({ member: 'members', message: `members must be >= 0, got ${input.members}` });
  return problems;
}

/**
 * The units per arm the plan needs against the units per arm the segment gives in its days.
 * Throws a RangeError on an input segmentPlanProblems refuses.
 *
 * @example checkSegmentPlan({ members: 2000, entriesPerDay: 50, baselineRate: 0.1, minimumDetectableEffect: 0.2, days: 14 }).reachable // false
 */
export function checkSegmentPlan(input: SegmentPlanInput): SegmentPlanCheck {
  const problems = segmentPlanProblems(input);
  if (problems.length > 0) throw new RangeError(problems.map((p) => p.message).join('; '));
  const { members, entriesPerDay, baselineRate, minimumDetectableEffect, days, power = 0.8, arms = 2, trafficShare = 1, alpha = 0.05 } = input;
  const required = proportionSampleSizePerArm({ baseline: baselineRate, mde: baselineRate * minimumDetectableEffect, alpha, power });
  const inflow = entriesPerDay ?? 0;
  const perArm = (units: number) => (units * trafficShare) / arms;
  const projected = Math.floor(perArm(members + inflow * days));
  const reachable = projected >= required;
  // The profiles the segment must hold (today's plus those entering) to fill every arm.
  const unitsNeeded = (required * arms) / trafficShare;
  const daysNeeded = members >= unitsNeeded ? 0 : inflow > 0 ? Math.ceil((unitsNeeded - members) / inflow) : null;
  const base = { baselineRate, minimumDetectableEffect, days, power, arms, trafficShare, members, entriesPerDay };
  return { ...base, requiredUnitsPerArm: required, projectedUnitsPerArm: projected, reachable, daysNeeded, warning: reachable ? null : warningOf(base, required, projected, daysNeeded) };
}

function warningOf(plan: Omit<SegmentPlanCheck, 'requiredUnitsPerArm' | 'projectedUnitsPerArm' | 'reachable' | 'daysNeeded' | 'warning'>, required: number, projected: number, daysNeeded: number | null): string {
  const pct = (x: number) => `${Number((100 * x).toPrecision(3))}%`;
  const inflow = plan.entriesPerDay === null || plan.entriesPerDay === 0 ? 'with no profiles entering it' : `with ${plan.entriesPerDay.toFixed(1)} profiles entering it a day`;
  const when = daysNeeded === null ? 'no number of days reaches that without new members' : `at this pace that takes about ${daysNeeded} days`;
  return `the segment is too small for the plan: ${plan.members} members ${inflow} give about ${projected} units per arm after ${plan.days} days, `
    + `but detecting a ${pct(plan.minimumDetectableEffect)} effect on a ${pct(plan.baselineRate)} baseline with ${pct(plan.power)} power needs ${required}; ${when} `
    + '(widen the segment, run longer, give it more traffic, use fewer arms, or plan for a larger effect)';
}
