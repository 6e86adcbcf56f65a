import { AttuneError } from '../../errors/AttuneError.js';
import { compareItemsets, defaultMaxLength, frequentItemsets } from './apriori.js';

/**
 * Frequent itemsets and association rules as R's arules `apriori` defines them:
 * - support(Z) = count(Z) / baskets; Z is frequent when that is at least `minSupport`;
 * - a rule X => {y} has one consequent item, and X ∪ {y} frequent;
 * - confidence = count(X ∪ {y}) / count(X), from counts (count(∅) = baskets), at least `minConfidence`;
 * - lift = confidence / support({y});
 * - `minLength` (arules' `minlen`, default 1) and `maxLength` (`maxlen`, default 10) bound the
 *   items of a rule, antecedent and consequent together, and of a listed itemset. Length 1
 *   allows the empty antecedent: {} => {y} when support(y) >= minConfidence.
 */
export interface RuleOptions {
  readonly minSupport: number;
  readonly minConfidence: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** A bound on the work (see `AprioriOptions.maxItemsets`). */
  readonly maxItemsets?: number;
}

export interface Itemset {
  readonly items: readonly string[];
  readonly count: number;
  readonly support: number;
}

export interface AssociationRule {
  readonly antecedent: readonly string[];
  readonly consequent: readonly string[];
  readonly count: number;
  readonly support: number;
  readonly confidence: number;
  readonly lift: number;
}

export interface MinedRules {
  readonly baskets: number;
  /** By length, then support (highest first), then items. */
  readonly itemsets: readonly Itemset[];
  /** By lift, then confidence, then support (highest first), then items. */
  readonly rules: readonly AssociationRule[];
}

/** @example mineRules([['a', 'b'], ['a'], ['a', 'b']], { minSupport: 0.5, minConfidence: 0.9 }).rules // [{ antecedent: ['b'], consequent: ['a'], ... }, { antecedent: [], consequent: ['a'], ... }] */
export function mineRules(baskets: readonly (readonly string[])[], options: RuleOptions): MinedRules {
  const minLength = options.minLength ?? 1;
  const maxLength = options.maxLength ?? defaultMaxLength;
  const { minConfidence } = options;
  if (!(minConfidence >= 0 && minConfidence <= 1)) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `minimum confidence must be in [0, 1], got ${minConfidence}`, field: 'minConfidence' });
  if (!Number.isInteger(minLength) || minLength < 1) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `minimum length must be a positive integer, got ${minLength}`, field: 'minLength' });
  if (!Number.isInteger(maxLength) || maxLength < minLength) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `maximum length must be an integer of at least the minimum length (${minLength}), got ${maxLength}`, field: 'maxLength' });

  const { baskets: n, labels, counts } = frequentItemsets(baskets, { minSupport: options.minSupport, maxLength, ...(options.maxItemsets === undefined ? {} : { maxItemsets: options.maxItemsets }) });
  const named = (items: readonly number[]): string[] => items.map((item) => labels[item]!);
  const entries = [...counts].map(([key, count]) => ({ items: key.split(',').map(Number), count }));

  const itemsets = entries
    .filter(({ items }) => items.length >= minLength)
    .sort((a, b) => a.items.length - b.items.length || b.count - a.count || compareItemsets(a.items, b.items))
    .map(({ items, count }) => ({ items: named(items), count, support: count / n }));

  const rules: (AssociationRule & { readonly order: readonly number[] })[] = [];
  for (const { items, count } of entries) {
    if (items.length < minLength) continue;
    for (const consequent of items) {
      const antecedent = items.filter((item) => item !== consequent);
      const antecedentCount = antecedent.length === 0 ? n : counts.get(antecedent.join(','))!;
      const confidence = count / antecedentCount;
      if (confidence < minConfidence) continue;
      const consequentCount = counts.get(String(consequent))!;
      rules.push({
        antecedent: named(antecedent), consequent: named([consequent]), count,
        support: count / n, confidence, lift: (count * n) / (antecedentCount * consequentCount),
        order: [...antecedent, -1, consequent],
      });
    }
  }
  rules.sort((a, b) => b.lift - a.lift || b.confidence - a.confidence || b.support - a.support || compareItemsets(a.order, b.order));
  return { baskets: n, itemsets, rules: rules.map(({ order: _order, ...rule }) => rule) };
}
