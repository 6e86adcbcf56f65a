import { describe, expect, it } from 'vitest';
import { sequentialIds } from '../common/ports.js';
import { seededRandom, type Random } from '../common/random.js';
import { compileKnowledgeModel } from '../knowledge/KnowledgeModel.js';
import { emptyKnowledge, type KnowledgeState } from '../knowledge/KnowledgeState.js';
import type { ActionDefinition } from './ActionDefinition.js';
import { emptyCapState, recordImpression } from './caps.js';
import { compileDecisionModel, type DecisionModel } from './compileDecisionModel.js';
import { decide, decisionFrame, type DecisionProfile } from './decide.js';
import { arbitrate, decisionSteps, eligibility, experiment, type DecisionEnvironment, type DecisionRequest, type DecisionStep } from './decisionSteps.js';
import type { PlacementDefinition } from './PlacementDefinition.js';

/** decide() end to end: a compiled model, a loaded profile, a request and an injected environment. */
const hour = 3_600_000;
const day = 24 * hour;
const NOW = Date.parse('2026-03-20T12:00:00Z');

const knowledge = compileKnowledgeModel({
  features: [],
  segments: [
    { id: 'vip', name: 'VIP customers', rule: 'profile.traits.vip == true' },
    { id: 'swiss', name: 'Swiss German visitors', rule: 'context.locale == "de-CH"' },
    { id: 'shoppers', name: 'Shoe shoppers', rule: 'context.page.path starts_with "/shoes"' },
  ],
});

function action(id: string, over: Partial<ActionDefinition> = {}): ActionDefinition {
  return { id, placements: ['home'], priority: 0, value: 0, variants: { default: { title: `${id}: {{ profile.traits.name | "friend" }}` } }, ...over };
}

function placement(id: string, over: Partial<PlacementDefinition> = {}): PlacementDefinition {
  return { id, channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: `${id} default for {{ profile.traits.name | "you" }}` }, ...over };
}

function model(actions: readonly ActionDefinition[], placements: readonly PlacementDefinition[] = [placement('home')]): DecisionModel {
  return compileDecisionModel({ actions, placements }, knowledge);
}

function env(over: Partial<DecisionEnvironment> = {}): DecisionEnvironment {
  const ids = sequentialIds('dec');
  return { now: NOW, random: seededRandom(1), newDecisionId: () => ids.next(), budgetUsed: () => undefined, ...over };
}

function profile(traits: Readonly<Record<string, unknown>> = { name: 'Ada', vip: true }, state: Partial<KnowledgeState> = { m: { vip: NOW - day } }): DecisionProfile {
  return { facts: { id: 'p1', traits, firstSeen: NOW - 30 * day, lastSeen: NOW - hour }, knowledge: { ...emptyKnowledge(), ...state } };
}

function request(placements: DecisionRequest['placements'], context: Readonly<Record<string, unknown>> = {}, explain = false): DecisionRequest {
  return { placements, context, explain };
}

