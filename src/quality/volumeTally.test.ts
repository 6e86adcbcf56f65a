import { afterEach, describe, expect, it } from 'vitest';
import { sequentialIds } from '../core/common/ports.js';
import { seededRandom } from '../core/common/random.js';
import { trustedCaller } from '../core/identity/identityCheck.js';
import { DAY_MS } from '../core/quality/qualityCounters.js';
import type { VolumeRow } from '../core/quality/qualityReport.js';
import { createEngine, type Engine } from '../engine/createEngine.js';
import { openStore } from '../engine/openStore.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T10:00:00Z');
const WS = 'ws_tally';

/** The query the report read before the tally (kept here as the reference the tally must equal). */
const logQuery = `
  SELECT received_at / ${DAY_MS} AS day, type, name, json_extract(body, '$.context.library.name') AS source, count(*) AS count,
    sum(received_at - timestamp > 3600000) AS over1h, sum(received_at - timestamp > 86400000) AS over1d, sum(received_at - timestamp > 604800000) AS over7d
  FROM events WHERE workspace_id = ? AND received_at >= ? AND received_at < ? GROUP BY 1, 2, 3, 4`;

const byKey = (rows: readonly VolumeRow[]) => [...rows].sort((a, b) => JSON.stringify([a.day, a.type, a.name, a.source]).localeCompare(JSON.stringify([b.day, b.type, b.name, b.source])));

describe('the volume tally against the log', () => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.store.close();
    engine = undefined;
  });

  async function setUp() {
    let now = T0;
    const clock = { now: () => now };
    const store = openStore({ path: ':memory:', synchronous: 'normal', maxPendingEvents: 1000, clock });
    const e = createEngine({ store, clock, ids: sequentialIds('t'), random: seededRandom(1), decisionSampleRate: 1 });
    engine = e;
    await e.workspaces.create(WS, { verification: false }, WS);
    const workspace = (await store.workspaces.getWorkspace(WS))!;
    const collect = (events: unknown[]) => e.collector.collect(workspace, { caller: trustedCaller, routeType: null, events });
    const period = { since: T0 - 2 * DAY_MS, until: T0 + 3 * DAY_MS };
    const fromLog = () => (store.db.prepare(logQuery).all(WS, period.since, period.until) as (VolumeRow & { source: unknown })[])
      .map((r) => ({ ...r, source: r.source === null ? null : String(r.source) }));
    const tallied = async () => {
      await e.qualityCounters.flush();
      return store.quality.volume(WS, period.since, period.until);
    };
    return { e, store, collect, fromLog, tallied, advance: (ms: number) => { now += ms; } };
  }

  /** Several sources, library names that are not strings, late events, pages with and without names, duplicates and rejections, over two days. */
  async function mixedBatch(t: Awaited<ReturnType<typeof setUp>>) {
    const lib = (name: unknown) => ({ context: { library: { name } } });
    const at = (msAgo: number) => new Date(T0 - msAgo).toISOString();
    const first = await t.collect([
      { type: 'track', userId: 'u1', event: 'Order Completed', messageId: 'm1', ...lib('analytics.js') },
      { type: 'track', userId: 'u1', event: 'Order Completed', messageId: 'm2', timestamp: at(2 * HOUR), ...lib('analytics.js') },
      { type: 'track', userId: 'u2', event: 'Order Completed', messageId: 'm3', timestamp: at(2 * DAY_MS), ...lib('analytics-node') },
      { type: 'track', userId: 'u2', event: 'Signed Up', messageId: 'm4', timestamp: at(9 * DAY_MS), ...lib({ name: 'odd', v: [1, 'x'] }) },
      { type: 'track', userId: 'u3', event: 'Signed Up', messageId: 'm5', ...lib(42) },
      { type: 'track', userId: 'u3', event: 'Signed Up', messageId: 'm6', ...lib(true) },
      { type: 'track', userId: 'u3', event: 'Signed Up', messageId: 'm7', ...lib(null) },
      { type: 'track', userId: 'u3', event: 'Signed Up', messageId: 'm8', context: { library: 'not an object' } },
      { type: 'page', userId: 'u4', name: 'Home', messageId: 'm9', ...lib('analytics.js') },
      { type: 'page', userId: 'u4', messageId: 'm10', ...lib('analytics.js') },
      { type: 'identify', userId: 'u4', traits: { plan: 'pro' }, messageId: 'm11' },
      { type: 'track', event: 'No Identity', messageId: 'm12', ...lib('analytics.js') },
      { type: 'track', userId: 'u5', event: 'Order Completed', messageId: 'm1', ...lib('analytics.js') },
    ]);
    expect(first).toMatchObject({ accepted: 11, duplicates: 1 });
    expect(first.rejected).toHaveLength(1);
    t.advance(DAY_MS);
    // A replay of the first request (an import of the same file): all duplicates, counted nowhere.
    await t.collect([{ type: 'track', userId: 'u1', event: 'Order Completed', messageId: 'm2', timestamp: at(2 * HOUR), ...lib('analytics.js') }]);
    await t.collect([{ type: 'screen', userId: 'u6', name: 'Cart', messageId: 'm20', timestamp: at(-DAY_MS + 90 * 60_000), ...lib('ios') }]);
  }

  it('counts what the log query counted: days, calls, names, sources as text, lateness', async () => {
    const t = await setUp();
    await mixedBatch(t);
    const expected = t.fromLog();
    expect(expected.length).toBeGreaterThan(8);
    expect(byKey(await t.tallied())).toEqual(byKey(expected));
    // The recount (a rebuild; the migration's backfill) gives the same tally.
    await t.store.quality.recountVolume(WS);
    expect(byKey(await t.store.quality.volume(WS, T0 - 2 * DAY_MS, T0 + 3 * DAY_MS))).toEqual(byKey(expected));
  });

  it('takes erased and purged events out, as they leave the log', async () => {
    const t = await setUp();
    await mixedBatch(t);
    await t.e.qualityCounters.flush();
    await t.e.privacy.erase(WS, { kind: 'user', value: 'u2' });
    expect(byKey(await t.tallied())).toEqual(byKey(t.fromLog()));
    await t.e.retention.setPolicy(WS, { events: { keepDays: 1 } });
    await t.e.retention.purge(WS);
    const left = t.fromLog();
    expect(left.reduce((n, r) => n + r.count, 0)).toBeLessThan(10);
    expect(byKey(await t.tallied())).toEqual(byKey(left));
  });
});
