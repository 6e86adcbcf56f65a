import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import { decisionLogFeedback, parseCandidatePolicy, type CandidatePolicy, type LoggedChoice } from './decisionLogFeedback.js';
import { estimatePolicyValue } from './estimatePolicyValue.js';

const choice = (actionId: string | null, probability: number, rewarded: boolean): LoggedChoice => ({ actionId, probability, rewarded });
const estimate = (decisions: readonly LoggedChoice[], policy: CandidatePolicy) => {
  const logs = decisionLogFeedback(decisions, policy);
  return { logs, result: estimatePolicyValue(logs.feedback, logs.policy, { random: seededRandom(1), resamples: 0 }) };
};

describe('decisionLogFeedback', () => {
  it('indexes the logged actions by id, leaves fallbacks out and rewards the outcomes', () => {
    const { feedback, actions, fallbackRounds, policy } = decisionLogFeedback(
      [choice('b', 0.5, true), choice(null, 1, false), choice('a', 0.5, false)], { kind: 'uniform' },
    );
    expect(actions).toEqual(['a', 'b']);
    expect(fallbackRounds).toBe(1);
    expect(feedback).toEqual({ nActions: 2, rounds: [{ action: 1, reward: 1, propensity: 0.5 }, { action: 0, reward: 0, propensity: 0.5 }] });
    expect(Array.from(policy(feedback.rounds[0]!, 0))).toEqual([0.5, 0.5]);
  });

  it('gives always-X all the probability, and an index of its own to an action the logs never show', () => {
    const shown = decisionLogFeedback([choice('a', 0.25, true), choice('b', 0.75, false)], { kind: 'action', actionId: 'a' });
    expect(Array.from(shown.policy(shown.feedback.rounds[0]!, 0))).toEqual([1, 0]);
    const unseen = estimate([choice('a', 0.5, true)], { kind: 'action', actionId: 'z' });
    expect(unseen.logs.actions).toEqual(['a', 'z']);
    expect(unseen.result.diagnostics.warnings.map((w) => w.code)).toContain('OPE_NO_OVERLAP');
  });

  it('computes IPW by hand: always a = Σ r / p over a\'s rounds / n', () => {
    const { result } = estimate([choice('a', 0.25, true), choice('b', 0.75, true), choice('a', 0.25, false), choice('b', 0.75, false)], { kind: 'action', actionId: 'a' });
    expect(result.estimates.find((e) => e.estimator === 'ipw')!.value).toBeCloseTo(4 / 4, 12);
    expect(result.estimates.find((e) => e.estimator === 'snipw')!.value).toBeCloseTo(0.5, 12);
  });

  it('warns about tiny and zero logged probabilities', () => {
    const { result } = estimate([choice('a', 0.0001, true), choice('b', 0, false), ...Array.from({ length: 20 }, () => choice('b', 0.9999, false))], { kind: 'uniform' });
    const codes = result.diagnostics.warnings.map((w) => w.code);
    expect(codes).toEqual(expect.arrayContaining(['OPE_PROPENSITY_LOW', 'OPE_PROPENSITY_ZERO', 'OPE_LOW_ESS']));
    expect(result.diagnostics).toMatchObject({ propensityLow: 1, propensityZero: 1, usedRounds: 21 });
  });

  it('reads uniform, shadow and action:ID, and names the field of anything else', () => {
    expect(parseCandidatePolicy('uniform', 'p')).toEqual({ kind: 'uniform' });
    expect(parseCandidatePolicy('shadow', 'p')).toEqual({ kind: 'shadow', key: null });
    expect(parseCandidatePolicy('action:spring-sale', 'p')).toEqual({ kind: 'action', actionId: 'spring-sale' });
    for (const bad of ['random', 'action:', 'action:Has Space', 'thompson']) expect(() => parseCandidatePolicy(bad, '--policy')).toThrow(/--policy must be uniform, shadow or action:ID/);
  });
});

describe('shadowLogFeedback', () => {
  const shadow = (probabilities: Record<string, number>, key = 'k1') => ({ key, probabilities });
  it('takes the shadow\'s probabilities from each record and leaves out fallbacks and other shadows', () => {
    const logs = decisionLogFeedback([
      { actionId: 'a', probability: 0.5, rewarded: true, shadow: shadow({ a: 0.25, c: 0.75 }) },
      { actionId: 'b', probability: 0.5, rewarded: false, shadow: shadow({ b: 1 }) },
      { actionId: null, probability: 1, rewarded: false },
      { actionId: 'a', probability: 0.5, rewarded: true, shadow: shadow({ b: 1 }, 'k0') },
      { actionId: 'b', probability: 0.5, rewarded: true },
    ], { kind: 'shadow', key: 'k1' });
    expect(logs).toMatchObject({ actions: ['a', 'b', 'c'], fallbackRounds: 1, unshadowedRounds: 2 });
    expect(logs.feedback.rounds).toEqual([{ action: 0, reward: 1, propensity: 0.5 }, { action: 1, reward: 0, propensity: 0.5 }]);
    expect(Array.from(logs.policy(logs.feedback.rounds[0]!, 0))).toEqual([0.25, 0, 0.75]);
    expect(Array.from(logs.policy(logs.feedback.rounds[1]!, 1))).toEqual([0, 1, 0]);
    // Without a key, every shadow counts.
    expect(decisionLogFeedback([{ actionId: 'a', probability: 1, rewarded: false, shadow: shadow({ a: 1 }, 'k0') }], { kind: 'shadow', key: null }).unshadowedRounds).toBe(0);
  });
});
