import type { CounterRow, StateBatch } from '../store/ports.js';

/** A counter as held in memory: changed in place, written behind when dirty. */
interface Counter {
  value: number;
  at: number;
}

/**
 * One workspace's online model counters (item popularity, co-occurrence), held whole in
 * memory once loaded. Models change them through `set` and read them through `get`; only what
 * changed since the last state write goes into the next batch.
 */
export class WorkspaceCounters {
  private readonly values = new Map<string, Counter>();
  private dirty = new Set<string>();

  constructor(readonly workspaceId: string, rows: readonly CounterRow[], private readonly onChange: () => void) {
    for (const r of rows) this.values.set(r.key, { value: r.value, at: r.at });
  }

  get size(): number {
    return this.values.size;
  }

  get(key: string): Readonly<Counter> | undefined {
    return this.values.get(key);
  }

  set(key: string, value: number, at: number): void {
    const c = this.values.get(key);
    if (c === undefined) this.values.set(key, { value, at });
    else {
      c.value = value;
      c.at = at;
    }
    this.dirty.add(key);
    this.onChange();
  }

  /** Every counter, for models that build their indexes on load. */
  entries(): IterableIterator<[string, Readonly<Counter>]> {
    return this.values.entries();
  }

  get hasChanges(): boolean {
    return this.dirty.size > 0;
  }

  /** The changed counters as rows (copies: the batch is written later), and forgets them as changed. */
  take(): StateBatch['counters'] {
    const rows: (CounterRow & { workspaceId: string })[] = [];
    for (const key of this.dirty) {
      const c = this.values.get(key)!;
      rows.push({ workspaceId: this.workspaceId, key, value: c.value, at: c.at });
    }
    this.dirty = new Set();
    return rows;
  }
}
