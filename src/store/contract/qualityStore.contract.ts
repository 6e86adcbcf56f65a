import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectedEvent } from '../../core/events/CollectedEvent.js';
import { DAY_MS } from '../../core/quality/qualityCounters.js';
import type { WorkspaceQualityCounter } from '../ports.js';
import { contractWorkspaces, openContractStore, type ContractStore, type OpenAdapter } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;
const DAY = 20_400;
const T0 = DAY * DAY_MS;
let messages = 0;

function event(name: string | null, times: { timestamp: number; receivedAt: number }, library: unknown, type: CollectedEvent['type'] = 'track'): CollectedEvent {
  messages += 1;
  const context = library === undefined ? null : { library: { name: library } };
  return {
    type, messageId: `q-${messages}`, generatedMessageId: false, userId: 'u1', anonymousId: null, previousId: null, groupId: null,
    name, ...times, traits: null, properties: null, context, body: { type, event: name, ...(context === null ? {} : { context }) },
  };
}

const counter = (workspaceId: string, day: number, kind: WorkspaceQualityCounter['kind'], subject: string, count: number, detail = '', variant = ''): WorkspaceQualityCounter =>
  ({ workspaceId, day, kind, subject, detail, variant, count });

/**
 * The contract of QualityStore and FairnessStore's settings: counters sum per key and are read
 * by day range and kind; the log's volume is grouped by arrival day, call, name and library
 * with its lateness, within the period; the tracking plan and the fairness settings are saved
 * whole and removed; workspaces apart throughout.
 *
 * @example describeQualityStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:', synchronous: 'normal' }))
 */
