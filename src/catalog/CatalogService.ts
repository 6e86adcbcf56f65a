import { unrecorded, type AuditRecorder } from '../core/audit/AuditRecorder.js';
import { ItemCache } from './ItemCache.js';
import { buildItem, checkItemInput, checkItemPatch, patchItem, type ItemFault } from '../core/catalog/checkItem.js';
import { itemLimits, type Item, type ItemInput } from '../core/catalog/Item.js';
import type { Clock } from '../core/common/ports.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { CatalogStore, ItemPage, UnknownItem } from '../store/ports.js';

/** One input of a bulk write that was not stored, by its position in the call. */
export interface RejectedItem {
  readonly index: number;
  readonly code: 'ATTUNE_ITEM_INVALID';
  readonly field: string;
  readonly message: string;
}

export interface PutItemsResult {
  readonly created: number;
  readonly updated: number;
  /** What became of each stored input, in input order (rejected inputs left out). */
  readonly items: readonly { readonly index: number; readonly id: string; readonly status: 'created' | 'updated' }[];
  readonly rejected: readonly RejectedItem[];
}

export interface PutItemsOptions {
  /**
   * `refuse` (default): one invalid input stores nothing (ATTUNE_ITEM_INVALID listing every
   * fault), what an API caller expects of one request. `skip`: the valid inputs are stored
   * and the others reported, what an import of a file expects.
   */
  readonly invalid?: 'refuse' | 'skip';
}

export interface ListItemsOptions {
  readonly after?: string;
  readonly limit: number;
  /** Search by id and title (src/core/catalog/itemSearch.ts). */
  readonly q?: string;
}

/** What a write changed, told to listeners once it is stored (items as stored). */
export type CatalogChange =
  | { readonly kind: 'put'; readonly items: readonly Item[] }
  | { readonly kind: 'delete'; readonly ids: readonly string[] };

export type CatalogListener = (workspaceId: string, change: CatalogChange) => void;

const notFound = (id: string) => new AttuneError('ATTUNE_ITEM_NOT_FOUND', { detail: `no item has the id "${id}"` });
const invalid = (fault: ItemFault, index?: number) => new AttuneError('ATTUNE_ITEM_INVALID', { detail: fault.message, field: fault.field, ...(index === undefined ? {} : { index }) });

/**
 * A workspace's catalog: the one path by which items change (admin API, `attune import
 * items`, the demo), and where the engine reads them. Every input is checked by the core
 * (`checkItemInput`) before anything is stored; a replacement keeps the stored `createdAt`
 * unless it gives one. Writes of one workspace run one at a time, so a patch (read, change,
 * write) never loses a concurrent change.
 */
export class CatalogService {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly cache = new ItemCache();
  private readonly listeners = new Set<CatalogListener>();

  private readonly audit: AuditRecorder;

  /** `audit`: where each change is recorded with its diff (the engine's audit trail). */
  constructor(private readonly deps: { readonly store: CatalogStore; readonly clock: Clock; readonly audit?: AuditRecorder }) {
    this.audit = deps.audit ?? unrecorded;
  }

