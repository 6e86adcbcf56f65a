import { describe, expect, it } from 'vitest';
import { createLinearModel, sparseOf, updateLinearModel, type LinearModel } from '../bandits/linear/LinearModel.js';
import { encodeFeatures, type FeatureValue } from '../bandits/linear/encodeFeatures.js';
import { seededRandom, type Random } from '../common/random.js';
import { normalCdf } from '../stats/distributions.js';
import cases from './contextual.cases.json' with { type: 'json' };
import { compileContextual, contextualInputProblem, encodeContextual, readContextualInputs, scoreContextual, sparseEncoder, type ContextualStrategy } from './contextual.js';
import { chooseActions, firstPickProbabilities, type ScoringCandidate } from './scoring.js';
import { sequentialIds } from '../common/ports.js';
import { compileKnowledgeModel } from '../knowledge/KnowledgeModel.js';
import { emptyKnowledge } from '../knowledge/KnowledgeState.js';
import type { ActionDefinition } from './ActionDefinition.js';
import { compileDecisionModel } from './compileDecisionModel.js';
import { decide } from './decide.js';
import type { DecisionEnvironment } from './decisionSteps.js';
import type { PlacementDefinition } from './PlacementDefinition.js';

type Training = [string, Record<string, FeatureValue>, number][];

function trainedModels(strategy: ContextualStrategy, training: Training): Map<string, LinearModel> {
  const settings = compileContextual(strategy);
  const models = new Map<string, LinearModel>();
  for (const [actionId, inputs, reward] of training) {
    let model = models.get(actionId);
    if (model === undefined) models.set(actionId, model = createLinearModel(settings.dims, settings.ridge));
    updateLinearModel(model, encodeContextual(settings, inputs), reward);
  }
  return models;
}

function scored(strategy: ContextualStrategy, models: ReadonlyMap<string, LinearModel>, ids: readonly string[], inputs: Record<string, FeatureValue>): ScoringCandidate[] {
  const settings = compileContextual(strategy);
  const candidates = ids.map((actionId) => ({ actionId, priority: 0, value: 0 }));
  const scores = scoreContextual(settings, sparseOf(encodeContextual(settings, inputs)), candidates, models);
  return candidates.map((c, i) => ({ ...c, contextual: scores[i]! }));
}

function draws(values: readonly number[]): Random {
  let i = 0;
  return { next: () => values[i++] ?? 0.5 };
}

describe('contextual scoring (contextual.cases.json)', () => {
  it.each(cases.cases as unknown as [string, ContextualStrategy, Training, string[], Record<string, FeatureValue>, number, number[], [string, number][]][])(
    '%s', (_name, strategy, training, ids, inputs, count, random, expected) => {
      const choices = chooseActions(scored(strategy, trainedModels(strategy, training), ids, inputs), { kind: 'contextual', inputs: {} }, count, draws(random));
      expect(choices.map((c) => c.actionId)).toEqual(expected.map(([id]) => id));
      choices.forEach((c, i) => expect(c.probability).toBeCloseTo(expected[i]![1], 12));
    },
  );
});

const strategy: ContextualStrategy = { kind: 'contextual', inputs: { context: ['device'] } };

