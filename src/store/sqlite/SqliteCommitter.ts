import { AttuneError } from '../../core/errors/AttuneError.js';
import type { CollectCommitter, CollectTx } from '../ports.js';
import type { SqliteCollectTx } from './SqliteCollectTx.js';
import type { Transaction } from 'better-sqlite3';
import type { SqliteDatabase } from './openDatabase.js';

interface QueuedJob {
  readonly eventCount: number;
  readonly run: (tx: CollectTx) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

export interface CommitterOptions {
  /** Queued events beyond which new jobs are refused with ATTUNE_QUEUE_FULL (HTTP 429). */
  readonly maxPendingEvents: number;
  /** Called after each group commit, for metrics. */
  readonly onCommit?: (jobs: number, events: number, millis: number) => void;
}

/**
 * Group commit on SQLite. Jobs queue up while the event loop serves other requests; on the
 * next turn one transaction runs them all and one fsync makes them durable; only then do
 * their promises settle, so no request is answered before its events are on disk.
 * Each job runs in its own savepoint: a job that throws is rolled back alone.
 */
export class SqliteCommitter implements CollectCommitter {
  private queue: QueuedJob[] = [];
  private queuedEvents = 0;
  private scheduled = false;
  private closed = false;
  private readonly runJob: (job: QueuedJob) => unknown;
  private readonly commitAll: Transaction<(jobs: readonly QueuedJob[]) => { ok: boolean; value: unknown }[]>;

  constructor(
    db: SqliteDatabase,
    private readonly tx: SqliteCollectTx,
    private readonly options: CommitterOptions,
  ) {
    // Each job's cached profile changes are written inside its own savepoint.
    this.runJob = db.transaction((job: QueuedJob) => {
      const result = job.run(this.tx);
      this.tx.flush();
      return result;
    });
    this.commitAll = db.transaction((jobs: readonly QueuedJob[]) => {
      // Checked once the write lock is held: a commit by another process while this one waited
      // for the lock must invalidate the caches before any job reads them.
      this.tx.beginCommit();
      return jobs.map((job) => {
        try {
          return { ok: true, value: this.runJob(job) };
        } catch (error) {
          this.tx.discard();
          // A database fault (busy, full, I/O) is the store's, not the request's: 503, retry later.
          return { ok: false, value: isSqliteError(error) ? new AttuneError('ATTUNE_STORE_UNAVAILABLE', { cause: error }) : error };
        }
      });
    });
  }

  get pendingEvents(): number {
    return this.queuedEvents;
  }

  submit<R>(eventCount: number, job: (tx: CollectTx) => R): Promise<R> {
    if (this.closed) return Promise.reject(new AttuneError('ATTUNE_SHUTTING_DOWN'));
    if (this.queuedEvents > 0 && this.queuedEvents + eventCount > this.options.maxPendingEvents) {
      return Promise.reject(new AttuneError('ATTUNE_QUEUE_FULL', { detail: `${this.queuedEvents} events are waiting to be committed` }));
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ eventCount, run: job, resolve: resolve as (value: unknown) => void, reject });
      this.queuedEvents += eventCount;
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after pending I/O callbacks: requests that arrived meanwhile join this commit.
        setImmediate(() => this.commitQueued());
      }
    });
  }

  async flush(): Promise<void> {
    this.commitQueued();
  }

  /** Commits what is queued and refuses new jobs; for graceful shutdown. */
  async close(): Promise<void> {
    this.commitQueued();
    this.closed = true;
  }

  private commitQueued(): void {
    this.scheduled = false;
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    const events = this.queuedEvents;
    this.queuedEvents = 0;
    const started = performance.now();
    let results: { ok: boolean; value: unknown }[];
    try {
      // IMMEDIATE takes the write lock up front, so another process writing the same file
      // (an import from the CLI) makes this wait (busy_timeout) instead of failing mid-way.
      results = this.commitAll.immediate(jobs);
    } catch (error) {
      this.tx.discard();
      const failure = new AttuneError('ATTUNE_STORE_UNAVAILABLE', { cause: error });
      for (const job of jobs) job.reject(failure);
      return;
    }
    this.options.onCommit?.(jobs.length, events, performance.now() - started);
    jobs.forEach((job, i) => {
      const result = results[i]!;
      if (result.ok) job.resolve(result.value);
      else job.reject(result.value);
    });
  }
}

function isSqliteError(error: unknown): boolean {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}
