import { describe, expect, it } from 'vitest';
import { createShopWorld, promoActionId } from './ShopWorld.js';
import { simulateVisit, visitRandom, type SimEvent } from './simulateVisit.js';
import {
  computeTrueUplift, genericPolicy, oraclePolicy, randomCategoryPolicy, rulePolicy, runArm, scheduleVisits,
} from './trueUplift.js';

const world = createShopWorld({ seed: 42, customers: 300, products: 40 });
const days = 21;

describe('scheduleVisits', () => {
  it('is deterministic, in time order, and at most one visit per customer and day', () => {
    const visits = scheduleVisits(world, days);
    expect(scheduleVisits(world, days)).toEqual(visits);
    const times = visits.map((v) => v.startsAt);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const keys = visits.map((v) => `${v.customer.id}/${v.day}`);
    expect(new Set(keys).size).toBe(keys.length);
    const expected = world.customers.reduce((s, c) => s + c.visitRate, 0) * days;
    expect(visits.length).toBeGreaterThan(0.85 * expected);
    expect(visits.length).toBeLessThan(1.15 * expected);
  });
});

describe('rulePolicy', () => {
  it('shows the promo of the category the customer viewed most, and the generic banner without history', () => {
    const policy = rulePolicy(world);
    const customer = world.customers[0]!;
    const at = world.startsAt + 5 * 86_400_000;
    expect(policy(customer, [], at, 5)).toEqual({ actionId: world.genericActionId, category: null });
    const view = (category: string, n: number): SimEvent => ({
      type: 'track', event: 'Product Viewed', userId: customer.id, anonymousId: customer.anonymousId,
      timestamp: new Date(at - 3_600_000 + n * 1000).toISOString(), messageId: `m-${n}`,
      context: { locale: 'en-US', timezone: 'UTC', page: { path: '/', title: 'x' } }, properties: { category },
    });
    const history: SimEvent[] = [view('hats', 1), view('outdoor', 2), view('outdoor', 3)];
    expect(policy(customer, history, at, 5)).toEqual({ actionId: promoActionId('outdoor'), category: 'outdoor' });
    history.push(view('hats', 4), view('hats', 5));
    expect(policy(customer, history, at, 5)).toEqual({ actionId: promoActionId('hats'), category: 'hats' });
  });
});

describe('computeTrueUplift', () => {
  it('is zero for the generic policy against itself (common random numbers)', () => {
    const truth = computeTrueUplift(world, { days: 7, policy: genericPolicy(world) });
    expect(truth.revenuePerVisitor).toEqual({ absolute: 0, relative: 0, standardError: 0 });
    expect(truth.conversionRate.absolute).toBe(0);
    expect(truth.personalized).toEqual(truth.generic);
  });

  it('is positive for the taste-matching policies, the oracle best', () => {
    const rules = computeTrueUplift(world, { days, policy: rulePolicy(world) });
    const oracle = computeTrueUplift(world, { days, policy: oraclePolicy(world) });
    for (const truth of [rules, oracle]) {
      expect(truth.revenuePerVisitor.absolute).toBeGreaterThan(3 * truth.revenuePerVisitor.standardError);
      expect(truth.conversionRate.absolute).toBeGreaterThan(3 * truth.conversionRate.standardError);
      expect(truth.revenuePerVisitor.relative).toBeGreaterThan(0.1);
      expect(truth.personalized.visits).toBe(truth.generic.visits);
    }
    expect(oracle.revenuePerVisitor.absolute).toBeGreaterThan(rules.revenuePerVisitor.absolute);
    // The arms' numbers add up.
    expect(rules.revenuePerVisitor.absolute).toBeCloseTo(rules.personalized.revenuePerVisitor - rules.generic.revenuePerVisitor, 9);
    expect(rules.generic.revenuePerVisitor).toBeCloseTo(rules.generic.revenue / rules.generic.visitors, 9);
  });

  it('is about zero for a policy that shows random categories', () => {
    for (const seed of [1, 2]) {
      const truth = computeTrueUplift(world, { days, policy: randomCategoryPolicy(world, seed) });
      expect(Math.abs(truth.revenuePerVisitor.absolute)).toBeLessThan(3 * truth.revenuePerVisitor.standardError + 0.5);
      expect(Math.abs(truth.revenuePerVisitor.relative ?? 1)).toBeLessThan(0.2); // the rules policy: about 0.6
      expect(Math.abs(truth.conversionRate.absolute)).toBeLessThan(3 * truth.conversionRate.standardError + 0.01);
    }
  });

  it('gives the same truth for the same seed', () => {
    const a = computeTrueUplift(createShopWorld({ seed: 8, customers: 80 }), { days: 10, policy: rulePolicy(createShopWorld({ seed: 8, customers: 80 })) });
    const w = createShopWorld({ seed: 8, customers: 80 });
    expect(computeTrueUplift(w, { days: 10, policy: rulePolicy(w) })).toEqual(a);
  });

  it('sums the visits of runArm, visit by visit', () => {
    const visits = scheduleVisits(world, 3);
    const outcomes = runArm(world, visits, genericPolicy(world));
    const revenue = visits.reduce((s, v) => s + simulateVisit(world, v.customer, v.day, { actionId: world.genericActionId, category: null }, visitRandom(world, v.customer, v.day)).revenue, 0);
    expect(outcomes.reduce((s, o) => s + o.revenue, 0)).toBeCloseTo(revenue, 6);
    expect(outcomes.reduce((s, o) => s + o.visits, 0)).toBe(visits.length);
  });
});