describe('decide: placements', () => {
  it('an unknown placement is an error of that placement alone; the others are decided', () => {
    const m = model([action('a', { placements: ['home', 'side'] }), action('b', { placements: ['side'] })], [placement('home'), placement('side')]);
    const result = decide(m, profile(), request([{ id: 'home' }, { id: 'nope' }, { id: 'side' }]), env());
    expect(result.placements).toHaveLength(3);
    expect(result.placements[1]).toEqual({
      placement: 'nope', channel: null, fallback: null, decisions: [],
      error: { code: 'ATTUNE_PLACEMENT_NOT_FOUND', message: 'no placement has the id "nope"', field: '/placements/1' },
    });
    expect(result.placements[0]).toMatchObject({ placement: 'home', channel: 'web', fallback: null });
    expect(result.placements[0]?.decisions.map((d) => [d.decisionId, d.actionId])).toEqual([['dec-1', 'a']]);
    expect('error' in result.placements[0]!).toBe(false);
    // a went to home: side gets b. The unknown placement used no decision id.
    expect(result.placements[2]?.decisions.map((d) => [d.decisionId, d.actionId])).toEqual([['dec-2', 'b']]);
  });

  it('the error points at the index of the unknown placement in the request', () => {
    const m = model([action('a')]);
    const result = decide(m, profile(), request([{ id: 'gone' }, { id: 'home' }, { id: 'also-gone' }]), env());
    expect(result.placements.map((p) => p.error?.field ?? null)).toEqual(['/placements/0', null, '/placements/2']);
    expect(result.placements.map((p) => p.placement)).toEqual(['gone', 'home', 'also-gone']);
  });

  it('decision ids come from env.newDecisionId, in order', () => {
    const m = model([action('a'), action('b'), action('c')], [placement('home', { count: 3 }), placement('side')]);
    const ids = sequentialIds('x');
    const result = decide(m, profile(), request([{ id: 'home' }, { id: 'side' }]), env({ newDecisionId: () => ids.next() }));
    expect(result.placements.flatMap((p) => p.decisions.map((d) => d.decisionId))).toEqual(['x-1', 'x-2', 'x-3', 'x-4']);
    expect(result.placements[1]?.fallback).toBe('no_eligible_action');
  });

  it.each([
    ['the placement\'s count by default', undefined, ['a', 'b']],
    ['a smaller count asked for', 1, ['a']],
    ['a larger count is limited by the placement', 5, ['a', 'b']],
  ] as const)('count: %s', (_name, count, expected) => {
    const m = model([action('a', { priority: 3 }), action('b', { priority: 2 }), action('c', { priority: 1 })], [placement('home', { count: 2 })]);
    const result = decide(m, profile(), request([{ id: 'home', count }]), env());
    expect(result.placements[0]?.decisions.map((d) => d.actionId)).toEqual(expected);
  });

  it('an empty request decides nothing and still reports the segments', () => {
    const result = decide(model([action('a')]), profile(), request([]), env());
    expect(result.placements).toEqual([]);
    expect(result.segments()).toEqual(['vip']);
  });
});

describe('decide: visitors and rules', () => {
  const m = model([
    action('shoes', { rule: 'context.page.path starts_with "/shoes"', priority: 2 }),
    action('vips', { rule: 'profile.traits.vip == true', priority: 5 }),
    action('swiss', { rule: 'in_segment("swiss")', priority: 3, variants: { 'de-CH': { title: 'Grüezi {{ profile.traits.name | "mitenand" }}' } } }),
  ]);

  it('an unknown visitor (profile null) is decided by rules over the context', () => {
    const result = decide(m, null, request([{ id: 'home' }], { page: { path: '/shoes/running' } }), env());
    expect(result.segments()).toEqual(['shoppers']);
    expect(result.placements[0]?.decisions).toEqual([{
      decisionId: 'dec-1', actionId: 'shoes', variant: 'default', content: { title: 'shoes: friend' },
      score: 2, probability: 1,
      reasons: { rule: 'context.page.path starts_with "/shoes"', segments: [], terms: [{ name: 'priority', value: 2 }], strategy: 'priority', capped: [] },
    }]);
  });

  it('an unknown visitor in a context segment, with its locale', () => {
    const result = decide(m, null, request([{ id: 'home' }], { locale: 'de-CH', page: { path: '/shoes' } }), env());
    expect(result.segments()).toEqual(['swiss', 'shoppers']);
    const [decision] = result.placements[0]?.decisions ?? [];
    expect(decision?.actionId).toBe('swiss');
    expect(decision?.variant).toBe('de-CH');
    expect(decision?.content).toEqual({ title: 'Grüezi mitenand' });
    expect(decision?.reasons.segments).toEqual(['swiss']);
  });

  it('an unknown visitor with nothing eligible gets the default content', () => {
    const result = decide(m, null, request([{ id: 'home' }], { page: { path: '/' } }, true), env());
    expect(result.placements[0]?.fallback).toBe('no_eligible_action');
    expect(result.placements[0]?.decisions).toEqual([{
      decisionId: 'dec-1', actionId: null, variant: null, content: { title: 'home default for you' }, score: null, probability: 1,
      reasons: {
        rule: null, segments: [], terms: [], strategy: 'priority', capped: [], fallback: 'no_eligible_action',
        skipped: [
          { actionId: 'shoes', step: 'eligibility', reason: 'rule_false' },
          { actionId: 'swiss', step: 'eligibility', reason: 'no_variant', detail: 'no variant for default' },
          { actionId: 'vips', step: 'eligibility', reason: 'rule_false' },
        ],
      },
    }]);
  });

  it('a known profile: traits and stored segments count', () => {
    const result = decide(m, profile({ name: 'Ada', vip: true }), request([{ id: 'home' }], { page: { path: '/shoes' } }), env());
    expect(result.segments()).toEqual(['vip', 'shoppers']);
    expect(result.placements[0]?.decisions.map((d) => [d.actionId, d.content])).toEqual([['vips', { title: 'vips: Ada' }]]);
  });
});

