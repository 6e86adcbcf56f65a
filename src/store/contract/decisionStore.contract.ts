import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionDefinition } from '../../core/decide/ActionDefinition.js';
import type { Interaction } from '../../core/decide/interactions.js';
import type { PlacementDefinition } from '../../core/decide/PlacementDefinition.js';
import type { DecisionRecord, LoggedDecisionQuery } from '../ports.js';
import type { CollectedEvent } from '../../core/events/CollectedEvent.js';
import { contractWorkspaces, openContractStore, type ContractStore, type OpenAdapter } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;
const T0 = Date.parse('2024-05-01T12:00:00Z');

const placement = (id: string): PlacementDefinition => ({ id, channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: id } });
const action = (id: string, placements: string[] = ['hero']): ActionDefinition => ({ id, placements, priority: 1, value: 0, variants: { default: { title: id } } });
const interaction = (kind: Interaction['kind'], actionId: string, value = 0): Interaction => ({ kind, decisionId: `d-${kind}`, actionId, placementId: 'hero', channel: 'web', value, at: T0, timeZone: null });
const record = (workspaceId: string, decisionId: string, profileId: string | null, at: number): DecisionRecord => ({
  workspaceId, decisionId, profileId, placementId: 'hero', actionId: 'a', variant: 'default', score: 2, probability: 0.5, fallback: null, segments: ['vip'], reasons: { rule: null }, at,
});

/**
 * The contract of the decision ports (DecisionConfigStore, DecisionReader) and of the decision
 * state the engine writes (outcome counters, decision records, profiles for deciding): one
 * suite that every storage adapter passes. Reads go through the engine and the adapter alike.
 *
 * @example describeDecisionStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:', synchronous: 'normal' }))
 */
