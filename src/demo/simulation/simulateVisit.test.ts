import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../core/common/random.js';
import { readInteraction } from '../../core/decide/interactions.js';
import { PageCall, TrackCall } from '../../core/events/eventSchemas.js';
import type { EventMessage } from '../../sdk/node/AttuneClient.js';
import { createShopWorld, DAY_MS, promoActionId, shopCategories, topCategory, type Customer } from './ShopWorld.js';
import { clickProbability, purchaseProbability, simulateVisit, visitRandom, type Shown } from './simulateVisit.js';

const world = createShopWorld({ seed: 21, customers: 200, products: 40 });
const generic: Shown = { actionId: world.genericActionId, category: null };
const nothing: Shown = { actionId: null, category: null };
const promo = (category: string): Shown => ({ actionId: `${category}-promo`, category });
const bottomCategory = (c: Customer) => shopCategories.reduce((a, b) => (c.tastes[b] < c.tastes[a] ? b : a));
const checkTrack = Compile(TrackCall);
const checkPage = Compile(PageCall);

describe('simulateVisit', () => {
  it('gives identical events for the same seed', () => {
    const customer = world.customers[7]!;
    const a = simulateVisit(world, customer, 3, promo('shoes'), visitRandom(world, customer, 3));
    const b = simulateVisit(world, customer, 3, promo('shoes'), visitRandom(world, customer, 3));
    expect(b).toEqual(a);
    const all = (seed: number) => {
      const w = createShopWorld({ seed, customers: 30, products: 20 });
      return w.customers.flatMap((c) => simulateVisit(w, c, 1, generic, visitRandom(w, c, 1)).events);
    };
    expect(all(4)).toEqual(all(4));
    expect(all(5)).not.toEqual(all(4));
  });

  it('draws the same number of uniforms whatever was shown', () => {
    const customer = world.customers[0]!;
    const after = (shown: Shown) => {
      const random = seededRandom(99);
      simulateVisit(world, customer, 0, shown, random);
      return random.next();
    };
    expect(after(nothing)).toBe(after(promo('hats')));
    expect(after(generic)).toBe(after(promo('home')));
  });

  it('emits valid Segment calls, in time order, within the day', () => {
    let orders = 0;
    for (const customer of world.customers) {
      for (const shown of [nothing, generic, promo(topCategory(customer))]) {
        const visit = simulateVisit(world, customer, 2, shown, visitRandom(world, customer, 2));
        const times = visit.events.map((e) => Date.parse(e.timestamp));
        expect(times).toEqual([...times].sort((x, y) => x - y));
        for (const event of visit.events) {
          expect(event.type === 'track' ? checkTrack.Check(event) : checkPage.Check(event)).toBe(true);
          expect(new Date(event.timestamp).toISOString()).toBe(event.timestamp);
          expect(event.userId).toBe(customer.id);
          expect(event.anonymousId).toBe(customer.anonymousId);
          expect(event.context.timezone).toBe(customer.timeZone);
          const day = Math.floor((Date.parse(event.timestamp) - world.startsAt) / DAY_MS);
          expect(day).toBe(2);
        }
        expect(new Set(visit.events.map((e) => e.messageId)).size).toBe(visit.events.length);
        expect(visit.events[0]).toMatchObject({ type: 'page', name: 'Home' });
        const names = visit.events.flatMap((e) => (e.type === 'track' ? [e.event] : []));
        expect(names).toContain('Product Viewed');
        expect(names.includes('Decision Viewed')).toBe(shown.actionId !== null);
        for (const e of visit.events) {
          if (e.type === 'track' && e.event === 'Product Viewed') {
            expect(shopCategories).toContain(e.properties['category']);
            expect(typeof e.properties['price']).toBe('number');
          }
          if (e.type === 'track' && e.event.startsWith('Decision ')) {
            const interaction = readInteraction({ type: 'track', name: e.event, properties: e.properties, context: e.context, timestamp: 0 });
            expect(interaction).toMatchObject({ actionId: shown.actionId, placementId: world.placement.id, channel: 'web' });
          }
        }
        const order = visit.events.find((e) => e.type === 'track' && e.event === 'Order Completed');
        expect(order !== undefined).toBe(visit.ordered);
        if (order !== undefined) {
          orders += 1;
          expect(names).toContain('Product Added');
          const products = order.properties['products'] as { price: number; quantity: number; category: string }[];
          const sum = products.reduce((s, p) => s + p.price * p.quantity, 0);
          expect(order.properties['revenue']).toBeCloseTo(sum, 2);
          expect(visit.revenue).toBe(order.properties['revenue']);
        } else {
          expect(visit.revenue).toBe(0);
        }
      }
    }
    expect(orders).toBeGreaterThan(10);
  });

  it('gives calls the Node SDK takes', () => {
    const customer = world.customers[1]!;
    const events: readonly EventMessage[] = simulateVisit(world, customer, 0, generic, visitRandom(world, customer, 0)).events;
    expect(events.length).toBeGreaterThan(1);
  });

  it('makes a click likelier on a banner that matches the taste', () => {
    for (const customer of world.customers.slice(0, 50)) {
      const top = topCategory(customer);
      expect(clickProbability(customer, promo(top))).toBeGreaterThan(clickProbability(customer, promo(bottomCategory(customer))));
      expect(clickProbability(customer, nothing)).toBe(0);
    }
    const strong = world.customers.filter((c) => c.tastes[topCategory(c)] > 0.6);
    const clicks = (pickShown: (c: Customer) => Shown) => {
      let n = 0;
      for (let day = 0; day < 20; day++) for (const c of strong) if (simulateVisit(world, c, day, pickShown(c), visitRandom(world, c, day)).clicked) n++;
      return n / (20 * strong.length);
    };
    expect(clicks((c) => promo(topCategory(c)))).toBeGreaterThan(3 * clicks(() => generic));
  });

  it('raises the conversion probability with a matching banner, not with a generic one', () => {
    const product = world.products[0]!;
    for (const customer of world.customers) {
      const none = purchaseProbability(customer, nothing, product);
      expect(purchaseProbability(customer, generic, product)).toBe(none);
      const top = topCategory(customer);
      expect(purchaseProbability(customer, promo(top), product)).toBeGreaterThan(none);
      expect(purchaseProbability(customer, promo(bottomCategory(customer)), product)).toBeLessThanOrEqual(none);
    }
  });

  it('converts more visits with a matching banner in a seeded simulation (with tolerance)', () => {
    const rate = (pickShown: (c: Customer) => Shown) => {
      let orders = 0;
      let visits = 0;
      for (let day = 0; day < 40; day++) {
        for (const c of world.customers) {
          visits += 1;
          if (simulateVisit(world, c, day, pickShown(c), visitRandom(world, c, day)).ordered) orders += 1;
        }
      }
      return orders / visits;
    };
    const none = rate(() => nothing);
    const genericRate = rate(() => generic);
    const matching = rate((c) => promo(topCategory(c)));
    const mismatching = rate((c) => promo(bottomCategory(c)));
    expect(Math.abs(genericRate - none)).toBeLessThan(0.1 * none);
    expect(matching).toBeGreaterThan(1.4 * genericRate);
    expect(mismatching).toBeLessThan(genericRate);
    // A matching banner turns browsing into the banner's category.
    const customer = world.customers.find((c) => c.tastes[topCategory(c)] > 0.6)!;
    const bought = new Map<string, number>();
    for (let day = 0; day < 400; day++) {
      const visit = simulateVisit(world, customer, day, promo(topCategory(customer)), visitRandom(world, customer, day));
      const order = visit.events.find((e) => e.type === 'track' && e.event === 'Order Completed');
      const first = (order?.properties['products'] as { category: string }[] | undefined)?.[0];
      if (first !== undefined) bought.set(first.category, (bought.get(first.category) ?? 0) + 1);
    }
    const total = [...bought.values()].reduce((a, b) => a + b, 0);
    expect((bought.get(topCategory(customer)) ?? 0) / total).toBeGreaterThan(0.6);
    expect(promoActionId(topCategory(customer))).toMatch(/-promo$/);
  });
});
