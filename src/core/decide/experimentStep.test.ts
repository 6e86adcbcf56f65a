import { describe, expect, it } from 'vitest';
import { sequentialIds } from '../common/ports.js';
import { seededRandom } from '../common/random.js';
import { assignArm, inHoldout } from '../experiments/assignArm.js';
import type { ArmServe, ExperimentDefinition } from '../experiments/ExperimentDefinition.js';
import { HOLDOUT_ARM, PERSONALIZED_ARM, PROGRAM_EXPERIMENT_ID } from '../experiments/ExperimentModel.js';
import type { ExperimentUnits } from '../experiments/experimentUnits.js';
import { compileKnowledgeModel, type KnowledgeModel } from '../knowledge/KnowledgeModel.js';
import { emptyKnowledge, mergeKnowledge, type KnowledgeState } from '../knowledge/KnowledgeState.js';
import type { ActionDefinition } from './ActionDefinition.js';
import { compileDecisionModel, type DecisionModel } from './compileDecisionModel.js';
import { decide, decisionFrame, type DecideResult, type DecisionProfile } from './decide.js';
import type { DecisionEnvironment, DecisionRequest } from './decisionSteps.js';
import type { PlacementDefinition } from './PlacementDefinition.js';

/**
 * The experiment step end to end through decide(): the workspace holdout, what each kind of
 * arm serves, sticky assignment, and the exposures the shell logs. Unit ids that land in a
 * given arm or in the holdout are found by scanning ids with the same pure functions.
 */
const hour = 3_600_000;
const day = 24 * hour;
const NOW = Date.parse('2026-03-20T12:00:00Z');
const WS = 'ws';
const HOLDOUT = 0.05;

const actions: ActionDefinition[] = [
  { id: 'a', placements: ['home'], priority: 3, value: 10, variants: { default: { title: 'a' } } },
  { id: 'b', placements: ['home'], priority: 2, value: 100, variants: { default: { title: 'b' } } },
  { id: 's', placements: ['side'], priority: 1, value: 0, variants: { default: { title: 's' } } },
];
const placement = (id: string): PlacementDefinition => ({ id, channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: `${id} default for {{ profile.traits.name | "you" }}` } });
const placements = [placement('home'), placement('side')];

const arm = (id: string, serve: ArmServe, weight = 0.2) => ({ id, weight, serve });
/** Five arms, one of each kind of serve (two strategies). */
const hero: ExperimentDefinition = {
  id: 'hero', placement: 'home', start: '2026-03-01T00:00:00Z', primaryMetric: 'conversion',
  arms: [
    arm('generic', { kind: 'generic' }),
    arm('personalized', { kind: 'personalized' }),
    arm('weighted', { kind: 'strategy', strategy: { kind: 'weighted' } }),
    arm('ev', { kind: 'strategy', strategy: { kind: 'expectedValue', propensity: { rule: 'context.boost' } } }),
    arm('only-b', { kind: 'actions', actionIds: ['b'] }),
  ],
};

function knowledgeWith(experiments: readonly ExperimentDefinition[], holdoutShare = 0): KnowledgeModel {
  return compileKnowledgeModel({ features: [], segments: [], experiments: { experiments, metrics: [], measurement: { holdoutShare }, workspaceId: WS } });
}

function modelWith(experiments: readonly ExperimentDefinition[], holdoutShare = 0): DecisionModel {
  return compileDecisionModel({ actions, placements }, knowledgeWith(experiments, holdoutShare));
}

function env(over: Partial<DecisionEnvironment> = {}): DecisionEnvironment {
  const ids = sequentialIds('dec');
  return { now: NOW, random: seededRandom(1), newDecisionId: () => ids.next(), budgetUsed: () => undefined, ...over };
}

function profile(id: string, state: Partial<KnowledgeState> = {}): DecisionProfile {
  return { facts: { id, traits: { name: 'Ada' }, firstSeen: NOW - 30 * day, lastSeen: NOW - hour }, knowledge: { ...emptyKnowledge(), ...state } };
}

function request(ids: readonly string[] = ['home', 'side'], context: Readonly<Record<string, unknown>> = {}, explain = false): DecisionRequest {
  return { placements: ids.map((id) => ({ id })), context, explain };
}