  /**
   * Tells `listener` of every change once it is stored, in the order of the writes (in-memory
   * indexes built from the catalog keep up with it: content similarity). A listener runs
   * synchronously and must not throw; one that does is cut off from that change only.
   * Returns the function that stops the telling.
   */
  onChange(listener: CatalogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Creates or replaces items (whole: fields left out take their defaults). */
  async putItems(workspaceId: string, inputs: readonly unknown[], options: PutItemsOptions = {}): Promise<PutItemsResult> {
    if (inputs.length > itemLimits.perCall) {
      throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${inputs.length} items in one call; at most ${itemLimits.perCall}`, field: '/items' });
    }
    const valid: { index: number; input: ItemInput }[] = [];
    const rejected: RejectedItem[] = [];
    inputs.forEach((value, index) => {
      const check = checkItemInput(value);
      if (check.ok) valid.push({ index, input: check.value });
      else rejected.push({ index, code: 'ATTUNE_ITEM_INVALID', ...check.fault });
    });
    if (rejected.length > 0 && options.invalid !== 'skip') {
      const first = rejected[0]!;
      throw new AttuneError('ATTUNE_ITEM_INVALID', {
        detail: `${rejected.length} of ${inputs.length} items are invalid; none was stored. First, item ${first.index}: ${first.message}`,
        field: first.field, index: first.index,
        errors: rejected.map((r) => ({ code: r.code, field: r.field, index: r.index, message: r.message })),
      });
    }
    return this.serial(workspaceId, async () => {
      const stored = await this.deps.store.getItems(workspaceId, valid.map((v) => v.input.id));
      const now = this.deps.clock.now();
      // A repeated id within one call: the later input replaces the earlier one, and keeps its createdAt.
      const byId = new Map<string, Item>();
      const items = valid.map(({ input }, i) => {
        const item = buildItem(input, byId.get(input.id) ?? stored[i], now);
        byId.set(input.id, item);
        return item;
      });
      const statuses = items.length === 0 ? [] : await this.deps.store.putItems(workspaceId, items);
      this.cache.written(workspaceId, items.map((item) => [item.id, item] as const));
      if (items.length > 0) this.tell(workspaceId, { kind: 'put', items });
      await this.recordPut(workspaceId, stored, items, statuses);
      const results = valid.map(({ index, input }, i) => ({ index, id: input.id, status: statuses[i] ?? 'created' as const }));
      return {
        created: results.filter((r) => r.status === 'created').length,
        updated: results.filter((r) => r.status === 'updated').length,
        items: results,
        rejected,
      };
    });
  }

  /** Creates or replaces one item under `id` (the PUT of the API); a different id in the body is refused. */
  async putItem(workspaceId: string, id: string, input: unknown): Promise<{ status: 'created' | 'updated'; item: Item }> {
    const body = typeof input === 'object' && input !== null && !Array.isArray(input) ? input as Record<string, unknown> : undefined;
    if (body !== undefined && body['id'] !== undefined && body['id'] !== id) {
      throw invalid({ field: '/id', message: `the body's id "${String(body['id'])}" differs from the path's "${id}"` });
    }
    const check = checkItemInput(body === undefined ? input : { ...body, id });
    if (!check.ok) throw invalid(check.fault);
    const result = await this.putItems(workspaceId, [check.value]);
    return { status: result.items[0]?.status ?? 'created', item: await this.getItem(workspaceId, id) };
  }

  /** Changes the fields given of a stored item. */
  async patchItem(workspaceId: string, id: string, patch: unknown): Promise<Item> {
    const check = checkItemPatch(patch);
    if (!check.ok) throw invalid(check.fault);
    return this.serial(workspaceId, async () => {
      const [stored] = await this.deps.store.getItems(workspaceId, [id]);
      if (stored === undefined) throw notFound(id);
      const patched = patchItem(stored, check.value, this.deps.clock.now());
      if (!patched.ok) throw invalid(patched.fault);
      await this.deps.store.putItems(workspaceId, [patched.value]);
      this.cache.written(workspaceId, [[id, patched.value]]);
      this.tell(workspaceId, { kind: 'put', items: [patched.value] });
      await this.audit.changed({ workspaceId, action: 'item.updated', target: { kind: 'item', id }, before: stored, after: patched.value });
      return patched.value;
    });
  }

  async deleteItem(workspaceId: string, id: string): Promise<void> {
    const [deleted] = await this.serial(workspaceId, async () => {
      const [before] = await this.deps.store.getItems(workspaceId, [id]);
      const result = await this.deps.store.deleteItems(workspaceId, [id]);
      this.cache.written(workspaceId, [[id, null]]);
      if (result[0] === true) {
        this.tell(workspaceId, { kind: 'delete', ids: [id] });
        await this.audit.changed({ workspaceId, action: 'item.deleted', target: { kind: 'item', id }, before });
      }
      return result;
    });
    if (deleted !== true) throw notFound(id);
  }

  /**
   * One entry per call: an item's own (`item.created`, `item.updated`) when it names one, else
   * `items.put` on the catalog with a diff keyed by item id, so that an import of thousands of
   * items is one append, not thousands.
   */
  private async recordPut(workspaceId: string, stored: readonly (Item | undefined)[], items: readonly Item[], statuses: readonly ('created' | 'updated')[]): Promise<void> {
    if (items.length === 0) return;
    if (items.length === 1) {
      const item = items[0]!;
      await this.audit.changed({ workspaceId, action: `item.${statuses[0] ?? 'created'}`, target: { kind: 'item', id: item.id }, before: stored[0], after: item });
      return;
    }
    const before = Object.fromEntries(stored.flatMap((item) => (item === undefined ? [] : [[item.id, item] as const])));
    const after = { ...before, ...Object.fromEntries(items.map((item) => [item.id, item] as const)) };
    await this.audit.changed({ workspaceId, action: 'items.put', target: { kind: 'catalog', id: workspaceId }, before, after });
  }

  async getItem(workspaceId: string, id: string): Promise<Item> {
    const [item] = await this.deps.store.getItems(workspaceId, [id]);
    if (item === undefined) throw notFound(id);
    return item;
  }

  /**
   * Items by id in bulk, in the order asked (undefined where the catalog has none): what
   * recommenders, filters and templates read. From memory where read before; one store call
   * for the rest however many.
   */
  async getItems(workspaceId: string, ids: readonly string[]): Promise<(Item | undefined)[]> {
    const found: (Item | undefined)[] = new Array<Item | undefined>(ids.length);
    const missing: number[] = [];
    ids.forEach((id, i) => {
      const cached = this.cache.get(workspaceId, id);
      if (cached === undefined) missing.push(i);
      else found[i] = cached ?? undefined;
    });
    if (missing.length === 0) return found;
    const generation = this.cache.generation(workspaceId);
    const read = await this.deps.store.getItems(workspaceId, missing.map((i) => ids[i]!));
    missing.forEach((i, j) => {
      found[i] = read[j];
      this.cache.remember(workspaceId, generation, ids[i]!, read[j]);
    });
    return found;
  }

  /** A page of items in id order, with the number of items the search finds in all. */
  async listItems(workspaceId: string, options: ListItemsOptions): Promise<ItemPage & { total: number }> {
    const query = options.q ?? '';
    const page = await this.deps.store.listItems(workspaceId, { limit: options.limit, query, ...(options.after === undefined ? {} : { after: options.after }) });
    return { ...page, total: await this.deps.store.countItems(workspaceId, query) };
  }

  /**
   * Item ids that Product Viewed and Order Completed events received in the last `days` name
   * and the catalog lacks, most events first: reported, never added. Read from the event log
   * on request (nothing is counted on the collect path); the work follows the window's events.
   */
  async unknownItems(workspaceId: string, options: { readonly limit: number; readonly days: number }): Promise<{ since: number; items: UnknownItem[] }> {
    const since = this.deps.clock.now() - options.days * 86_400_000;
    return { since, items: await this.deps.store.unknownItems(workspaceId, { limit: options.limit, since }) };
  }

  private tell(workspaceId: string, change: CatalogChange): void {
    for (const listener of this.listeners) {
      try {
        listener(workspaceId, change);
      } catch {
        // The write is stored; a listener's fault is its own (it rebuilds from the store).
      }
    }
  }

  /** Runs the workspace's writes one after another. */
  private serial<T>(workspaceId: string, write: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(workspaceId) ?? Promise.resolve();
    const next = previous.then(write, write);
    const tail = next.catch(() => undefined);
    this.queues.set(workspaceId, tail);
    void tail.then(() => {
      if (this.queues.get(workspaceId) === tail) this.queues.delete(workspaceId);
    });
    return next;
  }
}
