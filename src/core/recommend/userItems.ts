import type { InteractionData } from './Recommender.js';

/**
 * Each user's distinct items, in the order of their first interaction (by time, then by the
 * order in the data): the implicit-feedback view of the data that training and the evaluation
 * protocols share. A repeated interaction counts once.
 */
export function userItems(data: InteractionData): number[][] {
  const { interactions } = data;
  const times = Float64Array.from(interactions, (x) => x.time);
  // Each user's interactions sorted apart: the same order as one sort of all of them by
  // (time, index), in a fraction of the comparisons.
  const indices: number[][] = Array.from({ length: data.userIds.length }, () => []);
  interactions.forEach((x, index) => indices[x.user]!.push(index));
  const seenBy = new Int32Array(data.itemIds.length).fill(-1);
  return indices.map((own, user) => {
    own.sort((a, b) => times[a]! - times[b]! || a - b);
    const items: number[] = [];
    for (const index of own) {
      const item = interactions[index]!.item;
      if (seenBy[item] === user) continue;
      seenBy[item] = user;
      items.push(item);
    }
    return items;
  });
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