/** The first id `u-0`, `u-1`, ... that passes the test. */
function idWhere(test: (id: string) => boolean, prefix = 'u-'): string {
  for (let i = 0; i < 100_000; i++) if (test(`${prefix}${i}`)) return `${prefix}${i}`;
  throw new Error('no id passes the test');
}
const armOf = (experiment: ExperimentDefinition, id: string): string | null => assignArm(experiment, id, NOW).armId;
const heldOut = (id: string): boolean => inHoldout(WS, id, HOLDOUT);
const unitIn = (armId: string, experiment: ExperimentDefinition = hero): string => idWhere((id) => !heldOut(id) && armOf(experiment, id) === armId);
const units = (x: ExperimentUnits): Partial<KnowledgeState> => ({ x });

const summary = (result: DecideResult) => result.placements.map((p) => [p.placement, p.fallback, p.decisions.map((d) => d.actionId)]);
const experimentOf = (result: DecideResult, index = 0) => result.placements[index]?.decisions[0]?.reasons.experiment;

describe('experiment step: the workspace holdout', () => {
  const plain = modelWith([], HOLDOUT);
  const held = idWhere(heldOut);
  const notHeld = idWhere((id) => !heldOut(id));

  it('a held-out profile gets the default content on every placement, and is exposed to the program\'s holdout arm', () => {
    const result = decide(plain, profile(held), request(), env());
    expect(summary(result)).toEqual([['home', 'held_out', [null]], ['side', 'held_out', [null]]]);
    expect(result.placements[0]?.decisions[0]).toEqual({
      decisionId: 'dec-1', actionId: null, variant: null, content: { title: 'home default for Ada' }, score: null, probability: 1,
      reasons: { rule: null, segments: [], terms: [], strategy: 'priority', capped: [], fallback: 'held_out' },
    });
    expect(result.exposures).toEqual([{ experimentId: PROGRAM_EXPERIMENT_ID, armId: HOLDOUT_ARM }]);
  });

  it('a held-out profile is not let into an experiment that excludes the holdout (the default)', () => {
    const result = decide(modelWith([hero], HOLDOUT), profile(held), request(), env());
    expect(summary(result)).toEqual([['home', 'held_out', [null]], ['side', 'held_out', [null]]]);
    expect(experimentOf(result)).toBeUndefined();
    expect(result.exposures).toEqual([{ experimentId: PROGRAM_EXPERIMENT_ID, armId: HOLDOUT_ARM }]);
  });

  it('a profile outside it gets the normal decision, and is exposed to the personalized arm once per call', () => {
    const result = decide(plain, profile(notHeld), request(), env());
    expect(summary(result)).toEqual([['home', null, ['a']], ['side', null, ['s']]]);
    expect(result.exposures).toEqual([{ experimentId: PROGRAM_EXPERIMENT_ID, armId: PERSONALIZED_ARM }]);
  });

  it('holdoutShare 0: nobody is held out and there is no program exposure', () => {
    const result = decide(modelWith([], 0), profile(held), request(), env());
    expect(summary(result)).toEqual([['home', null, ['a']], ['side', null, ['s']]]);
    expect(result.exposures).toEqual([]);
  });

  it('the stored program arm wins over the hash, both ways, and gives no new exposure', () => {
    const stored = (a: string) => units({ [PROGRAM_EXPERIMENT_ID]: { a, t: NOW - day } });
    const stays = decide(plain, profile(notHeld, stored(HOLDOUT_ARM)), request(), env());
    expect(summary(stays)).toEqual([['home', 'held_out', [null]], ['side', 'held_out', [null]]]);
    expect(stays.exposures).toEqual([]);
    const out = decide(plain, profile(held, stored(PERSONALIZED_ARM)), request(), env());
    expect(summary(out)).toEqual([['home', null, ['a']], ['side', null, ['s']]]);
    expect(out.exposures).toEqual([]);
  });

  it('after an identity merge, a survivor that adopted the absorbed profile\'s holdout arm stays held out', () => {
    const survivor = { ...emptyKnowledge() };
    const absorbed: KnowledgeState = { ...emptyKnowledge(), x: { [PROGRAM_EXPERIMENT_ID]: { a: HOLDOUT_ARM, t: NOW - day } } };
    const { state } = mergeKnowledge(survivor, absorbed, { id: notHeld, traits: {}, firstSeen: NOW - day, lastSeen: NOW }, plain.knowledge, NOW);
    const result = decide(plain, { facts: { id: notHeld, traits: { name: 'Ada' }, firstSeen: NOW - day, lastSeen: NOW }, knowledge: state }, request(), env());
    expect(result.placements.map((p) => p.fallback)).toEqual(['held_out', 'held_out']);
    expect(result.exposures).toEqual([]);
  });

  // Bug: decisionFrame (decide.ts, `heldOut = ... (program !== undefined ? program.a === HOLDOUT_ARM : share > 0 && ...)`)
  // reads the stored program arm before the share, so holdoutShare 0 ("0 turns the holdout off",
  // MeasurementSettings.ts; "no holdout" for a model without experiment settings, KnowledgeModel.ts)
  // leaves every profile that was ever held out on the default content for good.
  it('holdoutShare 0 turns the holdout off, also for profiles stored on its holdout arm', () => {
    const off = modelWith([], 0);
    const result = decide(off, profile(held, units({ [PROGRAM_EXPERIMENT_ID]: { a: HOLDOUT_ARM, t: NOW - day } })), request(), env());
    expect(summary(result)).toEqual([['home', null, ['a']], ['side', null, ['s']]]);
  });

  it('no program exposure when no placement of the request was decided', () => {
    expect(decide(plain, profile(notHeld), request(['nope']), env()).exposures).toEqual([]);
    expect(decide(plain, profile(notHeld), request([]), env()).exposures).toEqual([]);
  });

  it('the frame says whether the profile is held out, and by which id experiments assign', () => {
    expect(decisionFrame(plain, profile(held), request(), env())).toMatchObject({ unitId: held, heldOut: true, exposures: [] });
    expect(decisionFrame(plain, profile(notHeld), request(), env())).toMatchObject({ unitId: notHeld, heldOut: false });
  });
});

