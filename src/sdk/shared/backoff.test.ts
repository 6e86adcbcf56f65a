import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const options = { baseMs: 1000, maxMs: 30_000 };

describe('backoffDelay', () => {
  it('doubles the step with each attempt and stays in its upper half', () => {
    for (const [attempt, step] of [[1, 1000], [2, 2000], [3, 4000], [4, 8000]] as const) {
      expect(backoffDelay(attempt, () => 0, options)).toBe(step / 2);
      expect(backoffDelay(attempt, () => 1, options)).toBe(step);
    }
  });

  it('is capped at maxMs however many attempts failed', () => {
    expect(backoffDelay(6, () => 1, options)).toBe(30_000);
    expect(backoffDelay(10_000, () => 1, options)).toBe(30_000);
  });

  it('spreads clients out: different random draws give different delays', () => {
    const delays = new Set([0.1, 0.3, 0.6, 0.9].map((r) => backoffDelay(3, () => r, options)));
    expect(delays.size).toBe(4);
  });

  it('reads attempts below 1 and random values outside [0, 1] safely', () => {
    expect(backoffDelay(0, () => 0.5, options)).toBe(750);
    expect(backoffDelay(1, () => 7, options)).toBe(1000);
    expect(backoffDelay(1, () => -1, options)).toBe(500);
  });
});
