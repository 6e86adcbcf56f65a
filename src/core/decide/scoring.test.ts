import fc from 'fast-check';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../common/random.js';
import cases from './scoring.cases.json' with { type: 'json' };
import weightedExact from './weightedChoice.exact.json' with { type: 'json' };
import { chooseActions, compilePropensityRule, propensityRulePointer, ScoringStrategy, scorerFor, type ScoredChoice, type ScoringCandidate } from './scoring.js';

/** Deterministic strategies must never draw. */
const noRandom: Random = { next: () => { throw new Error('a deterministic strategy drew a random number'); } };

const summary = (choices: readonly ScoredChoice[]) => choices.map((c) => [c.actionId, c.score, c.probability, c.terms]);

describe('chooseActions, deterministic strategies (scoring.cases.json)', () => {
  it.each(cases.deterministic as [string, ScoringCandidate[], ScoringStrategy, number, unknown[]][])('%s', (_name, candidates, strategy, count, expected) => {
    expect(summary(chooseActions(candidates, strategy, count, noRandom))).toEqual(expected);
  });
});

describe('ScoringStrategy schema', () => {
  const check = Compile(ScoringStrategy);
  it.each([
    { kind: 'priority' },
    { kind: 'weighted' },
    { kind: 'weighted', weightFrom: 'value' },
    { kind: 'expectedValue', propensity: { constant: 0.3 } },
    { kind: 'expectedValue', propensity: { rule: 'features.orders_90d / 10' } },
    { kind: 'thompson' },
    { kind: 'thompson', reward: 'conversion', minExplorationShare: 0.05, refreshSeconds: 60 },
    { kind: 'thompson', reward: 'revenue' },
    { kind: 'contextual', inputs: { context: ['device'] } },
    { kind: 'contextual', algorithm: 'ucb', alpha: 0.5, reward: 'conversion', inputs: { features: ['orders_90d'], traits: ['tier'] }, minExplorationShare: 0.05, dims: 128, ridge: 2 },
    { kind: 'expectedValue', propensity: { kind: 'learned', inputs: { context: ['device'] } } },
    { kind: 'expectedValue', propensity: { kind: 'learned', outcome: 'conversion', inputs: { traits: ['tier'] }, prior: { rule: 'features.orders_90d / 10' }, minImpressions: 0, explorationShare: 0, dims: 8, l2: 0, learningRate: 1 } },
  ])('accepts %j', (strategy) => expect(check.Check(strategy)).toBe(true));
  it.each([
    { kind: 'random' },
    { kind: 'priority', extra: 1 },
    { kind: 'weighted', weightFrom: 'propensity' },
    { kind: 'expectedValue' },
    { kind: 'expectedValue', propensity: { constant: 1.5 } },
    { kind: 'expectedValue', propensity: { rule: '' } },
    { kind: 'expectedValue', propensity: { rule: 'x', constant: 0.5 } },
    { kind: 'thompson', reward: 'profit' },
    { kind: 'thompson', minExplorationShare: 0.6 },
    { kind: 'contextual' },
    { kind: 'contextual', inputs: { segments: ['vip'] } },
    { kind: 'contextual', inputs: {}, reward: 'revenue' },
    { kind: 'contextual', inputs: {}, dims: 1024 },
    { kind: 'contextual', inputs: {}, ridge: 0 },
    { kind: 'thompson', refreshSeconds: 0 },
    { kind: 'expectedValue', propensity: { kind: 'learned' } },
    { kind: 'expectedValue', propensity: { kind: 'learned', inputs: {}, outcome: 'revenue' } },
    { kind: 'expectedValue', propensity: { kind: 'learned', inputs: {}, explorationShare: 0.6 } },
    { kind: 'expectedValue', propensity: { kind: 'learned', inputs: {}, prior: { constant: 2 } } },
    { kind: 'expectedValue', propensity: { kind: 'learned', inputs: {}, learningRate: 0 } },
    { kind: 'expectedValue', propensity: { kind: 'learned', inputs: {}, rule: 'x' } },
  ])('rejects %j', (strategy) => expect(check.Check(strategy)).toBe(false));
});