describe('experiment step: what each arm serves', () => {
  const model = modelWith([hero]);

  it('generic: the default content, fallback experiment_generic, with the experiment in the reasons', () => {
    const result = decide(model, profile(unitIn('generic')), request(), env());
    expect(summary(result)).toEqual([['home', 'experiment_generic', [null]], ['side', null, ['s']]]);
    expect(result.placements[0]?.decisions[0]).toEqual({
      decisionId: 'dec-1', actionId: null, variant: null, content: { title: 'home default for Ada' }, score: null, probability: 1,
      reasons: { rule: null, segments: [], terms: [], strategy: 'priority', capped: [], fallback: 'experiment_generic', experiment: { id: 'hero', arm: 'generic' } },
    });
    // The placement without an experiment says nothing of it.
    expect(experimentOf(result, 1)).toBeUndefined();
    expect(result.exposures).toEqual([{ experimentId: 'hero', armId: 'generic' }]);
  });

  it('personalized: the normal decision, with the experiment in the reasons', () => {
    const result = decide(model, profile(unitIn('personalized')), request(), env());
    expect(summary(result)).toEqual([['home', null, ['a']], ['side', null, ['s']]]);
    expect(result.placements[0]?.decisions[0]?.reasons).toEqual({
      rule: null, segments: [], terms: [{ name: 'priority', value: 3 }], strategy: 'priority', capped: [], experiment: { id: 'hero', arm: 'personalized' },
    });
    expect(result.exposures).toEqual([{ experimentId: 'hero', armId: 'personalized' }]);
  });

  it('a strategy arm: the placement scores with the arm\'s strategy', () => {
    const result = decide(model, profile(unitIn('weighted')), request(), env());
    const decision = result.placements[0]?.decisions[0];
    expect(decision?.reasons.strategy).toBe('weighted');
    expect(decision?.reasons.experiment).toEqual({ id: 'hero', arm: 'weighted' });
    // Weights are the priorities 3 and 2.
    expect(decision?.probability).toBeCloseTo(decision?.actionId === 'a' ? 0.6 : 0.4, 12);
    // The other placement keeps its own strategy.
    expect(result.placements[1]?.decisions[0]?.reasons.strategy).toBe('priority');
  });

  it('a strategy arm with a propensity rule: the score step evaluates the arm\'s rule', () => {
    const id = unitIn('ev');
    const result = decide(model, profile(id), request(['home'], { boost: 0.5 }), env());
    // 0.5 × 100 for b beats 0.5 × 10 for a; without the rule's propensity both would score 0 and a would win on its id.
    expect(result.placements[0]?.decisions[0]).toMatchObject({
      actionId: 'b', score: 50,
      reasons: { strategy: 'expectedValue', terms: [{ name: 'propensity', value: 0.5 }, { name: 'value', value: 100 }], experiment: { id: 'hero', arm: 'ev' } },
    });
  });

  it('an actions arm: only its actions are candidates; the others are skipped as not_in_arm', () => {
    const result = decide(model, profile(unitIn('only-b')), request(['home', 'side'], {}, true), env());
    expect(summary(result)).toEqual([['home', null, ['b']], ['side', null, ['s']]]);
    expect(result.placements[0]?.decisions[0]?.reasons).toMatchObject({
      experiment: { id: 'hero', arm: 'only-b' },
      skipped: [{ actionId: 'a', step: 'eligibility', reason: 'not_in_arm', detail: 'not served by arm only-b' }],
    });
  });

  it('an arm that cannot run (its propensity rule does not compile) serves the default content', () => {
    const broken: ExperimentDefinition = {
      id: 'broken', placement: 'home', primaryMetric: 'conversion',
      arms: [
        arm('bad', { kind: 'strategy', strategy: { kind: 'expectedValue', propensity: { rule: 'features.nope >>' } } }, 1),
        arm('fine', { kind: 'personalized' }, 0),
      ],
    };
    const m = modelWith([broken]);
    expect(m.knowledge.experiments.problems.map((p) => p.experimentId)).toEqual(['broken']);
    const result = decide(m, profile('anyone'), request(['home']), env());
    expect(result.placements[0]?.fallback).toBe('experiment_generic');
    expect(experimentOf(result)).toEqual({ id: 'broken', arm: 'bad' });
  });
});

