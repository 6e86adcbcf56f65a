import type { JsonObject } from '../events/CollectedEvent.js';

/**
 * The Segment e-commerce events that name catalog items, and where: `properties.product_id`
 * for one product, `properties.products[].product_id` for an order's or a cart's lines
 * (https://segment.com/docs/connections/spec/ecommerce/v2/).
 */
export const itemEventNames: readonly string[] = ['Product Viewed', 'Order Completed'];

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  // Integers only: a fractional "id" is more likely a price in the wrong member than an id.
  return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : undefined;
}

/**
 * The item ids an event's properties name, in order, each once: `product_id`, then each
 * `products[].product_id`. An integer is read as its decimal text (product_id 42 is item "42"); other values name nothing.
 *
 * @example productIdsOf({ products: [{ product_id: 'a' }, { product_id: 7 }] }) // ['a', '7']
 */
export function productIdsOf(properties: JsonObject | null): string[] {
  if (properties === null) return [];
  const ids = new Set<string>();
  const single = idOf(properties['product_id']);
  if (single !== undefined) ids.add(single);
  const products = properties['products'];
  if (Array.isArray(products)) {
    for (const line of products) {
      if (typeof line !== 'object' || line === null || Array.isArray(line)) continue;
      const id = idOf((line as JsonObject)['product_id']);
      if (id !== undefined) ids.add(id);
    }
  }
  return [...ids];
}