describe('decide: reasons', () => {
  const m = model([
    action('top', { priority: 10, caps: { perProfile: [{ max: 1, window: 'lifetime' }] } }),
    action('member', { rule: 'in_segment("vip") or in_segment("swiss") or in_segment("shoppers")', priority: 5 }),
    action('off', { enabled: false, priority: 20 }),
    action('pros', { rule: 'profile.traits.plan == "pro"', priority: 8 }),
    action('low', { priority: 1 }),
  ], [placement('home')]);
  const state: Partial<KnowledgeState> = {
    m: { vip: NOW - day },
    k: recordImpression(emptyCapState(), { actionId: 'top', placementId: 'home', channel: 'web', at: NOW - 40 * day }),
  };

  it('give the rule source, the segments it read that the profile is in, the terms and the capped actions', () => {
    const result = decide(m, profile({ name: 'Ada', vip: true }, state), request([{ id: 'home' }], { page: { path: '/shoes/x' } }), env());
    expect(result.placements[0]?.decisions).toEqual([{
      decisionId: 'dec-1', actionId: 'member', variant: 'default', content: { title: 'member: Ada' }, score: 5, probability: 1,
      reasons: {
        rule: 'in_segment("vip") or in_segment("swiss") or in_segment("shoppers")',
        // Read by the rule and the profile is in them; swiss is read but the profile is not in it.
        segments: ['shoppers', 'vip'],
        terms: [{ name: 'priority', value: 5 }],
        strategy: 'priority',
        capped: [{ actionId: 'top', cap: 'perProfile', detail: '1 of 1 impressions in total' }],
      },
    }]);
  });

  it('explain: true lists every skipped action and why, step by step', () => {
    const result = decide(m, profile({ name: 'Ada', vip: true }, state), request([{ id: 'home' }], { page: { path: '/' } }, true), env());
    expect(result.placements[0]?.decisions[0]?.reasons.skipped).toEqual([
      { actionId: 'off', step: 'eligibility', reason: 'disabled' },
      { actionId: 'pros', step: 'eligibility', reason: 'rule_false' },
      { actionId: 'top', step: 'caps', reason: 'capped', detail: '1 of 1 impressions in total' },
      { actionId: 'low', step: 'arbitrate', reason: 'not_chosen' },
    ]);
  });

  it('all eligible actions capped: all_capped, with the caps in the reasons', () => {
    const only = model([action('top', { caps: { perProfile: [{ max: 1, window: 'lifetime' }] } })]);
    const result = decide(only, profile({ name: 'Ada' }, state), request([{ id: 'home' }]), env());
    expect(result.placements[0]?.fallback).toBe('all_capped');
    expect(result.placements[0]?.decisions[0]?.reasons).toEqual({
      rule: null, segments: [], terms: [], strategy: 'priority', fallback: 'all_capped',
      capped: [{ actionId: 'top', cap: 'perProfile', detail: '1 of 1 impressions in total' }],
    });
    expect(result.placements[0]?.decisions[0]?.content).toEqual({ title: 'home default for Ada' });
  });
});

