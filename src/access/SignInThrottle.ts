import { recordFailure, waitBeforeAttempt, type FailurePolicy, type FailureRecord } from '../core/access/failureWindow.js';

/** Keys kept at most: beyond, the oldest windows are forgotten (a flood of addresses cannot grow memory). */
const maxKeys = 10_000;

/**
 * Failed sign-ins counted per key (an account, an address) in this process, so that guessing a
 * password costs an attacker a window per few tries. In memory: a restart forgets the counts,
 * and several servers count apart (each still bounds the rate it answers).
 */
export class SignInThrottle {
  private readonly records = new Map<string, FailureRecord>();

  constructor(private readonly policy: FailurePolicy) {}

  /** Milliseconds until `key` may try again; 0: now. */
  wait(key: string, now: number): number {
    return waitBeforeAttempt(this.records.get(key), now, this.policy);
  }

  failed(key: string, now: number): void {
    const next = recordFailure(this.records.get(key), now, this.policy);
    this.records.delete(key);
    if (this.records.size >= maxKeys) {
      const oldest = this.records.keys().next();
      if (oldest.done !== true) this.records.delete(oldest.value);
    }
    this.records.set(key, next);
  }

  succeeded(key: string): void {
    this.records.delete(key);
  }
}
