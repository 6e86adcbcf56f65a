import { Compile } from 'typebox/compile';
import type { TLocalizedValidationError } from 'typebox/error';
import { categorySeparator } from './categoryPath.js';
import { currencyCodes } from './currencyCodes.js';
import { Item, ItemInput, ItemPatch, itemLimits } from './Item.js';

/** A fault of one item: the JSON pointer of the field at fault and why. */
export interface ItemFault {
  readonly field: string;
  readonly message: string;
}

export type ItemCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly fault: ItemFault };

const inputValidator = Compile(ItemInput);
const patchValidator = Compile(ItemPatch);

/** BCP 47 as locales are written in practice: a language, then subtags (de, de-CH, zh-Hant-TW). */
const localePattern = /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

function pointer(parent: string, member: string): string {
  return `${parent}/${member.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/** The first schema fault, at the member's own pointer (TypeBox reports a missing member at its parent). */
function schemaFault(error: TLocalizedValidationError | undefined): ItemFault {
  if (error === undefined) return { field: '', message: 'does not match the item schema' };
  if (error.keyword === 'required') {
    const missing = error.params.requiredProperties.map((m) => pointer(error.instancePath, m));
    return { field: missing[0] ?? error.instancePath, message: `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required` };
  }
  if (error.keyword === 'additionalProperties') {
    const extra = error.params.additionalProperties.map((m) => pointer(error.instancePath, m));
    return { field: extra[0] ?? error.instancePath, message: `${extra.join(', ')} ${extra.length === 1 ? 'is not a field' : 'are not fields'} of an item` };
  }
  return { field: error.instancePath, message: `${error.instancePath || 'item'} ${error.message}` };
}

/** What the schema cannot say: limits on maps, names, codes and dates. */
function semanticFault(fields: ItemPatch): ItemFault | undefined {
  const category = fields.category ?? [];
  const separator = category.findIndex((name) => name.includes(categorySeparator));
  if (separator >= 0) return { field: `/category/${separator}`, message: `a category name may not hold "${categorySeparator}" (it separates names in "A > B")` };
  const blank = category.findIndex((name) => name.trim() !== name || name.length === 0);
  if (blank >= 0) return { field: `/category/${blank}`, message: 'a category name may not start or end with white space' };
  if (fields.title !== undefined && fields.title.trim().length === 0) return { field: '/title', message: 'the title is blank' };
  if (fields.currency !== undefined && fields.currency !== null && !currencyCodes.has(fields.currency)) {
    return { field: '/currency', message: `"${fields.currency}" is not an ISO 4217 currency code` };
  }
  const attributes = Object.entries(fields.attributes ?? {});
  if (attributes.length > itemLimits.attributes) return { field: '/attributes', message: `more than ${itemLimits.attributes} attributes` };
  for (const [name, value] of attributes) {
    if (name.length === 0 || name.length > itemLimits.attributeNameLength) return { field: pointer('/attributes', name), message: `an attribute name has 1 to ${itemLimits.attributeNameLength} characters` };
    if (typeof value === 'number' && !Number.isFinite(value)) return { field: pointer('/attributes', name), message: 'not a finite number' };
  }
  const titles = Object.keys(fields.titles ?? {});
  if (titles.length > itemLimits.titles) return { field: '/titles', message: `more than ${itemLimits.titles} locales` };
  const badLocale = titles.find((locale) => !localePattern.test(locale));
  if (badLocale !== undefined) return { field: pointer('/titles', badLocale), message: `"${badLocale}" is not a locale such as de or de-CH` };
  if (fields.createdAt !== undefined && !Number.isFinite(Date.parse(fields.createdAt))) {
    return { field: '/createdAt', message: `"${fields.createdAt}" is not an ISO 8601 date` };
  }
  return undefined;
}

/** A price needs its currency and a currency its price: checked on the item as it will be stored. */
function pricingFault(item: Pick<Item, 'price' | 'currency'>): ItemFault | undefined {
  if (item.price !== null && item.currency === null) return { field: '/currency', message: 'a price needs its currency' };
  if (item.price === null && item.currency !== null) return { field: '/price', message: 'a currency without a price' };
  return undefined;
}

/** Checks an item as a caller gives it (API body, import row), reporting the first field at fault. */
export function checkItemInput(value: unknown): ItemCheck<ItemInput> {
  if (!inputValidator.Check(value)) return { ok: false, fault: schemaFault(inputValidator.Errors(value)[0]) };
  const fault = semanticFault(value) ?? pricingFault({ price: value.price ?? null, currency: value.currency ?? null });
  return fault === undefined ? { ok: true, value } : { ok: false, fault };
}

/** Checks a change of some fields; `buildItem` checks the item it makes. */
export function checkItemPatch(value: unknown): ItemCheck<ItemPatch> {
  if (!patchValidator.Check(value)) return { ok: false, fault: schemaFault(patchValidator.Errors(value)[0]) };
  const fault = semanticFault(value);
  return fault === undefined ? { ok: true, value } : { ok: false, fault };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The item to store for a checked input: defaults filled in, `createdAt` kept from the stored
 * item when the input does not give one (or set to `now` for a new item), `updatedAt` now.
 *
 * @example buildItem({ id: 'sku-1', title: 'Mug' }, undefined, Date.parse('2024-05-01T00:00:00Z')).createdAt // '2024-05-01T00:00:00.000Z'
 */
export function buildItem(input: ItemInput, stored: Item | undefined, now: number): Item {
  return {
    id: input.id,
    title: input.title,
    category: input.category ?? [],
    price: input.price ?? null,
    currency: input.currency ?? null,
    attributes: input.attributes ?? {},
    availability: input.availability ?? 'in_stock',
    titles: input.titles ?? {},
    createdAt: input.createdAt === undefined ? (stored?.createdAt ?? iso(now)) : iso(Date.parse(input.createdAt)),
    updatedAt: iso(now),
  };
}

/** A stored item with a checked patch applied, or the field at fault in the result (a price left without currency). */
export function patchItem(stored: Item, patch: ItemPatch, now: number): ItemCheck<Item> {
  const { createdAt, ...fields } = patch;
  const item: Item = { ...stored, ...fields, ...(createdAt === undefined ? {} : { createdAt: iso(Date.parse(createdAt)) }), updatedAt: iso(now) };
  const fault = pricingFault(item);
  return fault === undefined ? { ok: true, value: item } : { ok: false, fault };
}
