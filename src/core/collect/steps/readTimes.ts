import { ok, reject, type Step } from '../../common/pipeline.js';
import type { TimedEvent, TypedEvent } from './types.js';

// ISO 8601 date with an optional time and zone: what Segment's libraries send.
const isoPattern = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export function parseIsoTime(value: string): number | null {
  if (!isoPattern.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Reads the sender's times. `timestamp` (or `originalTimestamp`) is when the event happened
 * on the sender's clock; `sentAt` is when it left, on the same clock (event or batch level).
 */
export const readTimes: Step<TypedEvent, TimedEvent> = {
  name: 'readTimes',
  run(input) {
    const fields = [
      ['timestamp', input.event['timestamp']],
      ['originalTimestamp', input.event['originalTimestamp']],
      ['sentAt', input.event['sentAt'] ?? input.batchSentAt],
    ] as const;
    const parsed: Record<string, number | null> = {};
    for (const [name, value] of fields) {
      if (value === undefined || value === null) {
        parsed[name] = null;
        continue;
      }
      const ms = typeof value === 'string' ? parseIsoTime(value) : null;
      if (ms === null) {
        const field = name === 'sentAt' && input.event['sentAt'] === undefined ? '/sentAt (batch)' : `/${name}`;
        return reject({ code: 'ATTUNE_EVENT_INVALID_TIMESTAMP', field, message: `${name} ${JSON.stringify(value)} is not an ISO 8601 date-time` });
      }
      parsed[name] = ms;
    }
    return ok({ ...input, originalTimestamp: parsed['originalTimestamp'] ?? parsed['timestamp'] ?? null, sentAt: parsed['sentAt'] ?? null });
  },
};
