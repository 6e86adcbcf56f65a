import { describe, expect, it } from 'vitest';
import type { PredictionModel } from './PredictionModel.js';
import { addToTally, emptyValueTally, segmentValue, type ValueTally } from './segmentValue.js';

/** Only the parts segmentValue looks at: which parts the model has, its version and horizon. */
const model = (parts: { spend?: boolean; lifetime?: boolean; propensity?: boolean } = {}): PredictionModel => {
  const { spend = true, lifetime = true, propensity = true } = parts;
  return {
    version: 4, trainedAt: 0, customers: 3, notes: [],
    ...(lifetime ? { lifetimeValue: { bgNbd: {}, monthlyDiscountRate: 0.01, ...(spend ? { gammaGamma: {} } : {}) } } : {}),
    ...(propensity ? { propensity: { horizonDays: 90 } } : {}),
  } as unknown as PredictionModel;
};

const buyer = (clv: number | null, purchases: number, propensity: number) => ({ clv_12m: clv, expected_purchases_12m: purchases, purchase_propensity: propensity });
const visitor = { clv_12m: null, expected_purchases_12m: null, purchase_propensity: null };

/** Workspace: three buyers (clv 100, 50, 250) and two visitors; the segment: the first buyer, the second and one visitor. */
function tallies(): { segment: ValueTally; workspace: ValueTally } {
  const segment = emptyValueTally();
  const workspace = emptyValueTally();
  const profiles: [Record<string, number | null>, boolean, boolean][] = [
    [buyer(100, 2, 0.5), true, true],
    [buyer(50, 1, 0.2), true, true],
    [visitor, false, true],
    [buyer(250, 4, 0.8), true, false],
    [visitor, false, false],
  ];
  for (const [values, customer, member] of profiles) {
    addToTally(workspace, values, customer);
    if (member) addToTally(segment, values, customer);
  }
  return { segment, workspace };
}

describe('segmentValue: a segment\'s predicted value against the workspace\'s', () => {
  it('sums and shares the members\' 12-month value; means over the customers', () => {
    const { segment, workspace } = tallies();
    expect(segmentValue(segment, workspace, model())).toEqual({
      members: 3, customers: 2, modelVersion: 4,
      totalClv12m: 150, meanClv12m: 75, expectedPurchases12m: 3,
      shareOfExpectedValue: 150 / 400, meanPurchasePropensity: 0.35, propensityHorizonDays: 90, scoredMembers: 2,
      workspace: { profiles: 5, customers: 3, totalClv12m: 400 },
      notes: [],
    });
  });

  it('no model: counts only, every value null, and says why', () => {
    const { segment, workspace } = tallies();
    const value = segmentValue(segment, workspace, null);
    expect(value).toMatchObject({ members: 3, customers: 2, modelVersion: null, totalClv12m: null, meanClv12m: null, expectedPurchases12m: null, shareOfExpectedValue: null, meanPurchasePropensity: null });
    expect(value.notes.join(' ')).toContain('no prediction model');
  });

  it('no spend model: expected purchases but no value, and says why', () => {
    const { segment, workspace } = tallies();
    const value = segmentValue(segment, workspace, model({ spend: false }));
    expect(value).toMatchObject({ totalClv12m: null, meanClv12m: null, shareOfExpectedValue: null, expectedPurchases12m: 3, meanPurchasePropensity: 0.35 });
    expect(value.workspace.totalClv12m).toBeNull();
    expect(value.notes.join(' ')).toContain('no spend model');
  });

  it('no lifetime-value or propensity part: those figures null, each with a note', () => {
    const { segment, workspace } = tallies();
    const value = segmentValue(segment, workspace, model({ lifetime: false, propensity: false }));
    expect(value).toMatchObject({ expectedPurchases12m: null, totalClv12m: null, meanPurchasePropensity: null, propensityHorizonDays: null });
    expect(value.notes).toHaveLength(2);
  });

  it('a segment of visitors only: totals 0, means null; an empty workspace: no share', () => {
    const segment = emptyValueTally();
    addToTally(segment, visitor, false);
    const { workspace } = tallies();
    expect(segmentValue(segment, workspace, model())).toMatchObject({ members: 1, customers: 0, totalClv12m: 0, meanClv12m: null, shareOfExpectedValue: 0, meanPurchasePropensity: null });
    const empty = segmentValue(emptyValueTally(), emptyValueTally(), model());
    expect(empty).toMatchObject({ members: 0, totalClv12m: 0, shareOfExpectedValue: null });
    expect(empty.notes.join(' ')).toContain('total clv_12m is 0');
  });

  it('invariant: the shares of segments that partition the workspace add up to 1', () => {
    const { workspace } = tallies();
    const [inside, outside] = [emptyValueTally(), emptyValueTally()];
    [buyer(100, 2, 0.5), buyer(50, 1, 0.2), visitor].forEach((v) => addToTally(inside, v, v !== visitor));
    [buyer(250, 4, 0.8), visitor].forEach((v) => addToTally(outside, v, v !== visitor));
    const share = (s: ValueTally) => segmentValue(s, workspace, model()).shareOfExpectedValue!;
    expect(share(inside) + share(outside)).toBeCloseTo(1, 12);
  });
});
