/**
 * A Segment call as the SDKs queue and send it: plain JSON with its `type` and a
 * `messageId`, which the server de-duplicates on, so that a retried or re-sent event is
 * stored once.
 */
export interface SegmentEvent {
  readonly type: string;
  readonly messageId: string;
  readonly [member: string]: unknown;
}

/** A value that has the two members every queued event needs (storage and old SDK versions may hold anything). */
export function isSegmentEvent(value: unknown): value is SegmentEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { type, messageId } = value as { type?: unknown; messageId?: unknown };
  return typeof type === 'string' && typeof messageId === 'string' && messageId.length > 0;
}
