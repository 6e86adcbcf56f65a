import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../core/common/random.js';
import { behaviourModel, drawBehaviour } from './customerBehaviour.js';
import { createShopWorld, type Customer, type ShopWorld } from './ShopWorld.js';
import { simulateVisit, visitRandom } from './simulateVisit.js';
import { customerVisitDays, scheduleVisits } from './trueUplift.js';

interface Outcome { visits: number; orderDays: number[]; revenue: number }

/** Every scheduled visit under the generic banner: per customer, visits, order days and revenue. */
function simulateGeneric(world: ShopWorld, days: number): Map<Customer, Outcome> {
  const outcomes = new Map<Customer, Outcome>(world.customers.map((c) => [c, { visits: 0, orderDays: [], revenue: 0 }]));
  for (const { customer, day } of scheduleVisits(world, days)) {
    const visit = simulateVisit(world, customer, day, { actionId: world.genericActionId, category: null }, visitRandom(world, customer, day));
    const outcome = outcomes.get(customer)!;
    outcome.visits += 1;
    if (visit.ordered) outcome.orderDays.push(day);
    outcome.revenue += visit.revenue;
  }
  return outcomes;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('drawBehaviour', () => {
  it('draws engagement with mean 1 that raises visits and propensity, dropout with the beta mean, spend around 1', () => {
    const random = seededRandom(17);
    const draws = Array.from({ length: 20_000 }, () => drawBehaviour(random));
    expect(mean(draws.map((d) => d.engagement))).toBeCloseTo(1, 1);
    const { dropoutA, dropoutB } = behaviourModel;
    expect(mean(draws.map((d) => d.dropoutProbability))).toBeCloseTo(dropoutA / (dropoutA + dropoutB), 2);
    expect(mean(draws.map((d) => d.value))).toBeGreaterThan(0.9);
    expect(mean(draws.map((d) => d.value))).toBeLessThan(1.1);
    // Ranges of visitRate and purchasePropensity: ShopWorld.test.ts. Both rise with engagement.
    const byEngagement = [...draws].sort((a, b) => a.engagement - b.engagement);
    const tenth = (i: number) => byEngagement.slice(i * 2000, (i + 1) * 2000);
    // Non-decreasing over the tenths (the top ones sit at the clamps), and far apart at the ends.
    for (const trait of ['visitRate', 'purchasePropensity'] as const) {
      const means = Array.from({ length: 10 }, (_, i) => mean(tenth(i).map((d) => d[trait])));
      for (let i = 1; i < 10; i++) expect(means[i]).toBeGreaterThanOrEqual(means[i - 1]!);
      expect(means[9]).toBeGreaterThan(3 * means[0]!);
    }
    expect(draws.every((d) => d.dropoutProbability >= 0 && d.dropoutProbability < 1)).toBe(true);
    // Gamma with shape below 1: a long tail, many customers well under the mean.
    expect(draws.filter((d) => d.engagement < 0.5).length / draws.length).toBeGreaterThan(0.3);
  });
});

describe('the simulated customers\' buying behaviour', () => {
  const world = createShopWorld({ seed: 13, customers: 2000 });

  it('engaged customers visit more and buy more', () => {
    const outcomes = simulateGeneric(world, 56);
    const byEngagement = [...world.customers].sort((a, b) => a.engagement - b.engagement);
    const quarter = byEngagement.length / 4;
    const bottom = byEngagement.slice(0, quarter).map((c) => outcomes.get(c)!);
    const top = byEngagement.slice(-quarter).map((c) => outcomes.get(c)!);
    expect(mean(top.map((o) => o.visits))).toBeGreaterThan(2 * mean(bottom.map((o) => o.visits)));
    expect(mean(top.map((o) => o.orderDays.length))).toBeGreaterThan(5 * mean(bottom.map((o) => o.orderDays.length)));
  });

  it('customers who drop out never visit again, and most leave within a year', () => {
    let dropped = 0;
    for (const customer of world.customers) {
      const { days, droppedOutAfter } = customerVisitDays(world, customer, 365);
      if (droppedOutAfter === null) continue;
      dropped += 1;
      expect(days[days.length - 1]).toBe(droppedOutAfter);
    }
    // After n visits a Beta(a, b) customer stays with probability b / (b + n) when a = 1: about 3 in 4 leave in a year.
    expect(dropped / world.customers.length).toBeGreaterThan(0.6);
    const visits = scheduleVisits(world, 365);
    const leftOn = new Map(world.customers.map((c) => [c.id, customerVisitDays(world, c, 365).droppedOutAfter]));
    for (const visit of visits) {
      const left = leftOn.get(visit.customer.id);
      if (left !== null && left !== undefined) expect(visit.day).toBeLessThanOrEqual(left);
    }
  });

  it('past purchases predict next week\'s: repeat buyers and recent buyers buy again more often', () => {
    const cutoff = 20;
    const outcomes = [...simulateGeneric(world, 28).values()].filter((o) => o.orderDays.some((d) => d <= cutoff));
    const buysAgain = (group: readonly Outcome[]) => mean(group.map((o) => (o.orderDays.some((d) => d > cutoff) ? 1 : 0)));
    const before = (o: Outcome) => o.orderDays.filter((d) => d <= cutoff);
    const once = outcomes.filter((o) => before(o).length === 1);
    const repeat = outcomes.filter((o) => before(o).length >= 2);
    expect(repeat.length).toBeGreaterThan(50);
    expect(buysAgain(repeat)).toBeGreaterThan(1.3 * buysAgain(once));
    // Among repeat buyers, one whose last purchase is long past has likely left.
    const recent = repeat.filter((o) => cutoff - Math.max(...before(o)) <= 4);
    const lapsed = repeat.filter((o) => cutoff - Math.max(...before(o)) >= 10);
    expect(buysAgain(recent)).toBeGreaterThan(2 * buysAgain(lapsed));
  });

  it('each customer spends at their own level', () => {
    const outcomes = simulateGeneric(world, 56);
    const orderValue = (group: readonly Customer[]) => {
      const buyers = group.map((c) => outcomes.get(c)!).filter((o) => o.orderDays.length > 0);
      return buyers.reduce((s, o) => s + o.revenue, 0) / buyers.reduce((s, o) => s + o.orderDays.length, 0);
    };
    const high = world.customers.filter((c) => c.value >= 1.5);
    const low = world.customers.filter((c) => c.value <= 0.7);
    expect(high.length).toBeGreaterThan(100);
    expect(low.length).toBeGreaterThan(100);
    expect(orderValue(high)).toBeGreaterThan(1.2 * orderValue(low));
  });
});