describe('experiment step: stickiness and exposures', () => {
  const model = modelWith([hero]);

  it('a stored assignment wins over the hash and gives no exposure', () => {
    const id = unitIn('generic');
    const result = decide(model, profile(id, units({ hero: { a: 'personalized', t: NOW - day } })), request(), env());
    expect(summary(result)).toEqual([['home', null, ['a']], ['side', null, ['s']]]);
    expect(experimentOf(result)).toEqual({ id: 'hero', arm: 'personalized' });
    expect(result.exposures).toEqual([]);
  });

  it('a stored arm that no longer exists: the unit is out of the experiment (its statistics stay with the arm it had), no new exposure', () => {
    const id = unitIn('generic');
    const result = decide(model, profile(id, units({ hero: { a: 'removed', t: NOW - day } })), request(), env());
    expect(experimentOf(result)).toBeUndefined();
    expect(result.placements[0]?.fallback).toBeNull();
    expect(result.exposures).toEqual([]);
  });

  it('a new unit gets exactly one exposure per experiment per call, however often its placement is asked for', () => {
    const result = decide(model, profile(unitIn('personalized')), request(['home', 'home', 'side', 'home']), env());
    expect(result.placements.map((p) => experimentOf({ ...result, placements: [p] }))).toEqual([
      { id: 'hero', arm: 'personalized' }, { id: 'hero', arm: 'personalized' }, undefined, { id: 'hero', arm: 'personalized' },
    ]);
    expect(result.exposures).toEqual([{ experimentId: 'hero', armId: 'personalized' }]);
  });

  it('experiments on two placements: one exposure each, then the program\'s', () => {
    const promo: ExperimentDefinition = { id: 'promo', placement: 'side', primaryMetric: 'conversion', arms: [arm('p-on', { kind: 'personalized' }, 1), arm('p-off', { kind: 'generic' }, 0)] };
    const id = unitIn('personalized');
    const result = decide(modelWith([hero, promo], HOLDOUT), profile(id), request(), env());
    expect(result.exposures).toEqual([
      { experimentId: 'hero', armId: 'personalized' },
      { experimentId: 'promo', armId: 'p-on' },
      { experimentId: PROGRAM_EXPERIMENT_ID, armId: PERSONALIZED_ARM },
    ]);
  });

  it('of two experiments on one placement, the first by id that takes the unit serves it; the other is not exposed', () => {
    const uncovered: ExperimentDefinition = { ...hero, id: 'aaa', coverage: 0 };
    const later: ExperimentDefinition = { ...hero, id: 'zzz' };
    const id = unitIn('personalized', later);
    const result = decide(modelWith([later, uncovered, hero]), profile(id), request(['home']), env());
    // aaa covers nobody; hero comes before zzz.
    expect(experimentOf(result)?.id).toBe('hero');
    expect(result.exposures.map((e) => e.experimentId)).toEqual(['hero']);
  });

  it('does not change the profile it is given', () => {
    const given = profile(unitIn('generic'), units({ other: { a: 'x', t: NOW - day } }));
    const before = structuredClone(given);
    decide(model, given, request(), env());
    expect(given).toEqual(before);
  });
});

