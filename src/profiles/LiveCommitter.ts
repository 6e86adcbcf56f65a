import { AttuneError } from '../core/errors/AttuneError.js';
import type { EventLogWriter } from '../store/ports.js';
import type { CollectCommitter, CollectTx, Preload } from './CollectTx.js';
import type { LiveState } from './LiveState.js';

interface QueuedJob {
  readonly eventCount: number;
  readonly run: (tx: CollectTx) => unknown;
  readonly preload: Preload | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

export interface LiveCommitterOptions {
  /** Queued events beyond which new jobs are refused with ATTUNE_QUEUE_FULL (HTTP 429). */
  readonly maxPendingEvents: number;
  /** Called after each durable cycle, for metrics. */
  readonly onCommit?: (jobs: number, events: number, millis: number) => void;
}

/** What the committer needs of the store around it: readiness, state writes and fault handling. */
export interface CycleHooks {
  /**
   * Called at the start of every cycle, between cycles: recovers the state when it is due
   * (at start-up and after a fault), so recovery never interleaves with a cycle.
   */
  ready(): Promise<void>;
  /** After each cycle's append is durable: may write the changed state behind. */
  afterCycle(): void;
  /**
   * Writes the changed state now, before the cycle ends. Called when a job changed the state
   * without appending an event (a re-evaluation, a rebuild's replay): the log holds no record
   * of it, so it is acknowledged only once the state store holds it. Rejects when it cannot be.
   */
  persist(): Promise<void>;
  /**
   * A job threw or an append failed: the memory may hold what the log does not. Called at
   * once (synchronously), so that no state write takes a batch of it before recovery.
   */
  suspect(): void;
  /** Once the failed cycle has settled: the state is recovered from the store and the log. */
  fault(error: unknown): void;
}

/**
 * Runs collect jobs in cycles over the in-memory state. A cycle loads what its jobs read,
 * runs them one after another (synchronously: nothing interleaves between a duplicate check
 * and the append), then appends their events to the log in one durable write; the jobs'
 * promises settle once it is durable, so no event is acknowledged before it is on disk. The
 * next request already sees the state the events made. Cycles run one at a time, in order.
 */
export class LiveCommitter implements CollectCommitter {
  private queue: QueuedJob[] = [];
  private queuedEvents = 0;
  private inFlightEvents = 0;
  private scheduled = false;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();
  private durable: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly live: LiveState,
    private readonly log: EventLogWriter,
    private readonly hooks: CycleHooks,
    private readonly options: LiveCommitterOptions,
  ) {}

  get pendingEvents(): number {
    return this.queuedEvents + this.inFlightEvents;
  }