export function describeDecisionStoreContract(adapterName: string, open: OpenAdapter): void {
  describe(`${adapterName}: decision store contract`, () => {
    let store: ContractStore;
    beforeEach(async () => { store = await openContractStore(open); });
    afterEach(async () => { await store.close(); });
    const run: ContractStore['run'] = (job, preload) => store.run(job, preload);
    const config = () => store.engine.decisionConfig;

    it('puts, lists (by id), replaces and deletes actions and placements per workspace, bumping the config version', async () => {
      const v0 = await store.engine.knowledgeConfig.configVersion(A);
      expect(await config().putPlacement(A, placement('hero'), T0)).toBe('created');
      expect(await config().putAction(A, action('b'), T0)).toBe('created');
      expect(await config().putAction(A, action('a'), T0)).toBe('created');
      expect(await config().putAction(A, { ...action('a'), priority: 5 }, T0 + 1)).toBe('updated');
      expect((await config().listActions(A)).map((x) => [x.id, x.priority])).toEqual([['a', 5], ['b', 1]]);
      expect(await config().listPlacements(A)).toEqual([placement('hero')]);
      expect(await store.engine.knowledgeConfig.configVersion(A)).toBeGreaterThan(v0);
      expect(await config().listActions(B)).toEqual([]);
      expect(await config().deleteAction(B, 'a')).toBe(false);
      const v1 = await store.engine.knowledgeConfig.configVersion(A);
      expect(await config().deleteAction(A, 'a')).toBe(true);
      expect(await config().deleteAction(A, 'a')).toBe(false);
      expect(await config().deletePlacement(A, 'hero')).toBe(true);
      expect(await store.engine.knowledgeConfig.configVersion(A)).toBeGreaterThan(v1);
      expect((await config().listActions(A)).map((x) => x.id)).toEqual(['b']);
    });

    it('finds the profile for a decision by user id first, then anonymous id, with traits and knowledge', async () => {
      await run((tx) => {
        tx.createProfile(A, 'p-user', T0);
        tx.linkIdentity(A, { kind: 'user', value: 'u1' }, 'p-user', T0);
        tx.writeTraits(A, 'p-user', { values: { plan: 'pro' }, updatedAt: { plan: T0 } });
        tx.saveKnowledge(A, 'p-user', { f: {}, s: null, c: {}, m: { vip: T0 } });
        tx.createProfile(A, 'p-anon', T0);
        tx.linkIdentity(A, { kind: 'anonymous', value: 'a1' }, 'p-anon', T0);
      });
      expect(await store.readBoth((r) => r.decisions.findDecisionProfile(A, 'u1', 'a1'))).toMatchObject({ id: 'p-user', traits: { plan: 'pro' }, knowledge: { m: { vip: T0 } } });
      expect(await store.readBoth((r) => r.decisions.findDecisionProfile(A, 'nobody', 'a1'))).toMatchObject({ id: 'p-anon', traits: {}, knowledge: { f: {}, s: null, c: {}, m: {} } });
      expect(await store.readBoth((r) => r.decisions.findDecisionProfile(A, null, null))).toBeUndefined();
      expect(await store.readBoth((r) => r.decisions.findDecisionProfile(B, 'u1', 'a1'))).toBeUndefined();
      expect((await store.readBoth((r) => r.decisions.decisionProfile(A, 'p-user')))?.id).toBe('p-user');
      expect(await store.readBoth((r) => r.decisions.decisionProfile(B, 'p-user'))).toBeUndefined();
    });

    it('reads an anonymous id\'s profile for an unverified caller only while no user id points to it', async () => {
      await run((tx) => {
        tx.createProfile(A, 'p-anon', T0);
        tx.linkIdentity(A, { kind: 'anonymous', value: 'a1' }, 'p-anon', T0);
        tx.writeTraits(A, 'p-anon', { values: { seen: 'yes' }, updatedAt: { seen: T0 } });
        tx.createProfile(A, 'p-user', T0);
        tx.linkIdentity(A, { kind: 'user', value: 'u1' }, 'p-user', T0);
        tx.linkIdentity(A, { kind: 'anonymous', value: 'a2' }, 'p-user', T0);
      });
      expect(await store.readBoth((r) => r.decisions.findAnonymousDecisionProfile(A, 'a1'))).toMatchObject({ profile: { id: 'p-anon', traits: { seen: 'yes' } }, withheld: false });
      // a2 was linked to a user's profile (an identify, or anyone's events naming that user): not readable anonymously.
      expect(await store.readBoth((r) => r.decisions.findAnonymousDecisionProfile(A, 'a2'))).toEqual({ profile: undefined, withheld: true });
      expect(await store.readBoth((r) => r.decisions.findAnonymousDecisionProfile(A, 'nobody'))).toEqual({ profile: undefined, withheld: false });
      expect(await store.readBoth((r) => r.decisions.findAnonymousDecisionProfile(B, 'a1'))).toEqual({ profile: undefined, withheld: false });
      // Once a user id joins it, the anonymous profile is that user's too.
      await run((tx) => tx.linkIdentity(A, { kind: 'user', value: 'u2' }, 'p-anon', T0 + 1), { workspaceId: A, keys: [{ kind: 'user', value: 'u2' }], profileIds: ['p-anon'] });
      expect(await store.readBoth((r) => r.decisions.findAnonymousDecisionProfile(A, 'a1'))).toEqual({ profile: undefined, withheld: true });
    });

    it('sums each action\'s recorded decisions and the clicks and revenue naming them, weighted by 1/p, per placement and workspace', async () => {
      let messages = 0;
      const click = (decisionId: string, name = 'Decision Clicked', extra: Record<string, unknown> = {}): CollectedEvent => {
        messages += 1;
        const properties = { decisionId, actionId: 'x', placement: 'hero', ...extra };
        return {
          type: 'track', messageId: `arm-${messages}`, generatedMessageId: false, userId: 'u1', anonymousId: null, previousId: null, groupId: null,
          name, timestamp: T0, receivedAt: T0, traits: null, properties, context: null, body: { type: 'track', event: name, properties },
        };
      };
      const at = (workspaceId: string, decisionId: string, actionId: string, probability: number, placementId = 'hero'): DecisionRecord => ({
        ...record(workspaceId, decisionId, 'p1', T0), actionId, probability, placementId,
      });
      await run((tx) => {
        tx.createProfile(A, 'p1', T0);
        tx.createProfile(B, 'p1', T0);
        tx.recordDecisions([at(A, 'd1', 'a', 0.5), at(A, 'd2', 'a', 0.25), at(A, 'd3', 'b', 0.5), at(A, 'd4', 'b', 0.25), at(A, 'd5', 'a', 0.5, 'side'), at(B, 'd1', 'a', 0.125)]);
        // d1 clicked twice (counts once), d2 and d4 once; a view names d3; B's click names d1 too.
        for (const e of [click('d1'), click('d1'), click('d2'), click('d4'), click('d3', 'Decision Viewed'), click('d5')]) tx.appendEvent(A, 'p1', e);
        // Revenue: d1 converts twice (10, then "5" as revenue: 15 in all), d3 once (a boolean value is none, so revenue 8 counts).
        const converted = [
          click('d1', 'Decision Converted', { value: 10 }), click('d1', 'Decision Converted', { revenue: '5' }),
          click('d3', 'Decision Converted', { value: true, revenue: 8 }), click('d5', 'Decision Converted', { value: 100 }),
        ];
        for (const e of converted) tx.appendEvent(A, 'p1', e);
        tx.appendEvent(B, 'p1', click('d1'));
      });
      expect(await store.readBoth((r) => r.decisions.armWeights(A, 'hero'))).toEqual([
        { actionId: 'a', decisions: 2, clicked: 2, weightedClicks: 2 + 4, weightedClicksSquared: 4 + 16, converted: 1, weightedRevenue: 30, weightedRevenueSquared: 900 },
        { actionId: 'b', decisions: 2, clicked: 1, weightedClicks: 4, weightedClicksSquared: 16, converted: 1, weightedRevenue: 16, weightedRevenueSquared: 256 },
      ]);
      expect(await store.readBoth((r) => r.decisions.armWeights(B, 'hero'))).toEqual([
        { actionId: 'a', decisions: 1, clicked: 1, weightedClicks: 8, weightedClicksSquared: 64, converted: 0, weightedRevenue: 0, weightedRevenueSquared: 0 },
      ]);
      expect(await store.readBoth((r) => r.decisions.armWeights(A, 'nowhere'))).toEqual([]);
    });

    it('reads a placement\'s decisions in a time range, oldest first, each rewarded by an outcome naming it within the window', async () => {
      let messages = 0;
      const outcome = (decisionId: string, name: string, timestamp: number): CollectedEvent => {
        messages += 1;
        const properties = { decisionId, actionId: 'a', placement: 'hero' };
        return {
          type: 'track', messageId: `ope-${messages}`, generatedMessageId: false, userId: 'u1', anonymousId: null, previousId: null, groupId: null,
          name, timestamp, receivedAt: timestamp, traits: null, properties, context: null, body: { type: 'track', event: name, properties },
        };
      };
      const at = (workspaceId: string, decisionId: string, actionId: string | null, when: number, placementId = 'hero'): DecisionRecord => ({
        ...record(workspaceId, decisionId, 'p1', when), actionId, probability: actionId === null ? 1 : 0.25, placementId,
      });
      const hour = 3_600_000;
      await run((tx) => {
        tx.createProfile(A, 'p1', T0);
        tx.createProfile(B, 'p1', T0);
        tx.recordDecisions([at(A, 'd2', 'b', T0 + hour), at(A, 'd1', 'a', T0), at(A, 'd3', null, T0 + 2 * hour), at(A, 'd4', 'a', T0 + 3 * hour), at(A, 'd5', 'a', T0, 'side'), at(B, 'd1', 'a', T0)]);
        // d1 clicked twice (counts once) and converted; d2 clicked after the window; d4 clicked before it was decided; B's click names d4.
        for (const e of [outcome('d1', 'Decision Clicked', T0 + 1000), outcome('d1', 'Decision Clicked', T0 + 2000), outcome('d1', 'Decision Converted', T0 + hour),
          outcome('d2', 'Decision Clicked', T0 + 3 * hour), outcome('d4', 'Decision Clicked', T0), outcome('d5', 'Decision Clicked', T0)]) tx.appendEvent(A, 'p1', e);
        tx.appendEvent(B, 'p1', outcome('d4', 'Decision Clicked', T0 + 3 * hour));
      });
      const query: LoggedDecisionQuery = { since: T0, until: T0 + 4 * hour, outcome: 'Decision Clicked', windowMillis: hour, limit: 100 };
      const logged = await store.readBoth((r) => r.decisions.loggedDecisions(A, 'hero', query));
      expect(logged).toEqual([
        { decisionId: 'd1', profileId: 'p1', actionId: 'a', probability: 0.25, at: T0, rewarded: true, shadow: null },
        { decisionId: 'd2', profileId: 'p1', actionId: 'b', probability: 0.25, at: T0 + hour, rewarded: false, shadow: null },
        { decisionId: 'd3', profileId: 'p1', actionId: null, probability: 1, at: T0 + 2 * hour, rewarded: false, shadow: null },
        { decisionId: 'd4', profileId: 'p1', actionId: 'a', probability: 0.25, at: T0 + 3 * hour, rewarded: false, shadow: null },
      ]);
      const rewarded = async (q: Partial<LoggedDecisionQuery>, ws: string = A) => (await store.readBoth((r) => r.decisions.loggedDecisions(ws, 'hero', { ...query, ...q }))).map((d) => [d.decisionId, d.rewarded]);
      expect(await rewarded({ windowMillis: 3 * hour })).toEqual([['d1', true], ['d2', true], ['d3', false], ['d4', false]]);
      expect(await rewarded({ outcome: 'Decision Converted' })).toEqual([['d1', true], ['d2', false], ['d3', false], ['d4', false]]);
      expect(await rewarded({ since: T0 + 1, until: T0 + 3 * hour })).toEqual([['d2', false], ['d3', false]]);
      expect(await rewarded({ limit: 1 })).toEqual([['d1', true]]);
      expect(await rewarded({}, B)).toEqual([['d1', false]]);
      expect(await store.readBoth((r) => r.decisions.loggedDecisions(A, 'nowhere', query))).toEqual([]);
    });

    it('gives the shadow strategy\'s key and probabilities recorded with the reasons', async () => {
      const shadow = { strategy: 'weighted', key: '0a1b2c3d', actionId: 'b', probabilities: { a: 0.25, b: 0.75 } };
      await run((tx) => {
        tx.createProfile(A, 'p1', T0);
        tx.recordDecisions([{ ...record(A, 's1', 'p1', T0), actionId: 'a', probability: 0.5, placementId: 'hero', reasons: { strategy: 'priority', shadow } }]);
      });
      const logged = await store.readBoth((r) => r.decisions.loggedDecisions(A, 'hero', { since: T0, until: T0 + 1, outcome: 'Decision Clicked', windowMillis: 1000, limit: 10 }));
      expect(logged.map((d) => d.shadow)).toEqual([{ key: '0a1b2c3d', probabilities: { a: 0.25, b: 0.75 } }]);
    });

    it('gives the contextual decisions with their inputs and the interactions naming decisions, in log order, per workspace', async () => {
      const contextual = { inputs: { 'context.device': 'mobile', 'features.orders': 3 }, models: ['0a1b2c3d'] };
      const event = (n: number, name: string, properties: Record<string, unknown>): CollectedEvent => ({
        type: 'track', messageId: `ctx-${n}`, generatedMessageId: false, userId: 'u1', anonymousId: null, previousId: null, groupId: null,
        name, timestamp: T0 + n, receivedAt: T0 + n, traits: null, properties, context: null, body: { type: 'track', event: name, properties },
      });
      const names = (decisionId: string, actionId = 'a') => ({ decisionId, actionId, placement: 'hero' });
      await run((tx) => {
        tx.createProfile(A, 'p1', T0);
        tx.createProfile(B, 'p1', T0);
        tx.recordDecisions([
          { ...record(A, 'c2', 'p1', T0 + 5), reasons: { strategy: 'contextual', contextual } },
          { ...record(A, 'c1', 'p1', T0), reasons: { strategy: 'contextual', contextual } },
          record(A, 'plain', 'p1', T0),
          { ...record(A, 'fallback', 'p1', T0), actionId: null, reasons: { strategy: 'contextual', contextual } },
          { ...record(B, 'c3', 'p1', T0), reasons: { strategy: 'contextual', contextual } },
        ]);
        tx.appendEvent(A, 'p1', event(3, 'Decision Clicked', names('c1')));
        tx.appendEvent(A, 'p1', event(1, 'Decision Viewed', names('c1')));
        tx.appendEvent(A, 'p1', event(2, 'Product Viewed', names('c1')));
        // Not an interaction: no placement.
        tx.appendEvent(A, 'p1', event(4, 'Decision Viewed', { decisionId: 'c2', actionId: 'a' }));
        tx.appendEvent(A, 'p1', event(5, 'Decision Dismissed', names('c2')));
        tx.appendEvent(B, 'p1', event(6, 'Decision Converted', { ...names('c3'), value: 5 }));
      });
      const feedback = await store.readBoth((r) => r.decisions.contextualFeedback(A));
      expect(feedback.decisions).toEqual([
        { decisionId: 'c1', placementId: 'hero', actionId: 'a', at: T0, contextual },
        { decisionId: 'c2', placementId: 'hero', actionId: 'a', at: T0 + 5, contextual },
      ]);
      expect(feedback.interactions.map((i) => [i.kind, i.decisionId, i.at])).toEqual([['click', 'c1', T0 + 3], ['impression', 'c1', T0 + 1], ['dismiss', 'c2', T0 + 5]]);
      expect((await store.readBoth((r) => r.decisions.contextualFeedback(B))).interactions.map((i) => [i.kind, i.value])).toEqual([['conversion', 5]]);
      expect(await store.readBoth((r) => r.decisions.contextualDecision(A, 'c2'))).toEqual({ decisionId: 'c2', placementId: 'hero', actionId: 'a', at: T0 + 5, contextual });
      for (const id of ['plain', 'fallback', 'c3', 'none']) expect(await store.readBoth((r) => r.decisions.contextualDecision(A, id)), id).toBeUndefined();
    });

    it('counts outcomes per action and placement; a reset of derived state clears them', async () => {
      await run((tx) => {
        for (const kind of ['impression', 'impression', 'click', 'dismiss'] as const) tx.countOutcome(A, interaction(kind, 'a'));
        tx.countOutcome(A, interaction('conversion', 'a', 12.5));
        tx.countOutcome(B, interaction('impression', 'a'));
      });
      expect(await store.readBoth((r) => r.decisions.outcomes(A))).toEqual([{ actionId: 'a', placementId: 'hero', impressions: 2, clicks: 1, dismisses: 1, conversions: 1, conversionValue: 12.5, conversionValueM2: 0 }]);
      // Conversions of one cycle update M2 by Welford's step, and later cycles merge by Chan's.
      await run((tx) => {
        tx.countOutcome(A, interaction('conversion', 'a', 2.5));
        tx.countOutcome(A, interaction('conversion', 'a', 30));
      });
      const [counted] = await store.readBoth((r) => r.decisions.outcomes(A));
      expect(counted).toMatchObject({ conversions: 3, conversionValue: 45 });
      // Values 12.5, 2.5, 30: mean 15, M2 = 2.5² + 12.5² + 15² = 387.5.
      expect(counted!.conversionValueM2).toBeCloseTo(387.5, 9);
      await store.engine.resetDerived(A);
      expect(await store.readBoth((r) => r.decisions.outcomes(A))).toEqual([]);
      expect((await store.readBoth((r) => r.decisions.outcomes(B)))[0]?.impressions).toBe(1);
    });

    it("records decisions once per id, lists a profile's newest first, and keeps them through a reset of derived state", async () => {
      await run((tx) => tx.recordDecisions([record(A, 'd1', 'p1', T0), record(A, 'd2', 'p1', T0 + 5), record(A, 'd3', 'p2', T0), record(B, 'd4', 'p1', T0)]));
      await run((tx) => tx.recordDecisions([record(A, 'd1', 'p1', T0 + 99)]));
      const listed = await store.readBoth((r) => r.decisions.decisionsOf(A, ['p1'], 10));
      expect(listed.map((d) => [d.decisionId, d.at])).toEqual([['d2', T0 + 5], ['d1', T0]]);
      expect(listed[0]).toEqual(record(A, 'd2', 'p1', T0 + 5));
      expect((await store.readBoth((r) => r.decisions.decisionsOf(A, ['p1'], 1))).length).toBe(1);
      expect((await store.readBoth((r) => r.decisions.decisionsOf(A, ['p1', 'p2'], 10))).map((d) => d.decisionId)).toEqual(['d2', 'd3', 'd1']);
      expect(await store.readBoth((r) => r.decisions.decisionsOf(B, ['p2'], 10))).toEqual([]);
      await store.engine.resetDerived(A);
      expect((await store.readBoth((r) => r.decisions.decisionsOf(A, ['p1'], 10))).length).toBe(2);
    });

    it("reads every profile's activity hours", async () => {
      await run((tx) => {
        tx.createProfile(A, 'p1', T0);
        tx.saveKnowledge(A, 'p1', { f: {}, s: null, c: {}, m: {}, h: { t: T0, h: { email: [0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] } } });
        tx.createProfile(A, 'p2', T0);
        tx.saveKnowledge(A, 'p2', { f: {}, s: null, c: {}, m: {} });
      });
      expect(await store.readBoth((r) => r.decisions.activityHours(A))).toEqual([{ t: T0, h: { email: [0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] } }]);
      expect(await store.readBoth((r) => r.decisions.activityHours(B))).toEqual([]);
    });
  });
}
