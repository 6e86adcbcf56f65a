import type { InteractionData } from './Recommender.js';

/**
 * Each user's distinct items, in the order of their first interaction (by time, then by the
 * order in the data): the implicit-feedback view of the data that training and the evaluation
 * protocols share. A repeated interaction counts once.
 */
export function userItems(data: InteractionData): number[][] {
  const order = data.interactions.map((_, index) => index);
  order.sort((a, b) => data.interactions[a]!.time - data.interactions[b]!.time || a - b);
  const lists: number[][] = Array.from({ length: data.userIds.length }, () => []);
  const seen = new Set<number>();
  const itemCount = data.itemIds.length;
  for (const index of order) {
    const { user, item } = data.interactions[index]!;
    const key = user * itemCount + item;
    if (seen.has(key)) continue;
    seen.add(key);
    lists[user]!.push(item);
  }
  return lists;
}

/** How many users have each item (an item's support in the implicit view). */
export function itemUserCounts(lists: readonly (readonly number[])[], itemCount: number): Float64Array {
  const counts = new Float64Array(itemCount);
  for (const items of lists) for (const item of items) counts[item]! += 1;
  return counts;
}

/** Each user's items with repeats, in time order (then data order): a session's clicks. */
export function userSequences(data: InteractionData): number[][] {
  const order = data.interactions.map((_, index) => index);
  order.sort((a, b) => data.interactions[a]!.time - data.interactions[b]!.time || a - b);
  const sequences: number[][] = Array.from({ length: data.userIds.length }, () => []);
  for (const index of order) {
    const { user, item } = data.interactions[index]!;
    sequences[user]!.push(item);
  }
  return sequences;
}
