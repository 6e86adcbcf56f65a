/** A Retry-After beyond this is read as this: a queue that waits hours looks like a lost queue. */
const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

/**
 * The wait a Retry-After header asks for, in milliseconds: delta-seconds or an HTTP date
 * (RFC 9110). Undefined when absent or unreadable, so that the caller's backoff applies.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
