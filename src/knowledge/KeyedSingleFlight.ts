/**
 * At most one load in flight per key: callers asking while a load runs share its promise.
 * The model caches use it so that a burst of requests after a change compiles once.
 */
export class KeyedSingleFlight<V> {
  private readonly loading = new Map<string, Promise<V>>();

  run(key: string, load: () => Promise<V>): Promise<V> {
    const pending = this.loading.get(key);
    if (pending !== undefined) return pending;
    const loaded: Promise<V> = load().finally(() => {
      if (this.loading.get(key) === loaded) this.loading.delete(key);
    });
    this.loading.set(key, loaded);
    return loaded;
  }

  /** Later callers start a new load (the one in flight may be stale). */
  forget(key: string): void {
    this.loading.delete(key);
  }
}