describe('scoreContextual', () => {
  it('predicts θᵀx = 2r/3 and xᵀA⁻¹x = 2/3 after one observation, and the prior (0, |x|²/λ) without one', () => {
    const models = trainedModels(strategy, [['a', { 'context.device': 'mobile' }, 1]]);
    const [a, b] = scored(strategy, models, ['a', 'b'], { 'context.device': 'mobile' });
    expect(a!.contextual!.mean).toBeCloseTo(2 / 3, 12);
    expect(a!.contextual!.spread).toBeCloseTo(2 / 3, 12);
    expect(b!.contextual!.mean).toBe(0);
    expect(b!.contextual!.spread).toBeCloseTo(2, 12);
  });

  it('gives linear Thompson sampling the closed form of two normals, Φ((μa − μb) / sqrt(σa² + σb²)), the floor mixed in', () => {
    const ts: ContextualStrategy = { ...strategy, scale: 0.25, minExplorationShare: 0.02 };
    const [a, b] = scored(ts, trainedModels(ts, [['a', { 'context.device': 'mobile' }, 1]]), ['a', 'b'], { 'context.device': 'mobile' });
    const best = normalCdf((2 / 3) / Math.sqrt(0.25 ** 2 * (2 / 3) + 0.25 ** 2 * 2));
    expect(a!.contextual!.probability).toBeCloseTo(0.02 + 0.96 * best, 6);
    expect(a!.contextual!.probability + b!.contextual!.probability).toBeCloseTo(1, 12);
  });

  it('learns per context: what paid on mobile ranks first on mobile, not on desktop', () => {
    const ts: ContextualStrategy = { ...strategy, scale: 0.1, minExplorationShare: 0 };
    const training: Training = [];
    for (let i = 0; i < 20; i++) {
      training.push(['a', { 'context.device': 'mobile' }, 1], ['b', { 'context.device': 'mobile' }, 0]);
      training.push(['a', { 'context.device': 'desktop' }, 0], ['b', { 'context.device': 'desktop' }, 1]);
    }
    const models = trainedModels(ts, training);
    const mobile = firstPickProbabilities(scored(ts, models, ['a', 'b'], { 'context.device': 'mobile' }), { kind: 'contextual', inputs: {} });
    const desktop = firstPickProbabilities(scored(ts, models, ['a', 'b'], { 'context.device': 'desktop' }), { kind: 'contextual', inputs: {} });
    expect(mobile.find((p) => p.actionId === 'a')!.probability).toBeGreaterThan(0.99);
    expect(desktop.find((p) => p.actionId === 'b')!.probability).toBeGreaterThan(0.99);
  });

  it('draws each ordered pair of picks as often as the product of its recorded conditional probabilities', () => {
    const ts: ContextualStrategy = { ...strategy, scale: 0.5, minExplorationShare: 0.05 };
    const models = trainedModels(ts, [['a', { 'context.device': 'mobile' }, 1], ['b', { 'context.device': 'mobile' }, 0]]);
    const candidates = scored(ts, models, ['a', 'b', 'c'], { 'context.device': 'mobile' });
    const random = seededRandom(11);
    const n = 20_000;
    const counts = new Map<string, number>();
    const recorded = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const [first, second] = chooseActions(candidates, { kind: 'contextual', inputs: {} }, 2, random);
      const key = `${first!.actionId}>${second!.actionId}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      recorded.set(key, first!.probability * second!.probability);
    }
    let total = 0;
    for (const [key, p] of recorded) {
      total += p;
      expect(Math.abs(counts.get(key)! / n - p), key).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    }
    expect(total).toBeCloseTo(1, 10);
  });

  it('explains a choice with its probability, predicted reward and spread', () => {
    const [choice] = chooseActions(scored(strategy, new Map(), ['a'], { 'context.device': 'mobile' }), { kind: 'contextual', inputs: {} }, 1, seededRandom(1));
    expect(choice!.terms.map((t) => t.name)).toEqual(['weight', 'mean', 'spread']);
  });
});

describe('compileContextual and the inputs', () => {
  it('keys a model by what it learns (inputs, dims, ridge, reward), not by how it explores', () => {
    const base = compileContextual({ kind: 'contextual', inputs: { context: ['device'], features: ['orders'] } });
    expect(compileContextual({ kind: 'contextual', inputs: { features: ['orders'], context: ['device'] }, algorithm: 'ucb', alpha: 2, minExplorationShare: 0.2 }).key).toBe(base.key);
    expect(compileContextual({ kind: 'contextual', inputs: { context: ['device'] } }).key).not.toBe(base.key);
    expect(compileContextual({ kind: 'contextual', inputs: { context: ['device'], features: ['orders'] }, dims: 128 }).key).not.toBe(base.key);
    expect(compileContextual({ kind: 'contextual', inputs: { context: ['device'], features: ['orders'] }, reward: 'conversion' }).key).not.toBe(base.key);
    expect(base.names).toEqual(['context.device', 'features.orders']);
  });

  it('reads features, traits and (dotted) context keys as scalars; anything else is absent', () => {
    const settings = compileContextual({ kind: 'contextual', inputs: { features: ['orders', 'tags'], traits: ['tier', 'age'], context: ['page.path', 'device'] } });
    const inputs = readContextualInputs(settings, {
      now: 0, features: { orders: 3, tags: ['a'] }, profile: { traits: { tier: 'gold' } }, context: { page: { path: '/home' }, device: true },
    });
    expect(inputs).toEqual({ 'features.orders': 3, 'features.tags': null, 'traits.tier': 'gold', 'traits.age': null, 'context.page.path': '/home', 'context.device': true });
  });

  it('encodes only the strategy\'s own inputs from a record that holds a shadow\'s too', () => {
    const settings = compileContextual(strategy);
    expect([...encodeContextual(settings, { 'context.device': 'mobile', 'features.orders': 9 })]).toEqual([...encodeContextual(settings, { 'context.device': 'mobile' })]);
  });

  // encodeContextual hashes the sorted names in place; it was encodeFeatures of a record of the
  // strategy's own inputs, and recorded decisions are re-encoded to learn, so the vectors must agree.
  it.each([
    ['strings, a number, a boolean', { 'context.device': 'mobile', 'features.orders': 3, 'traits.tier': 'gold', 'context.page.path': '/a', 'features.vip': true }],
    ['absent, zero, false and a shadow\'s extra input', { 'context.device': null, 'features.orders': 0, 'features.vip': false, 'traits.other': 'x' }],
    ['nothing at all', {}],
  ] as [string, Record<string, FeatureValue>][])('encodes as encodeFeatures over its own inputs: %s', (_name, inputs) => {
    const settings = compileContextual({ kind: 'contextual', inputs: { features: ['vip', 'orders'], traits: ['tier'], context: ['page.path', 'device'] }, dims: 32 });
    const own: Record<string, FeatureValue> = {};
    for (const name of settings.names) own[name] = inputs[name] ?? null;
    expect([...encodeContextual(settings, inputs)]).toEqual([...encodeFeatures([{ namespace: 'x', features: own }], settings.dims)]);
  });

  // A decision predicts from sparseOf's vector, learning re-encodes the recorded inputs densely:
  // the two must agree for every combination, the first time (encoded) and the next (kept).
  it('gives the sparse entries of encodeContextual for each combination, kept or not, and tells apart values that read alike', () => {
    const names = { features: ['vip', 'orders'], traits: ['tier'], context: ['device'] };
    const settings = compileContextual({ kind: 'contextual', inputs: names, dims: 16 });
    const limited = { ...settings, sparseOf: sparseEncoder(settings.names, settings.dims, settings.keysOf, 3) };
    const random = seededRandom(4);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random.next() * values.length)]!;
    const combinations: Record<string, FeatureValue>[] = [
      { 'traits.tier': 'a:s1:b', 'context.device': 'c' }, { 'traits.tier': 'a', 'context.device': 's1:b:c' },
      { 'features.orders': 1 }, { 'features.orders': '1' }, { 'features.vip': true }, { 'features.vip': 'true' },
      { 'traits.tier': 'g'.repeat(300), 'context.device': 'mobile' },
    ];
    for (let n = 0; n < 200; n++) {
      combinations.push({
        'features.vip': pick([true, false, null]), 'features.orders': pick([0, 1, 2.5, -3, null]),
        'traits.tier': pick(['gold', 'silver', '', null]), 'context.device': pick(['mobile', 'desktop', null]),
      });
    }
    for (const inputs of [...combinations, ...combinations]) {
      const want = sparseOf(encodeContextual(settings, inputs));
      for (const encoder of [settings, limited]) {
        const got = encoder.sparseOf(inputs);
        expect({ indices: [...got.indices], values: [...got.values] }).toEqual({ indices: [...want.indices], values: [...want.values] });
      }
    }
  });
});

describe('a contextual placement through decide', () => {
  const NOW = Date.parse('2026-03-20T12:00:00Z');
  const knowledge = compileKnowledgeModel({ features: [], segments: [] });
  const actions: ActionDefinition[] = ['a', 'b', 'c'].map((id) => ({ id, placements: ['home'], priority: 0, value: 0, variants: { default: { title: id } }, ...(id === 'c' ? { rule: 'context.device == "mobile"' } : {}) }));
  const live: ContextualStrategy = { kind: 'contextual', algorithm: 'ucb', inputs: { context: ['device'] }, minExplorationShare: 0.1 };
  const shadow: ContextualStrategy = { kind: 'contextual', inputs: { context: ['device', 'page'] } };
  const placement: PlacementDefinition = { id: 'home', channel: 'web', count: 2, strategy: live, shadow, defaultContent: null };
  const model = compileDecisionModel({ actions, placements: [placement] }, knowledge);
  const profile = { facts: { id: 'p1', traits: {}, firstSeen: NOW, lastSeen: NOW }, knowledge: emptyKnowledge() };
  const trained = trainedModels(live, [['b', { 'context.device': 'desktop' }, 1]]);

  function run(explain: boolean, device: string) {
    const ids = sequentialIds('d');
    const env: DecisionEnvironment = {
      now: NOW, random: seededRandom(3), newDecisionId: () => ids.next(), budgetUsed: () => undefined,
      contextualModels: (placementId, key) => (placementId === 'home' && key === compileContextual(live).key ? trained : undefined),
    };
    return decide(model, profile, { placements: [{ id: 'home' }], context: { device, page: '/p' }, explain }, env).placements[0]!;
  }

  it('ranks only the eligible actions, records the inputs and the models that learn on every decision, and answers them only with explain', () => {
    const desktop = run(false, 'desktop');
    // c's rule holds on mobile only: rules decide eligibility, the bandit ranks.
    expect(desktop.decisions.map((d) => d.actionId)).not.toContain('c');
    const record = { inputs: { 'context.device': 'desktop', 'context.page': '/p' }, models: [compileContextual(live).key, compileContextual(shadow).key] };
    for (const d of desktop.decisions) {
      expect(d.contextual).toEqual(record);
      expect(d.reasons.contextual).toBeUndefined();
    }
    // b earned a click on desktop: LinUCB's best, 0.1 + 0.8 of the two eligible.
    expect(desktop.decisions[0]!.actionId).toBe('b');
    expect(desktop.decisions[0]!.probability).toBeCloseTo(0.9, 12);
    // The second pick is the one left, with probability 1 once b's share is renormalised away.
    expect(desktop.decisions[1]!.actionId).toBe('a');
    expect(desktop.decisions[1]!.probability).toBeCloseTo(1, 12);
    expect(run(true, 'desktop').decisions[0]!.reasons.contextual).toEqual(record);
  });

  it('records a contextual shadow\'s first-pick probabilities over the same candidates', () => {
    const mobile = run(false, 'mobile');
    const first = mobile.decisions[0]!;
    expect(first.shadow?.strategy).toBe('contextual');
    const probabilities = Object.values(first.shadow!.probabilities);
    expect(Object.keys(first.shadow!.probabilities).sort()).toEqual(['a', 'b', 'c']);
    expect(probabilities.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    // Its model has learned nothing: every action alike, as the quadrature of three equal normals says.
    for (const p of probabilities) expect(p).toBeCloseTo(1 / 3, 6);
  });
});

describe('contextualInputProblem', () => {
  const schema = { fields: { 'features.orders_90d': 'number' as const, 'features.first_seen': 'string' as const } };
  it.each([
    ['no input at all', { features: [] }, '/inputs'],
    ['an unknown feature, with the nearest as a hint', { features: ['orders_90d', 'orders_09d'] }, '/inputs/features/1'],
    ['a trait name with a space', { traits: ['plan', 'first name'] }, '/inputs/traits/1'],
    ['an empty segment in a context path', { context: ['page..path'] }, '/inputs/context/0'],
  ] as [string, ContextualStrategy['inputs'], string][])('refuses %s', (_name, inputs, field) => {
    expect(contextualInputProblem({ kind: 'contextual', inputs }, schema)?.field).toBe(field);
  });
  it('accepts known features, plain traits and dotted context keys, and says nothing of other strategies', () => {
    expect(contextualInputProblem({ kind: 'contextual', inputs: { features: ['orders_90d', 'first_seen'], traits: ['plan'], context: ['page.path', 'device'] } }, schema)).toBeNull();
    expect(contextualInputProblem({ kind: 'contextual', inputs: { features: ['orders_09d'] } }, schema)?.suggestion).toBe('orders_90d');
    expect(contextualInputProblem({ kind: 'priority' }, schema)).toBeNull();
  });
});
