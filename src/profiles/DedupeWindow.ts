/**
 * Exact de-duplication of message ids within a time window, in memory: one hash lookup per
 * event and no B-tree insert. Ids are grouped by hour of arrival so that whole hours are
 * forgotten once older than the window. Memory grows with the events of one window (about
 * 95 bytes per 36-character message id, its own string included; a joined workspace-and-id
 * key took about 160); the window is a setting (ATTUNE_DEDUPE_HOURS).
 */
export class DedupeWindow {
  /** Hour of arrival by workspace and message id: the ids are the keys, with no joined string to build per lookup. */
  private readonly seen = new Map<string, Map<string, number>>();
  private readonly byHour = new Map<number, Map<string, string[]>>();
  private count = 0;
  private newest = Number.NEGATIVE_INFINITY;

  constructor(readonly windowMillis: number) {
    if (!(windowMillis > 0)) throw new RangeError(`the de-duplication window must be positive, not ${windowMillis}`);
  }

  has(workspaceId: string, messageId: string): boolean {
    return this.seen.get(workspaceId)?.has(messageId) === true;
  }

  /** Remembers a message id received at `receivedAt` (ms). */
  add(workspaceId: string, messageId: string, receivedAt: number): void {
    let ids = this.seen.get(workspaceId);
    if (ids === undefined) this.seen.set(workspaceId, ids = new Map());
    if (ids.has(messageId)) return;
    const hour = Math.floor(receivedAt / 3_600_000);
    if (receivedAt > this.newest) this.newest = receivedAt;
    ids.set(messageId, hour);
    this.count++;
    let hourIds = this.byHour.get(hour);
    if (hourIds === undefined) this.byHour.set(hour, hourIds = new Map());
    let list = hourIds.get(workspaceId);
    if (list === undefined) hourIds.set(workspaceId, list = []);
    list.push(messageId);
  }

  /**
   * Forgets a message id: its event was cut from the append it was in (its job threw), so a
   * retry must not be taken for a duplicate.
   */
  delete(workspaceId: string, messageId: string): void {
    // Its hour's list keeps the id; `prune` checks the hour before forgetting an id again.
    if (this.seen.get(workspaceId)?.delete(messageId) === true) this.count--;
  }

  /**
   * Forgets the hours that ended more than the window before the newest arrival: the window
   * follows the log's own clock, so a replay or a test clock keeps what it must.
   */
  prune(): void {
    const firstKept = Math.floor((this.newest - this.windowMillis) / 3_600_000);
    for (const [hour, hourIds] of this.byHour) {
      if (hour >= firstKept) continue;
      for (const [workspaceId, list] of hourIds) {
        const ids = this.seen.get(workspaceId);
        if (ids === undefined) continue;
        for (const id of list) {
          // An id deleted and added again since is listed under its new hour too: keep it.
          if (ids.get(id) !== hour) continue;
          ids.delete(id);
          this.count--;
        }
        if (ids.size === 0) this.seen.delete(workspaceId);
      }
      this.byHour.delete(hour);
    }
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.seen.clear();
    this.byHour.clear();
    this.count = 0;
    this.newest = Number.NEGATIVE_INFINITY;
  }
}