describe('experiment step: experiments that do not run', () => {
  const id = unitIn('generic');

  it.each([
    ['not started', { start: '2026-04-01T00:00:00Z' }],
    ['stopped', { stop: '2026-03-20T12:00:00Z' }],
  ] as const)('%s: the normal decision, no experiment, no exposure', (_name, over) => {
    const result = decide(modelWith([{ ...hero, ...over }]), profile(id), request(), env());
    expect(summary(result)).toEqual([['home', null, ['a']], ['side', null, ['s']]]);
    expect(experimentOf(result)).toBeUndefined();
    expect(result.exposures).toEqual([]);
  });

  it('a stored unit of a stopped experiment gets the normal decision too', () => {
    const result = decide(modelWith([{ ...hero, stop: '2026-03-10T00:00:00Z' }]), profile(id, units({ hero: { a: 'generic', t: NOW - 15 * day } })), request(), env());
    expect(result.placements[0]?.fallback).toBeNull();
    expect(experimentOf(result)).toBeUndefined();
  });
});

describe('experiment step: consent', () => {
  const model = modelWith([{ ...hero, excludeHoldout: false }], HOLDOUT);
  const held = idWhere(heldOut);
  const refused = { consent: { categoryPreferences: { personalization: false } } };

  it('without consent to personalise: no holdout, no experiment, no exposure; the consent step answers', () => {
    for (const id of [held, unitIn('generic'), unitIn('personalized')]) {
      const result = decide(model, profile(id), request(['home', 'side'], refused), env());
      expect(result.placements.map((p) => p.fallback)).toEqual(['no_consent', 'no_consent']);
      expect(experimentOf(result)).toBeUndefined();
      expect(result.exposures).toEqual([]);
    }
  });

  it('a refusal stored on the profile does the same, even with a stored arm', () => {
    const state: Partial<KnowledgeState> = { c: { personalization: [false, NOW - day, 'traits'] }, x: { hero: { a: 'personalized', t: NOW - 2 * day } } };
    const result = decide(model, profile(held, state), request(), env());
    expect(result.placements.map((p) => p.fallback)).toEqual(['no_consent', 'no_consent']);
    expect(experimentOf(result)).toBeUndefined();
    expect(result.exposures).toEqual([]);
    expect(decisionFrame(model, profile(held, state), request(), env()).heldOut).toBe(false);
  });
});

