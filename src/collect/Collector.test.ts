import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock, sequentialIds } from '../core/common/ports.js';
import { defaultIdentitySettings, type IdentitySettings } from '../core/identity/types.js';
import type { Workspace } from '../store/ports.js';
import { openStore, type EmbeddedStore } from '../engine/openStore.js';
import { Collector, type CollectObserver, type CollectReport, type CollectRequest } from './Collector.js';
import { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { profileIdFor } from '../profiles/applyEvent.js';
import { trustedCaller } from '../core/identity/identityCheck.js';

const NOW = Date.parse('2024-05-01T12:00:00.000Z');
const at = (iso: string) => `2024-05-01T${iso}Z`;

describe('Collector (with the SQLite store)', () => {
  let store: EmbeddedStore;
  let collector: Collector;
  let observed: string[];
  const clock = fixedClock(NOW);

  const observer: CollectObserver = {
    accepted: (n) => observed.push(`accepted ${n}`),
    duplicate: (n) => observed.push(`duplicate ${n}`),
    rejected: (code, step) => observed.push(`rejected ${code} at ${step}`),
    merged: (n, skipped) => observed.push(`merged ${n} ${JSON.stringify(skipped)}`),
    unreadableNumbers: (byReason) => observed.push(`unreadable ${JSON.stringify(byReason)}`),
  };

  async function workspace(id: string, identity: Partial<IdentitySettings> = {}): Promise<Workspace> {
    await store.workspaces.createWorkspace({ id, name: id, createdAt: NOW, identity: { ...defaultIdentitySettings, ...identity } }, []);
    const stored = await store.workspaces.getWorkspace(id);
    if (stored === undefined) throw new Error(`workspace ${id} was not stored`);
    return stored;
  }

  const batch = (ws: Workspace, events: readonly unknown[], extra: Partial<CollectRequest> = {}): Promise<CollectReport> =>
    collector.collect(ws, { events, routeType: null, caller: trustedCaller, ...extra });

  /** The profile id each accepted event of a report went to, in input order. */
  const profilesOf = (report: CollectReport) => report.outcomes.map(({ outcome }) => (outcome.kind === 'accepted' ? outcome.profileId : 'duplicate'));

  const profile = (ws: Workspace, id: string) => store.profiles.findProfile(ws.id, id, 50);
  /** The id of the profile that an identity created (profiles are named after it; see profileIdFor). */
  const P = (kind: 'user' | 'anonymous', value: string) => profileIdFor('ws', { kind, value });

  beforeEach(() => {
    store = openStore({ path: ':memory:', synchronous: 'normal', maxPendingEvents: 10_000 });
    observed = [];
    clock.set(NOW);
    collector = new Collector({ committer: store.committer, clock, ids: sequentialIds('id'), models: new KnowledgeModels(store.knowledgeConfig, clock), observer });
  });

  afterEach(async () => { await store.close(); });

  describe('identity', () => {
    it('an anonymous visitor who logs in keeps one profile, now known by both ids', async () => {
      const ws = await workspace('ws');
      const first = await batch(ws, [{ type: 'page', anonymousId: 'a1', name: 'Home', messageId: 'm1' }]);
      const login = await batch(ws, [{ type: 'identify', anonymousId: 'a1', userId: 'u1', messageId: 'm2' }]);
      expect([...profilesOf(first), ...profilesOf(login)]).toEqual([P('anonymous', 'a1'), P('anonymous', 'a1')]);
      const view = await profile(ws, 'u1');
      expect(view).toMatchObject({ id: P('anonymous', 'a1'), mergedProfileIds: [], eventCounts: { page: 1, identify: 1 } });
      expect(view?.identities.map((k) => `${k.kind}:${k.value}`).sort()).toEqual(['anonymous:a1', 'user:u1']);
    });

    it('merges two existing profiles when one event names both; the user profile survives with everything', async () => {
      const ws = await workspace('ws');
      await batch(ws, [
        { type: 'track', userId: 'u1', event: 'Signed Up', messageId: 'm1' },
        { type: 'page', anonymousId: 'a1', name: 'Pricing', messageId: 'm2' },
      ]);
      const report = await batch(ws, [{ type: 'identify', userId: 'u1', anonymousId: 'a1', messageId: 'm3' }]);
      expect(report.outcomes).toEqual([{ index: 0, outcome: { kind: 'accepted', seq: 3, profileId: P('user', 'u1'), mergedProfileId: P('anonymous', 'a1'), mergeSkipped: null, unreadable: [] } }]);
      expect(observed).toContain('merged 1 {}');
      const view = await profile(ws, P('anonymous', 'a1'));
      expect(view).toMatchObject({ id: P('user', 'u1'), mergedProfileIds: [P('anonymous', 'a1')], eventCounts: { track: 1, page: 1, identify: 1 } });
      expect(view?.recentEvents.map((e) => e.messageId)).toEqual(['m3', 'm2', 'm1']);
      expect(await profile(ws, 'a1')).toEqual(view);
    });

    it('sends later events of any linked id to the merged profile', async () => {
      const ws = await workspace('ws');
      await batch(ws, [
        { type: 'track', userId: 'u1', event: 'Signed Up', messageId: 'm1' },
        { type: 'page', anonymousId: 'a1', messageId: 'm2' },
        { type: 'identify', userId: 'u1', anonymousId: 'a1', messageId: 'm3' },
      ]);
      const later = await batch(ws, [
        { type: 'track', anonymousId: 'a1', event: 'Viewed', messageId: 'm4' },
        { type: 'track', userId: 'u1', event: 'Bought', messageId: 'm5' },
        { type: 'track', userId: 'u1', anonymousId: 'a1', event: 'Bought', messageId: 'm6' },
      ]);
      expect(profilesOf(later)).toEqual([P('user', 'u1'), P('user', 'u1'), P('user', 'u1')]);
      expect((await profile(ws, 'u1'))?.eventCounts).toEqual({ track: 4, page: 1, identify: 1 });
    });

    it('on a shared device, a second user gets a profile of their own and the device follows them', async () => {
      const ws = await workspace('ws');
      await batch(ws, [{ type: 'identify', userId: 'u1', anonymousId: 'device', messageId: 'm1' }]);
      const report = await batch(ws, [{ type: 'identify', userId: 'u2', anonymousId: 'device', messageId: 'm2' }]);
      expect(report.outcomes[0]?.outcome).toMatchObject({ kind: 'accepted', profileId: P('user', 'u2'), mergedProfileId: null, mergeSkipped: 'distinct-users' });
      expect(observed).toContain('merged 0 {"distinct-users":1}');
      expect((await profile(ws, 'device'))?.id).toBe(P('user', 'u2'));
      expect((await profile(ws, 'u1'))?.id).toBe(P('user', 'u1'));
    });

    it('alias links a previous anonymous id to a user id', async () => {
      const ws = await workspace('ws');
      await batch(ws, [{ type: 'page', anonymousId: 'a1', messageId: 'm1' }]);
      await batch(ws, [{ type: 'alias', previousId: 'a1', userId: 'u1', messageId: 'm2' }]);
      const later = await batch(ws, [{ type: 'track', userId: 'u1', event: 'Clicked', messageId: 'm3' }]);
      expect(profilesOf(later)).toEqual([P('anonymous', 'a1')]);
      expect((await profile(ws, 'u1'))?.eventCounts).toEqual({ page: 1, alias: 1, track: 1 });
    });

    it('bounds the fan-out: with maxMergedProfiles 2 the third merge is skipped and reported', async () => {
      const ws = await workspace('ws', { maxMergedProfiles: 2 });
      await batch(ws, [
        { type: 'identify', userId: 'u1', messageId: 'u' },
        ...['a1', 'a2', 'a3'].map((a) => ({ type: 'page', anonymousId: a, messageId: `p-${a}` })),
      ]);
      const report = await batch(ws, ['a1', 'a2', 'a3'].map((a) => ({ type: 'identify', userId: 'u1', anonymousId: a, messageId: `i-${a}` })));
      expect(report.outcomes.map(({ outcome }) => (outcome.kind === 'accepted' ? [outcome.mergedProfileId, outcome.mergeSkipped] : null))).toEqual([
        [P('anonymous', 'a1'), null], [P('anonymous', 'a2'), null], [null, 'merge-limit'],
      ]);
      expect(observed).toContain('merged 2 {"merge-limit":1}');
      expect((await profile(ws, 'u1'))?.mergedProfileIds).toEqual([P('anonymous', 'a1'), P('anonymous', 'a2')].sort());
      expect((await profile(ws, 'a3'))?.id).toBe(P('anonymous', 'a3'));
    });

    it('keeps the profiles of different workspaces apart, even for the same ids', async () => {
      const a = await workspace('wsA');
      const b = await workspace('wsB');
      const inA = await batch(a, [{ type: 'identify', userId: 'u1', messageId: 'm1' }]);
      const inB = await batch(b, [{ type: 'identify', userId: 'u1', messageId: 'm1' }]);
      expect([inA.accepted, inB.accepted]).toEqual([1, 1]);
      expect([...profilesOf(inA), ...profilesOf(inB)]).toEqual([profileIdFor('wsA', { kind: 'user', value: 'u1' }), profileIdFor('wsB', { kind: 'user', value: 'u1' })]);
      expect([await store.events.count('wsA'), await store.events.count('wsB')]).toEqual([1, 1]);
    });
  });

  describe('traits', () => {
    const traitsOf = async (ws: Workspace, id: string) => (await profile(ws, id))?.traits;

    it('the latest write wins, whatever order the calls arrive in', async () => {
      const ws = await workspace('ws');
      await batch(ws, [
        { type: 'identify', userId: 'u1', traits: { plan: 'pro' }, timestamp: at('11:00:00'), messageId: 'm1' },
        { type: 'identify', userId: 'u1', traits: { plan: 'free', city: 'Oslo' }, timestamp: at('10:00:00'), messageId: 'm2' },
      ]);
      expect(await traitsOf(ws, 'u1')).toEqual({ plan: 'pro', city: 'Oslo' });
    });

    it("follow latest-write-wins across a merge (the default 'latest' strategy)", async () => {
      const ws = await workspace('ws');
      await batch(ws, [
        { type: 'identify', userId: 'u1', traits: { plan: 'free', email: 'u1@example.com' }, timestamp: at('09:00:00'), messageId: 'm1' },
        { type: 'identify', anonymousId: 'a1', traits: { plan: 'pro', city: 'Oslo' }, timestamp: at('10:00:00'), messageId: 'm2' },
      ]);
      await batch(ws, [{ type: 'identify', userId: 'u1', anonymousId: 'a1', timestamp: at('11:00:00'), messageId: 'm3' }]);
      expect(await traitsOf(ws, 'u1')).toEqual({ plan: 'pro', email: 'u1@example.com', city: 'Oslo' });
      await batch(ws, [{ type: 'identify', anonymousId: 'a1', traits: { city: 'Bergen' }, timestamp: at('08:00:00'), messageId: 'm4' }]);
      expect((await traitsOf(ws, 'u1'))?.['city']).toBe('Oslo');
    });

    it("keep the survivor's values when the workspace merges with the 'survivor' strategy", async () => {
      const ws = await workspace('ws', { traitMerge: 'survivor' });
      await batch(ws, [
        { type: 'identify', userId: 'u1', traits: { plan: 'free' }, timestamp: at('09:00:00'), messageId: 'm1' },
        { type: 'identify', anonymousId: 'a1', traits: { plan: 'pro', city: 'Oslo' }, timestamp: at('10:00:00'), messageId: 'm2' },
        { type: 'identify', userId: 'u1', anonymousId: 'a1', messageId: 'm3' },
      ]);
      expect(await traitsOf(ws, 'u1')).toEqual({ plan: 'free', city: 'Oslo' });
    });

    it('take the event time corrected for clock skew, not the arrival order', async () => {
      const ws = await workspace('ws');
      // The sender's clock runs an hour ahead: its "12:30" is 11:30 once corrected, before the other write.
      await batch(ws, [{ type: 'identify', userId: 'u1', traits: { plan: 'team' }, timestamp: at('11:45:00'), messageId: 'm1' }]);
      await batch(ws, [{ type: 'identify', userId: 'u1', traits: { plan: 'pro' }, timestamp: at('12:30:00') }], { batchSentAt: at('13:00:00') });
      expect((await traitsOf(ws, 'u1'))?.['plan']).toBe('team');
    });
  });

  describe('numbers in events', () => {
    it('reads a numeric string as its number; reports an unreadable one once per event and path, to the observer and the outcome', async () => {
      const ws = await workspace('ws');
      const report = await batch(ws, [
        { type: 'track', userId: 'u1', event: 'Order Completed', properties: { revenue: '12.50' }, messageId: 'm1' },
        { type: 'track', userId: 'u1', event: 'Order Completed', properties: { revenue: '12,50' }, messageId: 'm2' },
      ]);
      expect(report.outcomes.map(({ outcome }) => (outcome.kind === 'accepted' ? outcome.unreadable : null)))
        .toEqual([[], [{ path: 'properties.revenue', reason: 'malformed_string' }]]);
      expect(observed).toContain('unreadable {"malformed_string":1}');
      const known = await store.knowledge.knowledge('ws', P('user', 'u1'));
      expect(known?.state.q).toEqual([['properties.revenue', 1]]);
      expect(await store.knowledge.dataQuality('ws')).toEqual({ unreadableNumbers: 1, byProperty: { 'properties.revenue': 1 } });
    });
  });

  describe('de-duplication and rejections', () => {
    it('stores a messageId sent twice in one batch once', async () => {
      const ws = await workspace('ws');
      const report = await batch(ws, [
        { type: 'track', userId: 'u1', event: 'Clicked', messageId: 'same' },
        { type: 'track', userId: 'u1', event: 'Clicked again', messageId: 'same' },
      ]);
      expect([report.accepted, report.duplicates]).toEqual([1, 1]);
      expect(report.outcomes[1]).toEqual({ index: 1, outcome: { kind: 'duplicate', messageId: 'same' } });
      expect(await store.events.count('ws')).toBe(1);
      expect(observed).toEqual(['accepted 1', 'duplicate 1']);
    });

    it('stores nothing twice when a batch is retried, and changes no profile', async () => {
      const ws = await workspace('ws');
      const events = [
        { type: 'track', userId: 'u1', event: 'Clicked', messageId: 'm1' },
        { type: 'identify', userId: 'u1', anonymousId: 'a1', traits: { plan: 'pro' }, messageId: 'm2' },
        { type: 'page', anonymousId: 'a2', messageId: 'm3' },
      ];
      const first = await batch(ws, events);
      const before = await profile(ws, 'u1');
      const retry = await batch(ws, events);
      expect([first.accepted, first.duplicates, retry.accepted, retry.duplicates]).toEqual([3, 0, 0, 3]);
      expect(await store.events.count('ws')).toBe(3);
      expect(await profile(ws, 'u1')).toEqual(before);
      expect((await profile(ws, 'a2'))?.eventCounts).toEqual({ page: 1 });
    });

    it('does not de-duplicate events without a messageId: each gets its own', async () => {
      const ws = await workspace('ws');
      const event = { type: 'track', userId: 'u1', event: 'Clicked' };
      const report = await batch(ws, [event, event]);
      expect(report.accepted).toBe(2);
      expect((await profile(ws, 'u1'))?.recentEvents.map((e) => e.messageId)).toEqual(['attune-id-2', 'attune-id-1']);
    });

    it('reports rejected events with their index and stores the valid ones', async () => {
      const ws = await workspace('ws');
      const report = await batch(ws, [
        { type: 'track', userId: 'u1', event: 'Clicked', messageId: 'm1' },
        { type: 'track', event: 'Clicked', messageId: 'm2' },
        'not an event',
        { type: 'track', userId: 'u1', messageId: 'm4' },
        { type: 'page', anonymousId: 'a1', messageId: 'm5' },
      ]);
      expect(report.rejected.map(({ index, code, field }) => ({ index, code, field }))).toEqual([
        { index: 1, code: 'ATTUNE_EVENT_MISSING_IDENTITY', field: '/userId' },
        { index: 2, code: 'ATTUNE_EVENT_INVALID', field: '' },
        { index: 3, code: 'ATTUNE_EVENT_INVALID', field: '/event' },
      ]);
      expect(report.outcomes.map((o) => o.index)).toEqual([0, 4]);
      expect(report.accepted).toBe(2);
      expect(await store.events.count('ws')).toBe(2);
      expect(observed.filter((o) => o.startsWith('rejected'))).toEqual([
        'rejected ATTUNE_EVENT_MISSING_IDENTITY at requireIdentity',
        'rejected ATTUNE_EVENT_INVALID at checkEventSize',
        'rejected ATTUNE_EVENT_INVALID at validateCallShape',
      ]);
    });

    it('commits nothing when every event is rejected', async () => {
      const ws = await workspace('ws');
      const report = await batch(ws, [{ type: 'nope' }, {}]);
      expect(report).toEqual({
        accepted: 0, duplicates: 0, suppressed: 0, outcomes: [],
        rejected: [expect.objectContaining({ index: 0, code: 'ATTUNE_EVENT_UNKNOWN_TYPE' }), expect.objectContaining({ index: 1, code: 'ATTUNE_EVENT_UNKNOWN_TYPE' })],
      });
      expect(store.committer.pendingEvents).toBe(0);
      expect(await store.events.count('ws')).toBe(0);
    });
  });

  describe("exposures to Attune's experiments", () => {
    const exposure = (experimentId: string, messageId: string, userId = 'u1') =>
      ({ type: 'track', userId, event: 'Experiment Viewed', properties: { experiment_id: experimentId, variation_id: 'treatment' }, messageId });

    /** A collector whose models know the workspace's experiments (the one above knows none but the program). */
    async function withExperiment(): Promise<{ ws: Workspace; collector: Collector }> {
      const ws = await workspace('ws');
      await store.experiments.putExperiment(ws.id, {
        id: 'hero-test', placement: 'hero', primaryMetric: 'conversion',
        arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'treatment', weight: 0.5, serve: { kind: 'personalized' } }],
      }, NOW);
      const models = new KnowledgeModels(store.knowledgeConfig, clock, { experiments: store.experiments });
      return { ws, collector: new Collector({ committer: store.committer, clock, ids: sequentialIds('id'), models, observer }) };
    }
    const units = async (ws: Workspace) => (await store.experiments.armStats(ws.id, ['hero-test', '_program']))
      .filter((row) => row.metricId === '_units').map((row) => `${row.experimentId}/${row.armId}: ${row.moments.n}`);

    it('rejects them by default (each by index, in order with the pipeline\'s rejections) and stores the other events', async () => {
      const { ws, collector } = await withExperiment();
      const report = await collector.collect(ws, { routeType: null, caller: trustedCaller, events: [
        exposure('hero-test', 'm1'),
        { type: 'track', userId: 'u1', messageId: 'm2' },
        exposure('_program', 'm3'),
        exposure('growthbook-test', 'm4'),
        { type: 'track', userId: 'u1', event: 'Clicked', messageId: 'm5' },
      ] });
      expect(report.rejected).toEqual([
        { index: 0, code: 'ATTUNE_EVENT_RESERVED', field: '/properties/experiment_id', message: expect.stringContaining('Attune logs exposures to its own experiments itself') },
        expect.objectContaining({ index: 1, code: 'ATTUNE_EVENT_INVALID', field: '/event' }),
        expect.objectContaining({ index: 2, code: 'ATTUNE_EVENT_RESERVED', field: '/properties/experiment_id' }),
      ]);
      expect(report.outcomes.map((o) => o.index)).toEqual([3, 4]);
      expect((await profile(ws, 'u1'))?.recentEvents.map((e) => e.messageId)).toEqual(['m5', 'm4']);
      expect(observed.filter((o) => o.includes('RESERVED'))).toEqual(['rejected ATTUNE_EVENT_RESERVED at rejectReservedExposure', 'rejected ATTUNE_EVENT_RESERVED at rejectReservedExposure']);
      expect(await units(ws)).toEqual([]);
    });

    it('commits nothing when every valid event is a reserved exposure', async () => {
      const { ws, collector } = await withExperiment();
      const report = await collector.collect(ws, { routeType: null, caller: trustedCaller, events: [exposure('hero-test', 'm1')] });
      expect(report).toMatchObject({ accepted: 0, duplicates: 0, outcomes: [], rejected: [{ index: 0, code: 'ATTUNE_EVENT_RESERVED' }] });
      expect(await store.events.count('ws')).toBe(0);
    });

    it("accepts them from a trusted caller (exposures: 'accept'), and the commit counts the units", async () => {
      const { ws, collector } = await withExperiment();
      const report = await collector.collect(ws, { routeType: null, caller: trustedCaller, exposures: 'accept', events: [exposure('hero-test', 'm1'), exposure('growthbook-test', 'm2')] });
      expect([report.accepted, report.rejected]).toEqual([2, []]);
      expect(await units(ws)).toEqual(['hero-test/treatment: 1']);
    });
  });

  describe('times', () => {
    it('stamps events with the clock as receivedAt and corrects the sender clock with sentAt', async () => {
      const ws = await workspace('ws');
      await batch(ws, [{ type: 'track', userId: 'u1', event: 'Clicked', timestamp: at('14:00:00'), messageId: 'm1' }], { batchSentAt: at('14:00:30') });
      const [stored] = (await profile(ws, 'u1'))?.recentEvents ?? [];
      expect(stored).toMatchObject({ receivedAt: NOW, timestamp: NOW - 30_000 });
      expect(stored?.body).toMatchObject({ timestamp: '2024-05-01T11:59:30.000Z', originalTimestamp: '2024-05-01T14:00:00.000Z', sentAt: '2024-05-01T14:00:30.000Z' });
    });

    it('widens first and last seen with the corrected event times', async () => {
      const ws = await workspace('ws');
      await batch(ws, [
        { type: 'track', userId: 'u1', event: 'A', timestamp: at('10:00:00'), messageId: 'm1' },
        { type: 'track', userId: 'u1', event: 'B', timestamp: at('08:00:00'), messageId: 'm2' },
        { type: 'track', userId: 'u1', event: 'C', timestamp: at('11:00:00'), messageId: 'm3' },
      ]);
      expect(await profile(ws, 'u1')).toMatchObject({ firstSeen: Date.parse(at('08:00:00')), lastSeen: Date.parse(at('11:00:00')) });
    });
  });
});
