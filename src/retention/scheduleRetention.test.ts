import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../core/common/random.js';
import { sequentialIds } from '../core/common/ports.js';
import { trustedCaller } from '../core/identity/identityCheck.js';
import { dayMillis } from '../core/retention/RetentionPolicy.js';
import { createEngine, type Engine } from '../engine/createEngine.js';
import { openStore } from '../engine/openStore.js';
import { scheduleRetention, type RetentionScheduleReport, type ScheduleTimer } from './scheduleRetention.js';

/** A timer the test fires by hand: what `attune serve`'s setTimeout would do a day later. */
function handTimer(): ScheduleTimer & { fire(): void; readonly pending: number; readonly waits: number[] } {
  let next: (() => void) | null = null;
  const waits: number[] = [];
  return {
    waits,
    get pending() { return next === null ? 0 : 1; },
    set(run, millis) {
      next = run;
      waits.push(millis);
      return { unref: () => undefined };
    },
    clear() { next = null; },
    fire() {
      const run = next;
      next = null;
      run?.();
    },
  };
}

describe('scheduleRetention', () => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.store.close();
    engine = undefined;
  });

  it('purges every workspace by its policy at each round, measured by the injected clock, until stopped', async () => {
    let now = Date.parse('2026-01-05T10:00:00Z');
    const clock = { now: () => now };
    const store = openStore({ path: ':memory:', synchronous: 'normal', maxPendingEvents: 1000, clock });
    engine = createEngine({ store, clock, ids: sequentialIds('t'), random: seededRandom(1), decisionSampleRate: 1 });
    const e = engine;
    for (const id of ['ws_one', 'ws_two']) {
      await e.workspaces.create(id, { verification: false }, id);
      const workspace = (await store.workspaces.getWorkspace(id))!;
      await e.collector.collect(workspace, { caller: trustedCaller, routeType: null, events: [{ type: 'track', userId: 'ada', event: 'Seen', messageId: `${id}-m1` }] });
    }
    await e.retention.setPolicy('ws_one', { events: { keepDays: 7 } });

    const timer = handTimer();
    const reports: (RetentionScheduleReport | Error)[] = [];
    let settled: () => void = () => undefined;
    const stop = scheduleRetention({ workspaceIds: async () => ['ws_one', 'ws_two'], retention: e.retention }, dayMillis, (report) => {
      reports.push(report);
      settled();
    }, timer);
    const round = async () => {
      // The next round is scheduled once the last one has settled (a turn of the event loop later).
      await new Promise((resolve) => setImmediate(resolve));
      expect(timer.pending).toBe(1);
      await new Promise<void>((resolve) => {
        settled = resolve;
        timer.fire();
      });
    };

    // A day later: nothing is 7 days old yet.
    now += dayMillis;
    await round();
    expect(reports[0]).toMatchObject({ failed: [], purged: [{ workspaceId: 'ws_one', events: { removed: 0 } }, { workspaceId: 'ws_two', events: { removed: 0 } }] });
    // Eight days later the first workspace's event is past its week; the second keeps everything.
    now += 7 * dayMillis;
    await round();
    expect(reports[1]).toMatchObject({ failed: [], purged: [{ workspaceId: 'ws_one', events: { removed: 1, byEvent: { Seen: 1 } } }, { workspaceId: 'ws_two', events: { removed: 0 } }] });
    expect(await store.events.count('ws_one')).toBe(0);
    expect(await store.events.count('ws_two')).toBe(1);

    await new Promise((resolve) => setImmediate(resolve));
    expect(timer.waits.every((w) => w === dayMillis)).toBe(true);
    expect(timer.pending).toBe(1);
    stop();
    expect(timer.pending).toBe(0);
  });
});
