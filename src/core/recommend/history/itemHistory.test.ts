import { describe, expect, it } from 'vitest';
import cases from './itemHistory.cases.json' with { type: 'json' };
import { boughtItems, emptyItemHistory, historyItems, itemsSince, MAX_SEEN, mergeItemHistories, readItemEvent, recordItemEvent, type ItemEvent, type ItemHistory } from './itemHistory.js';

type ReadCase = [string, Parameters<typeof readItemEvent>[0], ItemEvent | null];
type RecordCase = [string, ItemEvent[], ItemHistory];

describe('readItemEvent', () => {
  it.each(cases.read as unknown as ReadCase[])('%s', (_name, event, expected) => {
    expect(readItemEvent(event)).toEqual(expected);
  });
});

describe('recordItemEvent', () => {
  it.each(cases.record as unknown as RecordCase[])('%s', (_name, events, expected) => {
    const history = emptyItemHistory();
    for (const e of events) recordItemEvent(history, e);
    expect(history).toEqual(expected);
  });

  it('keeps the latest MAX_SEEN items', () => {
    const history = emptyItemHistory();
    for (let i = 0; i < MAX_SEEN + 5; i++) recordItemEvent(history, { kind: 'view', items: [`i${i}`], timestamp: i });
    expect(history.v).toHaveLength(MAX_SEEN);
    expect(history.v[0]![0]).toBe('i5');
    expect(itemsSince(history, MAX_SEEN + 2)).toEqual([`i${MAX_SEEN + 2}`, `i${MAX_SEEN + 3}`, `i${MAX_SEEN + 4}`]);
  });
});

describe('mergeItemHistories', () => {
  it('interleaves by time, each item at its latest, and is the same in either order', () => {
    const a: ItemHistory = { v: [['x', 0, 1], ['y', 0, 5]], p: [['x', 2]] };
    const b: ItemHistory = { v: [['x', 1, 3], ['z', 0, 4]], p: [] };
    const expected = { v: [['x', 1, 3], ['z', 0, 4], ['y', 0, 5]], p: [['x', 2]] };
    expect(mergeItemHistories(a, b)).toEqual(expected);
    expect(mergeItemHistories(b, a)).toEqual(expected);
    expect(historyItems(expected as ItemHistory)).toEqual(['x', 'z', 'y']);
    expect([...boughtItems(a)]).toEqual(['x']);
  });

  it('does not share entries with its inputs', () => {
    const a: ItemHistory = { v: [['x', 0, 1]], p: [] };
    const merged = mergeItemHistories(a, { v: [], p: [] })!;
    merged.v[0]![2] = 99;
    expect(a.v[0]![2]).toBe(1);
  });
});
