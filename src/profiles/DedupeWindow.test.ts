import { describe, expect, it } from 'vitest';
import { DedupeWindow } from './DedupeWindow.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2024-05-01T12:00:00Z');

describe('DedupeWindow', () => {
  it('is exact within the window: a message id is known in its own workspace only', () => {
    const window = new DedupeWindow(24 * HOUR);
    window.add('a', 'm1', T0);
    window.add('a', 'm1', T0 + 5);
    expect([window.has('a', 'm1'), window.has('b', 'm1'), window.has('a', 'm2')]).toEqual([true, false, false]);
    expect(window.size).toBe(1);
  });

  it('forgets whole hours that ended more than the window before the newest arrival, and no sooner', () => {
    const window = new DedupeWindow(24 * HOUR);
    window.add('a', 'old', T0);
    window.add('a', 'recent', T0 + 2 * HOUR);
    window.add('a', 'newest', T0 + 24 * HOUR);
    window.prune();
    // T0's hour has not ended 24 hours before the newest arrival: kept.
    expect(window.has('a', 'old')).toBe(true);
    window.add('a', 'later', T0 + 26 * HOUR);
    window.prune();
    expect([window.has('a', 'old'), window.has('a', 'recent'), window.has('a', 'newest'), window.has('a', 'later')]).toEqual([false, true, true, true]);
    // The clock is the log's: an arrival older than the newest does not move the window back.
    window.add('a', 'late', T0);
    window.prune();
    expect(window.has('a', 'recent')).toBe(true);
  });

  it('delete forgets an id; one added again in a later hour outlives the pruning of its first hour', () => {
    const window = new DedupeWindow(HOUR);
    window.add('a', 'm1', T0);
    window.delete('a', 'm1');
    expect(window.has('a', 'm1')).toBe(false);
    window.add('a', 'm1', T0 + HOUR);
    window.add('a', 'm2', T0 + 2 * HOUR);
    window.prune();
    expect(window.has('a', 'm1')).toBe(true);
  });

  it('is rebuilt from the recent messages of the log', () => {
    const recent = [{ workspaceId: 'a', messageId: 'm2', receivedAt: T0 + 1 }, { workspaceId: 'b', messageId: 'm1', receivedAt: T0 }];
    const window = new DedupeWindow(24 * HOUR);
    window.add('a', 'stale', T0);
    window.clear();
    for (const m of recent) window.add(m.workspaceId, m.messageId, m.receivedAt);
    expect([window.has('a', 'm2'), window.has('b', 'm1'), window.has('a', 'stale')]).toEqual([true, true, false]);
  });

  it('counts each remembered id once, across workspaces, deletes and pruned hours', () => {
    const window = new DedupeWindow(HOUR);
    window.add('a', 'm1', T0);
    window.add('b', 'm1', T0);
    window.delete('a', 'm1');
    window.delete('a', 'm1');
    window.delete('c', 'm1');
    expect(window.size).toBe(1);
    window.add('a', 'm1', T0 + HOUR);
    window.add('b', 'm2', T0 + 3 * HOUR);
    window.prune();
    expect([window.size, window.has('a', 'm1'), window.has('b', 'm1'), window.has('b', 'm2')]).toEqual([1, false, false, true]);
  });

  it('refuses a window that is not positive', () => {
    expect(() => new DedupeWindow(0)).toThrow(RangeError);
  });
});
