import { describe, expect, it } from 'vitest';
import { sequentialIds } from '../common/ports.js';
import { seededRandom } from '../common/random.js';
import { compileKnowledgeModel } from '../knowledge/KnowledgeModel.js';
import { emptyKnowledge } from '../knowledge/KnowledgeState.js';
import type { ActionDefinition } from './ActionDefinition.js';
import { compileDecisionModel, shadowKey } from './compileDecisionModel.js';
import { decide } from './decide.js';
import type { DecisionEnvironment } from './decisionSteps.js';
import type { PlacementDefinition } from './PlacementDefinition.js';
import { firstPickProbabilities, type ScoringCandidate, type ScoringStrategy } from './scoring.js';

const NOW = Date.parse('2026-03-20T12:00:00Z');
const knowledge = compileKnowledgeModel({ features: [], segments: [] });

function action(id: string, priority: number, value = 0): ActionDefinition {
  return { id, placements: ['home', 'side'], priority, value, variants: { default: { title: id } } };
}

function placement(id: string, over: Partial<PlacementDefinition> = {}): PlacementDefinition {
  return { id, channel: 'web', count: 1, strategy: { kind: 'weighted' }, defaultContent: null, ...over };
}

function env(seed = 7): DecisionEnvironment {
  const ids = sequentialIds('dec');
  return { now: NOW, random: seededRandom(seed), newDecisionId: () => ids.next(), budgetUsed: () => undefined };
}

const profile = { facts: { id: 'p1', traits: {}, firstSeen: NOW, lastSeen: NOW }, knowledge: emptyKnowledge() };
const actions = [action('a', 1, 5), action('b', 3, 1), action('c', 0, 2)];

describe('firstPickProbabilities', () => {
  const candidates: ScoringCandidate[] = [{ actionId: 'b', priority: 3, value: 1 }, { actionId: 'a', priority: 1, value: 5 }, { actionId: 'c', priority: 3, value: 0 }];
  it.each([
    ['priority: the top one (ties by id)', { kind: 'priority' }, [['b', 1]]],
    ['priority with random ties: the tied top ones, equally', { kind: 'priority', ties: 'random' }, [['b', 0.5], ['c', 0.5]]],
    ['weighted: weight over the total, zero weights left out', { kind: 'weighted', weightFrom: 'value' }, [['a', 5 / 6], ['b', 1 / 6]]],
    ['expectedValue: the best propensity x value', { kind: 'expectedValue', propensity: { constant: 0.5 } }, [['a', 1]]],
  ] as [string, ScoringStrategy, [string, number][]][])('%s', (_name, strategy, expected) => {
    const got = firstPickProbabilities(candidates, strategy).map((p) => [p.actionId, p.probability]);
    expect(got.map(([id]) => id)).toEqual(expected.map(([id]) => id));
    got.forEach(([, p], i) => expect(p).toBeCloseTo(expected[i]![1], 12));
  });

  it('weighted with no positive weight: every candidate equally, as the first draw does', () => {
    expect(firstPickProbabilities([{ actionId: 'x', priority: 0, value: 0 }, { actionId: 'y', priority: -1, value: 0 }], { kind: 'weighted' }))
      .toEqual([{ actionId: 'x', probability: 0.5 }, { actionId: 'y', probability: 0.5 }]);
  });

  it('agrees with the frequencies of the first pick of chooseActions', async () => {
    const { chooseActions } = await import('./scoring.js');
    const random = seededRandom(3);
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const id = chooseActions(candidates, { kind: 'weighted' }, 1, random)[0]!.actionId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const p of firstPickProbabilities(candidates, { kind: 'weighted' })) expect((counts.get(p.actionId) ?? 0) / 20_000).toBeCloseTo(p.probability, 1);
  });
});

describe('shadow step', () => {
  it('records the shadow\'s probabilities on the first decision and leaves the live choices as they were', () => {
    const shadow: ScoringStrategy = { kind: 'weighted', weightFrom: 'value' };
    const plain = compileDecisionModel({ actions, placements: [placement('home', { count: 2 }), placement('side')] }, knowledge);
    const shadowed = compileDecisionModel({ actions, placements: [placement('home', { count: 2, shadow }), placement('side', { shadow })] }, knowledge);
    for (let seed = 1; seed <= 50; seed++) {
      const request = { placements: [{ id: 'home' }, { id: 'side' }], context: {}, explain: false };
      const without = decide(plain, profile, request, env(seed));
      const withShadow = decide(shadowed, profile, request, env(seed));
      const strip = (r: typeof without) => r.placements.map((p) => p.decisions.map((d) => [d.actionId, d.probability]));
      expect(strip(withShadow)).toEqual(strip(without));
      const [first, second] = withShadow.placements[0]!.decisions;
      expect(first?.shadow?.probabilities).toEqual({ a: 5 / 8, b: 1 / 8, c: 2 / 8 });
      expect(first?.shadow?.key).toBe(shadowKey(shadow));
      expect(['a', 'b', 'c']).toContain(first?.shadow?.actionId);
      expect(second?.shadow).toBeUndefined();
    }
  });

  it('a deterministic shadow gives its pick probability 1; none without a shadow or on a fallback', () => {
    const m = compileDecisionModel({ actions, placements: [placement('home', { shadow: { kind: 'priority' } }), placement('side')] }, knowledge);
    const result = decide(m, profile, { placements: [{ id: 'home' }, { id: 'side' }], context: {}, explain: false }, env());
    expect(result.placements[0]?.decisions[0]?.shadow).toMatchObject({ strategy: 'priority', actionId: 'b', probabilities: { b: 1 } });
    expect(result.placements[1]?.decisions[0]?.shadow).toBeUndefined();
    const empty = compileDecisionModel({ actions: [], placements: [placement('home', { shadow: { kind: 'priority' } })] }, knowledge);
    expect(decide(empty, profile, { placements: [{ id: 'home' }], context: {}, explain: false }, env()).placements[0]?.decisions[0]?.shadow).toBeUndefined();
  });

  it('an expectedValue shadow evaluates its own propensity rule; one that does not compile is left out, the live strategy unharmed', () => {
    const good = compileDecisionModel({ actions, placements: [placement('home', { shadow: { kind: 'expectedValue', propensity: { rule: '0.5' } } })] }, knowledge);
    expect(decide(good, profile, { placements: [{ id: 'home' }], context: {}, explain: false }, env()).placements[0]?.decisions[0]?.shadow?.probabilities).toEqual({ a: 1 });
    const bad = compileDecisionModel({ actions, placements: [placement('home', { shadow: { kind: 'expectedValue', propensity: { rule: 'features.nope >' } } })] }, knowledge);
    expect(bad.placements.get('home')?.shadow).toBeNull();
    const decided = decide(bad, profile, { placements: [{ id: 'home' }], context: {}, explain: false }, env()).placements[0]!;
    expect(decided.fallback).toBeNull();
    expect(decided.decisions[0]?.shadow).toBeUndefined();
  });
});
