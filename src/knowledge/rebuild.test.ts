import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPrepareEvent } from '../core/collect/prepareEvent.js';
import { sequentialIds } from '../core/common/ports.js';
import type { CollectedEvent } from '../core/events/CollectedEvent.js';
import { defaultIdentitySettings } from '../core/identity/types.js';
import { compileKnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import type { StoredEvent, Workspace } from '../store/ports.js';
import { openStore, type EmbeddedStore } from '../engine/openStore.js';
import type { CollectTx } from '../profiles/CollectTx.js';
import { rebuildWorkspace, type RebuildProgress } from './rebuild.js';
import { collectedEventFromLog } from '../profiles/collectedEventFromLog.js';

const NOW = Date.parse('2024-05-01T12:00:00.000Z');

/** Raw calls as senders send them: numeric ids, batch and event context, context traits, a missing messageId. */
const raw: { raw: unknown; batchContext?: Record<string, unknown> }[] = [
  { raw: { type: 'identify', userId: 42, anonymousId: 'a1', traits: { plan: 'pro' }, messageId: 'm1', timestamp: '2024-05-01T11:00:00Z', sentAt: '2024-05-01T11:00:05Z' } },
  { raw: { type: 'identify', userId: 'u2', context: { traits: { plan: 'free' }, locale: 'nb' }, messageId: 'm2' }, batchContext: { library: { name: 'x' }, locale: 'en' } },
  { raw: { type: 'track', anonymousId: 'a1', event: 'Order Completed', properties: { revenue: 10 }, context: { consent: { categoryPreferences: { Advertising: false } } } } },
  { raw: { type: 'alias', userId: 'u2', previousId: 7, messageId: 'm4' } },
  { raw: { type: 'group', userId: 'u2', groupId: 99, traits: { name: 'Co' }, messageId: 'm5' } },
  { raw: { type: 'page', anonymousId: 'a3', name: 'Home', properties: { path: '/' }, messageId: 'm6', writeKey: 'atw_secret' } },
  { raw: { type: 'screen', userId: 'u3', name: 'Cart', messageId: 'm7', integrations: { All: false } }, batchContext: { app: { name: 'shop' } } },
  { raw: { type: 'track', userId: 'u3', event: 'Viewed', messageId: 'm8', context: { traits: { plan: 'gold' } } } },
];

describe('collectedEventFromLog', () => {
  let store: EmbeddedStore;
  beforeEach(() => {
    store = openStore({ path: ':memory:', synchronous: 'normal', maxPendingEvents: 1000 });
  });
  afterEach(async () => { await store.close(); });

  it('gives back, from the stored row, the event that collection prepared', async () => {
    const prepare = createPrepareEvent(sequentialIds('gen'));
    const prepared: CollectedEvent[] = raw.map(({ raw: event, batchContext }) => {
      const result = prepare({ raw: event, routeType: null, batchSentAt: null, batchContext: batchContext ?? null, batchIntegrations: null, receivedAt: NOW });
      if (!result.ok) throw new Error(`${JSON.stringify(event)}: ${result.fault.message}`);
      return result.value;
    }).map((event, i) => {
      // The collector's identity check, as it stores it: it comes back for the replay.
      if (i > 1 || event.userId === null) return event;
      const userIdCheck = i === 0 ? 'unverified' : 'verified';
      return { ...event, userIdCheck, body: { ...event.body, userIdCheck } };
    });
    await store.committer.submit(prepared.length, (tx: CollectTx) => {
      tx.createProfile('ws', 'p', NOW);
      for (const event of prepared) tx.appendEvent('ws', 'p', event);
    });
    const stored: StoredEvent[] = [];
    for await (const event of store.events.read({ workspaceId: 'ws' })) stored.push(event);
    expect(stored.map(collectedEventFromLog)).toEqual(prepared);
  });

  it('refuses a row whose type is not a call type', () => {
    const row: StoredEvent = { seq: 3, workspaceId: 'ws', profileId: 'p', messageId: 'm', type: 'purchase', name: null, userId: 'u', anonymousId: null, timestamp: 1, receivedAt: 1, body: {} };
    expect(() => collectedEventFromLog(row)).toThrow('event 3 of the log has an unknown type "purchase"');
  });
});

describe('rebuildWorkspace', () => {
  let store: EmbeddedStore;
  const workspace = (id: string): Workspace => ({ id, name: id, createdAt: NOW, identity: defaultIdentitySettings });
  const model = compileKnowledgeModel({ features: [{ name: 'views', aggregate: 'count', types: ['page'] }], segments: [{ id: 'viewers', name: 'Viewers', rule: 'features.views >= 2' }] });

  beforeEach(() => {
    store = openStore({ path: ':memory:', synchronous: 'normal', maxPendingEvents: 1000 });
  });
  afterEach(async () => { await store.close(); });

  /** Appends `n` page views by `users` users to the log only, as if derived state had never been written. */
  async function logOnly(workspaceId: string, n: number, users: number): Promise<void> {
    await store.committer.submit(n, (tx: CollectTx) => {
      for (let i = 0; i < n; i++) {
        const userId = `u${i % users}`;
        tx.appendEvent(workspaceId, 'p_unknown', {
          type: 'page', messageId: `${workspaceId}-${i}`, generatedMessageId: false, userId, anonymousId: null, previousId: null, groupId: null,
          name: 'Home', timestamp: NOW + i * 1000, receivedAt: NOW + i * 1000, traits: null, properties: null, context: null,
          body: { type: 'page', userId, name: 'Home', messageId: `${workspaceId}-${i}` },
        });
      }
    });
  }

  const live = (workspaceId: string) => store.db.prepare('SELECT count(*) FROM profiles WHERE workspace_id = ? AND merged_into IS NULL').pluck().get(workspaceId);

  it.each([[1, 10], [3, 10], [5, 10], [10, 10], [2000, 10]])('replays every event in chunks of %i (%i events) and reports progress', async (chunkSize, n) => {
    await logOnly('ws', n, 3);
    const progress: RebuildProgress[] = [];
    const summary = await rebuildWorkspace(store, workspace('ws'), model, { chunkSize, onProgress: (p) => progress.push(p) });
    expect(summary).toMatchObject({ workspaceId: 'ws', events: n, profiles: 3, merges: 0 });
    expect(summary.millis).toBeGreaterThanOrEqual(0);
    expect(progress.map((p) => p.done)).toEqual([0, ...Array.from({ length: Math.ceil(n / chunkSize) }, (_, i) => Math.min(n, (i + 1) * chunkSize))]);
    expect(progress.every((p) => p.total === n)).toBe(true);
    expect(live('ws')).toBe(3);
    // Every event now points at the profile its user id resolves to.
    expect(store.db.prepare("SELECT count(*) FROM events WHERE workspace_id = 'ws' AND profile_id = 'p_unknown'").pluck().get()).toBe(0);
    expect(await store.knowledge.segmentSize('ws', 'viewers')).toBe(3);
  });

  it('an empty log leaves no derived state, and other workspaces are left alone', async () => {
    await logOnly('other', 4, 2);
    await rebuildWorkspace(store, workspace('other'), model);
    await store.committer.submit(0, (tx: CollectTx) => tx.createProfile('ws', 'p_stale', NOW));
    const progress: RebuildProgress[] = [];
    expect(await rebuildWorkspace(store, workspace('ws'), model, { onProgress: (p) => progress.push(p) })).toMatchObject({ events: 0, profiles: 0, merges: 0 });
    expect(progress).toEqual([{ done: 0, total: 0 }]);
    expect(live('ws')).toBe(0);
    expect(live('other')).toBe(2);
  });

  it('refuses a chunk size that is not a positive whole number', async () => {
    await expect(rebuildWorkspace(store, workspace('ws'), model, { chunkSize: 0 })).rejects.toThrow(RangeError);
    await expect(rebuildWorkspace(store, workspace('ws'), model, { chunkSize: 1.5 })).rejects.toThrow(RangeError);
  });
});
