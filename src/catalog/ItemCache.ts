import type { Item } from '../core/catalog/Item.js';

/**
 * Items read by id, held in memory: recommendations read dozens of items per request, and a
 * store read of each would cost more than the ranking. CatalogService is the one path by which
 * items change, so it keeps the cache true: it writes what it stored into it. Ids the catalog
 * lacks are remembered too (events name items no catalog holds). The entries cached first
 * go beyond `maxEntries`.
 */
export class ItemCache {
  private readonly entries = new Map<string, Map<string, Item | null>>();
  private size = 0;
  /** Bumped by every write of a workspace: a read that began before it must not cache what it read. */
  private readonly generations = new Map<string, number>();

  constructor(private readonly maxEntries = 200_000) {}

  generation(workspaceId: string): number {
    return this.generations.get(workspaceId) ?? 0;
  }

  /**
   * The cached item (null: known to be absent; undefined: not cached). A read does not move
   * the entry: eviction goes by when an item was cached, which costs nothing per read.
   */
  get(workspaceId: string, id: string): Item | null | undefined {
    return this.entries.get(workspaceId)?.get(id);
  }

  /** What a read found, kept only if no write of the workspace happened since `generation`. */
  remember(workspaceId: string, generation: number, id: string, item: Item | undefined): void {
    if (this.generation(workspaceId) !== generation) return;
    this.set(workspaceId, id, item ?? null);
  }

  /** What a write stored (an item) or deleted (null). */
  written(workspaceId: string, changes: readonly (readonly [string, Item | null])[]): void {
    this.generations.set(workspaceId, this.generation(workspaceId) + 1);
    for (const [id, item] of changes) this.set(workspaceId, id, item);
  }

  private set(workspaceId: string, id: string, item: Item | null): void {
    let items = this.entries.get(workspaceId);
    if (items === undefined) this.entries.set(workspaceId, items = new Map());
    if (items.delete(id)) this.size--;
    items.set(id, item);
    this.size++;
    if (this.size > this.maxEntries) this.evict();
  }

  /** Drops entries in the order they were cached (workspace by workspace) down to nine tenths of the bound. */
  private evict(): void {
    for (const items of this.entries.values()) {
      for (const id of items.keys()) {
        if (this.size <= this.maxEntries * 0.9) return;
        items.delete(id);
        this.size--;
      }
    }
  }
}
