import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdentityKey } from '../../core/identity/types.js';
import { emptyKnowledge } from '../../core/knowledge/KnowledgeState.js';
import type { AttuneStore, OutcomeDelta, StateBatch, StoredEvent, StoredProfile } from '../ports.js';
import { logRecord } from './eventLogWriter.contract.js';
import { contractWorkspaces, stateBatch } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;
const T0 = Date.parse('2024-05-01T12:00:00Z');

const user = (value: string): IdentityKey => ({ kind: 'user', value });
const anonymous = (value: string): IdentityKey => ({ kind: 'anonymous', value });

function profile(id: string, over: Partial<StoredProfile> = {}): StoredProfile {
  return {
    workspaceId: A, id, createdAt: T0, firstSeen: T0, lastSeen: T0 + 10, traits: { values: { plan: 'pro' }, updatedAt: { plan: T0 } },
    eventCounts: { track: 2 }, mergedCount: 0, mergedInto: null, knowledge: { ...emptyKnowledge(), m: { vip: T0 } }, identities: [], ...over,
  };
}
const link = (key: IdentityKey, profileId: string, at = T0, workspaceId: string = A): StateBatch['identities'][number] => ({ workspaceId, key, profileId, at });
const outcome = (over: Partial<OutcomeDelta>): OutcomeDelta => ({ workspaceId: A, actionId: 'a', placementId: 'hero', impressions: 0, clicks: 0, dismisses: 0, conversions: 0, conversionValue: 0, conversionValueM2: 0, ...over });

/**
 * The contract of the StateStore port (with the readers of what it writes: KnowledgeReader,
 * DecisionReader's outcomes, the event log's profile ids): one suite that every storage
 * adapter passes. `open` gives a fresh, empty store.
 *
 * @example describeStateStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:', synchronous: 'normal' }))
 */