describe('experiment step: excludeHoldout', () => {
  it('false lets a held-out unit into the experiment; its other placements stay held out', () => {
    const open: ExperimentDefinition = { ...hero, excludeHoldout: false };
    const id = idWhere((u) => heldOut(u) && armOf(open, u) === 'personalized');
    const result = decide(modelWith([open], HOLDOUT), profile(id), request(), env());
    expect(summary(result)).toEqual([['home', null, ['a']], ['side', 'held_out', [null]]]);
    expect(experimentOf(result)).toEqual({ id: 'hero', arm: 'personalized' });
    expect(result.exposures).toEqual([{ experimentId: 'hero', armId: 'personalized' }, { experimentId: PROGRAM_EXPERIMENT_ID, armId: HOLDOUT_ARM }]);
  });

  it('true (the default) keeps a new unit out, but a stored arm wins (the holdout was switched on after the unit was assigned)', () => {
    const id = idWhere(heldOut);
    expect(decide(modelWith([hero], HOLDOUT), profile(id), request(), env()).placements.map((p) => p.fallback)).toEqual(['held_out', 'held_out']);
    const result = decide(modelWith([hero], HOLDOUT), profile(id, units({ hero: { a: 'personalized', t: NOW - day } })), request(), env());
    expect(experimentOf(result)).toEqual({ id: 'hero', arm: 'personalized' });
    expect(result.placements.map((p) => p.fallback)).toEqual([null, 'held_out']);
    expect(result.exposures).toEqual([{ experimentId: PROGRAM_EXPERIMENT_ID, armId: HOLDOUT_ARM }]);
  });

  it('a unit stored in one experiment of a placement keeps it when another experiment (an earlier id) is added', () => {
    const early: ExperimentDefinition = { ...hero, id: 'aaa-early', arms: [arm('x', { kind: 'generic' }, 1)] };
    const id = idWhere((i) => !heldOut(i));
    const result = decide(modelWith([hero, early], HOLDOUT), profile(id, units({ hero: { a: 'personalized', t: NOW - day } })), request(), env());
    expect(experimentOf(result)).toEqual({ id: 'hero', arm: 'personalized' });
    expect(result.exposures.map((e) => e.experimentId)).toEqual([PROGRAM_EXPERIMENT_ID]);
  });
});

describe('experiment step: visitors Attune has not seen', () => {
  const model = modelWith([hero], HOLDOUT);

  it('profile null with env.unitId: assigned (and held out or not) by that id', () => {
    const unitId = idWhere((id) => !heldOut(id) && armOf(hero, id) === 'only-b', 'anon-');
    const result = decide(model, null, request(), env({ unitId }));
    expect(summary(result)).toEqual([['home', null, ['b']], ['side', null, ['s']]]);
    expect(experimentOf(result)).toEqual({ id: 'hero', arm: 'only-b' });
    expect(result.exposures).toEqual([{ experimentId: 'hero', armId: 'only-b' }, { experimentId: PROGRAM_EXPERIMENT_ID, armId: PERSONALIZED_ARM }]);

    const held = idWhere(heldOut, 'anon-');
    const out = decide(model, null, request(), env({ unitId: held }));
    expect(out.placements.map((p) => p.fallback)).toEqual(['held_out', 'held_out']);
    expect(out.placements[0]?.decisions[0]?.content).toEqual({ title: 'home default for you' });
    expect(out.exposures).toEqual([{ experimentId: PROGRAM_EXPERIMENT_ID, armId: HOLDOUT_ARM }]);
  });

  it.each([['undefined', undefined], ['null', null]] as const)('no unitId (%s): no experiment, no holdout, no exposure', (_name, unitId) => {
    const result = decide(model, null, request(), env(unitId === undefined ? {} : { unitId }));
    expect(summary(result)).toEqual([['home', null, ['a']], ['side', null, ['s']]]);
    expect(experimentOf(result)).toBeUndefined();
    expect(result.exposures).toEqual([]);
  });

  // Bug: an empty unit id is "no id" for assignArm ('no_unit_id') and inHoldout (false), but
  // exposeToProgram (decide.ts) only checks `frame.unitId === null`, so env.unitId '' is
  // exposed to the program's personalized arm under the empty id.
  it('an empty env.unitId is no id: no program exposure', () => {
    const result = decide(model, null, request(), env({ unitId: '' }));
    expect(experimentOf(result)).toBeUndefined();
    expect(result.exposures).toEqual([]);
  });

  it('a known profile\'s id wins over env.unitId', () => {
    const id = unitIn('personalized');
    const other = unitIn('generic');
    const result = decide(model, profile(id), request(['home']), env({ unitId: other }));
    expect(experimentOf(result)).toEqual({ id: 'hero', arm: 'personalized' });
  });
});
