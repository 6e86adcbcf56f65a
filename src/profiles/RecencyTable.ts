/** What a `RecencyTable` holds: named by workspace and id, stamped when last used. */
export interface Recent {
  readonly workspaceId: string;
  readonly id: string;
  /** The table's use counter when this was last set or touched. */
  used: number;
}

/**
 * Entries by workspace and id, in the order they were last used. One map per workspace, keyed
 * by the entry's own id string: a single map would need a `workspace\0id` key built per entry
 * (about 100 heap bytes each) and per look-up. Each workspace's map keeps its entries in use
 * order (a touch moves one to the end); `byRecency` merges the workspaces' orders by the use stamp.
 */
export class RecencyTable<T extends Recent> {
  private readonly byWorkspace = new Map<string, Map<string, T>>();
  private tick = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(workspaceId: string, id: string): T | undefined {
    return this.byWorkspace.get(workspaceId)?.get(id);
  }

  has(workspaceId: string, id: string): boolean {
    return this.byWorkspace.get(workspaceId)?.has(id) ?? false;
  }

  /** Adds (or replaces) an entry, as the most recently used. */
  set(entry: T): void {
    let entries = this.byWorkspace.get(entry.workspaceId);
    if (entries === undefined) this.byWorkspace.set(entry.workspaceId, (entries = new Map()));
    if (entries.delete(entry.id)) this.count--;
    entry.used = ++this.tick;
    entries.set(entry.id, entry);
    this.count++;
  }

  /** Marks an entry held as just used. */
  touch(entry: T): void {
    const entries = this.byWorkspace.get(entry.workspaceId);
    if (entries?.get(entry.id) !== entry) return;
    entries.delete(entry.id);
    entry.used = ++this.tick;
    entries.set(entry.id, entry);
  }

  delete(entry: T): void {
    const entries = this.byWorkspace.get(entry.workspaceId);
    if (entries?.get(entry.id) !== entry) return;
    entries.delete(entry.id);
    this.count--;
  }

  /** A workspace's entries, least recently used first (deleting the current one while iterating is safe). */
  workspace(workspaceId: string): IterableIterator<T> {
    return (this.byWorkspace.get(workspaceId) ?? new Map<string, T>()).values();
  }

  /** Every entry, least recently used first, across workspaces (deleting the current one while iterating is safe). */
  *byRecency(): Generator<T> {
    const heads = [...this.byWorkspace.values()].map((entries) => {
      const it = entries.values();
      return { it, next: it.next() };
    });
    for (;;) {
      let oldest: (typeof heads)[number] | undefined;
      for (const h of heads) if (!h.next.done && (oldest === undefined || h.next.value.used < (oldest.next.value as T).used)) oldest = h;
      if (oldest === undefined) return;
      const entry = oldest.next.value as T;
      oldest.next = oldest.it.next();
      yield entry;
    }
  }

  deleteWorkspace(workspaceId: string): void {
    this.count -= this.byWorkspace.get(workspaceId)?.size ?? 0;
    this.byWorkspace.delete(workspaceId);
  }

  clear(): void {
    this.byWorkspace.clear();
    this.count = 0;
  }
}
