import type { ItemEvent, ItemInteractionKind } from '../history/itemHistory.js';
import type { Interaction, InteractionData } from '../Recommender.js';

/**
 * How much one interaction says about a user's taste: an order more than a cart, a cart more
 * than a look. A trained EASE model takes, per user and item, the strongest (X[u][i] is the
 * largest weight), so a bought item weighs four views, however often it was viewed.
 */
export const interactionWeights: Readonly<Record<ItemInteractionKind, number>> = { view: 1, cart: 2, purchase: 4 };

/**
 * Builds InteractionData (dense user and item indices with their id tables) from a stream of
 * item events, one profile's event at a time: what the training job reads from the event log.
 *
 * @example const b = new InteractionBuilder(); b.add('p1', { kind: 'view', items: ['sku-1'], timestamp: 0 }); b.data()
 */
export class InteractionBuilder {
  private readonly users = new Map<string, number>();
  private readonly items = new Map<string, number>();
  private readonly userIds: string[] = [];
  private readonly itemIds: string[] = [];
  private readonly interactions: Interaction[] = [];

  get size(): number {
    return this.interactions.length;
  }

  add(userId: string, event: ItemEvent): void {
    const user = indexOf(this.users, this.userIds, userId);
    const weight = interactionWeights[event.kind];
    for (const id of new Set(event.items)) {
      this.interactions.push({ user, item: indexOf(this.items, this.itemIds, id), weight, time: event.timestamp / 1000 });
    }
  }

  data(): InteractionData {
    return { userIds: this.userIds, itemIds: this.itemIds, interactions: this.interactions };
  }
}

function indexOf(map: Map<string, number>, list: string[], id: string): number {
  let index = map.get(id);
  if (index === undefined) {
    index = list.length;
    map.set(id, index);
    list.push(id);
  }
  return index;
}
