import { describe, expect, it } from 'vitest';
import { emptyActivityHours, mergeActivityHours, recordActivity } from './ActivityHours.js';

describe('ActivityHours: the latest time zone an engagement event named', () => {
  const open = (timestamp: number, timezone?: string) => ({ type: 'track', name: 'Email Opened', timestamp, context: timezone === undefined ? null : { timezone } });
  const t = Date.parse('2026-03-02T07:10:00Z');

  it('keeps the latest context.timezone of an engagement event, and only of one', () => {
    const state = emptyActivityHours();
    expect(recordActivity(state, open(t, 'Europe/Oslo'))).toBe(true);
    expect(state.z).toBe('Europe/Oslo');
    recordActivity(state, open(t + 1000));
    expect(state.z).toBe('Europe/Oslo');
    recordActivity(state, open(t + 2000, 'Asia/Kolkata'));
    expect(state.z).toBe('Asia/Kolkata');
    expect(recordActivity(state, { type: 'identify', name: null, timestamp: t + 3000, context: { timezone: 'America/New_York' } })).toBe(false);
    expect(state.z).toBe('Asia/Kolkata');
  });

  it('a merge keeps the later profile\'s zone, else the other\'s', () => {
    const a = emptyActivityHours();
    const b = emptyActivityHours();
    recordActivity(a, open(t, 'Europe/Oslo'));
    recordActivity(b, open(t + 60_000));
    expect(mergeActivityHours(a, b).z).toBe('Europe/Oslo');
    recordActivity(b, open(t + 120_000, 'Asia/Tokyo'));
    expect(mergeActivityHours(a, b).z).toBe('Asia/Tokyo');
  });
});
