import type { RankEventRecord, RankEventStore } from '../store/ports.js';

export interface RankEventRecorderOptions {
  /** How long an event may wait for others to share its commit; 0: the caller writes it at once (`flush`). */
  readonly delayMs: number;
  /** Events waiting beyond which they are committed at once (default 2,000). */
  readonly maxPending?: number;
  /** A batch the timer wrote failed: its events are lost (a caller's `flush` rejects instead). */
  readonly onError: (error: unknown) => void;
}

const keyOf = (workspaceId: string, eventId: string) => `${workspaceId}\u0000${eventId}`;

/**
 * Writes rank events in batches, as DecisionRecorder writes decision records: an event waits
 * up to `delayMs` for others and shares one commit with them, off the rank call's path. Until
 * it is written it is still known here (`has`, `activatedBy`), and whatever reads rank events
 * (a reward, an activation, the expiry of waiting events, the events list, an export or an
 * erasure) flushes first, so nothing that joins with an event misses it. On a crash, at most
 * the last `delayMs` of events are lost; a reward naming one then finds no event (404) and
 * nothing is learned from it, so the model and the store still agree.
 */
export class RankEventRecorder {
  private pending: RankEventRecord[] = [];
  /** Events waiting or being written, by workspace and id. */
  private readonly unwritten = new Set<string>();
  private earliestActivation = Number.POSITIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly maxPending: number;

  constructor(private readonly store: RankEventStore, private readonly options: RankEventRecorderOptions) {
    this.maxPending = options.maxPending ?? 2000;
  }

  add(event: RankEventRecord): void {
    this.pending.push(event);
    this.unwritten.add(keyOf(event.workspaceId, event.eventId));
    if (event.activatedAt !== null) this.earliestActivation = Math.min(this.earliestActivation, event.activatedAt);
    if (this.options.delayMs === 0) return;
    if (this.pending.length >= this.maxPending) {
      this.flush().catch(this.options.onError);
    } else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush().catch(this.options.onError);
      }, this.options.delayMs);
      // A waiting event must not keep a process alive that has nothing else to do.
      this.timer.unref();
    }
  }

  /** Whether the event is waiting to be written (or being written). */
  has(workspaceId: string, eventId: string): boolean {
    return this.unwritten.has(keyOf(workspaceId, eventId));
  }

  /** Whether an event waiting was activated at or before `time` (the expiry of waiting events must see it). */
  activatedBy(time: number): boolean {
    return this.earliestActivation <= time;
  }

  /**
   * Writes every event waiting now, in one transaction; settles once they (and any batch
   * before them) are written, and rejects when this batch could not be.
   */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return this.writing;
    const batch = this.pending;
    this.pending = [];
    this.earliestActivation = Number.POSITIVE_INFINITY;
    const write = this.writing.then(async () => {
      try {
        const stored = await this.store.recordRanks(batch);
        const refused = batch.filter((_e, i) => !stored[i]);
        // Ids are checked before an event is accepted (here and in the store), so only another
        // process writing the same workspace could take one meanwhile.
        if (refused.length > 0) throw new Error(`rank events not stored, their ids taken meanwhile: ${refused.map((e) => e.eventId).join(', ')}`);
      } finally {
        for (const event of batch) this.unwritten.delete(keyOf(event.workspaceId, event.eventId));
      }
    });
    // The chain waits for each batch but does not carry its failure to the next flush.
    this.writing = write.catch(() => undefined);
    return write;
  }
}
