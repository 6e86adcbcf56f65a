import { describe, expect, it } from 'vitest';
import cases from './correctClockSkew.cases.json' with { type: 'json' };
import { correctClockSkew } from './correctClockSkew.js';

/** `[name, { originalTimestamp, sentAt, receivedAt }, expected timestamp]`, times in ISO 8601 (null: absent). */
type Case = readonly [string, { readonly originalTimestamp: string | null; readonly sentAt: string | null; readonly receivedAt: string }, string];

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

describe('correctClockSkew (correctClockSkew.cases.json)', () => {
  it.each(cases as unknown as readonly Case[])('%s', (_name, times, expected) => {
    const corrected = correctClockSkew({ originalTimestamp: ms(times.originalTimestamp), sentAt: ms(times.sentAt), receivedAt: Date.parse(times.receivedAt) });
    expect(new Date(corrected).toISOString()).toBe(expected);
  });
});

describe('correctClockSkew', () => {
  it('never returns a time after receivedAt', () => {
    const receivedAt = Date.parse('2024-05-01T12:00:00Z');
    for (const original of [-5000, 0, 5000]) {
      for (const sent of [-5000, 0, 5000, null]) {
        const corrected = correctClockSkew({ originalTimestamp: receivedAt + original, sentAt: sent === null ? null : receivedAt + sent, receivedAt });
        expect(corrected).toBeLessThanOrEqual(receivedAt);
      }
    }
  });

  it('is unchanged by a constant offset of the sender clock', () => {
    const receivedAt = Date.parse('2024-05-01T12:00:00Z');
    const at = (offset: number) => correctClockSkew({ originalTimestamp: receivedAt - 7000 + offset, sentAt: receivedAt - 2000 + offset, receivedAt });
    expect(new Set([at(0), at(3_600_000), at(-86_400_000), at(123)])).toEqual(new Set([receivedAt - 5000]));
  });
});
