import { Type, type Static } from 'typebox';

/**
 * A catalog item: what a shop sells, as recommenders, filters and templates read it. The
 * shape is declared once here; the admin API, the import and the store all use it.
 */

export const itemLimits = {
  idLength: 256,
  titleLength: 1000,
  categoryDepth: 10,
  categoryLength: 200,
  attributes: 100,
  attributeNameLength: 100,
  attributeValueLength: 1000,
  titles: 50,
  maxPrice: 1e12,
  /** Items written in one call (an API request, an import chunk). */
  perCall: 1000,
} as const;

const ItemId = Type.String({ minLength: 1, maxLength: itemLimits.idLength, description: 'The shop\'s product id, as events carry it in `product_id`' });
const Title = Type.String({ minLength: 1, maxLength: itemLimits.titleLength });
const Category = Type.Array(Type.String({ minLength: 1, maxLength: itemLimits.categoryLength }), {
  maxItems: itemLimits.categoryDepth,
  description: 'The category path, broadest first: ["Men", "Shoes", "Sneakers"] (in CSV: "Men > Shoes > Sneakers"); a name may not hold ">"',
});
const Price = Type.Number({ minimum: 0, maximum: itemLimits.maxPrice, description: 'The price in `currency` (major units: 19.99)' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code (EUR, USD, ...); required with a price' });
const AttributeValue = Type.Union([Type.String({ maxLength: itemLimits.attributeValueLength }), Type.Number(), Type.Boolean()]);
const Attributes = Type.Record(Type.String(), AttributeValue, { description: 'Flat attributes: brand, color, size, margin, ... (string, number or boolean values)' });
/**
 * Whether an item can be bought now (Google Merchant Center's values, with `discontinued`
 * from schema.org): `in_stock`; `out_of_stock` (for now); `preorder` (not released yet, can
 * be ordered); `backorder` (can be ordered, ships later); `discontinued` (never again).
 */
export const AvailabilitySchema = Type.Union([Type.Literal('in_stock'), Type.Literal('out_of_stock'), Type.Literal('preorder'), Type.Literal('backorder'), Type.Literal('discontinued')], {
  description: 'in_stock, out_of_stock (for now), preorder (not released, can be ordered), backorder (ships later), discontinued (never again)',
});
const Titles = Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: itemLimits.titleLength }), {
  description: 'Titles per locale (de, de-CH, ...); `title` is the default',
});

/** The fields with defaults, each optional: what an input may leave out and a patch may change. */
const optionalFields = {
  category: Type.Optional(Category),
  price: Type.Optional(Type.Union([Price, Type.Null()])),
  currency: Type.Optional(Type.Union([Currency, Type.Null()])),
  attributes: Type.Optional(Attributes),
  availability: Type.Optional(AvailabilitySchema),
  titles: Type.Optional(Titles),
  createdAt: Type.Optional(Type.String({ description: 'When the item came to the shop (ISO 8601); default: when Attune first stored it' })),
};

/** An item as a caller gives it: `id` and `title` are required; the rest has defaults. */
export const ItemInput = Type.Object(
  { id: ItemId, title: Title, ...optionalFields },
  { additionalProperties: false, title: 'ItemInput', description: 'An item to create or replace: id and title required; category [], price and currency null, attributes {}, availability in_stock and titles {} by default' },
);
export type ItemInput = Static<typeof ItemInput>;

/** A change to some fields of a stored item (PATCH): the fields given replace the stored ones. */
export const ItemPatch = Type.Object(
  { title: Type.Optional(Title), ...optionalFields },
  { additionalProperties: false, title: 'ItemPatch', description: 'Fields to replace on a stored item; `attributes` and `titles` replace the whole map' },
);
export type ItemPatch = Static<typeof ItemPatch>;

/** An item as stored and shown: every field present. */
export const Item = Type.Object(
  {
    id: ItemId,
    title: Title,
    category: Category,
    price: Type.Union([Price, Type.Null()]),
    currency: Type.Union([Currency, Type.Null()]),
    attributes: Attributes,
    availability: AvailabilitySchema,
    titles: Titles,
    createdAt: Type.String({ description: 'ISO 8601, UTC' }),
    updatedAt: Type.String({ description: 'When Attune last stored a change (ISO 8601, UTC)' }),
  },
  { title: 'Item' },
);
export type Item = Static<typeof Item>;

export type Availability = Item['availability'];