export function describeQualityStoreContract(adapterName: string, open: OpenAdapter): void {
  describe(`${adapterName}: quality store contract`, () => {
    let store: ContractStore;
    beforeEach(async () => {
      store = await openContractStore(open);
    });
    afterEach(async () => { await store.close(); });

    it('sums counters per key and reads them by day range and kind, per workspace', async () => {
      const quality = store.engine.quality;
      await quality.addCounters([counter(A, DAY, 'rejected', 'ATTUNE_EVENT_INVALID', 2, 'validateCallShape'), counter(A, DAY, 'received', 'rejected', 2), counter(B, DAY, 'received', 'rejected', 7)]);
      await quality.addCounters([counter(A, DAY, 'rejected', 'ATTUNE_EVENT_INVALID', 3, 'validateCallShape'), counter(A, DAY + 1, 'property', 'track:X', 1, 'revenue', 'string')]);
      await quality.addCounters([]);
      expect(await quality.counters(A, DAY, DAY + 2)).toEqual([
        { day: DAY, kind: 'received', subject: 'rejected', detail: '', variant: '', count: 2 },
        { day: DAY, kind: 'rejected', subject: 'ATTUNE_EVENT_INVALID', detail: 'validateCallShape', variant: '', count: 5 },
        { day: DAY + 1, kind: 'property', subject: 'track:X', detail: 'revenue', variant: 'string', count: 1 },
      ]);
      expect((await quality.counters(A, DAY + 1, DAY + 2)).map((c) => c.kind)).toEqual(['property']);
      expect((await quality.counters(A, DAY, DAY + 2, ['received'])).map((c) => c.count)).toEqual([2]);
      expect(await quality.counters(B, DAY, DAY + 2)).toEqual([{ day: DAY, kind: 'received', subject: 'rejected', detail: '', variant: '', count: 7 }]);
      expect(await store.adapter.quality.counters(A, DAY, DAY + 2)).toEqual(await quality.counters(A, DAY, DAY + 2));
    });

    it('recounts the volume from the log: by arrival day, call, name and library, with their lateness, in the period', async () => {
      const hour = 3_600_000;
      const inA = [
        event('Order Completed', { timestamp: T0 + 10, receivedAt: T0 + 10 }, 'analytics.js'),
        event('Order Completed', { timestamp: T0 + 20 - 2 * hour, receivedAt: T0 + 20 }, 'analytics.js'),
        event('Order Completed', { timestamp: T0 + 30, receivedAt: T0 + 30 }, undefined),
        event(null, { timestamp: T0 + DAY_MS - 8 * DAY_MS, receivedAt: T0 + DAY_MS }, { name: 'odd' }, 'identify'),
        event('Order Completed', { timestamp: T0 + 2 * DAY_MS, receivedAt: T0 + 2 * DAY_MS }, 'analytics.js'),
      ];
      const before = event('Order Completed', { timestamp: T0 - 1, receivedAt: T0 - 1 }, 'analytics.js');
      await store.run((tx) => {
        tx.createProfile(A, 'p1', T0);
        tx.createProfile(B, 'p1', T0);
        tx.appendEvent(A, 'p1', before);
        for (const e of inA) tx.appendEvent(A, 'p1', e);
        tx.appendEvent(B, 'p1', event('Order Completed', { timestamp: T0 + 40, receivedAt: T0 + 40 }, 'b-lib'));
      });
      expect(await store.engine.quality.volume(A, T0, T0 + 2 * DAY_MS)).toEqual([]);
      await store.engine.quality.recountVolume(A);
      await store.engine.quality.recountVolume(B);
      // Twice: a recount replaces the tally, it does not add to it.
      await store.engine.quality.recountVolume(A);
      const rows = await store.engine.quality.volume(A, T0, T0 + 2 * DAY_MS);
      const sorted = [...rows].sort((a, b) => a.day - b.day || String(a.source).localeCompare(String(b.source)));
      expect(sorted).toEqual([
        { day: DAY, type: 'track', name: 'Order Completed', source: 'analytics.js', count: 2, over1h: 1, over1d: 0, over7d: 0 },
        { day: DAY, type: 'track', name: 'Order Completed', source: null, count: 1, over1h: 0, over1d: 0, over7d: 0 },
        { day: DAY + 1, type: 'identify', name: null, source: '{"name":"odd"}', count: 1, over1h: 1, over1d: 1, over7d: 1 },
      ]);
      expect(await store.adapter.quality.volume(B, T0, T0 + 2 * DAY_MS)).toEqual([{ day: DAY, type: 'track', name: 'Order Completed', source: 'b-lib', count: 1, over1h: 0, over1d: 0, over7d: 0 }]);
      expect(await store.adapter.quality.merges(A, T0, T0 + DAY_MS)).toEqual([]);
      expect(await store.engine.quality.volume(B, T0 + DAY_MS, T0 + 2 * DAY_MS)).toEqual([]);
      expect(await store.engine.quality.identityHealth(A, 50)).toEqual({ profiles: 1, atMergeCap: 0 });
      expect(await store.engine.quality.identityHealth(A, 0)).toEqual({ profiles: 1, atMergeCap: 1 });
    });

    it('reads the volume counters summed per key, takes a shortfall from the day\'s overflow row, and keeps workspaces apart', async () => {
      const quality = store.engine.quality;
      const subject = (type: string, name: string | null, source: string | null) => JSON.stringify([type, name, source]);
      await quality.addCounters([
        counter(A, DAY, 'volume', subject('track', 'Viewed', 'web'), 3),
        counter(A, DAY, 'volume', subject('track', 'Viewed', 'web'), 2, '1h'),
        counter(A, DAY, 'volume', subject('track', null, null), 4, '', 'overflow'),
        counter(B, DAY, 'volume', subject('page', 'Home', null), 1, '7d'),
      ]);
      // An erased event the day had counted past its cap: subtracted under its own key.
      await quality.addCounters([counter(A, DAY, 'volume', subject('track', 'Rare', 'web'), -1), counter(A, DAY, 'volume', subject('track', 'Viewed', 'web'), 1)]);
      expect(await quality.volume(A, T0, T0 + DAY_MS)).toEqual([
        { day: DAY, type: 'track', name: 'Viewed', source: 'web', count: 6, over1h: 2, over1d: 0, over7d: 0 },
        { day: DAY, type: 'track', name: null, source: null, count: 3, over1h: 0, over1d: 0, over7d: 0, overflow: true },
      ]);
      expect(await quality.volume(B, T0, T0 + DAY_MS)).toEqual([{ day: DAY, type: 'page', name: 'Home', source: null, count: 1, over1h: 1, over1d: 1, over7d: 1 }]);
      expect(await quality.volume(A, T0 + DAY_MS, T0 + 2 * DAY_MS)).toEqual([]);
      expect((await quality.counters(A, DAY, DAY + 1)).map((c) => c.kind)).not.toContain('volume');
    });

    it('saves the tracking plan and the fairness settings whole, per workspace, and removes the plan', async () => {
      const { quality, fairness } = store.engine;
      const plan = { events: [{ event: 'Order Completed', properties: [{ name: 'revenue', type: 'number' as const, required: true }] }] };
      expect(await quality.trackingPlan(A)).toBeNull();
      await quality.setTrackingPlan(A, plan, 1000);
      expect(await quality.trackingPlan(A)).toEqual({ plan, updatedAt: 1000 });
      expect(await quality.trackingPlan(B)).toBeNull();
      await quality.setTrackingPlan(A, { events: [] }, 2000);
      expect(await quality.trackingPlan(A)).toEqual({ plan: { events: [] }, updatedAt: 2000 });
      await quality.setTrackingPlan(A, null, 3000);
      expect(await quality.trackingPlan(A)).toBeNull();

      expect(await fairness.settings(A)).toBeNull();
      await fairness.setSettings(A, { threshold: 0.9 }, 1000);
      await fairness.setSettings(B, { minUnits: 5 }, 1000);
      await fairness.setSettings(A, { threshold: 0.7, alpha: 0.1 }, 2000);
      expect(await fairness.settings(A)).toEqual({ threshold: 0.7, alpha: 0.1 });
      expect(await fairness.settings(B)).toEqual({ minUnits: 5 });
    });
  });
}
