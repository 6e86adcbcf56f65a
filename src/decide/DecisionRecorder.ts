import type { DecisionRecord } from '../store/ports.js';
import type { CollectCommitter } from '../profiles/CollectTx.js';
import { withField } from '../core/common/withField.js';

/** A record whose segment snapshot is computed when its batch is written, off the decision's path. */
export type PendingDecisionRecord = Omit<DecisionRecord, 'segments'> & { readonly segments: () => readonly string[] };

export interface DecisionRecorderOptions {
  /** How long a record may wait for others to share its commit (default 50 ms). */
  readonly delayMs?: number;
  /** Records waiting beyond which they are committed at once (default 2,000). */
  readonly maxPending?: number;
  readonly onError: (error: unknown) => void;
}

/**
 * Writes decision records in batches. A record is not an acknowledged event: nobody waits
 * for it, so it may wait up to `delayMs` for others and share one commit (one fsync) with
 * them; writing each decide call's records in its own group commit cost more than deciding
 * (docs/BENCHMARKS.md). On a crash, at most the last `delayMs` of records are lost;
 * `flush()` (called on shutdown) writes what is waiting.
 */
export class DecisionRecorder {
  private pending: PendingDecisionRecord[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly delayMs: number;
  private readonly maxPending: number;

  constructor(private readonly committer: CollectCommitter, private readonly options: DecisionRecorderOptions) {
    this.delayMs = options.delayMs ?? 50;
    this.maxPending = options.maxPending ?? 2000;
  }

  add(records: readonly PendingDecisionRecord[]): void {
    for (const record of records) this.pending.push(record);
    if (this.pending.length >= this.maxPending) {
      this.flush().catch(this.options.onError);
    } else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush().catch(this.options.onError);
      }, this.delayMs);
      // A waiting record must not keep a process alive that has nothing else to do.
      this.timer.unref();
    }
  }

  /** Commits every record waiting now; settles once they are committed. */
  async flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    // withField, not `{ ...r, segments }` (slow in Node 20, core/common/withField.ts): the flush runs between requests.
    const batch: DecisionRecord[] = this.pending.map((r) => withField(r, 'segments', r.segments()));
    this.pending = [];
    await this.committer.submit(0, (tx) => tx.recordDecisions(batch));
  }
}
