import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { seededRandom } from '../../src/core/common/random.js';
import { proportionSampleSizePerArm } from '../../src/core/stats/power.js';
import { startHarness, type Harness } from '../support/harness.js';
import { adminCalls, collect, expectCollected } from './httpHelpers.js';

// A segment's value and plan check end to end: orders and traits arrive as events, segments
// group the profiles, a training fits the model, and the segment API sums its members'
// predictions and sizes an experiment on it.

const now = Date.parse('2026-06-30T12:00:00.000Z');
const day = 86_400_000;

interface Value {
  segmentId: string; members: number; customers: number; modelVersion: number | null;
  totalClv12m: number | null; meanClv12m: number | null; expectedPurchases12m: number | null; shareOfExpectedValue: number | null;
  meanPurchasePropensity: number | null; propensityHorizonDays: number | null; scoredMembers: number;
  workspace: { profiles: number; customers: number; totalClv12m: number | null }; notes: string[];
}
interface Plan {
  baselineRate: number; baselineSource: string; propensityHorizonDays: number | null; members: number; entriesPerDay: number | null;
  entryHistory: { entries: number; days: number } | null; requiredUnitsPerArm: number; projectedUnitsPerArm: number;
  reachable: boolean; daysNeeded: number | null; warning: string | null; notes: string[];
}

