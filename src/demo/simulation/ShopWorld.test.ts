import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../core/common/random.js';
import { ActionDefinition } from '../../core/decide/ActionDefinition.js';
import { compileDecisionModel } from '../../core/decide/compileDecisionModel.js';
import { PlacementDefinition } from '../../core/decide/PlacementDefinition.js';
import { FeatureDefinition } from '../../core/features/FeatureDefinition.js';
import { compileKnowledgeModel } from '../../core/knowledge/KnowledgeModel.js';
import { compileRule } from '../../core/rules/compileRule.js';
import {
  categoryPriceRanges, createShopWorld, promoActionId, promoRule, sampleGamma, sampleTastes, shopCategories, topCategory,
} from './ShopWorld.js';

describe('createShopWorld', () => {
  it('gives the same world for the same seed, and another for another seed', () => {
    const a = createShopWorld({ seed: 11, customers: 50, products: 20 });
    const b = createShopWorld({ seed: 11, customers: 50, products: 20 });
    const c = createShopWorld({ seed: 12, customers: 50, products: 20 });
    expect(b).toEqual(a);
    expect(c.customers.map((x) => x.tastes)).not.toEqual(a.customers.map((x) => x.tastes));
    expect(c.products.map((p) => p.price)).not.toEqual(a.products.map((p) => p.price));
  });

  it('draws tastes that sum to 1, prices inside their category range, and customer traits in range', () => {
    const world = createShopWorld({ seed: 3, customers: 300, products: 60 });
    expect(world.products).toHaveLength(60);
    for (const category of shopCategories) expect(world.productsByCategory[category]).toHaveLength(12);
    for (const product of world.products) {
      const { min, max } = categoryPriceRanges[product.category];
      expect(product.price).toBeGreaterThanOrEqual(min);
      expect(product.price).toBeLessThanOrEqual(max);
      expect(product.priceLevel).toBeGreaterThanOrEqual(0);
      expect(product.priceLevel).toBeLessThanOrEqual(1);
    }
    expect(new Set(world.products.map((p) => p.id)).size).toBe(60);
    for (const customer of world.customers) {
      const tastes = shopCategories.map((c) => customer.tastes[c]);
      for (const t of tastes) expect(t).toBeGreaterThanOrEqual(0);
      expect(tastes.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(customer.priceSensitivity).toBeGreaterThanOrEqual(0);
      expect(customer.priceSensitivity).toBeLessThanOrEqual(1);
      expect(customer.visitRate).toBeGreaterThanOrEqual(0.05);
      expect(customer.visitRate).toBeLessThanOrEqual(0.4);
      expect(customer.purchasePropensity).toBeGreaterThanOrEqual(0.04);
      expect(customer.purchasePropensity).toBeLessThanOrEqual(0.2);
      expect(customer.value).toBeGreaterThanOrEqual(0.5);
      expect(customer.value).toBeLessThanOrEqual(3);
      expect(customer.timeZone).toMatch(/^[A-Z][a-z]+\/[A-Za-z_]+$/);
    }
    expect(new Set(world.customers.map((c) => c.id)).size).toBe(300);
    // Tastes differ between customers: every category is somebody's favourite.
    expect(new Set(world.customers.map(topCategory)).size).toBe(shopCategories.length);
    // Concentration 0.4: most customers have one clear favourite.
    const strong = world.customers.filter((c) => c.tastes[topCategory(c)] > 0.5).length;
    expect(strong / world.customers.length).toBeGreaterThan(0.4);
  });

  it('rejects options that cannot make a world', () => {
    expect(() => createShopWorld({ seed: 1, customers: 0 })).toThrow(RangeError);
    expect(() => createShopWorld({ seed: 1, products: 3 })).toThrow(RangeError);
    expect(() => createShopWorld({ seed: 1, startsAt: Date.UTC(2025, 0, 1, 5) })).toThrow(RangeError);
  });

  it('declares a placement, actions and features that the engine accepts', () => {
    const world = createShopWorld({ seed: 1, customers: 5, products: 10 });
    expect(Compile(PlacementDefinition).Check(world.placement)).toBe(true);
    for (const action of world.actions) expect(Compile(ActionDefinition).Check(action), action.id).toBe(true);
    for (const feature of world.features) expect(Compile(FeatureDefinition).Check(feature)).toBe(true);
    const knowledge = compileKnowledgeModel({ features: world.features, segments: [] });
    const model = compileDecisionModel({ actions: world.actions, placements: [world.placement] }, knowledge);
    for (const action of model.actions.values()) expect(action.problems, action.id).toEqual([]);
    expect(model.placements.get(world.placement.id)?.actions.map((a) => a.id).sort()).toEqual(world.actions.map((a) => a.id).sort());
    expect(Object.keys(world.categoryOfAction).sort()).toEqual(shopCategories.map(promoActionId).sort());
    expect(world.categoryOfAction[world.genericActionId]).toBeUndefined();
  });
});

describe('promoRule', () => {
  const matches = (category: (typeof shopCategories)[number], affinity: Record<string, number>) =>
    compileRule(promoRule(category)).matches({ now: 0, features: { category_affinity: affinity } });

  it('holds for the top category with enough interest, and for no other', () => {
    expect(matches('bags', { bags: 2.5, shoes: 1.2 })).toBe(true);
    expect(matches('shoes', { bags: 2.5, shoes: 1.2 })).toBe(false);
    expect(matches('hats', { bags: 2.5, shoes: 1.2 })).toBe(false);
    expect(matches('bags', { bags: 0.6 })).toBe(false);
    expect(matches('bags', {})).toBe(false);
  });
});

describe('sampling', () => {
  it('draws gamma variates with the mean of their shape', () => {
    for (const shape of [0.4, 1, 3]) {
      const random = seededRandom(5);
      const n = 20_000;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += sampleGamma(shape, random);
      expect(sum / n).toBeCloseTo(shape, 1);
    }
    expect(() => sampleGamma(0, seededRandom(1))).toThrow(RangeError);
  });

  it('draws Dirichlet tastes with equal means and more spread for a smaller concentration', () => {
    const spread = (alpha: number) => {
      const random = seededRandom(9);
      const shoes: number[] = [];
      for (let i = 0; i < 5000; i++) shoes.push(sampleTastes(alpha, random).shoes);
      const mean = shoes.reduce((a, b) => a + b, 0) / shoes.length;
      return { mean, variance: shoes.reduce((s, x) => s + (x - mean) ** 2, 0) / shoes.length };
    };
    const peaked = spread(0.4);
    const flat = spread(5);
    expect(peaked.mean).toBeCloseTo(0.2, 1);
    expect(flat.mean).toBeCloseTo(0.2, 1);
    // Var = (1/5)(4/5) / (5 alpha + 1): 0.053 for 0.4, 0.0062 for 5.
    expect(peaked.variance).toBeGreaterThan(0.04);
    expect(flat.variance).toBeLessThan(0.01);
  });
});
