/**
 * What the core is given instead of reaching for the world: a clock and a source of
 * identifiers. The shell passes real ones; tests pass fixed or seeded ones.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface IdGenerator {
  /** A fresh, unique identifier (a UUID in production). */
  next(): string;
}

/** A clock that stays where it is set; for tests and replays. */
export function fixedClock(startMs: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let current = startMs;
  return {
    now: () => current,
    set: (ms) => { current = ms; },
    advance: (ms) => { current += ms; },
  };
}

/** Deterministic ids `prefix-1`, `prefix-2`, ...; for tests and replays. */
export function sequentialIds(prefix = 'id'): IdGenerator {
  let n = 0;
  return { next: () => `${prefix}-${++n}` };
}
