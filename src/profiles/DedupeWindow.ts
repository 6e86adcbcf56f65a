/**
 * Exact de-duplication of message ids within a time window, in memory: one hash lookup per
 * event and no B-tree insert. Ids are grouped by hour of arrival so that whole hours are
 * forgotten once older than the window. Memory grows with the events of one window (about
 * 120 bytes per 36-character message id); the window is a setting (ATTUNE_DEDUPE_HOURS).
 */
export class DedupeWindow {
  private readonly seen = new Map<string, number>();
  private readonly byHour = new Map<number, string[]>();
  private newest = Number.NEGATIVE_INFINITY;

  constructor(readonly windowMillis: number) {
    if (!(windowMillis > 0)) throw new RangeError(`the de-duplication window must be positive, not ${windowMillis}`);
  }

  has(workspaceId: string, messageId: string): boolean {
    return this.seen.has(`${workspaceId}\u0000${messageId}`);
  }

  /** Remembers a message id received at `receivedAt` (ms). */
  add(workspaceId: string, messageId: string, receivedAt: number): void {
    const key = `${workspaceId}\u0000${messageId}`;
    if (this.seen.has(key)) return;
    const hour = Math.floor(receivedAt / 3_600_000);
    if (receivedAt > this.newest) this.newest = receivedAt;
    this.seen.set(key, hour);
    let keys = this.byHour.get(hour);
    if (keys === undefined) this.byHour.set(hour, keys = []);
    keys.push(key);
  }

  /**
   * Forgets a message id: its event was cut from the append it was in (its job threw), so a
   * retry must not be taken for a duplicate.
   */
  delete(workspaceId: string, messageId: string): void {
    // Its hour's list keeps the key; `prune` checks the hour before forgetting a key again.
    this.seen.delete(`${workspaceId}\u0000${messageId}`);
  }

  /**
   * Forgets the hours that ended more than the window before the newest arrival: the window
   * follows the log's own clock, so a replay or a test clock keeps what it must.
   */
  prune(): void {
    const firstKept = Math.floor((this.newest - this.windowMillis) / 3_600_000);
    for (const [hour, keys] of this.byHour) {
      if (hour >= firstKept) continue;
      // A key deleted and added again since is listed under its new hour too: keep it.
      for (const key of keys) if (this.seen.get(key) === hour) this.seen.delete(key);
      this.byHour.delete(hour);
    }
  }

  get size(): number {
    return this.seen.size;
  }

  clear(): void {
    this.seen.clear();
    this.byHour.clear();
    this.newest = Number.NEGATIVE_INFINITY;
  }
}
