import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './retryAfter.js';
import { outcomeOfStatus } from './sendOutcome.js';

const now = Date.UTC(2025, 0, 1);

describe('outcomeOfStatus', () => {
  it.each([200, 201, 204])('%i: sent', (status) => {
    expect(outcomeOfStatus(status, null, now)).toEqual({ kind: 'sent' });
  });

  it.each([408, 429, 500, 502, 503, 504])('%i: retry', (status) => {
    expect(outcomeOfStatus(status, null, now).kind).toBe('retry');
  });

  it.each([400, 401, 403, 404, 413, 415])('%i: drop (sending again cannot help)', (status) => {
    expect(outcomeOfStatus(status, null, now).kind).toBe('drop');
  });

  it('carries the Retry-After wait', () => {
    expect(outcomeOfStatus(429, '3', now)).toEqual({ kind: 'retry', retryAfterMs: 3000 });
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs(' 12 ', now)).toBe(12_000);
    expect(retryAfterMs(new Date(now + 5000).toUTCString(), now)).toBe(5000);
  });

  it('is undefined when absent or unreadable, so the backoff applies', () => {
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });

  it('never asks for a negative wait or one over ten minutes', () => {
    expect(retryAfterMs(new Date(now - 5000).toUTCString(), now)).toBe(0);
    expect(retryAfterMs('86400', now)).toBe(600_000);
  });
});
