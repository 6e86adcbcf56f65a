export interface BackoffOptions {
  /** The first delay's ceiling, in milliseconds. */
  readonly baseMs: number;
  /** No delay's ceiling grows beyond this. */
  readonly maxMs: number;
}

/**
 * The delay before retry number `attempt` (1 for the first retry): exponential, with
 * "equal jitter": a random point in the upper half of the step. Random, so that the
 * clients a server outage failed together do not come back together; never below half the
 * step, so that a client does not hammer a server that just said it is overloaded.
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  const jitter = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (jitter * ceiling) / 2);
}
