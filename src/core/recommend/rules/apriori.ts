import { AttuneError } from '../../errors/AttuneError.js';

/**
 * Frequent itemsets by Apriori (Agrawal and Srikant 1994), with the definitions of R's
 * arules `apriori`: an itemset is frequent when the share of baskets holding all its items is
 * at least `minSupport` (count / baskets >= S, compared on counts, no rounding of S * N).
 * Level k's candidates join two frequent (k-1)-itemsets that share their first k-2 items, and
 * survive only when every (k-1)-subset is frequent; then one pass over the baskets counts them.
 */
export interface AprioriOptions {
  /** In (0, 1]. */
  readonly minSupport: number;
  /** The largest itemset to mine (arules' `maxlen`, default 10). */
  readonly maxLength?: number;
  /**
   * A bound on the work: mining stops with ATTUNE_INVALID_REQUEST (field `minSupport`) when the
   * frequent itemsets found and the next level's candidates exceed it. Default: no bound.
   */
  readonly maxItemsets?: number;
}

export interface CountedItemsets {
  readonly baskets: number;
  /** Item labels; itemsets hold indices into it. Sorted by code unit, so sorted indices are sorted labels. */
  readonly labels: readonly string[];
  /** Every frequent itemset (sorted indices, joined by ","), with its count. */
  readonly counts: ReadonlyMap<string, number>;
}

export const defaultMaxLength = 10;

export function frequentItemsets(baskets: readonly (readonly string[])[], options: AprioriOptions): CountedItemsets {
  const { minSupport } = options;
  const maxLength = options.maxLength ?? defaultMaxLength;
  if (!(minSupport > 0 && minSupport <= 1)) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `minimum support must be in (0, 1], got ${minSupport}`, field: 'minSupport' });
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `maximum length must be a positive integer, got ${maxLength}`, field: 'maxLength' });
  const n = baskets.length;
  const isFrequent = (count: number): boolean => n > 0 && count / n >= minSupport;

  const labels = [...new Set(baskets.flat())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const indexOf = new Map(labels.map((label, index) => [label, index]));
  const singles = new Array<number>(labels.length).fill(0);
  const encoded = baskets.map((basket) => [...new Set(basket.map((label) => indexOf.get(label)!))]);
  for (const basket of encoded) for (const item of basket) singles[item] = singles[item]! + 1;

  const counts = new Map<string, number>();
  let level: number[][] = [];
  singles.forEach((count, item) => {
    if (isFrequent(count)) {
      counts.set(String(item), count);
      level.push([item]);
    }
  });
  // Baskets keep only frequent items: no superset of an infrequent item can be frequent.
  const frequentItem = new Uint8Array(labels.length);
  for (const [item] of level) frequentItem[item!] = 1;
  const transactions = encoded.map((basket) => basket.filter((item) => frequentItem[item] === 1).sort((a, b) => a - b));

  for (let size = 2; size <= maxLength && level.length > 1; size += 1) {
    const candidates = joinLevel(level, counts, (options.maxItemsets ?? Infinity) - counts.size);
    if (candidates === null) {
      throw new AttuneError('ATTUNE_INVALID_REQUEST', {
        detail: `minimum support ${minSupport} leaves ${counts.size} frequent itemsets and more than ${options.maxItemsets! - counts.size} candidates of ${size} items, over the bound of ${options.maxItemsets} in all: raise the minimum support or lower the maximum length`,
        field: 'minSupport',
      });
    }
    if (candidates.length === 0) break;
    const tally = countCandidates(transactions, candidates, size);
    level = [];
    for (const candidate of candidates) {
      const key = candidate.join(',');
      const count = tally.get(key) ?? 0;
      if (isFrequent(count)) {
        counts.set(key, count);
        level.push(candidate);
      }
    }
  }
  return { baskets: n, labels, counts };
}

/**
 * Candidates of the next size: joins of itemsets sharing all but their last item, all of whose
 * subsets are frequent; null as soon as there are more than `budget` (generation stops there).
 */
function joinLevel(level: readonly number[][], frequent: ReadonlyMap<string, number>, budget: number): number[][] | null {
  const candidates: number[][] = [];
  const sorted = [...level].sort(compareItemsets);
  for (let i = 0; i < sorted.length; i += 1) {
    const a = sorted[i]!;
    for (let j = i + 1; j < sorted.length; j += 1) {
      const b = sorted[j]!;
      if (!samePrefix(a, b)) break;
      const candidate = [...a, b[b.length - 1]!];
      if (allSubsetsFrequent(candidate, frequent)) {
        candidates.push(candidate);
        if (candidates.length > budget) return null;
      }
    }
  }
  return candidates;
}

function samePrefix(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length - 1; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

function allSubsetsFrequent(candidate: readonly number[], frequent: ReadonlyMap<string, number>): boolean {
  for (let skip = 0; skip < candidate.length - 2; skip += 1) {
    if (!frequent.has(candidate.filter((_, i) => i !== skip).join(','))) return false;
  }
  return true;
}

/**
 * Counts each candidate over the baskets. A basket enumerates its own subsets of the level's
 * size when they are fewer than the candidates (small baskets, the common case); otherwise it
 * checks each candidate against a membership table.
 */
function countCandidates(transactions: readonly number[][], candidates: readonly number[][], size: number): Map<string, number> {
  const tally = new Map<string, number>(candidates.map((candidate) => [candidate.join(','), 0]));
  const member = new Uint8Array(Math.max(0, ...transactions.flat()) + 1);
  for (const basket of transactions) {
    if (basket.length < size) continue;
    if (binomial(basket.length, size) <= candidates.length) {
      forEachSubset(basket, size, (key) => {
        const count = tally.get(key);
        if (count !== undefined) tally.set(key, count + 1);
      });
      continue;
    }
    for (const item of basket) member[item] = 1;
    for (const candidate of candidates) {
      if (candidate.every((item) => member[item] === 1)) {
        const key = candidate.join(',');
        tally.set(key, tally.get(key)! + 1);
      }
    }
    for (const item of basket) member[item] = 0;
  }
  return tally;
}

function forEachSubset(items: readonly number[], size: number, visit: (key: string) => void): void {
  const chosen: number[] = [];
  const walk = (start: number): void => {
    if (chosen.length === size) {
      visit(chosen.join(','));
      return;
    }
    for (let i = start; i <= items.length - (size - chosen.length); i += 1) {
      chosen.push(items[i]!);
      walk(i + 1);
      chosen.pop();
    }
  };
  walk(0);
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i += 1) result = (result * (n - k + i)) / i;
  return result;
}

export function compareItemsets(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
