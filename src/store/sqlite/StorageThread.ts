import { Worker } from 'node:worker_threads';
import { AttuneError } from '../../core/errors/AttuneError.js';
import { threadScript } from '../threadScript.js';
import type { StorageCommand, StorageReply, StorageThreadData, ThreadError } from './storageThreadProtocol.js';

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** An error the storage thread replied with, as the main thread sees it (its SQLite code kept). */
export class StorageThreadError extends Error {
  override readonly name = 'StorageThreadError';
  readonly code: string | undefined;

  constructor(error: ThreadError) {
    super(`${error.name}: ${error.message}`);
    this.code = error.code;
  }
}

/**
 * The main thread's handle on the storage thread (storageThreadEntry.ts), which owns the
 * database's write connection. `run` posts a command and settles with the thread's reply,
 * posted after the commit. Commands are applied in the order `run` was called; the command is
 * cloned (serialised) before `run` returns.
 *
 * The thread keeps the process alive only while a command is pending. If it stops (a crash, or
 * `terminate`), pending commands fail with ATTUNE_STORE_UNAVAILABLE, and the next command
 * starts a new thread: whoever called sees a failed write and recovers as after any other.
 */
export class StorageThread {
  private worker: Worker | undefined;
  /** Set from a thread's 'error' until its 'exit': commands posted then are lost with it. */
  private stopping = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed: Promise<void> | undefined;

  constructor(private readonly data: StorageThreadData) {
    this.worker = this.start();
  }

  /** Applies a command on the storage thread; resolves with its result once committed. */
  run(command: StorageCommand): Promise<unknown> {
    if (this.closed !== undefined) return Promise.reject(new AttuneError('ATTUNE_STORE_UNAVAILABLE', { detail: 'the store is closed' }));
    return this.post(command);
  }

  /** Waits for the pending commands, closes the thread's connection and ends the thread. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.worker === undefined) return;
      await this.post({ kind: 'close' }).catch(() => undefined);
      await this.terminate();
    })();
    return this.closed;
  }

  /** Ends the thread now, as a crash would: pending commands fail with ATTUNE_STORE_UNAVAILABLE. */
  async terminate(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    await worker.terminate();
    await exited;
  }

  private post(command: StorageCommand): Promise<unknown> {
    if (this.stopping) return Promise.reject(this.unavailable(new Error('the storage thread is stopping')));
    this.worker ??= this.start();
    const worker = this.worker;
    const id = this.nextId++;
    try {
      worker.postMessage({ ...command, id });
    } catch (error) {
      // Data that cannot be cloned: a bug in the caller, reported to it alone.
      return Promise.reject(error);
    }
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  private start(): Worker {
    const entry = threadScript(import.meta.url, 'storageThreadEntry');
    const worker = new Worker(entry.script, { workerData: this.data, eval: entry.eval });
    worker.unref();
    let failure: unknown;
    worker.on('message', (reply: StorageReply) => {
      const pending = this.pending.get(reply.id);
      if (pending === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(new StorageThreadError(reply.error));
    });
    worker.on('error', (error) => {
      failure = error;
      this.stopping = true;
      this.failPending(error);
    });
    worker.on('exit', (code) => {
      this.failPending(failure ?? new Error(`the storage thread exited with code ${code}`));
      this.stopping = false;
      if (this.worker === worker) this.worker = undefined;
    });
    return worker;
  }

  private failPending(cause: unknown): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    const error = this.unavailable(cause);
    for (const p of pending) p.reject(error);
  }

  private unavailable(cause: unknown): AttuneError {
    return new AttuneError('ATTUNE_STORE_UNAVAILABLE', { detail: 'the storage thread stopped; the write may not have been committed', cause });
  }
}