/** A generator that returns the given draws in order, and fails the test past them. */
function scripted(draws: readonly number[]): Random {
  let i = 0;
  return { next: () => { if (i >= draws.length) throw new Error(`drew more than the ${draws.length} scripted numbers`); return draws[i++]!; } };
}

describe('chooseActions, expectedValue with a learned propensity: epsilon-greedy (scoring.cases.json)', () => {
  type EpsilonCase = [string, ScoringCandidate[], ScoringStrategy, number, number[], [string, number, number][]];
  const epsilonCases = cases.epsilonGreedy.filter((c) => Array.isArray(c)) as unknown as EpsilonCase[];
  it.each(epsilonCases)('%s', (_name, candidates, strategy, count, draws, expected) => {
    const choices = chooseActions(candidates, strategy, count, scripted(draws));
    expect(choices.map((c) => c.actionId)).toEqual(expected.map((e) => e[0]));
    choices.forEach((c, i) => {
      expect(c.score).toBeCloseTo(expected[i]![1], 12);
      expect(c.probability).toBeCloseTo(expected[i]![2], 12);
    });
  });

  it('firstPick gives each candidate the probability choose picks it first with, summing to 1', () => {
    const [, candidates, strategy] = epsilonCases[0]!;
    const picks = scorerFor(strategy).firstPick(candidates);
    expect(picks.reduce((sum, p) => sum + p.probability, 0)).toBeCloseTo(1, 12);
    const counts = new Map<string, number>();
    const random = seededRandom(21);
    for (let i = 0; i < 20_000; i++) {
      const [first] = chooseActions(candidates, strategy, 1, random);
      counts.set(first!.actionId, (counts.get(first!.actionId) ?? 0) + 1);
      expect(first!.probability).toBeCloseTo(picks.find((p) => p.actionId === first!.actionId)!.probability, 12);
    }
    // Within 4 standard errors of 20,000 draws.
    for (const p of picks) expect(Math.abs((counts.get(p.actionId) ?? 0) / 20_000 - p.probability)).toBeLessThan(4 * Math.sqrt(p.probability * (1 - p.probability) / 20_000));
  });
});

describe('compilePropensityRule', () => {
  it('compiles the rule of an expectedValue strategy, whose value feeds the candidates', () => {
    const rule = compilePropensityRule({ kind: 'expectedValue', propensity: { rule: 'features.orders_90d / 10' } });
    expect(rule?.reads).toEqual(['features.orders_90d']);
    const propensity = rule!.evaluate({ now: 0, features: { orders_90d: 3 } });
    const [choice] = chooseActions([{ actionId: 'a', priority: 0, value: 10, propensity }], { kind: 'expectedValue', propensity: { rule: rule!.source } }, 1, noRandom);
    expect(choice?.score).toBeCloseTo(3, 12);
  });
  it('is null for strategies without a rule', () => {
    expect(compilePropensityRule({ kind: 'priority' })).toBeNull();
    expect(compilePropensityRule({ kind: 'expectedValue', propensity: { constant: 0.5 } })).toBeNull();
    expect(compilePropensityRule({ kind: 'expectedValue', propensity: { kind: 'learned', inputs: { context: ['device'] } } })).toBeNull();
  });
  it('compiles a learned propensity\'s prior rule, found at /propensity/prior/rule', () => {
    const strategy: ScoringStrategy = { kind: 'expectedValue', propensity: { kind: 'learned', inputs: { context: ['device'] }, prior: { rule: 'features.orders_90d / 10' } } };
    expect(compilePropensityRule(strategy)?.reads).toEqual(['features.orders_90d']);
    expect(propensityRulePointer(strategy)).toBe('/propensity/prior/rule');
    expect(propensityRulePointer({ kind: 'expectedValue', propensity: { rule: 'x' } })).toBe('/propensity/rule');
  });
  it('throws the RuleError of a rule that does not compile', () => {
    expect(() => compilePropensityRule({ kind: 'expectedValue', propensity: { rule: 'featurs.x' } })).toThrow(/unknown name "featurs"/);
  });
});

