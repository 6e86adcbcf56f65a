import { ok, reject, type Step } from '../../common/pipeline.js';
import type { TimedEvent, TypedEvent } from './types.js';

// ISO 8601 date with an optional time and zone: what Segment's libraries send.
const isoPattern = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Milliseconds since the epoch, or null when `value` is not an ISO 8601 date(-time).
 * A date-time without a zone is read as UTC: `Date.parse` would read it in the server's
 * local zone, and the core's results must not depend on where it runs.
 */
/** Rejects dates that Date.parse would roll over (2024-02-30 -> 1 March). */
function isCalendarDate(value: string): boolean {
  const [year, month, day] = [Number(value.slice(0, 4)), Number(value.slice(5, 7)), Number(value.slice(8, 10))];
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

export function parseIsoTime(value: string): number | null {
  const match = isoPattern.exec(value);
  if (match === null || !isCalendarDate(value)) return null;
  const zoneless = value.length > 10 && match[1] === undefined;
  const ms = Date.parse(zoneless ? `${value.replace(' ', 'T')}Z` : value);
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
