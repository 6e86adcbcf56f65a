import { describe, expect, it } from 'vitest';
import { AttuneError } from '../../errors/AttuneError.js';
import cases from './mineRules.cases.json' with { type: 'json' };
import { mineRules, type RuleOptions } from './mineRules.js';
import { parseBaskets } from './parseBaskets.js';

type Expected = { itemsets: [string[], number][]; rules: [string[], string[], number, number, number][] };
type Case = [string, string, RuleOptions, Expected];

describe('mineRules', () => {
  it.each(cases.cases as Case[])('%s', (_name, text, options, expected) => {
    const baskets = parseBaskets(text);
    const mined = mineRules(baskets, options);
    expect(mined.itemsets.map(({ items, count }) => [items, count])).toEqual(expected.itemsets);
    for (const itemset of mined.itemsets) expect(itemset.support).toBe(itemset.count / baskets.length);
    expect(mined.rules.map(({ antecedent, consequent, count }) => [antecedent, consequent, count])).toEqual(expected.rules.map(([a, c, n]) => [a, c, n]));
    mined.rules.forEach((rule, i) => {
      const [, , count, confidence, lift] = expected.rules[i]!;
      expect(rule.support).toBeCloseTo(count / baskets.length, 14);
      expect(rule.confidence).toBeCloseTo(confidence, 14);
      expect(rule.lift).toBeCloseTo(lift, 14);
    });
  });

  it.each([
    [{ minSupport: 0, minConfidence: 0.5 }, 'minSupport'],
    [{ minSupport: 1.5, minConfidence: 0.5 }, 'minSupport'],
    [{ minSupport: 0.1, minConfidence: -0.1 }, 'minConfidence'],
    [{ minSupport: 0.1, minConfidence: 0.5, minLength: 0 }, 'minLength'],
    [{ minSupport: 0.1, minConfidence: 0.5, minLength: 1.5 }, 'minLength'],
    [{ minSupport: 0.1, minConfidence: 0.5, minLength: 3, maxLength: 2 }, 'maxLength'],
  ] as [RuleOptions, string][])('refuses %j naming %s', (options, field) => {
    let caught: unknown;
    try {
      mineRules([['a']], options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AttuneError);
    expect((caught as AttuneError).code).toBe('ATTUNE_INVALID_REQUEST');
    expect((caught as AttuneError).field).toBe(field);
  });

  it('stops at the bound on itemsets and candidates, naming the minimum support; at the bound exactly it mines', () => {
    // The bound counts itemsets found and the next level's candidates together.
    // a, b, c and every pair frequent: 3 singles + 3 pair candidates, then 1 triple candidate.
    const baskets = [['a', 'b', 'c'], ['a', 'b', 'c']];
    expect(mineRules(baskets, { minSupport: 0.5, minConfidence: 0, maxItemsets: 7 }).itemsets).toHaveLength(7);
    expect(() => mineRules(baskets, { minSupport: 0.5, minConfidence: 0, maxItemsets: 6 })).toThrow(expect.objectContaining({ code: 'ATTUNE_INVALID_REQUEST', field: 'minSupport' }));
    expect(() => mineRules(baskets, { minSupport: 0.5, minConfidence: 0, maxItemsets: 5 })).toThrow(expect.objectContaining({ field: 'minSupport' }));
  });

  it('gives nothing, not an error, for no baskets', () => {
    expect(mineRules([], { minSupport: 0.1, minConfidence: 0.1 })).toEqual({ baskets: 0, itemsets: [], rules: [] });
  });
});
