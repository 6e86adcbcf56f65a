import type { Recommender, RecommendQuery, ScoredItem } from '../Recommender.js';
import { topScored } from '../topScored.js';

/**
 * Sequential rules (Kamehkhosh, Jannach and Ludewig 2017; session-rec's `sr`): a click on b
 * after a, within `steps` clicks of the same session, strengthens the rule a -> b by 1 / gap
 * (the "div" weighting: the next click counts 1, the one after 1/2, ...). The next item after
 * a session is scored by the rules from its last click.
 *
 * Rule weights are sums over sessions, so learning is incremental (`learnClick` per click)
 * and independent of the order of sessions. session-rec keeps the 20 strongest rules per
 * item after training; here every rule is kept and the best `k` are picked at read time,
 * which gives the same top 20 and lets live clicks keep changing them.
 */
export interface SequentialRules {
  readonly steps: number;
  readonly rules: Map<number, Map<number, number>>;
}

export function createSequentialRules(options: { steps?: number } = {}): SequentialRules {
  const steps = options.steps ?? 10;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  return { steps, rules: new Map() };
}

/**
 * One click on `item`, after the session's earlier clicks `before` (oldest first). A repeat of
 * the same item never makes a rule to itself.
 *
 * @example learnClick(rules, [3, 5], 8) // 5 -> 8 gains 1, 3 -> 8 gains 1/2
 */
export function learnClick(model: SequentialRules, before: readonly number[], item: number): void {
  const reach = Math.min(model.steps, before.length);
  for (let gap = 1; gap <= reach; gap += 1) {
    const previous = before[before.length - gap]!;
    if (previous === item) continue;
    let row = model.rules.get(previous);
    if (row === undefined) {
      row = new Map();
      model.rules.set(previous, row);
    }
    row.set(item, (row.get(item) ?? 0) + 1 / gap);
  }
}

/** Below this a rule's weight is what is left of sums taken back in another order: gone. */
const forgotten = 1e-9;

/**
 * Takes back what a whole session's clicks taught (a bounded index dropping the session), so
 * the rules are those of the sessions kept, up to rounding; rules that fall to nothing go.
 */
export function unlearnSession(model: SequentialRules, items: readonly number[]): void {
  for (let position = 1; position < items.length; position += 1) {
    const item = items[position]!;
    const reach = Math.min(model.steps, position);
    for (let gap = 1; gap <= reach; gap += 1) {
      const previous = items[position - gap]!;
      if (previous === item) continue;
      const row = model.rules.get(previous);
      if (row === undefined) continue;
      const left = (row.get(item) ?? 0) - 1 / gap;
      if (left > forgotten) row.set(item, left);
      else row.delete(item);
      if (row.size === 0) model.rules.delete(previous);
    }
  }
}

export function sequentialRulesRecommender(model: SequentialRules, options: { name?: string } = {}): Recommender {
  return {
    name: options.name ?? 'sequential-rules',
    recommend(query: RecommendQuery): ScoredItem[] {
      const last = query.history[query.history.length - 1];
      if (last === undefined) return [];
      const row = model.rules.get(last);
      if (row === undefined) return [];
      return topScored(row, query.k, query.exclude, new Map([...row.keys()].map((item) => [item, last])));
    },
  };
}
