import { retryAfterMs } from './retryAfter.js';

/**
 * What became of one attempt to send a batch. `retry`: nothing was stored and trying
 * again may work (a network error, a timeout, 408, 429, 5xx). `drop`: trying again cannot
 * help (the events are invalid, the key is wrong); a 400 for some invalid events also
 * means the valid ones were stored.
 */
export type SendOutcome =
  | { readonly kind: 'sent' }
  | { readonly kind: 'retry'; readonly retryAfterMs?: number; readonly error?: unknown }
  | { readonly kind: 'drop'; readonly error?: unknown };

/** The outcome an HTTP answer means. */
export function outcomeOfStatus(status: number, retryAfter: string | null, now: number, error?: unknown): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'sent' };
  if (status === 408 || status === 429 || status >= 500) {
    const wait = retryAfterMs(retryAfter, now);
    return { kind: 'retry', ...(wait === undefined ? {} : { retryAfterMs: wait }), ...(error === undefined ? {} : { error }) };
  }
  return { kind: 'drop', ...(error === undefined ? {} : { error }) };
}
