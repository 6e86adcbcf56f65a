import { Type } from 'typebox';
import { Item, ItemInput, itemLimits } from '../core/catalog/Item.js';
import { itemEventNames } from '../core/catalog/productIds.js';

/**
 * The shapes of the catalog administration API (routes/catalogRoutes.ts). The item itself is
 * the core's schema (src/core/catalog/Item.ts); these add the pages, results and reports.
 */

/** Items per request, and per page. */
const maxItemsPerRequest = itemLimits.perCall;

export const ItemParams = Type.Object({ id: Type.String({ minLength: 1, description: 'The item id (URL-encoded)' }) });

export const ItemsQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Search: items whose id, title or a locale\'s title holds this text (any case, accents ignored)' })),
  after: Type.Optional(Type.String({ description: 'The `next` of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxItemsPerRequest, default: 100 })),
});

export const ItemPage = Type.Object(
  {
    items: Type.Array(Item, { description: 'In id order' }),
    next: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `after` for the next page; null on the last' }),
    total: Type.Integer({ description: 'Items the search finds in all (every item without `q`)' }),
  },
  { title: 'ItemPage' },
);

export const ItemBatch = Type.Object(
  { items: Type.Array(ItemInput, { minItems: 1, maxItems: maxItemsPerRequest }) },
  { additionalProperties: false, title: 'ItemBatch', description: `Up to ${maxItemsPerRequest} items created or replaced together: all are stored, or none when one is invalid` },
);

export const ItemsRequest = Type.Union([ItemInput, ItemBatch], { description: 'One item, or `{ "items": [...] }`' });

export const ItemWriteResult = Type.Object(
  {
    created: Type.Integer(),
    updated: Type.Integer(),
    items: Type.Array(Type.Object({
      index: Type.Integer({ description: 'Position in the request (0 for a single item)' }),
      id: Type.String(),
      status: Type.Union([Type.Literal('created'), Type.Literal('updated')]),
    })),
  },
  { title: 'ItemWriteResult' },
);

export const ItemChange = Type.Object(
  { status: Type.Union([Type.Literal('created'), Type.Literal('updated')]), item: Item },
  { title: 'ItemChange' },
);

export const UnknownItemsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxItemsPerRequest, default: 100 })),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, default: 30, description: 'Read the events received in the last this many days' })),
});

export const UnknownItemsReport = Type.Object(
  {
    events: Type.Array(Type.String(), { description: `The track events read: ${itemEventNames.join(', ')} (properties.product_id and properties.products[].product_id)` }),
    since: Type.String({ description: 'Events received from this time on were read (ISO 8601)' }),
    items: Type.Array(Type.Object({
      itemId: Type.String(),
      events: Type.Integer({ description: 'Events that named it (once per event)' }),
      lastSeen: Type.String({ description: 'The latest such event\'s time (ISO 8601)' }),
    }), { description: 'Most events first, then latest first' }),
  },
  { title: 'UnknownItemsReport', description: 'Item ids that events name and the catalog does not hold: reported, never added' },
);