describe('chooseActions, weighted random', () => {
  const candidates: ScoringCandidate[] = [
    { actionId: 'd', priority: 4, value: 1 },
    { actionId: 'a', priority: 1, value: 1 },
    { actionId: 'c', priority: 3, value: 0 },
    { actionId: 'b', priority: 2, value: 1 },
  ];
  const weights: Record<string, number> = { a: 1, b: 2, c: 3, d: 4 };
  const draws = 20_000;

  it('over 20,000 seeded draws picks each action within 2% of its weight share, and records that share', () => {
    const random = seededRandom(20_240_601);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0, d: 0 };
    for (let i = 0; i < draws; i++) {
      const [choice] = chooseActions(candidates, { kind: 'weighted' }, 1, random);
      counts[choice!.actionId]!++;
      expect(choice!.probability).toBeCloseTo(weights[choice!.actionId]! / 10, 12);
      expect(choice!.score).toBe(weights[choice!.actionId]);
      expect(choice!.terms).toEqual([{ name: 'weight', value: weights[choice!.actionId], note: 'from priority' }]);
    }
    for (const id of Object.keys(weights)) expect(Math.abs(counts[id]! / draws - weights[id]! / 10)).toBeLessThan(0.02);
  });

  it('samples later picks without replacement and records their conditional probability', () => {
    const random = seededRandom(7);
    const afterD: Record<string, number> = { a: 0, b: 0, c: 0 };
    let firstD = 0;
    for (let i = 0; i < draws; i++) {
      const choices = chooseActions(candidates, { kind: 'weighted' }, 4, random);
      expect(new Set(choices.map((c) => c.actionId)).size).toBe(4);
      let left = 10;
      for (const choice of choices) {
        expect(choice.probability).toBeCloseTo(weights[choice.actionId]! / left, 12);
        left -= weights[choice.actionId]!;
      }
      expect(choices[3]!.probability).toBe(1);
      if (choices[0]!.actionId === 'd') { firstD++; afterD[choices[1]!.actionId]!++; }
    }
    // Given d first, the second pick follows weights 1:2:3 out of 6.
    for (const id of ['a', 'b', 'c']) expect(Math.abs(afterD[id]! / firstD - weights[id]! / 6)).toBeLessThan(0.02);
  });

  it('can weigh by value; zero and negative weights come after the positive ones, uniformly', () => {
    const random = seededRandom(3);
    const byValue = [
      { actionId: 'x', priority: 100, value: 0 },
      { actionId: 'y', priority: 0, value: 5 },
      { actionId: 'z', priority: 0, value: -1 },
    ];
    const counts: Record<string, number> = { x: 0, z: 0 };
    for (let i = 0; i < 2_000; i++) {
      const [first, second, third] = chooseActions(byValue, { kind: 'weighted', weightFrom: 'value' }, 3, random);
      expect([first!.actionId, first!.probability, first!.score]).toEqual(['y', 1, 5]);
      expect(second!.probability).toBe(0.5);
      expect(third!.probability).toBe(1);
      counts[second!.actionId]!++;
    }
    expect(Math.abs(counts.x! / 2_000 - 0.5)).toBeLessThan(0.05);
    const [z] = chooseActions([byValue[2]!], { kind: 'weighted', weightFrom: 'value' }, 1, random);
    expect(z!.terms).toEqual([{ name: 'weight', value: 0, note: 'value -1 is negative: weight 0' }]);
  });

  it('does not depend on the input order, only on the seed', () => {
    const forward = chooseActions(candidates, { kind: 'weighted' }, 4, seededRandom(99));
    const backward = chooseActions([...candidates].reverse(), { kind: 'weighted' }, 4, seededRandom(99));
    expect(summary(backward)).toEqual(summary(forward));
  });

  it('copes with weights whose sum overflows', () => {
    const huge = [{ actionId: 'a', priority: Number.MAX_VALUE, value: 0 }, { actionId: 'b', priority: Number.MAX_VALUE, value: 0 }];
    const [first] = chooseActions(huge, { kind: 'weighted' }, 1, seededRandom(1));
    expect(first!.probability).toBe(0.5);
  });
});

