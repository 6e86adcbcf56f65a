import { describe, expect, it } from 'vitest';
import { MAX_SOURCES_PER_MINUTE, MinuteTraffic, TRAFFIC_MINUTES } from './minuteTraffic.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;

describe('MinuteTraffic', () => {
  it('counts events per minute of arrival and source, the current minute last, sources by total', () => {
    const traffic = new MinuteTraffic();
    traffic.add(T0 + 5_000, 'web');
    traffic.add(T0 + 59_999, 'web');
    traffic.add(T0 + MIN, 'web');
    traffic.add(T0 + MIN, null);
    traffic.add(T0 + 2 * MIN + 1, 'ios');
    traffic.add(T0 + 2 * MIN + 2, 'ios');
    traffic.add(T0 + 2 * MIN + 3, 'ios');
    expect(traffic.series(T0 + 2 * MIN + 30_000, 4)).toEqual({
      since: T0 - MIN,
      minutes: 4,
      bySource: [
        { source: 'ios', overflow: false, perMinute: [0, 0, 0, 3] },
        { source: 'web', overflow: false, perMinute: [0, 2, 1, 0] },
        { source: null, overflow: false, perMinute: [0, 0, 1, 0] },
      ],
    });
    // At most an hour, at least a minute.
    expect(traffic.series(T0, 500).minutes).toBe(TRAFFIC_MINUTES);
    expect(traffic.series(T0, 0).minutes).toBe(1);
  });

  it('forgets minutes older than an hour, and sums the sources past the minute\'s limit as overflow', () => {
    const traffic = new MinuteTraffic();
    traffic.add(T0, 'old');
    traffic.add(T0 + TRAFFIC_MINUTES * MIN, 'new');
    // Arriving late for a minute already forgotten: not counted.
    traffic.add(T0, 'old');
    const hourLater = traffic.series(T0 + TRAFFIC_MINUTES * MIN, TRAFFIC_MINUTES);
    expect(hourLater.bySource.map((s) => s.source)).toEqual(['new']);
    for (let i = 0; i < MAX_SOURCES_PER_MINUTE + 3; i++) traffic.add(T0 + TRAFFIC_MINUTES * MIN, `s${i}`);
    const rows = traffic.series(T0 + TRAFFIC_MINUTES * MIN, 1).bySource;
    expect(rows).toHaveLength(MAX_SOURCES_PER_MINUTE + 1);
    expect(rows.find((r) => r.overflow)).toEqual({ source: null, overflow: true, perMinute: [4] });
  });
});
