import { readInteraction } from '../decide/interactions.js';
import { countInteraction, emptyOutcomeCounts, type MutableOutcomeCounts, type OutcomeCounts } from '../decide/outcomeCounts.js';

/** What a person's interaction events added to one action's outcome counters on one placement. */
export type OutcomeContribution = OutcomeCounts;

/** A stored event as the log returns it: enough to read its interaction. */
export interface InteractionSource {
  readonly type: string;
  readonly name: string | null;
  readonly timestamp: number;
  readonly body: Readonly<Record<string, unknown>>;
}

const objectAt = (body: Readonly<Record<string, unknown>>, key: string): Record<string, unknown> | null => {
  const value = body[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null;
};

/**
 * The outcome counters a person's events added (collection counts every stored interaction
 * event, `applyEventKnowledge`), per action and placement, so that an erasure can take them
 * back out. @example outcomeContributions([{ type: 'track', name: 'Decision Clicked', ... }])
 */
export function outcomeContributions(events: readonly InteractionSource[]): OutcomeContribution[] {
  const byKey = new Map<string, MutableOutcomeCounts>();
  for (const event of events) {
    const interaction = readInteraction({ type: event.type, name: event.name, timestamp: event.timestamp, properties: objectAt(event.body, 'properties'), context: objectAt(event.body, 'context') });
    if (interaction === null) continue;
    const key = `${interaction.actionId}\u0000${interaction.placementId}`;
    let c = byKey.get(key);
    if (c === undefined) byKey.set(key, c = emptyOutcomeCounts(interaction.actionId, interaction.placementId));
    countInteraction(c, interaction);
  }
  return [...byKey.values()];
}

/** Count, sum and M2 of a group of values. */
export interface ValueGroup {
  readonly n: number;
  readonly sum: number;
  readonly m2: number;
}

/**
 * The group without a part of it: Chan's merge of (rest, removed) = all, solved for rest.
 * M2_all = M2_rest + M2_removed + (mean_removed − mean_rest)² · n_removed · n_rest / n_all.
 *
 * @example withoutPart({ n: 3, sum: 6, m2: 2 }, { n: 1, sum: 3, m2: 0 }) // { n: 2, sum: 3, m2: 0.5 }
 */
export function withoutPart(all: ValueGroup, removed: ValueGroup): ValueGroup {
  const n = all.n - removed.n;
  if (n <= 0) return { n: 0, sum: 0, m2: 0 };
  const sum = all.sum - removed.sum;
  if (removed.n === 0) return { n, sum, m2: all.m2 };
  const gap = removed.sum / removed.n - sum / n;
  return { n, sum, m2: Math.max(0, all.m2 - removed.m2 - gap * gap * removed.n * n / all.n) };
}