describe('decide: consent', () => {
  const m = model([action('a', { priority: 1 })]);

  it('a refusal in the request context: the default content, from the context only', () => {
    const result = decide(m, profile({ name: 'Ada', vip: true }), request([{ id: 'home' }], { consent: { categoryPreferences: { personalization: false } } }), env());
    expect(result.placements[0]?.fallback).toBe('no_consent');
    expect(result.placements[0]?.decisions).toEqual([{
      decisionId: 'dec-1', actionId: null, variant: null, content: { title: 'home default for you' }, score: null, probability: 1,
      reasons: { rule: null, segments: [], terms: [], strategy: 'priority', capped: [], fallback: 'no_consent' },
    }]);
  });

  it('a refusal stored on the profile', () => {
    const refused = profile({ name: 'Ada' }, { c: { personalization: [false, NOW - day, 'traits'] } });
    expect(decide(m, refused, request([{ id: 'home' }]), env()).placements[0]?.fallback).toBe('no_consent');
  });

  // Consent in the request is applied to a deep copy: applyConsent updates entries in place.
  it('does not change the profile it is given', () => {
    const given = profile({ name: 'Ada' }, { c: { personalization: [true, NOW - day, 'context'] } });
    const before = structuredClone(given);
    decide(m, given, request([{ id: 'home' }], { consent: { categoryPreferences: { personalization: true } } }), env());
    expect(given).toEqual(before);
  });

  it('does not change the profile when the request carries no consent', () => {
    const given = profile({ name: 'Ada', vip: true }, { c: { personalization: [true, NOW - day, 'context'] }, m: { vip: NOW - day }, k: recordImpression(emptyCapState(), { actionId: 'a', placementId: 'home', channel: 'web', at: NOW - hour }) });
    const before = structuredClone(given);
    decide(m, given, request([{ id: 'home' }], { page: { path: '/' } }, true), env());
    expect(given).toEqual(before);
  });
});

describe('decide: steps are open', () => {
  const m = model([action('a', { priority: 3 }), action('b', { priority: 2 }), action('c', { priority: 1 })], [placement('home', { count: 2 })]);

  it('a custom step inserted after eligibility removes a candidate', () => {
    const dropA: DecisionStep = {
      name: 'drop-a',
      run(run) {
        run.candidates = run.candidates.filter((c) => c.actionId !== 'a');
      },
    };
    const steps = [experiment, eligibility, dropA, ...decisionSteps.slice(2)];
    expect(decide(m, profile(), request([{ id: 'home' }]), env()).placements[0]?.decisions.map((d) => d.actionId)).toEqual(['a', 'b']);
    expect(decide(m, profile(), request([{ id: 'home' }]), env(), steps).placements[0]?.decisions.map((d) => d.actionId)).toEqual(['b', 'c']);
  });

  it('a custom step can decide the fallback; later steps but render are skipped', () => {
    const seen: string[] = [];
    const spy = (step: DecisionStep): DecisionStep => ({ name: step.name, run(run, frame) { seen.push(step.name); step.run(run, frame); } });
    const holdout: DecisionStep = { name: 'holdout', run(run) { seen.push('holdout'); run.fallback = 'no_eligible_action'; } };
    const steps = decisionSteps.map(spy);
    steps.splice(2, 0, holdout);
    const result = decide(m, profile(), request([{ id: 'home' }]), env(), steps);
    expect(seen).toEqual(['experiment', 'eligibility', 'holdout', 'render']);
    expect(result.placements[0]?.fallback).toBe('no_eligible_action');
    expect(result.placements[0]?.decisions.map((d) => [d.actionId, d.content])).toEqual([[null, { title: 'home default for Ada' }]]);
  });

  it('a custom step sees the frame shared by every placement of the request', () => {
    const two = model([action('a', { placements: ['home', 'side'] })], [placement('home'), placement('side')]);
    const seen: string[][] = [];
    const watch: DecisionStep = { name: 'watch', run(_run, frame) { seen.push([...frame.chosen]); } };
    const steps = [...decisionSteps.slice(0, 6), watch, arbitrate, ...decisionSteps.slice(7)];
    const result = decide(two, profile(), request([{ id: 'home' }, { id: 'side' }]), env(), steps);
    expect(seen).toEqual([[], ['a']]);
    expect(result.placements.map((p) => p.fallback)).toEqual([null, 'no_eligible_action']);
  });
});

