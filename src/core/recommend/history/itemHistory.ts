import { productIdsOf } from '../../catalog/productIds.js';
import type { JsonObject } from '../../events/CollectedEvent.js';

/**
 * A profile's recent items: what it viewed or put in a cart, and what it bought, read from
 * the Segment e-commerce events (`Product Viewed`, `Product Added`, `Order Completed` with
 * `products[]` ...). Recommenders read it as the live history of a profile (a visitor who
 * arrived after a model was trained is still served through the model), filters read it
 * ("not already bought"), and reasons name an item of it ("because you viewed X").
 */

export type ItemInteractionKind = 'view' | 'cart' | 'purchase';

/** The items one event is about, and how. */
export interface ItemEvent {
  readonly kind: ItemInteractionKind;
  readonly items: readonly string[];
  readonly timestamp: number;
}

/** `[item, kind, unix millis]`; kind 0 view, 1 cart. Plain JSON: it is stored with the profile. */
export type SeenEntry = [item: string, kind: 0 | 1, at: number];
/** `[item, unix millis]` of a purchase. */
export type BoughtEntry = [item: string, at: number];

export interface ItemHistory {
  /** Views and cart additions, oldest first, one entry per item (its latest). */
  v: SeenEntry[];
  /** Purchases, oldest first, one entry per item (its latest). */
  p: BoughtEntry[];
}

/** Bounds: enough for session and "recently viewed" lists, small enough for every profile. */
export const MAX_SEEN = 30;
export const MAX_BOUGHT = 100;

/** The Segment e-commerce events (spec v2) and what they say about their items. */
const kindOfEvent: ReadonlyMap<string, ItemInteractionKind> = new Map([
  ['Product Viewed', 'view'],
  ['Product Clicked', 'view'],
  ['Product Added', 'cart'],
  ['Product Added to Wishlist', 'cart'],
  ['Order Completed', 'purchase'],
]);

/** The events that name items a visitor looks at (views and cart additions): a session's clicks. */
export const browsingEventNames: readonly string[] = [...kindOfEvent].filter(([, kind]) => kind !== 'purchase').map(([name]) => name);

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) < 0x20) return true;
  return false;
}

/** The catalog's reading of an event's product ids, without ids the models cannot key (too long, control characters). */
function productIds(properties: Readonly<Record<string, unknown>>): string[] {
  return productIdsOf(properties as JsonObject).filter((id) => id.length <= 256 && !hasControlCharacter(id));
}

/** The items of a track event, or null when it is not an e-commerce event about items. */
export function readItemEvent(event: { readonly type: string; readonly name: string | null; readonly timestamp: number; readonly properties: Readonly<Record<string, unknown>> | null }): ItemEvent | null {
  if (event.type !== 'track' || event.name === null || event.properties === null) return null;
  const kind = kindOfEvent.get(event.name);
  if (kind === undefined) return null;
  const items = productIds(event.properties);
  return items.length === 0 ? null : { kind, items, timestamp: event.timestamp };
}

export function emptyItemHistory(): ItemHistory {
  return { v: [], p: [] };
}

function upsert<E extends [string, ...unknown[]]>(list: E[], entry: E, max: number): void {
  const at = list.findIndex((e) => e[0] === entry[0]);
  if (at >= 0) list.splice(at, 1);
  list.push(entry);
  if (list.length > max) list.splice(0, list.length - max);
}

/** Records an event's items, in place. */
export function recordItemEvent(history: ItemHistory, event: ItemEvent): void {
  for (const item of event.items) {
    if (event.kind === 'purchase') upsert(history.p, [item, event.timestamp], MAX_BOUGHT);
    else upsert(history.v, [item, event.kind === 'cart' ? 1 : 0, event.timestamp], MAX_SEEN);
  }
}

/** Two profiles' histories as one: every entry in time order, each item at its latest, bounded. */
export function mergeItemHistories(a: ItemHistory | undefined, b: ItemHistory | undefined): ItemHistory | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const merged = emptyItemHistory();
  for (const e of [...a.v, ...b.v].sort((x, y) => x[2] - y[2])) upsert(merged.v, [...e] as SeenEntry, MAX_SEEN);
  for (const e of [...a.p, ...b.p].sort((x, y) => x[1] - y[1])) upsert(merged.p, [...e] as BoughtEntry, MAX_BOUGHT);
  return merged;
}

/** Items viewed or added since `since` (the session's start), oldest first. */
export function itemsSince(history: ItemHistory | undefined, since: number): string[] {
  return history === undefined ? [] : history.v.filter((e) => e[2] >= since).map((e) => e[0]);
}

/** Every item of the history, oldest first, each once (a purchase counts at its latest time). */
export function historyItems(history: ItemHistory | undefined): string[] {
  if (history === undefined) return [];
  const latest = new Map<string, number>();
  for (const [item, , at] of history.v) latest.set(item, at);
  for (const [item, at] of history.p) latest.set(item, Math.max(at, latest.get(item) ?? at));
  return [...latest].sort((x, y) => x[1] - y[1]).map(([item]) => item);
}

export function boughtItems(history: ItemHistory | undefined): Set<string> {
  return new Set(history?.p.map((e) => e[0]) ?? []);
}

export function seenItems(history: ItemHistory | undefined): Set<string> {
  return new Set(history?.v.map((e) => e[0]) ?? []);
}
