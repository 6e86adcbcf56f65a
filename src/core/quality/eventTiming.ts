/**
 * How far ahead of its arrival an event said it happened, in ms (0 when it did not): the
 * time before Segment's clock-skew correction clamps it (core/events/correctClockSkew.ts).
 * Clamping keeps a future-dated event out of the future for features; the report counts it
 * so the sender's clock can be fixed.
 *
 * @example aheadOfArrival({ originalTimestamp: 2_000, sentAt: null, receivedAt: 1_000 }) // 1000
 */
export function aheadOfArrival(times: { originalTimestamp: number | null; sentAt: number | null; receivedAt: number }): number {
  const { originalTimestamp, sentAt, receivedAt } = times;
  if (originalTimestamp === null) return 0;
  const unclamped = sentAt === null ? originalTimestamp : receivedAt - (sentAt - originalTimestamp);
  return Math.max(0, unclamped - receivedAt);
}

/** Events more than this far ahead of their arrival are future-dated (a minute absorbs ordinary clock drift). */
export const FUTURE_TOLERANCE_MS = 60_000;

/** Lateness thresholds the report counts events beyond (arrival minus corrected time). */
export const latenessThresholds = [
  { label: 'over1h', ms: 3_600_000 },
  { label: 'over1d', ms: 86_400_000 },
  { label: 'over7d', ms: 7 * 86_400_000 },
] as const;
