import { orderRulesLimits } from '../api/ruleSchemas.js';
import { productIdsOf } from '../core/catalog/productIds.js';
import type { Clock } from '../core/common/ports.js';
import type { JsonObject } from '../core/events/CollectedEvent.js';
import { mineRules, type MinedRules } from '../core/recommend/rules/mineRules.js';
import type { EventLogReader } from '../store/ports.js';

/** What a workspace's rules are mined with (the admin API's query, checked by its schema). */
export interface OrderRulesQuery {
  readonly minSupport: number;
  readonly minConfidence: number;
  readonly minLength: number;
  readonly maxLength: number;
  /** Orders received in the last this many days are read. */
  readonly days: number;
}

export const orderEventName = 'Order Completed';

export interface OrderRules extends MinedRules {
  /** Orders received from this time on were read (unix millis). */
  readonly since: number;
  /** Orders in the window whose products name no item id: not baskets (they would only dilute support). */
  readonly ordersWithoutItems: number;
  /** Older orders of the window left out because it held more than `maxOrders`. */
  readonly ordersLeftOut: number;
}

/**
 * Association rules over a workspace's orders: each `Order Completed` event's
 * `products[].product_id` (and `product_id`), read the way the catalog reads them
 * (`productIdsOf`), is one basket; the core's `mineRules` does the rest, as `attune eval
 * rules` does for a basket file. The log is read in chunks (only that event's rows, from the
 * window's first arrival on), and one request mines at a time: Apriori runs on the event loop.
 */
export class OrderRulesService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: { readonly events: EventLogReader; readonly clock: Clock }) {}

  mine(workspaceId: string, query: OrderRulesQuery): Promise<OrderRules> {
    const run = this.queue.then(() => this.mineNow(workspaceId, query));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The window's baskets, oldest first: the most recent `maxOrders` of them. */
  async baskets(workspaceId: string, since: number): Promise<{ baskets: string[][]; withoutItems: number; leftOut: number }> {
    const ring: string[][] = [];
    let next = 0;
    let seen = 0;
    let withoutItems = 0;
    for await (const event of this.deps.events.read({ workspaceId, names: [orderEventName], receivedSince: since, chunkSize: 2000 })) {
      if (event.receivedAt < since) continue;
      const properties = event.body['properties'];
      const items = typeof properties === 'object' && properties !== null && !Array.isArray(properties) ? productIdsOf(properties as JsonObject) : [];
      if (items.length === 0) {
        withoutItems++;
        continue;
      }
      if (ring.length < orderRulesLimits.maxOrders) ring.push(items);
      else ring[next] = items;
      next = (next + 1) % orderRulesLimits.maxOrders;
      seen++;
    }
    const baskets = ring.length < orderRulesLimits.maxOrders ? ring : [...ring.slice(next), ...ring.slice(0, next)];
    return { baskets, withoutItems, leftOut: seen - baskets.length };
  }

  private async mineNow(workspaceId: string, query: OrderRulesQuery): Promise<OrderRules> {
    const since = this.deps.clock.now() - query.days * 86_400_000;
    const { baskets, withoutItems, leftOut } = await this.baskets(workspaceId, since);
    const mined = mineRules(baskets, {
      minSupport: query.minSupport, minConfidence: query.minConfidence, minLength: query.minLength, maxLength: query.maxLength,
      maxItemsets: orderRulesLimits.maxItemsets,
    });
    return { ...mined, since, ordersWithoutItems: withoutItems, ordersLeftOut: leftOut };
  }
}