describe('chooseActions, thompson (a bandit allocation)', () => {
  const allocation: Record<string, number> = { a: 0.1, b: 0.6, c: 0.3 };
  const candidates: ScoringCandidate[] = Object.entries(allocation).map(([actionId, banditWeight]) => ({ actionId, priority: 0, value: 0, banditWeight }));

  it('picks in proportion to the allocation and records the share among the eligible actions', () => {
    const random = seededRandom(11);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 20_000; i++) {
      const [choice] = chooseActions(candidates, { kind: 'thompson' }, 1, random);
      counts[choice!.actionId]!++;
      expect(choice!.probability).toBeCloseTo(allocation[choice!.actionId]!, 12);
      expect(choice!.terms).toEqual([{ name: 'weight', value: allocation[choice!.actionId], note: 'Thompson sampling allocation' }]);
    }
    for (const id of Object.keys(allocation)) expect(Math.abs(counts[id]! / 20_000 - allocation[id]!)).toBeLessThan(0.02);
  });

  it('renormalises over the eligible actions: with b capped, a and c split 1:3', () => {
    const [choice] = chooseActions(candidates.filter((c) => c.actionId !== 'b'), { kind: 'thompson' }, 1, seededRandom(5));
    expect(choice!.probability).toBeCloseTo(allocation[choice!.actionId]! / 0.4, 12);
  });

  it('gives an action the allocation does not know yet an equal share, and says so', () => {
    const fresh = [...candidates, { actionId: 'd', priority: 0, value: 0 }];
    const choices = chooseActions(fresh, { kind: 'thompson' }, 4, seededRandom(8));
    const d = choices.find((c) => c.actionId === 'd')!;
    expect(d.terms[0]).toEqual({ name: 'weight', value: 0.25, note: 'not in the allocation yet: an equal share' });
  });
});

describe('chooseActions, priority with random ties', () => {
  const strategy = { kind: 'priority', ties: 'random' } as const;
  const rules = [{ actionId: 'rule-1', priority: 30, value: 0 }, { actionId: 'rule-2', priority: 20, value: 0 }];
  const arms = [{ actionId: 'arm-a', priority: 1, value: 0 }, { actionId: 'arm-b', priority: 1, value: 0 }];

  it('keeps priority order across different priorities (probability 1)', () => {
    const chosen = chooseActions([...arms, ...rules], strategy, 2, seededRandom(3));
    expect(chosen.map((c) => [c.actionId, c.probability])).toEqual([['rule-1', 1], ['rule-2', 1]]);
  });

  it('splits equals uniformly over 20,000 seeded draws, and records 1 / ties', () => {
    const random = seededRandom(11);
    let a = 0;
    for (let i = 0; i < 20_000; i++) {
      const [choice] = chooseActions(arms, strategy, 1, random);
      expect(choice!.probability).toBe(0.5);
      if (choice!.actionId === 'arm-a') a++;
    }
    expect(Math.abs(a / 20_000 - 0.5)).toBeLessThan(0.02);
  });

  it('the second pick among two equals has probability 1', () => {
    const chosen = chooseActions(arms, strategy, 2, seededRandom(5));
    expect(chosen.map((c) => c.probability)).toEqual([0.5, 1]);
    expect(new Set(chosen.map((c) => c.actionId))).toEqual(new Set(['arm-a', 'arm-b']));
  });
});

