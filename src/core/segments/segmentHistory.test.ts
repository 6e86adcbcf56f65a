import { describe, expect, it } from 'vitest';
import cases from './segmentHistory.cases.json' with { type: 'json' };
import { historyStart, segmentHistory } from './segmentHistory.js';

describe('segmentHistory', () => {
  it.each(cases)('$name', ({ changes, currentSize, now, days, expected }) => {
    expect(segmentHistory(changes, currentSize, now, days)).toEqual(expected);
  });

  it('starts the window at the UTC midnight days - 1 before today', () => {
    expect(historyStart(Date.parse('2026-12-07T13:00:00Z'), 7)).toBe(Date.parse('2026-12-01T00:00:00Z'));
  });
});
