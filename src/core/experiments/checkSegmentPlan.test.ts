import { describe, expect, it } from 'vitest';
import { proportionSampleSizePerArm } from '../stats/power.js';
import cases from './checkSegmentPlan.cases.json' with { type: 'json' };
import { checkSegmentPlan, segmentPlanProblems, type SegmentPlanCheck, type SegmentPlanInput } from './checkSegmentPlan.js';

type Case = [name: string, input: SegmentPlanInput, expected: Partial<SegmentPlanCheck>];
type ProblemCase = [name: string, input: SegmentPlanInput, members: string[]];

describe('checkSegmentPlan: can the segment reach the planned effect in the planned time? (checkSegmentPlan.cases.json)', () => {
  it.each(cases.cases as unknown as Case[])('%s', (_name, input, expected) => {
    const check = checkSegmentPlan(input);
    expect(check).toMatchObject(expected);
    expect(check.warning === null).toBe(check.reachable);
  });

  it.each(cases.problems as unknown as ProblemCase[])('refuses %s, naming the member', (_name, input, members) => {
    expect(segmentPlanProblems(input).map((p) => p.member)).toEqual(members);
    expect(() => checkSegmentPlan(input)).toThrow(RangeError);
  });

  it('needs the units of a two-proportion test for the relative effect', () => {
    const check = checkSegmentPlan({ members: 0, entriesPerDay: 10, baselineRate: 0.1, minimumDetectableEffect: 0.2, days: 14 });
    expect(check.requiredUnitsPerArm).toBe(proportionSampleSizePerArm({ baseline: 0.1, mde: 0.02 }));
  });

  it('says how long it would take, and what to change, when the segment is too small', () => {
    const { warning } = checkSegmentPlan({ members: 2000, entriesPerDay: 100, baselineRate: 0.1, minimumDetectableEffect: 0.2, days: 14 });
    expect(warning).toContain('too small');
    expect(warning).toContain('1700 units per arm after 14 days');
    expect(warning).toContain('needs 3839');
    expect(warning).toContain('about 57 days');
    expect(checkSegmentPlan({ members: 2000, entriesPerDay: null, baselineRate: 0.1, minimumDetectableEffect: 0.2, days: 14 }).warning).toContain('no number of days');
  });

  it('invariants: more members, days, traffic or a larger effect never make a reachable plan unreachable', () => {
    const base: SegmentPlanInput = { members: 3000, entriesPerDay: 40, baselineRate: 0.08, minimumDetectableEffect: 0.25, days: 21 };
    const reach = (input: SegmentPlanInput) => checkSegmentPlan(input).projectedUnitsPerArm - checkSegmentPlan(input).requiredUnitsPerArm;
    const r = reach(base);
    expect(reach({ ...base, members: 6000 })).toBeGreaterThan(r);
    expect(reach({ ...base, days: 42 })).toBeGreaterThan(r);
    expect(reach({ ...base, minimumDetectableEffect: 0.5 })).toBeGreaterThan(r);
    expect(reach({ ...base, trafficShare: 0.5 })).toBeLessThan(r);
    expect(reach({ ...base, arms: 3 })).toBeLessThan(r);
  });
});