describe('chooseActions properties', () => {
  const strategy = fc.constantFrom<ScoringStrategy>(
    { kind: 'priority' },
    { kind: 'weighted' },
    { kind: 'weighted', weightFrom: 'value' },
    { kind: 'expectedValue', propensity: { constant: 0.4 } },
    { kind: 'expectedValue', propensity: { rule: 'features.p' } },
  );
  const number = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, Number.NaN, Number.POSITIVE_INFINITY));
  const candidate = fc.record({
    actionId: fc.string({ minLength: 1, maxLength: 4 }),
    priority: number,
    value: number,
    propensity: fc.oneof(fc.double({ noNaN: false }), fc.constantFrom(null, 'x', true), fc.constant(undefined)),
  });
  const input = fc.tuple(fc.array(candidate, { maxLength: 12 }), strategy, fc.integer({ min: 0, max: 15 }), fc.integer());

  it('chosen ids are distinct, count is respected, probabilities are in (0, 1], scores finite', () => {
    fc.assert(fc.property(input, ([candidates, s, count, seed]) => {
      const choices = chooseActions(candidates, s, count, seededRandom(seed));
      const ids = new Set(candidates.map((c) => c.actionId));
      expect(choices).toHaveLength(Math.min(count, ids.size));
      expect(new Set(choices.map((c) => c.actionId)).size).toBe(choices.length);
      for (const c of choices) {
        expect(ids.has(c.actionId)).toBe(true);
        expect(c.probability).toBeGreaterThan(0);
        expect(c.probability).toBeLessThanOrEqual(1);
        expect(Number.isFinite(c.score)).toBe(true);
        if (s.kind !== 'weighted') expect(c.probability).toBe(1);
      }
    }));
  });

  it('the same seed gives the same result; a deterministic strategy gives it in score order', () => {
    fc.assert(fc.property(input, ([candidates, s, count, seed]) => {
      const first = chooseActions(candidates, s, count, seededRandom(seed));
      expect(summary(chooseActions(candidates, s, count, seededRandom(seed)))).toEqual(summary(first));
      if (s.kind !== 'weighted') {
        for (let i = 1; i < first.length; i++) expect(first[i - 1]!.score).toBeGreaterThanOrEqual(first[i]!.score);
      }
    }));
  });

  it('scorerFor names its strategy', () => {
    expect(scorerFor({ kind: 'weighted' }).kind).toBe('weighted');
    expect(scorerFor({ kind: 'expectedValue', propensity: { constant: 1 } }).kind).toBe('expectedValue');
  });
});

/**
 * Seeded candidates for the weighted pick (weighted, by value, thompson, contextual): some
 * weights 0 or negative, some missing, all 0, near the largest double, a repeated action.
 */
function weightedChoiceCase(c: number): { name: string; strategy: ScoringStrategy; candidates: ScoringCandidate[]; count: number } {
  const random = seededRandom(500 + c);
  const kind = (['weighted', 'value', 'thompson', 'contextual'] as const)[c % 4]!;
  const n = 1 + Math.floor(random.next() * 10);
  const allZero = c % 6 === 5;
  const huge = c % 11 === 7;
  const weight = () => {
    if (allZero) return 0;
    const u = random.next();
    if (u < 0.15) return 0;
    if (u < 0.22) return -0.5;
    return huge ? 1e308 * random.next() : random.next() * 3;
  };
  const candidates: ScoringCandidate[] = Array.from({ length: n }, (_v, i) => {
    const w = weight();
    const base = { actionId: `a${((i * 7 + c) % 13).toString()}`, priority: kind === 'weighted' ? w : 1, value: kind === 'value' ? w : 2 };
    if (kind === 'thompson') return random.next() < 0.15 ? base : { ...base, banditWeight: w };
    if (kind === 'contextual') return random.next() < 0.1 ? base : { ...base, contextual: { probability: w, mean: random.next() - 0.5, spread: random.next() } };
    return base;
  });
  // A repeated action counts once (the first).
  if (c % 9 === 4) candidates.push({ ...candidates[0]!, priority: 5, value: 5 });
  const count = 1 + Math.floor(random.next() * (n + 1));
  const strategy: ScoringStrategy = kind === 'weighted' ? { kind: 'weighted' } : kind === 'value' ? { kind: 'weighted', weightFrom: 'value' } : kind === 'thompson' ? { kind: 'thompson' } : { kind: 'contextual', inputs: {} };
  return { name: `${kind}: ${candidates.length.toString()} candidates, count ${count.toString()}${allZero ? ', every weight 0' : ''}${huge ? ', weights near the largest double' : ''}`, strategy, candidates, count };
}

// [name, choices]: what the weighted pick answered (actions, scores, probabilities, terms)
// before its loops were rewritten without a closure per pick. The probabilities are recorded
// and drawn with, so the rewrite must keep every bit and every draw.
describe('chooseActions, weighted pick (weightedChoice.exact.json)', () => {
  it.each((weightedExact as [string, unknown[]][]).map(([name, expected], c) => [name, c, expected] as const))('gives bit for bit what it gave before the rewrite: %s', (name, c, expected) => {
    const { name: built, strategy, candidates, count } = weightedChoiceCase(c);
    expect(built).toBe(name);
    expect(summary(chooseActions(candidates, strategy, count, seededRandom(1000 + c)))).toEqual(expected);
  });
});
