/**
 * Timers, passed in rather than taken from the global scope, so that the queue's batching
 * and backoff can be driven step by step in tests, and so that the Node SDK can unref its
 * timers (a pending flush must not keep a process alive).
 */
export interface Scheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
