import type { DecisionRecord, EventLogWriter, LogRecord, RecentMessage } from '../../store/ports.js';

/**
 * A real EventLogWriter (an adapter's) whose appends a test can hold back or make fail, to
 * see what the engine does while an append is in flight or after it failed. Every append is
 * recorded as it was called.
 */
export class ControlledLogWriter implements EventLogWriter {
  readonly appends: { readonly events: readonly LogRecord[]; readonly decisions: readonly DecisionRecord[] }[] = [];
  private gate: Promise<void> | null = null;
  private failures: unknown[] = [];

  constructor(private readonly inner: EventLogWriter) {}

  /** Holds every append from now on until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => { release = resolve; });
    return () => {
      this.gate = null;
      release();
    };
  }

  /** The next append fails with `error` and writes nothing. */
  failNext(error: unknown): void {
    this.failures.push(error);
  }

  async append(events: readonly LogRecord[], decisions: readonly DecisionRecord[]): Promise<void> {
    this.appends.push({ events: [...events], decisions: [...decisions] });
    const failure = this.failures.shift();
    if (this.gate !== null) await this.gate;
    if (failure !== undefined) throw failure;
    await this.inner.append(events, decisions);
  }

  lastSeq(): Promise<number> {
    return this.inner.lastSeq();
  }

  recentMessages(windowMillis: number): Promise<RecentMessage[]> {
    return this.inner.recentMessages(windowMillis);
  }
}