export function describeStateStoreContract(adapterName: string, open: () => Promise<AttuneStore>): void {
  describe(`${adapterName}: state store contract`, () => {
    let store: AttuneStore;
    beforeEach(async () => { store = await open(); });
    afterEach(async () => { await store.close(); });
    const state = () => store.state;

    it('an empty store: checkpoint 0, nothing found, in the order asked', async () => {
      expect(await state().checkpoint()).toBe(0);
      expect(await state().findIdentities(A, [user('u1'), anonymous('a1')])).toEqual([undefined, undefined]);
      expect(await state().loadProfiles(A, ['p1'])).toEqual([undefined]);
      expect(await state().armStats(A)).toEqual([]);
      expect(await state().profileIds(A, '', 10)).toEqual([]);
    });

    it('writes profiles and identities with the checkpoint, and gets many back in the order asked, per workspace', async () => {
      const p1 = profile('p1');
      const p2 = profile('p2', { traits: { values: {}, updatedAt: {} }, eventCounts: {}, knowledge: null });
      await state().write(stateBatch({
        checkpoint: 7, profiles: [p1, p2, profile('p1', { workspaceId: B, eventCounts: { page: 1 } })],
        identities: [link(user('u1'), 'p1', T0), link(anonymous('a1'), 'p1', T0 + 1), link(anonymous('a2'), 'p2'), link(user('u1'), 'p1', T0, B)],
      }));
      expect(await state().checkpoint()).toBe(7);
      expect(await state().findIdentities(A, [anonymous('a2'), user('u1'), user('a1'), anonymous('a1'), user('nobody')])).toEqual(['p2', 'p1', undefined, 'p1', undefined]);
      const [second, missing, first] = await state().loadProfiles(A, ['p2', 'nope', 'p1']);
      expect(missing).toBeUndefined();
      expect(first).toEqual({ ...p1, identities: [user('u1'), anonymous('a1')] });
      expect(second).toEqual({ ...p2, identities: [anonymous('a2')] });
      expect((await state().loadProfiles(B, ['p1']))[0]?.eventCounts).toEqual({ page: 1 });
      expect(await state().loadProfiles(B, ['p2'])).toEqual([undefined]);
      expect(await state().profileIds(A, '', 10)).toEqual(['p1', 'p2']);
      expect(await state().profileIds(A, 'p1', 10)).toEqual(['p2']);
      expect(await state().profileIds(A, '', 1)).toEqual(['p1']);
    });

    it('a later batch replaces a profile whole, re-points identifiers (the last entry for a key wins) and moves the checkpoint', async () => {
      await state().write(stateBatch({ checkpoint: 3, profiles: [profile('p1'), profile('p2')], identities: [link(anonymous('a1'), 'p1')] }));
      const changed = profile('p1', { lastSeen: T0 + 99, traits: { values: { plan: 'free' }, updatedAt: { plan: T0 + 99 } }, eventCounts: { track: 3 }, knowledge: emptyKnowledge() });
      await state().write(stateBatch({ checkpoint: 5, profiles: [changed], identities: [link(anonymous('a1'), 'p1', T0 + 1), link(anonymous('a1'), 'p2', T0 + 2)] }));
      expect(await state().checkpoint()).toBe(5);
      expect(await state().findIdentities(A, [anonymous('a1')])).toEqual(['p2']);
      const [p1, p2] = await state().loadProfiles(A, ['p1', 'p2']);
      expect(p1).toEqual({ ...changed, identities: [] });
      expect(p2?.identities).toEqual([anonymous('a1')]);
    });

    it('merges: an absorbed profile points at its survivor and has no knowledge; merges stay flat', async () => {
      await state().write(stateBatch({ profiles: [profile('p1'), profile('p2'), profile('p3')] }));
      await state().write(stateBatch({
        profiles: [profile('p2', { mergedCount: 1 }), profile('p3', { mergedInto: 'p2', knowledge: null })],
        merges: [{ workspaceId: A, survivorId: 'p2', absorbedId: 'p3', at: T0 + 1 }],
      }));
      await state().write(stateBatch({
        profiles: [profile('p1', { mergedCount: 2 }), profile('p2', { mergedInto: 'p1', knowledge: null, mergedCount: 1 })],
        merges: [{ workspaceId: A, survivorId: 'p1', absorbedId: 'p2', at: T0 + 2 }],
      }));
      const [p1, p2, p3] = await state().loadProfiles(A, ['p1', 'p2', 'p3']);
      expect([p1?.mergedInto, p2?.mergedInto, p3?.mergedInto]).toEqual([null, 'p1', 'p1']);
      expect([p2?.knowledge, p3?.knowledge]).toEqual([null, null]);
      expect(p1?.mergedCount).toBe(2);
      expect(await state().profileIds(A, '', 10)).toEqual(['p1']);
      expect((await store.profiles.findProfile(A, 'p1', 0))?.mergedProfileIds.slice().sort()).toEqual(['p2', 'p3']);
    });

    it('segment changes apply in order: members and their entry times follow the last change', async () => {
      await state().write(stateBatch({
        profiles: [profile('p1'), profile('p2'), profile('p3')],
        segmentChanges: [
          { workspaceId: A, profileId: 'p1', change: { segment: 'vip', kind: 'enter', at: T0 } },
          { workspaceId: A, profileId: 'p2', change: { segment: 'vip', kind: 'enter', at: T0 } },
          { workspaceId: A, profileId: 'p2', change: { segment: 'vip', kind: 'leave', at: T0 + 1 } },
          { workspaceId: A, profileId: 'p3', change: { segment: 'vip', kind: 'enter', at: T0 } },
          { workspaceId: A, profileId: 'p3', change: { segment: 'vip', kind: 'leave', at: T0 + 1 } },
          { workspaceId: A, profileId: 'p3', change: { segment: 'vip', kind: 'enter', at: T0 + 2 } },
          { workspaceId: B, profileId: 'p9', change: { segment: 'vip', kind: 'enter', at: T0 } },
        ],
      }));
      expect(await store.knowledge.segmentSize(A, 'vip')).toBe(2);
      expect(await store.knowledge.segmentMembers(A, 'vip', '', 10)).toEqual([{ profileId: 'p1', enteredAt: T0 }, { profileId: 'p3', enteredAt: T0 + 2 }]);
      await state().write(stateBatch({ segmentChanges: [{ workspaceId: A, profileId: 'p1', change: { segment: 'vip', kind: 'leave', at: T0 + 3 } }] }));
      expect(await store.knowledge.segmentMembers(A, 'vip', '', 10)).toEqual([{ profileId: 'p3', enteredAt: T0 + 2 }]);
      expect(await store.knowledge.segmentSize(B, 'vip')).toBe(1);
    });

    it('segment pair counts: members two segments share now, every pair in the order asked, per workspace', async () => {
      const enter = (profileId: string, segment: string, workspaceId: string = A) => ({ workspaceId, profileId, change: { segment, kind: 'enter' as const, at: T0 } });
      await state().write(stateBatch({
        profiles: [profile('p1'), profile('p2'), profile('p3')],
        segmentChanges: [enter('p1', 'vip'), enter('p2', 'vip'), enter('p3', 'vip'), enter('p1', 'new'), enter('p2', 'new'), enter('p3', 'lapsed'), enter('p4', 'new', B), enter('p4', 'vip', B)],
      }));
      expect(await store.knowledge.segmentPairCounts(A, ['new', 'vip', 'lapsed', 'gone'])).toEqual([
        { a: 'new', b: 'vip', both: 2 }, { a: 'new', b: 'lapsed', both: 0 }, { a: 'new', b: 'gone', both: 0 },
        { a: 'vip', b: 'lapsed', both: 1 }, { a: 'vip', b: 'gone', both: 0 }, { a: 'lapsed', b: 'gone', both: 0 },
      ]);
      expect(await store.knowledge.segmentPairCounts(B, ['vip', 'new'])).toEqual([{ a: 'vip', b: 'new', both: 1 }]);
      expect(await store.knowledge.segmentPairCounts(A, ['vip'])).toEqual([]);
    });

    it('profile knowledge: live profiles with their facts in id order after the cursor, and their count', async () => {
      await state().write(stateBatch({
        profiles: [profile('p1'), profile('p2', { knowledge: null, traits: { values: {}, updatedAt: {} } }), profile('p3', { mergedInto: 'p1', knowledge: null }), profile('p1', { workspaceId: B })],
      }));
      expect(await store.knowledge.profileCount(A)).toBe(2);
      expect(await store.knowledge.profileCount(B)).toBe(1);
      const rows = await store.knowledge.profileKnowledge(A, '', 10);
      expect(rows.map((r) => r.profileId)).toEqual(['p1', 'p2']);
      expect(rows[0]).toMatchObject({ traits: { plan: 'pro' }, firstSeen: T0, lastSeen: T0 + 10, state: { m: { vip: T0 } } });
      expect(rows[1]?.state).toEqual(emptyKnowledge());
      expect((await store.knowledge.profileKnowledge(A, 'p1', 10)).map((r) => r.profileId)).toEqual(['p2']);
      expect((await store.knowledge.profileKnowledge(A, '', 1)).map((r) => r.profileId)).toEqual(['p1']);
    });

    it('finds live profiles by a trait: a string ignoring ASCII case, or the number the value spells, per workspace', async () => {
      const traits = (values: Record<string, unknown>) => ({ values, updatedAt: {} });
      await state().write(stateBatch({
        profiles: [
          profile('p1', { traits: traits({ email: 'Ann@Example.com', age: 41, 'first.name': 'Ann' }) }),
          profile('p2', { traits: traits({ email: 'ann@example.com', age: '41' }) }),
          profile('p3', { traits: traits({ email: 'ann@example.com' }), mergedInto: 'p1', knowledge: null }),
          profile('p4', { traits: traits({ email: 'bob@example.com', age: 41.0 }) }),
          profile('p1', { workspaceId: B, traits: traits({ email: 'ann@example.com' }) }),
        ],
      }));
      const ids = async (name: string, value: string, after = '', limit = 10) => (await store.profiles.findByTrait(A, name, value, after, limit)).map((m) => m.profileId);
      expect(await ids('email', 'ann@example.com')).toEqual(['p1', 'p2']);
      expect(await ids('email', 'ann@example.com', 'p1')).toEqual(['p2']);
      expect(await ids('email', 'ann@example.com', '', 1)).toEqual(['p1']);
      expect(await ids('age', '41')).toEqual(['p1', 'p2', 'p4']);
      expect(await ids('age', '41.5')).toEqual([]);
      expect(await ids('first.name', 'ann')).toEqual(['p1']);
      expect(await ids('email', '')).toEqual([]);
      expect(await ids('missing', 'x')).toEqual([]);
      expect((await store.profiles.findByTrait(A, 'email', 'bob@example.com', '', 10))[0]).toEqual({ profileId: 'p4', firstSeen: T0, lastSeen: T0 + 10 });
    });

    it('segment entries: distinct profiles entering after the window start or the last definition change, per workspace', async () => {
      await store.knowledgeConfig.putSegment(A, { id: 'vip', name: 'VIP', rule: 'true' }, T0 + 10);
      const enter = (profileId: string, at: number, kind: 'enter' | 'leave' = 'enter', workspaceId: string = A) => ({ workspaceId, profileId, change: { segment: 'vip', kind, at } });
      await state().write(stateBatch({
        profiles: [profile('p1'), profile('p2'), profile('p3'), profile('p4')],
        segmentChanges: [
          enter('p1', T0 + 10), // the re-evaluation at the definition's change: not an arrival
          enter('p2', T0 + 20), enter('p2', T0 + 25, 'leave'), enter('p2', T0 + 30), // one profile, entering twice
          enter('p3', T0 + 40),
          enter('p4', T0 + 50, 'leave'),
          enter('p9', T0 + 20, 'enter', B),
        ],
      }));
      expect(await store.knowledge.segmentEntries(A, 'vip', T0)).toEqual({ entries: 2, from: T0 + 10 });
      expect(await store.knowledge.segmentEntries(A, 'vip', T0 + 35)).toEqual({ entries: 1, from: T0 + 35 });
      expect(await store.knowledge.segmentEntries(A, 'other', T0)).toBeUndefined();
      // B has entries but no such segment; A's definition is not B's.
      expect(await store.knowledge.segmentEntries(B, 'vip', T0)).toBeUndefined();
    });

    it('segment changes by day: entries and exits per UTC day from a day on, per segment and workspace', async () => {
      const day = 86_400_000;
      const D0 = Math.floor(T0 / day) * day;
      const change = (profileId: string, at: number, kind: 'enter' | 'leave', segment = 'vip', workspaceId: string = A) => ({ workspaceId, profileId, change: { segment, kind, at } });
      await state().write(stateBatch({
        profiles: [profile('p1'), profile('p2'), profile('p3')],
        segmentChanges: [
          change('p1', D0 - 1, 'enter'), // the day before the window
          change('p1', D0, 'leave'), change('p2', D0 + 5, 'enter'), change('p3', D0 + day - 1, 'enter'),
          change('p2', D0 + 2 * day + 7, 'leave'),
          change('p1', D0 + 10, 'enter', 'other'), change('p9', D0 + 10, 'enter', 'vip', B),
        ],
      }));
      expect(await store.knowledge.segmentChangesByDay(A, 'vip', D0)).toEqual([
        { day: D0, entries: 2, exits: 1 },
        { day: D0 + 2 * day, entries: 0, exits: 1 },
      ]);
      expect(await store.knowledge.segmentChangesByDay(A, 'vip', D0 - day)).toHaveLength(3);
      expect(await store.knowledge.segmentChangesByDay(B, 'vip', D0)).toEqual([{ day: D0, entries: 1, exits: 0 }]);
      expect(await store.knowledge.segmentChangesByDay(A, 'none', D0)).toEqual([]);
    });

    it('consent changes are kept as history, newest first, per profile', async () => {
      await state().write(stateBatch({
        profiles: [profile('p1')],
        consentChanges: [
          { workspaceId: A, profileId: 'p1', change: { purpose: 'marketing', granted: true, source: 'context', at: T0 } },
          { workspaceId: A, profileId: 'p1', change: { purpose: 'marketing', granted: false, source: 'context', at: T0 + 5 } },
        ],
      }));
      expect(await store.knowledge.consentHistory(A, 'p1', 10)).toEqual([
        { purpose: 'marketing', granted: false, source: 'context', at: T0 + 5 },
        { purpose: 'marketing', granted: true, source: 'context', at: T0 },
      ]);
      expect(await store.knowledge.consentHistory(A, 'p1', 1)).toHaveLength(1);
      expect(await store.knowledge.consentHistory(B, 'p1', 10)).toEqual([]);
    });

    it('outcomes are increments: batches add up', async () => {
      await state().write(stateBatch({ outcomes: [outcome({ impressions: 2, clicks: 1 }), outcome({ workspaceId: B, impressions: 1 })] }));
      await state().write(stateBatch({ outcomes: [outcome({ impressions: 1, conversions: 1, conversionValue: 9.5 }), outcome({ placementId: 'side', dismisses: 1 })] }));
      expect(await store.decisions.outcomes(A)).toEqual([
        { actionId: 'a', placementId: 'hero', impressions: 3, clicks: 1, dismisses: 0, conversions: 1, conversionValue: 9.5, conversionValueM2: 0 },
        { actionId: 'a', placementId: 'side', impressions: 0, clicks: 0, dismisses: 1, conversions: 0, conversionValue: 0, conversionValueM2: 0 },
      ]);
      expect((await store.decisions.outcomes(B))[0]?.impressions).toBe(1);
    });

    it('conversion value spreads merge by Chan\'s formula, not by addition', async () => {
      // Values 4 and 6 (mean 5, M2 2), then 20 and 30 (mean 25, M2 50): all four have mean 15, M2 2 + 50 + 20²·2·2/4 = 452.
      await state().write(stateBatch({ outcomes: [outcome({ conversions: 2, conversionValue: 10, conversionValueM2: 2 })] }));
      await state().write(stateBatch({ outcomes: [outcome({ conversions: 2, conversionValue: 50, conversionValueM2: 50 }), outcome({ placementId: 'side', impressions: 1 })] }));
      await state().write(stateBatch({ outcomes: [outcome({ impressions: 3 })] }));
      const [hero, side] = await store.decisions.outcomes(A);
      expect(hero).toMatchObject({ impressions: 3, conversions: 4, conversionValue: 60 });
      expect(hero!.conversionValueM2).toBeCloseTo(452, 9);
      expect(side!.conversionValueM2).toBe(0);
    });

    it('arm statistics are whole rows: a later row replaces the stored one, firstAt and lastAt as written', async () => {
      const row = (n: number, firstAt: number, lastAt: number, workspaceId: string = A) => ({
        workspaceId, experimentId: 'hero', armId: 'control', metricId: 'revenue', moments: { n, meanX: n * 1.5, meanY: 0.25, m2X: 2, m2Y: 0.5, cXY: 0.125 }, firstAt, lastAt,
      });
      await state().write(stateBatch({ armStats: [row(1, T0, T0), { ...row(1, T0, T0), armId: 'b' }, row(4, T0, T0, B)] }));
      await state().write(stateBatch({ armStats: [row(2, T0 - 5, T0 + 10)] }));
      const { workspaceId: _a, ...expected } = row(2, T0 - 5, T0 + 10);
      const { workspaceId: _b, ...other } = { ...row(1, T0, T0), armId: 'b' };
      expect(await state().armStats(A)).toEqual([other, expected]);
      expect(await store.experiments.armStats(A, ['hero'])).toEqual([other, expected]);
      expect((await state().armStats(B))[0]?.moments.n).toBe(4);
    });

    it('model counters are whole values: the latest replaces the stored one, per workspace, read in key order', async () => {
      await state().write(stateBatch({ counters: [{ workspaceId: A, key: 'pop:v:b', value: 1, at: T0 }, { workspaceId: A, key: 'pop:v:a', value: 2.5, at: T0 }, { workspaceId: B, key: 'pop:v:a', value: 7, at: T0 }] }));
      await state().write(stateBatch({ counters: [{ workspaceId: A, key: 'pop:v:b', value: 3, at: T0 + 10 }] }));
      expect(await state().counters(A)).toEqual([{ key: 'pop:v:a', value: 2.5, at: T0 }, { key: 'pop:v:b', value: 3, at: T0 + 10 }]);
      expect(await state().counters(B)).toEqual([{ key: 'pop:v:a', value: 7, at: T0 }]);
      expect(await state().counters('nobody')).toEqual([]);
    });

    it('eventProfiles re-point stored events at the profile a replay resolved them to', async () => {
      await store.log.append([logRecord(1, A, 'm1'), logRecord(2, A, 'm2'), logRecord(3, B, 'm3')], []);
      await state().write(stateBatch({ checkpoint: 3, eventProfiles: [{ workspaceId: A, seq: 2, profileId: 'p9' }, { workspaceId: A, seq: 3, profileId: 'p9' }] }));
      const events: StoredEvent[] = [];
      for await (const e of store.events.read()) events.push(e);
      // Seq 3 is workspace B's: a workspace's batch never touches another's events.
      expect(events.map((e) => e.profileId)).toEqual(['p1', 'p9', 'p1']);
    });

    it('serialises the batch before write returns: later changes to its objects are not stored', async () => {
      const traits = { values: { plan: 'pro' } as Record<string, unknown>, updatedAt: { plan: T0 } as Record<string, number> };
      const knowledge = { ...emptyKnowledge(), m: { vip: T0 } as Record<string, number> };
      const written = state().write(stateBatch({ profiles: [profile('p1', { traits, knowledge })] }));
      traits.values['plan'] = 'changed';
      knowledge.m['other'] = T0;
      await written;
      const [p1] = await state().loadProfiles(A, ['p1']);
      expect(p1?.traits.values).toEqual({ plan: 'pro' });
      expect(p1?.knowledge?.m).toEqual({ vip: T0 });
    });

    it('a write is applied after the appends submitted before it', async () => {
      const appended = store.log.append([logRecord(1, A, 'm1')], []);
      const written = state().write(stateBatch({ checkpoint: 1, eventProfiles: [{ workspaceId: A, seq: 1, profileId: 'p9' }] }));
      await Promise.all([appended, written]);
      expect(await state().checkpoint()).toBeLessThanOrEqual(await store.log.lastSeq());
      for await (const e of store.events.read()) expect(e.profileId).toBe('p9');
    });

    it('resetDerived forgets the workspace\'s derived state and keeps its log, the checkpoint and other workspaces', async () => {
      await store.log.append([logRecord(1, A, 'm1'), logRecord(2, B, 'm2')], []);
      await state().write(stateBatch({
        checkpoint: 2, profiles: [profile('p1'), profile('p1', { workspaceId: B })], identities: [link(user('u1'), 'p1'), link(user('u1'), 'p1', T0, B)],
        segmentChanges: [{ workspaceId: A, profileId: 'p1', change: { segment: 'vip', kind: 'enter', at: T0 } }],
        outcomes: [outcome({ impressions: 1 })],
        armStats: [{ workspaceId: A, experimentId: 'hero', armId: 'c', metricId: '_units', moments: { n: 1, meanX: 0, meanY: 0, m2X: 0, m2Y: 0, cXY: 0 }, firstAt: T0, lastAt: T0 }],
        counters: [{ workspaceId: A, key: 'k', value: 1, at: T0 }, { workspaceId: B, key: 'k', value: 2, at: T0 }],
      }));
      await state().resetDerived(A);
      expect(await state().counters(A)).toEqual([]);
      expect(await state().counters(B)).toEqual([{ key: 'k', value: 2, at: T0 }]);
      expect(await state().loadProfiles(A, ['p1'])).toEqual([undefined]);
      expect(await state().findIdentities(A, [user('u1')])).toEqual([undefined]);
      expect(await store.knowledge.segmentSize(A, 'vip')).toBe(0);
      expect(await store.decisions.outcomes(A)).toEqual([]);
      expect(await state().armStats(A)).toEqual([]);
      expect(await store.events.count(A)).toBe(1);
      expect(await state().checkpoint()).toBe(2);
      expect(await state().findIdentities(B, [user('u1')])).toEqual(['p1']);
    });
  });
}
