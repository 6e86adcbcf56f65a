/**
 * Counting failed attempts (sign-ins) in a window that starts at the first failure: after
 * `maxFailures` within `windowMs`, further attempts wait until the window ends. A fixed window
 * rather than a lockout until an admin acts, so that an attacker cannot lock a person out for
 * longer than the window.
 */
export interface FailurePolicy {
  readonly maxFailures: number;
  readonly windowMs: number;
}

export interface FailureRecord {
  readonly failures: number;
  /** When the window's first failure was. */
  readonly since: number;
}

/**
 * Milliseconds until another attempt may be made; 0: now.
 *
 * @example waitBeforeAttempt({ failures: 10, since: 0 }, 60_000, { maxFailures: 10, windowMs: 900_000 }) // 840_000
 */
export function waitBeforeAttempt(record: FailureRecord | undefined, now: number, policy: FailurePolicy): number {
  if (record === undefined || now - record.since >= policy.windowMs || record.failures < policy.maxFailures) return 0;
  return record.since + policy.windowMs - now;
}

/** The record after one more failure at `now` (a new window when the last one has ended). */
export function recordFailure(record: FailureRecord | undefined, now: number, policy: FailurePolicy): FailureRecord {
  if (record === undefined || now - record.since >= policy.windowMs) return { failures: 1, since: now };
  return { failures: record.failures + 1, since: record.since };
}