describe('decide: determinism', () => {
  const weighted = model(
    ['a', 'b', 'c', 'd'].map((id, i) => action(id, { priority: i + 1, placements: ['home', 'side'] })),
    [placement('home', { count: 2, strategy: { kind: 'weighted' } }), placement('side', { strategy: { kind: 'weighted' } })],
  );
  const run = (random: Random, requests = 30) => {
    const ids = sequentialIds('dec');
    const out: [string | null, number][][] = [];
    for (let i = 0; i < requests; i++) {
      const result = decide(weighted, profile(), request([{ id: 'home' }, { id: 'side' }]), { now: NOW, random, newDecisionId: () => ids.next(), budgetUsed: () => undefined });
      out.push(result.placements.flatMap((p) => p.decisions.map((d): [string | null, number] => [d.actionId, d.probability])));
    }
    return out;
  };

  it('the same seed gives the same weighted choices, with the same probabilities', () => {
    const first = run(seededRandom(2026));
    expect(run(seededRandom(2026))).toEqual(first);
    expect(run(seededRandom(2027))).not.toEqual(first);
    // Every request chose three distinct actions.
    for (const choices of first) expect(new Set(choices.map(([id]) => id)).size).toBe(3);
  });

  it('exact choices from known draws: weights 1..4 (total 10)', () => {
    // 0.95 * (10/4) = 2.375 of shares [0.25, 0.5, 0.75, 1]: d (p 4/10); then of a, b, c (shares
    // 1/3, 2/3, 1; total 2) 0 picks a (p 1/6); side: of b, c (2/3, 1; total 5/3) 0.99 picks c (p 0.6).
    const draws = [0.95, 0, 0.99];
    let i = 0;
    const random: Random = { next: () => draws[i++] ?? 0 };
    const result = decide(weighted, profile(), request([{ id: 'home' }, { id: 'side' }]), env({ random }));
    expect(result.placements.map((p) => p.decisions.map((d) => d.actionId))).toEqual([['d', 'a'], ['c']]);
    const probabilities = result.placements.flatMap((p) => p.decisions.map((d) => d.probability));
    expect(probabilities[0]).toBeCloseTo(0.4, 15);
    expect(probabilities[1]).toBeCloseTo(1 / 6, 15);
    expect(probabilities[2]).toBeCloseTo(0.6, 15);
  });

  it('decisionFrame is the load step\'s pure half: the same inputs give the same frame', () => {
    const a = decisionFrame(weighted, profile(), request([{ id: 'home' }], { locale: 'de-CH', timezone: 'Europe/Zurich' }), env());
    const b = decisionFrame(weighted, profile(), request([{ id: 'home' }], { locale: 'de-CH', timezone: 'Europe/Zurich' }), env());
    expect(a.segmentSnapshot()).toEqual(['vip', 'swiss']);
    expect(b.segmentSnapshot()).toEqual(a.segmentSnapshot());
    expect(['vip', 'swiss', 'nope'].map((id) => a.inSegment(id))).toEqual([true, true, false]);
    expect(a.locales).toEqual(['de-CH', 'de', 'default']);
    expect(a.timeZone).toBe('Europe/Zurich');
    expect(a.profileId).toBe('p1');
    expect(a.personalization).toBe(true);
    expect(a.caps).toEqual(emptyCapState());
    expect(a.templateData).toEqual(b.templateData);
    expect(decisionFrame(weighted, { facts: null, knowledge: emptyKnowledge() }, request([]), env()).profileId).toBeNull();
  });
});
