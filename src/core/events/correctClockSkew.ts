/**
 * Segment's clock-skew correction: the sender's clock may be wrong, but the time between
 * the event and its sending is measured on that one clock, so
 * `timestamp = receivedAt - (sentAt - originalTimestamp)`.
 *
 * Without `sentAt` the original timestamp is trusted (imports of history rely on this);
 * without either, `receivedAt` is used. A result later than `receivedAt` (a sender whose
 * clock runs ahead and who sent no sentAt, or whose sentAt precedes its own event) is
 * clamped to `receivedAt`: nothing is received before it happens.
 */
export function correctClockSkew(times: { originalTimestamp: number | null; sentAt: number | null; receivedAt: number }): number {
  const { originalTimestamp, sentAt, receivedAt } = times;
  if (originalTimestamp === null) return receivedAt;
  if (sentAt === null) return Math.min(receivedAt, originalTimestamp);
  return Math.min(receivedAt, receivedAt - (sentAt - originalTimestamp));
}