  submit<R>(eventCount: number, job: (tx: CollectTx) => R, preload?: Preload): Promise<R> {
    if (this.closed) return Promise.reject(new AttuneError('ATTUNE_SHUTTING_DOWN'));
    if (this.pendingEvents > 0 && this.pendingEvents + eventCount > this.options.maxPendingEvents) {
      return Promise.reject(new AttuneError('ATTUNE_QUEUE_FULL', { detail: `${this.pendingEvents} events are waiting to be committed` }));
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ eventCount, run: job, preload, resolve: resolve as (value: unknown) => void, reject });
      this.queuedEvents += eventCount;
      this.kick();
    });
  }

  /** Schedules a cycle even without jobs (it recovers the state when that is due). */
  kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after pending I/O callbacks: requests that arrived meanwhile join this cycle.
    setImmediate(() => void this.runCycle());
  }

  /**
   * Runs `fn` between cycles: every earlier cycle's append has settled and no later cycle
   * has started, so the memory holds exactly what the log holds (unless a fault is pending).
   */
  between<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.then(() => undefined, () => undefined);
    return run;
  }

  async flush(): Promise<void> {
    await this.runCycle();
    await this.durable.catch(() => undefined);
  }

  /** Runs what is queued and refuses new jobs; for graceful shutdown. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private runCycle(): Promise<void> {
    this.scheduled = false;
    // A cycle settles its own jobs; should it throw past them, the chain must still go on, or
    // every later job would wait for ever.
    this.chain = this.chain.then(() => this.cycle()).catch((error: unknown) => {
      this.hooks.suspect();
      this.hooks.fault(error);
    });
    return this.chain;
  }

  private async cycle(): Promise<void> {
    try {
      await this.hooks.ready();
    } catch (error) {
      const jobs = this.queue;
      this.queue = [];
      this.queuedEvents = 0;
      const failure = error instanceof AttuneError ? error : new AttuneError('ATTUNE_STORE_UNAVAILABLE', { cause: error });
      for (const job of jobs) job.reject(failure);
      return;
    }
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    const events = this.queuedEvents;
    this.queuedEvents = 0;
    this.inFlightEvents += events;
    const started = performance.now();
    const settle = () => {
      this.inFlightEvents -= events;
    };
    let pinned: Awaited<ReturnType<LiveState['load']>> = [];
    try {
      for (const job of jobs) if (job.preload !== undefined) pinned = pinned.concat(await this.live.load(job.preload));
    } catch (error) {
      this.live.unpin(pinned);
      settle();
      const failure = error instanceof AttuneError ? error : new AttuneError('ATTUNE_STORE_UNAVAILABLE', { cause: error });
      for (const job of jobs) job.reject(failure);
      return;
    }
    const results: JobResult[] = [];
    let failed: unknown = null;
    for (const job of jobs) {
      const mark = this.live.cycleMark();
      try {
        const value = job.run(this.live);
        const after = this.live.cycleMark();
        results.push({ ok: true, value, memoryOnly: after.changes > mark.changes && after.events === mark.events });
      } catch (error) {
        // What the job appended before it threw is not written: the log keeps whole jobs only.
        this.live.truncateCycle(mark);
        results.push({ ok: false, value: error, memoryOnly: false });
        if (failed === null) this.hooks.suspect();
        failed ??= error;
      }
    }
    this.live.unpin(pinned);
    const cycle = this.live.takeCycle();
    const append = cycle.events.length + cycle.decisions.length > 0 ? this.log.append(cycle.events, cycle.decisions) : Promise.resolve();
    this.durable = append.then(
      () => this.settleDurable(jobs, results, failed, () => {
        settle();
        this.options.onCommit?.(jobs.length, events, performance.now() - started);
      }),
      (error: unknown) => {
        this.hooks.suspect();
        settle();
        this.hooks.fault(failed ?? error);
        const failure = new AttuneError('ATTUNE_STORE_UNAVAILABLE', { cause: error });
        for (const job of jobs) job.reject(failure);
      },
    );
    await this.durable;
  }

  /**
   * The cycle's append is durable: each job is settled by what it did, not by what it
   * declared. A job whose events (or decision records) are in the append is kept; after a
   * fault, recovery replays the log, so a job that changed the memory without appending an
   * event is lost with it and refused. Without a fault, such a job is acknowledged once its
   * state is written (`persist`).
   */
  private async settleDurable(jobs: readonly QueuedJob[], results: readonly JobResult[], failed: unknown, onDurable: () => void): Promise<void> {
    onDurable();
    if (failed !== null) {
      this.hooks.fault(failed);
      jobs.forEach((job, i) => {
        const result = results[i]!;
        if (!result.ok) job.reject(result.value);
        else if (result.memoryOnly) job.reject(new AttuneError('ATTUNE_STORE_UNAVAILABLE', { detail: 'another change in the same commit failed; try again' }));
        else job.resolve(result.value);
      });
      return;
    }
    this.hooks.afterCycle();
    let persisted: { ok: true } | { ok: false; error: unknown } = { ok: true };
    if (results.some((r) => r.memoryOnly)) {
      try {
        await this.hooks.persist();
      } catch (error) {
        persisted = { ok: false, error };
      }
    }
    jobs.forEach((job, i) => {
      const result = results[i]!;
      if (result.memoryOnly && !persisted.ok) {
        const error = persisted.error;
        job.reject(error instanceof AttuneError ? error : new AttuneError('ATTUNE_STORE_UNAVAILABLE', { cause: error }));
      } else job.resolve(result.value);
    });
  }
}

interface JobResult {
  readonly ok: boolean;
  readonly value: unknown;
  /** The job changed the state and appended no event: the log cannot restore what it did. */
  readonly memoryOnly: boolean;
}
