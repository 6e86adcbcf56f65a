import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../../test/support/sharedData.js';
import { mineRules } from './mineRules.js';
import { parseBaskets } from './parseBaskets.js';

/**
 * arules' Groceries (../shared/data/groceries/groceries.csv: 9,835 baskets, 169 items).
 * Reference values come from two places:
 * - published arules figures: with support 0.01 and confidence 0.5, apriori finds 15 rules
 *   (arules' own examples); with support 0.006, confidence 0.25 and minlen 2, 463 rules
 *   (Lantz, "Machine Learning with R", ch. 8); with support 0.001 and confidence 0.8, 410
 *   rules (the widely reproduced arules tutorial figure);
 * - an independent brute-force counter below: every subset of every basket up to a size
 *   where nothing is frequent any more, counted in a map, rules derived from the counts.
 */
const data = sharedData('groceries/groceries.csv');

interface Reference { itemsets: Map<string, number>; baskets: number }

/** Counts every itemset of up to `maxSize` items over the baskets (labels joined by \u0001, sorted). */
function bruteForce(baskets: readonly string[][], maxSize: number): Reference {
  const itemsets = new Map<string, number>();
  for (const basket of baskets) {
    const items = [...new Set(basket)].sort();
    const visit = (start: number, chosen: string[]): void => {
      if (chosen.length > 0) {
        const key = chosen.join('\u0001');
        itemsets.set(key, (itemsets.get(key) ?? 0) + 1);
      }
      if (chosen.length === maxSize) return;
      for (let i = start; i < items.length; i += 1) visit(i + 1, [...chosen, items[i]!]);
    };
    visit(0, []);
  }
  return { itemsets, baskets: baskets.length };
}

function referenceRules(ref: Reference, minSupport: number, minConfidence: number, minLength: number): Map<string, { support: number; confidence: number; lift: number }> {
  const rules = new Map<string, { support: number; confidence: number; lift: number }>();
  for (const [key, count] of ref.itemsets) {
    if (count / ref.baskets < minSupport) continue;
    const items = key.split('\u0001');
    if (items.length < minLength) continue;
    for (const y of items) {
      const x = items.filter((item) => item !== y);
      const xCount = x.length === 0 ? ref.baskets : ref.itemsets.get(x.join('\u0001'))!;
      const confidence = count / xCount;
      if (confidence < minConfidence) continue;
      const support = count / ref.baskets;
      rules.set(`${x.join('\u0001')} => ${y}`, { support, confidence, lift: support / ((xCount / ref.baskets) * (ref.itemsets.get(y)! / ref.baskets)) });
    }
  }
  return rules;
}


if (data.path === null) {
  describe('shared data', () => {
    it.skip(data.skipReason, () => {});
  });
}
describe.skipIf(data.path === null)('mineRules on Groceries', () => {
  const baskets = data.path === null ? [] : parseBaskets(readFileSync(data.path, 'utf8'));
  // Sizes up to 5 cover every frequent itemset at support >= 0.006: the test checks that none of size 5 is (so, by Apriori's property, none larger).
  const reference = data.path === null ? { itemsets: new Map<string, number>(), baskets: 0 } : bruteForce(baskets, 5);

  it('reads 9,835 baskets of 169 items, two labels ending in a space', () => {
    expect(baskets).toHaveLength(9835);
    const labels = new Set(baskets.flat());
    expect(labels.size).toBe(169);
    expect([...labels].filter((label) => label.endsWith(' ')).sort()).toEqual(['cream cheese ', 'roll products ']);
  });

  it.each([
    [0.01, 0.5, 1, 15],
    [0.006, 0.25, 2, 463],
  ])('support %s, confidence %s, min length %s: %s rules, itemsets and figures equal to a brute-force count', (minSupport, minConfidence, minLength, published) => {
    const mined = mineRules(baskets, { minSupport, minConfidence, minLength });
    expect(mined.rules).toHaveLength(published);
    const expectedItemsets = [...reference.itemsets].filter(([key, count]) => count / reference.baskets >= minSupport && key.split('\u0001').length >= minLength);
    expect(expectedItemsets.some(([key]) => key.split('\u0001').length === 5)).toBe(false);
    expect(mined.itemsets).toHaveLength(expectedItemsets.length);
    for (const itemset of mined.itemsets) expect(itemset.count).toBe(reference.itemsets.get(itemset.items.join('\u0001')));
    const expected = referenceRules(reference, minSupport, minConfidence, minLength);
    expect(expected.size).toBe(published);
    for (const rule of mined.rules) {
      const want = expected.get(`${rule.antecedent.join('\u0001')} => ${rule.consequent[0]!}`);
      expect(want).toBeDefined();
      expect(rule.support).toBeCloseTo(want!.support, 12);
      expect(rule.confidence).toBeCloseTo(want!.confidence, 12);
      expect(rule.lift).toBeCloseTo(want!.lift, 12);
    }
  });

  it('finds arules\' best rule at support 0.01, confidence 0.5: {citrus fruit, root vegetables} => {other vegetables}', () => {
    const [best] = mineRules(baskets, { minSupport: 0.01, minConfidence: 0.5 }).rules;
    expect(best).toMatchObject({ antecedent: ['citrus fruit', 'root vegetables'], consequent: ['other vegetables'], count: 102 });
    // arules prints support 0.01037112, confidence 0.5862069, lift 3.029608.
    expect(best!.support).toBeCloseTo(0.01037112, 8);
    expect(best!.confidence).toBeCloseTo(0.5862069, 7);
    expect(best!.lift).toBeCloseTo(3.029608, 6);
  });

  it('finds the 410 rules of support 0.001, confidence 0.8', () => {
    expect(mineRules(baskets, { minSupport: 0.001, minConfidence: 0.8 }).rules).toHaveLength(410);
  });

  it('with the default length 1, {} => {whole milk} appears once confidence allows it (support of whole milk 0.2555)', () => {
    const rules = mineRules(baskets, { minSupport: 0.01, minConfidence: 0.25 }).rules.filter((rule) => rule.antecedent.length === 0);
    expect(rules.map((rule) => rule.consequent[0])).toEqual(['whole milk']);
    expect(rules[0]!.confidence).toBeCloseTo(2513 / 9835, 12);
  });
});
