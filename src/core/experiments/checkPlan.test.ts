import { describe, expect, it } from 'vitest';
import { sampleSizePerArm } from '../stats/power.js';
import { checkPlan } from './checkPlan.js';

const control = { n: 500, mean: 10, variance: 100 };

describe('checkPlan: is the audience large enough for the planned effect in the planned time?', () => {
  it('needs the units sampleSizePerArm gives for the relative effect on the control mean', () => {
    const check = checkPlan({ minimumDetectableEffect: 0.05, days: 14 }, { control, unitsPerArm: 500, daysElapsed: 2 });
    const required = sampleSizePerArm({ mde: 0.5, varianceControl: 100, power: 0.8 });
    expect(check.requiredUnitsPerArm).toBe(required);
    expect(required).toBe(6280);
    // 250 a day for 14 days: 3,500 < 6,280.
    expect(check.projectedUnitsPerArm).toBe(3500);
    expect(check.reachable).toBe(false);
    expect(check.daysNeeded).toBe(Math.ceil(6280 / 250));
    expect(check.warning).toContain('too small');
    expect(check.warning).toContain('26 days');
  });

  it('no warning when the pace reaches the plan', () => {
    const check = checkPlan({ minimumDetectableEffect: 0.1, days: 14 }, { control, unitsPerArm: 500, daysElapsed: 2 });
    expect(check.requiredUnitsPerArm).toBe(1570);
    expect(check.reachable).toBe(true);
    expect(check.warning).toBeNull();
  });

  it('a higher power needs more units', () => {
    const a = checkPlan({ minimumDetectableEffect: 0.05, days: 14 }, { control, unitsPerArm: 500, daysElapsed: 2 });
    const b = checkPlan({ minimumDetectableEffect: 0.05, days: 14, power: 0.95 }, { control, unitsPerArm: 500, daysElapsed: 2 });
    expect(b.requiredUnitsPerArm!).toBeGreaterThan(a.requiredUnitsPerArm!);
  });

  it('does not project before a day of data, nor size without a control variance', () => {
    expect(checkPlan({ minimumDetectableEffect: 0.05, days: 14 }, { control, unitsPerArm: 40, daysElapsed: 0.2 })).toMatchObject({ projectedUnitsPerArm: null, reachable: null, warning: null });
    expect(checkPlan({ minimumDetectableEffect: 0.05, days: 14 }, { control: null, unitsPerArm: 40, daysElapsed: 3 })).toMatchObject({ requiredUnitsPerArm: null, reachable: null, warning: null });
    expect(checkPlan({ minimumDetectableEffect: 0.05, days: 14 }, { control: { n: 10, mean: 0, variance: 0 }, unitsPerArm: 40, daysElapsed: 3 }).reachable).toBeNull();
  });
});
