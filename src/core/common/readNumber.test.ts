import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import cases from './readNumber.cases.json' with { type: 'json' };
import { numberOrNote, readNumber, type UnreadableSink } from './readNumber.js';

const special: Readonly<Record<string, unknown>> = { undefined, NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY };
const inputOf = (input: unknown): unknown =>
  typeof input === 'object' && input !== null && !Array.isArray(input) && Object.hasOwn(input, '$') ? special[(input as { $: string }).$] : input;

describe('readNumber (readNumber.cases.json)', () => {
  it.each(cases.cases as [string, unknown, number | string][])('%s', (_name, input, expected) => {
    expect(readNumber(inputOf(input))).toBe(expected);
  });

  it('reads back every finite number JavaScript writes as a string', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
      const text = String(n);
      // String() writes tiny and huge numbers as 1e-7, 1e+21: in the grammar. -0 writes as "0".
      expect(readNumber(text)).toBe(Object.is(n, -0) ? 0 : n);
    }), { seed: 20261205, numRuns: 500 });
  });
});

describe('numberOrNote', () => {
  it('gives the number, or null and a note of an unreadable value; nothing for a missing one', () => {
    const sink: UnreadableSink = [];
    expect(numberOrNote(readNumber('3'), 'properties.a', sink)).toBe(3);
    expect(numberOrNote(readNumber(undefined), 'properties.a', sink)).toBeNull();
    expect(numberOrNote(readNumber('x'), 'properties.a', sink)).toBeNull();
    expect(numberOrNote(readNumber('x'), 'properties.a', undefined)).toBeNull();
    expect(sink).toEqual([{ path: 'properties.a', reason: 'malformed_string' }]);
  });
});