describe('segment value and plan check', () => {
  const clock = fixedClock(now);
  let h: Harness;
  beforeEach(async () => { clock.set(now); h = await startHarness({ clock }); });
  afterEach(async () => { await h.close(); });
  const { ok, problem } = adminCalls(() => h);

  /** 60 customers (even: regulars buying every one to three weeks; odd: lapsed 150 to 250 days ago) and 20 visitors who never bought. */
  async function sendData(): Promise<void> {
    const random = seededRandom(9);
    const batch: Record<string, unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      const regular = i % 2 === 0;
      batch.push({ type: 'identify', userId: `u${i}`, traits: { kind: regular ? 'regular' : 'lapsed' } });
      const end = regular ? now : now - (150 + Math.floor(random.next() * 100)) * day;
      for (let at = now - (300 + Math.floor(random.next() * 60)) * day; at < end; at += (regular ? 7 + random.next() * 14 : 20 + random.next() * 40) * day) {
        batch.push({ type: 'track', userId: `u${i}`, event: 'Order Completed', timestamp: new Date(at).toISOString(), properties: { revenue: 20 + Math.floor(random.next() * 80) } });
      }
    }
    for (let i = 0; i < 20; i++) batch.push({ type: 'identify', userId: `v${i}`, traits: { kind: 'visitor' } });
    for (let start = 0; start < batch.length; start += 500) expectCollected(await collect(h, '/v1/batch', { batch: batch.slice(start, start + 500) }));
  }

  const segment = (id: string, rule: string) => ok('POST', '/admin/v1/segments', { id, name: id, rule });

  it('sums the members\' predictions, shares the workspace\'s value, and says why a figure is missing', async () => {
    await sendData();
    await segment('regulars', 'profile.traits.kind == "regular"');
    await segment('lapsed', 'profile.traits.kind == "lapsed"');
    await segment('buyers_or_visitors', 'profile.traits.kind == "regular" or profile.traits.kind == "visitor"');

    const untrained = await ok<Value>('GET', '/admin/v1/segments/regulars/value');
    expect(untrained).toMatchObject({ segmentId: 'regulars', members: 30, customers: 30, modelVersion: null, totalClv12m: null, shareOfExpectedValue: null });
    expect(untrained.workspace).toEqual({ profiles: 80, customers: 60, totalClv12m: null });
    expect(untrained.notes.join(' ')).toContain('no prediction model');

    await ok('POST', '/admin/v1/predictions/train', { horizonDays: 30 }, 200);
    const regulars = await ok<Value>('GET', '/admin/v1/segments/regulars/value');
    const lapsed = await ok<Value>('GET', '/admin/v1/segments/lapsed/value');
    expect(regulars).toMatchObject({ members: 30, customers: 30, modelVersion: 1, scoredMembers: 30, propensityHorizonDays: 30, notes: [] });
    expect(regulars.meanClv12m).toBeCloseTo(regulars.totalClv12m! / 30, 9);
    // The two segments split the customers: their shares of the value add up to 1.
    expect(regulars.shareOfExpectedValue! + lapsed.shareOfExpectedValue!).toBeCloseTo(1, 9);
    expect(regulars.shareOfExpectedValue!).toBeGreaterThan(lapsed.shareOfExpectedValue!);
    expect(regulars.meanPurchasePropensity!).toBeGreaterThan(lapsed.meanPurchasePropensity!);
    expect(regulars.expectedPurchases12m!).toBeGreaterThan(lapsed.expectedPurchases12m!);
    // Visitors are members, not customers: they add nothing to the value and no propensity.
    const mixed = await ok<Value>('GET', '/admin/v1/segments/buyers_or_visitors/value');
    expect(mixed).toMatchObject({ members: 50, customers: 30, scoredMembers: 30 });
    expect(mixed.totalClv12m).toBeCloseTo(regulars.totalClv12m!, 9);
  });

  it('sizes a planned experiment from the members, their entries per day and a baseline', async () => {
    await sendData();
    await segment('regulars', 'profile.traits.kind == "regular"');
    // No model, no baseline given: the baseline is asked for.
    const noBaseline = await problem('POST', '/admin/v1/segments/regulars/plan', { minimumDetectableEffect: 0.1, days: 14 }, 400, 'ATTUNE_INVALID_REQUEST');
    expect(noBaseline.field).toBe('body/baselineRate');

    const given = await ok<Plan>('POST', '/admin/v1/segments/regulars/plan', { minimumDetectableEffect: 0.2, days: 14, baselineRate: 0.1 }, 200);
    expect(given).toMatchObject({
      baselineSource: 'request', members: 30, entriesPerDay: null, entryHistory: null,
      requiredUnitsPerArm: 3839, projectedUnitsPerArm: 15, reachable: false, daysNeeded: null,
    });
    expect(given.warning).toContain('too small');
    expect(given.notes.join(' ')).toContain('no entry rate yet');

    // Two days on, five new regulars: 2.5 entries a day.
    clock.set(now + day);
    expectCollected(await collect(h, '/v1/batch', { batch: [0, 1, 2, 3, 4].map((i) => ({ type: 'identify', userId: `n${i}`, traits: { kind: 'regular' } })) }));
    clock.set(now + 2 * day);
    const later = await ok<Plan>('POST', '/admin/v1/segments/regulars/plan', { minimumDetectableEffect: 0.2, days: 28, baselineRate: 0.1, arms: 3, trafficShare: 0.5 }, 200);
    expect(later).toMatchObject({ members: 35, entriesPerDay: 2.5, entryHistory: { entries: 5, days: 2 }, projectedUnitsPerArm: Math.floor(((35 + 2.5 * 28) * 0.5) / 3), reachable: false });
    expect(later.daysNeeded).toBe(Math.ceil((3839 * 3 / 0.5 - 35) / 2.5));

    // With a model: the members' mean purchase propensity is the baseline.
    await ok('POST', '/admin/v1/predictions/train', { horizonDays: 30 }, 200);
    const value = await ok<Value>('GET', '/admin/v1/segments/regulars/value');
    // The regulars are near-certain to buy within 30 days: only a small rise stays below a rate of 1.
    const fromModel = await ok<Plan>('POST', '/admin/v1/segments/regulars/plan', { minimumDetectableEffect: 0.001, days: 14 }, 200);
    expect(fromModel).toMatchObject({ baselineSource: 'purchase_propensity', propensityHorizonDays: 30 });
    expect(fromModel.baselineRate).toBeCloseTo(value.meanPurchasePropensity!, 12);
    expect(fromModel.requiredUnitsPerArm).toBe(proportionSampleSizePerArm({ baseline: fromModel.baselineRate, mde: fromModel.baselineRate * 0.001 }));
  });

  it('refuses bad input naming the field, an unknown segment, and a segment that exists only at decision time', async () => {
    await segment('everyone', 'true');
    for (const [body, field] of [
      [{ minimumDetectableEffect: 0.1, days: 0, baselineRate: 0.1 }, 'body/days'],
      [{ minimumDetectableEffect: 0, days: 14, baselineRate: 0.1 }, 'body/minimumDetectableEffect'],
      [{ minimumDetectableEffect: 0.1, days: 14, baselineRate: 0.1, arms: 1 }, 'body/arms'],
      [{ minimumDetectableEffect: 0.1, days: 14, baselineRate: 1 }, 'body/baselineRate'],
      [{ minimumDetectableEffect: 0.1, days: 14, baselineRate: 0.1, trafficShare: 0 }, 'body/trafficShare'],
      // Valid alone, not together: a 50% rise on 0.8 is a rate of 1.2.
      [{ minimumDetectableEffect: 0.5, days: 14, baselineRate: 0.8 }, 'body/minimumDetectableEffect'],
    ] as const) {
      const res = await problem('POST', '/admin/v1/segments/everyone/plan', body, 400, 'ATTUNE_INVALID_REQUEST');
      expect(res.field, JSON.stringify(body)).toBe(field);
    }
    // A missing member is named in the detail, the field being the body (as on every route).
    expect((await problem('POST', '/admin/v1/segments/everyone/plan', { minimumDetectableEffect: 0.1 }, 400, 'ATTUNE_INVALID_REQUEST')).detail).toContain('days');
    await problem('GET', '/admin/v1/segments/nope/value', undefined, 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    await problem('POST', '/admin/v1/segments/nope/plan', { minimumDetectableEffect: 0.1, days: 14, baselineRate: 0.1 }, 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    await segment('german', 'context.locale starts_with "de"');
    await problem('GET', '/admin/v1/segments/german/value', undefined, 409, 'ATTUNE_CONFLICT');
  });
});
