import { describe, expect, it } from 'vitest';
import cases from './retention.cases.json' with { type: 'json' };
import { dayMillis, eventAge, eventCutOff, eventVerdict, purgesEvents, retentionCutOffs, type EventVerdict, type RetentionPolicy } from './RetentionPolicy.js';

const now = Date.parse('2026-12-07T00:00:00Z');

describe('eventVerdict (spec cases)', () => {
  type Case = [string, RetentionPolicy, { type: string; name: string | null; daysOld: number }, boolean, EventVerdict];
  it.each(cases.eventVerdict as Case[])('%s', (_name, policy, event, withoutAnalytics, expected) => {
    const cutOffs = retentionCutOffs(policy, now);
    expect(eventVerdict(cutOffs, { type: event.type, name: event.name, at: now - event.daysOld * dayMillis }, withoutAnalytics)).toBe(expected);
  });
});

describe('retentionCutOffs', () => {
  it('turns each period into the instant before which things go', () => {
    const cutOffs = retentionCutOffs({ events: { keepDays: 30, byEvent: { A: 1 }, byType: { page: 2 } }, withoutAnalytics: { keepDays: 0 }, decisions: { keepDays: 90 }, audit: { keepDays: 400 } }, now);
    expect(cutOffs).toEqual({
      events: { before: now - 30 * dayMillis, byEvent: { A: now - dayMillis }, byType: { page: now - 2 * dayMillis } },
      withoutAnalytics: now, decisions: now - 90 * dayMillis, audit: now - 400 * dayMillis,
    });
    expect(purgesEvents(cutOffs)).toBe(true);
  });

  it('keeps everything without a policy', () => {
    const cutOffs = retentionCutOffs({}, now);
    expect(cutOffs).toEqual({ events: { before: null, byEvent: {}, byType: {} }, withoutAnalytics: null, decisions: null, audit: null });
    expect(purgesEvents(cutOffs)).toBe(false);
    expect(eventCutOff(cutOffs, 'track', 'A')).toBeNull();
  });

  it('an event name such as __proto__ is only a name', () => {
    const cutOffs = retentionCutOffs({ events: { byEvent: JSON.parse('{"__proto__": 3}') as Record<string, number> } }, now);
    expect(eventCutOff(cutOffs, 'track', '__proto__')).toBe(now - 3 * dayMillis);
    expect(eventCutOff(cutOffs, 'track', 'toString')).toBeNull();
  });
});

describe('eventAge', () => {
  it('takes the earlier of the event time and the arrival, so a future clock keeps nothing longer', () => {
    expect(eventAge(now + dayMillis, now)).toBe(now);
    expect(eventAge(now - dayMillis, now)).toBe(now - dayMillis);
  });
});
