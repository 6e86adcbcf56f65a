import { describe, expect, it } from 'vitest';
import { createOnlineLogistic, observe } from '../bandits/logistic/OnlineLogisticModel.js';
import { compileContextual, encodeContextual } from './contextual.js';
import { compileLearnedPropensity, learnedPropensityOf, scoreLearnedPropensity } from './learnedPropensity.js';
import type { LearnedPropensity, ScoringCandidate, ScoringStrategy } from './scoring.js';

const source: LearnedPropensity = { kind: 'learned', inputs: { context: ['device'], traits: ['tier'] } };
const strategy: ScoringStrategy = { kind: 'expectedValue', propensity: source };

describe('compileLearnedPropensity', () => {
  it('keys a model by what it learns: the prior, minImpressions and exploration keep it; inputs, outcome and rates change it', () => {
    const key = compileLearnedPropensity(source).key;
    expect(compileLearnedPropensity({ ...source, prior: { constant: 0.2 }, minImpressions: 5, explorationShare: 0.3 }).key).toBe(key);
    expect(compileLearnedPropensity({ ...source, inputs: { traits: ['tier'], context: ['device'] } }).key).toBe(key);
    for (const other of [{ ...source, inputs: { context: ['device'] } }, { ...source, outcome: 'conversion' as const }, { ...source, l2: 2 }, { ...source, learningRate: 0.5 }, { ...source, dims: 32 }]) {
      expect(compileLearnedPropensity(other).key).not.toBe(key);
    }
    // Never a contextual model's key over the same inputs.
    expect(compileContextual({ kind: 'contextual', inputs: source.inputs }).key).not.toBe(key);
    expect(compileLearnedPropensity(source)).toMatchObject({ model: 'logistic', names: ['context.device', 'traits.tier'], dims: 64, reward: 'click', settings: { l2: 1, alpha: 0.3, beta: 1 } });
  });

  it('finds the learned propensity of expected-value strategies only', () => {
    expect(learnedPropensityOf(strategy)).toBe(source);
    expect(learnedPropensityOf({ kind: 'expectedValue', propensity: { constant: 0.1 } })).toBeNull();
    expect(learnedPropensityOf({ kind: 'priority' })).toBeNull();
    expect(learnedPropensityOf(undefined)).toBeNull();
  });
});

describe('scoreLearnedPropensity', () => {
  const candidates: ScoringCandidate[] = [{ actionId: 'a', priority: 0, value: 1 }, { actionId: 'b', priority: 0, value: 1 }];
  const input = { now: 0, features: {}, context: { device: 'mobile' }, profile: { traits: { tier: 'gold' } } };

  it('predicts per action from its model at the encoded inputs, and leaves actions without one to the prior', () => {
    const settings = compileLearnedPropensity(source);
    const model = createOnlineLogistic(settings.dims, settings.settings);
    const x = encodeContextual(settings, { 'context.device': 'mobile', 'traits.tier': 'gold' });
    for (let i = 0; i < 30; i++) observe(model, x, i % 3 === 0 ? 1 : 0);
    const scored = scoreLearnedPropensity(strategy, 'hero', candidates, input, (placementId, key) => (placementId === 'hero' && key === settings.key ? new Map([['a', model]]) : undefined), null)!;
    expect(scored.candidates[0]!.learned).toMatchObject({ observations: 30, positives: 10 });
    expect(scored.candidates[0]!.learned!.probability).toBeGreaterThan(0.2);
    expect(scored.candidates[0]!.learned!.probability).toBeLessThan(0.5);
    expect(scored.candidates[1]!.learned).toBeUndefined();
    expect(scored.learning).toEqual({ inputs: { 'context.device': 'mobile', 'traits.tier': 'gold' }, models: [settings.key] });
  });

  it('joins an existing learning record (a contextual shadow\'s) without repeating its key, and is null for other strategies or no candidates', () => {
    const key = compileLearnedPropensity(source).key;
    const joined = scoreLearnedPropensity(strategy, 'hero', candidates, input, undefined, { inputs: { 'context.page': '/' }, models: ['c0ffee00', key] })!;
    expect(joined.learning).toEqual({ inputs: { 'context.page': '/', 'context.device': 'mobile', 'traits.tier': 'gold' }, models: ['c0ffee00', key] });
    expect(scoreLearnedPropensity({ kind: 'priority' }, 'hero', candidates, input, undefined, null)).toBeNull();
    expect(scoreLearnedPropensity(strategy, 'hero', [], input, undefined, null)).toBeNull();
  });
});
