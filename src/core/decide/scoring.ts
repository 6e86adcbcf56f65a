import { Type, type Static } from 'typebox';
import type { Random } from '../common/random.js';
import { compileRule, type CompiledRule, type RuleSchema } from '../rules/compileRule.js';
import { withField } from '../common/withField.js';

/** What a learned model of a placement reads (the contextual bandit's, a learned propensity's). */
export const ModelInputs = Type.Object(
  {
    features: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, description: 'Profile features, by name (features of the workspace)' })),
    traits: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, description: 'Profile traits, by name' })),
    context: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, description: 'Keys of the request context (dotted for nested ones: page.path)' })),
  },
  { additionalProperties: false, description: 'What the model reads; numbers by value, strings one-hot, booleans as 0/1, hashed into dims buckets with an intercept' },
);
export type ModelInputs = Static<typeof ModelInputs>;

const FixedPropensity = [
  Type.Object({ rule: Type.String({ minLength: 1, maxLength: 2000, description: 'A rule giving a number, clamped to [0, 1]' }) }, { additionalProperties: false }),
  Type.Object({ constant: Type.Number({ minimum: 0, maximum: 1 }) }, { additionalProperties: false }),
] as const;

/**
 * An expected-value strategy's propensity learned per action: one online logistic regression
 * per (placement, action) over the inputs, from the placement's impressions and their clicks or
 * conversions (core/decide/learnedPropensity.ts, core/bandits/logistic).
 *
 * @example { "kind": "learned", "outcome": "click", "inputs": { "features": ["orders_90d"], "context": ["device"] }, "prior": { "constant": 0.05 }, "minImpressions": 100 }
 */
export const LearnedPropensity = Type.Object(
  {
    kind: Type.Literal('learned'),
    outcome: Type.Optional(Type.Union([Type.Literal('click'), Type.Literal('conversion')], {
      description: 'What the probability is of (default click): the first Decision Clicked (or Decision Converted) naming a viewed decision within 24 hours',
    })),
    inputs: ModelInputs,
    prior: Type.Optional(Type.Union([...FixedPropensity], {
      description: 'The propensity of an action with fewer than minImpressions impressions learned (default { constant: 0.05 }: equal for all, so unlearned actions rank by value)',
    })),
    minImpressions: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Impressions an action needs before its learned probability replaces the prior (default 100)' })),
    explorationShare: Type.Optional(Type.Number({
      minimum: 0, maximum: 0.5,
      description: 'Share of picks made uniformly among the eligible actions instead of by expected value (default 0.05), so every action keeps being learned; the probability of each pick is recorded',
    })),
    dims: Type.Optional(Type.Integer({ minimum: 8, maximum: 256, description: 'Length of the hashed input vector (default 64)' })),
    l2: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'The L2 penalty λ₂ of the logistic regression (default 1)' })),
    learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'FTRL-Proximal\'s α (default 0.3)' })),
  },
  { additionalProperties: false, description: 'A click or conversion probability per action and visitor, learned online (logistic regression); its calibration is reported at GET /admin/v1/placements/:id/propensity' },
);
export type LearnedPropensity = Static<typeof LearnedPropensity>;

/**
 * How a placement orders its eligible actions, as configuration. Each kind is one entry of
 * this union and one `Scorer` in `scorerFor`; model-based strategies are added the same way.
 *
 * @example { "kind": "priority" }
 * @example { "kind": "weighted", "weightFrom": "value" }
 * @example { "kind": "expectedValue", "propensity": { "rule": "features.orders_90d / 10" } }
 * @example { "kind": "expectedValue", "propensity": { "kind": "learned", "inputs": { "features": ["orders_90d"] } } }
 */
export const ScoringStrategy = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('priority'),
      ties: Type.Optional(Type.Union([Type.Literal('byId'), Type.Literal('random')], {
        description: 'How actions of equal priority are ordered: by action id (default), or uniformly at random (a split test of equals; the probability is recorded)',
      })),
    },
    { additionalProperties: false, description: 'Highest priority first' },
  ),
  Type.Object(
    {
      kind: Type.Literal('weighted'),
      weightFrom: Type.Optional(Type.Union([Type.Literal('priority'), Type.Literal('value')], { description: 'The weight of an action (default priority)' })),
    },
    { additionalProperties: false, description: 'Random, each action with a probability proportional to its weight; the probability is recorded' },
  ),
  Type.Object(
    {
      kind: Type.Literal('expectedValue'),
      propensity: Type.Union([...FixedPropensity, LearnedPropensity]),
    },
    { additionalProperties: false, description: 'Highest propensity x value first; ties by action id (with a learned propensity, a share of picks explores uniformly)' },
  ),
  Type.Object(
    {
      kind: Type.Literal('thompson'),
      reward: Type.Optional(Type.Union([Type.Literal('click'), Type.Literal('conversion'), Type.Literal('revenue')], {
        description: 'What an impression earns (default click). click, conversion: a Beta posterior of the rate, P(best) computed exactly. '
          + 'revenue: the conversion values per impression, a Beta posterior of the conversion rate times a Student-t posterior of the mean value, P(best) estimated by Monte Carlo (standard error at most 0.005)',
      })),
      minExplorationShare: Type.Optional(Type.Number({
        minimum: 0, maximum: 0.5,
        description: 'Each action is shown at least this share of the time (default 0.01), as a uniform mixture, so the recorded probability stays exact',
      })),
      refreshSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'How often the allocation is recomputed from the outcome counters (default 10)' })),
    },
    { additionalProperties: false, description: 'A multi-armed bandit: Thompson sampling allocation from the outcome counters, updated on a schedule; the probability of each choice is recorded' },
  ),
  Type.Object(
    {
      kind: Type.Literal('contextual'),
      algorithm: Type.Optional(Type.Union([Type.Literal('thompson'), Type.Literal('ucb')], {
        description: 'thompson (default): linear Thompson sampling, each choice probability computed exactly by quadrature; ucb: LinUCB, the highest upper confidence bound (ties by action id)',
      })),
      reward: Type.Optional(Type.Union([Type.Literal('click'), Type.Literal('conversion')], {
        description: 'What earns a reward of 1 (default click): the first Decision Clicked (or Decision Converted) naming the decision within 24 hours; a Decision Viewed is the impression (reward 0)',
      })),
      inputs: ModelInputs,
      scale: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'thompson: the posterior scale v, θ̃ ~ N(θ, v²A⁻¹) (default 0.25)' })),
      alpha: Type.Optional(Type.Number({ minimum: 0, maximum: 10, description: 'ucb: the width α of θᵀx + α·sqrt(xᵀA⁻¹x) (default 1)' })),
      minExplorationShare: Type.Optional(Type.Number({
        minimum: 0, maximum: 0.5,
        description: 'Each eligible action is chosen at least this share of the time (default 0.01), as a uniform mixture, so the recorded probability stays exact',
      })),
      dims: Type.Optional(Type.Integer({ minimum: 8, maximum: 256, description: 'Length of the hashed input vector (default 64); each action keeps a dims x dims matrix' })),
      ridge: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'The ridge penalty λ, the prior precision of the weights (default 1)' })),
    },
    { additionalProperties: false, description: 'A contextual bandit: one linear model per action over profile features, traits and request context, learned online from Decision Viewed and Decision Clicked/Converted events; the exact probability of each choice and the inputs are recorded' },
  ),
], { title: 'ScoringStrategy' });
export type ScoringStrategy = Static<typeof ScoringStrategy>;

/** An eligible action, as scoring sees it. Extra fields are carried through to the choice. */
export interface ScoringCandidate {
  readonly actionId: string;
  readonly priority: number;
  /** What a conversion of this action is worth (any unit, the same across a placement). */
  readonly value: number;
  /**
   * For `expectedValue` with a propensity rule: what the rule evaluated to for this
   * candidate (the caller evaluates `compilePropensityRule(strategy)`). Clamped to [0, 1];
   * anything but a number counts as 0. Ignored by the other strategies.
   */
  readonly propensity?: unknown;
  /**
   * For `expectedValue` with a learned propensity: the action's predicted probability for this
   * visitor and what backs it (the score step computes it, `core/decide/learnedPropensity.ts`).
   * Missing: nothing learned yet.
   */
  readonly learned?: LearnedScore;
  /**
   * For `thompson`: the action's share of the placement's allocation (the shell computes it
   * from the outcome counters on a schedule). Missing counts as an equal share.
   */
  readonly banditWeight?: number;
  /**
   * For `contextual`: the candidate's first-pick probability under the placement's contextual
   * model, with the prediction behind it (the score step computes it, `core/decide/contextual.ts`).
   */
  readonly contextual?: ContextualScore;
}

/** A candidate's contextual score: its probability of being the first pick, its predicted reward and the prediction's variance factor xᵀA⁻¹x. */
export interface ContextualScore {
  readonly probability: number;
  readonly mean: number;
  readonly spread: number;
}

/** A candidate's learned propensity: the model's probability and the impressions and positive outcomes it learned from. */
export interface LearnedScore {
  readonly probability: number;
  readonly observations: number;
  readonly positives: number;
}

/** One part of a score, for the explanation of a decision. */
export interface ScoreTerm {
  readonly name: 'priority' | 'value' | 'propensity' | 'weight' | 'mean' | 'spread' | 'observations';
  readonly value: number;
  /** Why the value differs from the input (clamped, not a number, ...). */
  readonly note?: string;
}

export interface ScoredChoice<C extends ScoringCandidate = ScoringCandidate> {
  readonly actionId: string;
  readonly candidate: C;
  readonly score: number;
  /**
   * The exact probability of this choice under the strategy, given the choices before it:
   * 1 for deterministic strategies, the conditional sampling probability for weighted random.
   */
  readonly probability: number;
  readonly terms: readonly ScoreTerm[];
}

/**
 * The open interface of a scoring strategy: orders up to `count` of the candidates. A
 * deterministic scorer ignores `random`. Later strategies (model-based) implement this too.
 */
export interface Scorer {
  readonly kind: string;
  choose<C extends ScoringCandidate>(candidates: readonly C[], count: number, random: Random): ScoredChoice<C>[];
  /**
   * The probability of each candidate being the first pick, those above 0 only, in action id
   * order: what a shadow strategy records so that off-policy evaluation can weigh any logged
   * action by it. Draws nothing.
   */
  firstPick(candidates: readonly ScoringCandidate[]): PickProbability[];
}

/** A candidate's probability of being chosen first. */
export interface PickProbability {
  readonly actionId: string;
  readonly probability: number;
}

/**
 * The first `count` actions of a placement, in order, each with its score, the probability it
 * was chosen with, and the terms of its score. Candidates with the same id count once (the
 * first). Deterministic strategies break ties by action id; weighted random walks the
 * candidates in action id order, so the result depends on the seed, not the input order.
 *
 * @example chooseActions([{ actionId: 'a', priority: 1, value: 5 }, { actionId: 'b', priority: 2, value: 1 }], { kind: 'priority' }, 1, random)
 *   // [{ actionId: 'b', score: 2, probability: 1, terms: [{ name: 'priority', value: 2 }], candidate: ... }]
 */
export function chooseActions<C extends ScoringCandidate>(candidates: readonly C[], strategy: ScoringStrategy, count: number, random: Random): ScoredChoice<C>[] {
  return scorerFor(strategy).choose(candidates, count, random);
}

/**
 * The strategy's probability of choosing each candidate first (those above 0), without drawing.
 *
 * @example firstPickProbabilities([{ actionId: 'a', priority: 1, value: 0 }, { actionId: 'b', priority: 3, value: 0 }], { kind: 'weighted' })
 *   // [{ actionId: 'a', probability: 0.25 }, { actionId: 'b', probability: 0.75 }]
 */
export function firstPickProbabilities(candidates: readonly ScoringCandidate[], strategy: ScoringStrategy): PickProbability[] {
  return scorerFor(strategy).firstPick(candidates);
}

export function scorerFor(strategy: ScoringStrategy): Scorer {
  switch (strategy.kind) {
    case 'priority': {
      const score = (c: ScoringCandidate): Scored => {
        const priority = number(c.priority, 'priority');
        return { score: priority.value, terms: [priority] };
      };
      return strategy.ties === 'random' ? randomTies('priority', score) : deterministic('priority', score);
    }
    case 'expectedValue': {
      const source = strategy.propensity;
      if ('kind' in source) return learnedExpectedValue(source);
      const propensityOf = 'constant' in source ? constantPropensity(source.constant) : rulePropensity;
      return deterministic('expectedValue', (c) => {
        const propensity = propensityOf(c);
        const value = number(c.value, 'value');
        return { score: normalZero(propensity.value * value.value), terms: [propensity, value] };
      });
    }
    case 'weighted': {
      const from = strategy.weightFrom ?? 'priority';
      return weighted('weighted', (c) => weightOf(c[from], from));
    }
    case 'thompson':
      return weighted('thompson', banditWeightOf);
    case 'contextual':
      return weighted('contextual', contextualWeightOf, contextualTerms);
  }
}

/**
 * The compiled propensity rule of an `expectedValue` strategy, or null when it has none.
 * Throws `RuleError` for a rule that does not compile (check it when the placement is saved).
 */
export function compilePropensityRule(strategy: ScoringStrategy, schema: RuleSchema = {}): CompiledRule | null {
  if (strategy.kind !== 'expectedValue') return null;
  const source = 'kind' in strategy.propensity ? strategy.propensity.prior : strategy.propensity;
  if (source === undefined || !('rule' in source)) return null;
  return compileRule(source.rule, schema, { expect: 'any' });
}

/** Where a strategy's propensity rule is, as a JSON pointer under the strategy (for the error of a rule that does not compile). */
export function propensityRulePointer(strategy: ScoringStrategy): string {
  return strategy.kind === 'expectedValue' && 'kind' in strategy.propensity ? '/propensity/prior/rule' : '/propensity/rule';
}

/** The settings a learned propensity leaves out. */
export const learnedPropensityDefaults = {
  outcome: 'click',
  prior: { constant: 0.05 },
  minImpressions: 100,
  explorationShare: 0.05,
  dims: 64,
  l2: 1,
  // 0.1, FTRL's usual start, moved the predictions off 0.5 too slowly in the simulation
  // (src/decide/learnedPropensity.simulation.test.ts: 0.155 earned per decision and ECE 0.036,
  // against about 0.22 and 0.01 with 0.3).
  learningRate: 0.3,
} as const;

/**
 * Expected value with a learned propensity: an action with at least `minImpressions`
 * impressions learned scores its model's probability for the visitor times its value, the
 * others the prior times their value. Epsilon-greedy over that order: each pick is the best of
 * the actions left with probability 1 − ε, else uniform among them, so every action keeps being
 * shown and learned; the recorded probability of a pick is (1 − ε)·[it is the best left] + ε/left.
 * With ε = 0 this is the deterministic expected-value order.
 */
function learnedExpectedValue(source: LearnedPropensity): Scorer {
  const minImpressions = source.minImpressions ?? learnedPropensityDefaults.minImpressions;
  const share = source.explorationShare ?? learnedPropensityDefaults.explorationShare;
  const prior = source.prior ?? learnedPropensityDefaults.prior;
  const priorOf = 'constant' in prior ? constantPropensity(prior.constant) : rulePropensity;
  const score = (c: ScoringCandidate): Scored => {
    const learned = c.learned;
    const value = number(c.value, 'value');
    let propensity: ScoreTerm;
    if (learned !== undefined && learned.observations >= minImpressions && learned.observations > 0) {
      propensity = withField(clampPropensity(learned.probability, 'learned'), 'note', `learned: ${learned.positives} ${source.outcome ?? learnedPropensityDefaults.outcome}s in ${learned.observations} impressions`);
    } else {
      const fallback = priorOf(c);
      propensity = withField(fallback, 'note', `prior (${learned?.observations ?? 0} of ${minImpressions} impressions learned): ${fallback.note ?? ''}`.trimEnd());
    }
    const observations: ScoreTerm = { name: 'observations', value: learned?.observations ?? 0 };
    return { score: normalZero(propensity.value * value.value), terms: [propensity, value, observations] };
  };
  return share > 0 ? epsilonGreedy('expectedValue', score, share) : deterministic('expectedValue', score);
}

/** Best first with probability 1 − share, else uniform over the candidates left; each pick records its exact conditional probability. */
function epsilonGreedy(kind: string, score: (candidate: ScoringCandidate) => Scored, share: number): Scorer {
  const best = deterministic(kind, score);
  return {
    kind,
    firstPick(candidates) {
      const distinct = unique(candidates).sort(byId);
      const top = best.firstPick(distinct)[0]?.actionId;
      return distinct.map((c) => ({ actionId: c.actionId, probability: share / distinct.length + (c.actionId === top ? 1 - share : 0) }));
    },
    choose<C extends ScoringCandidate>(candidates: readonly C[], count: number, random: Random): ScoredChoice<C>[] {
      // Sorted best first (ties by id), so the top is pool[0] and a uniform pick walks id-independent positions of one order.
      const pool = best.choose(candidates, Number.POSITIVE_INFINITY, random);
      const chosen: ScoredChoice<C>[] = [];
      const wanted = Math.min(limit(count), pool.length);
      while (chosen.length < wanted) {
        const left = pool.length;
        const explore = random.next() < share;
        const index = explore ? Math.min(left - 1, Math.floor(random.next() * left)) : 0;
        const [pick] = pool.splice(index, 1);
        chosen.push(withField(pick!, 'probability', share / left + (index === 0 ? 1 - share : 0)));
      }
      return chosen;
    },
  };
}

interface Scored { readonly score: number; readonly terms: readonly ScoreTerm[] }

function deterministic(kind: string, score: (candidate: ScoringCandidate) => Scored): Scorer {
  return {
    kind,
    firstPick(candidates) {
      let best: { id: string; score: number } | null = null;
      for (const c of candidates) {
        const s = score(c).score;
        if (best === null || s > best.score || (s === best.score && c.actionId < best.id)) best = { id: c.actionId, score: s };
      }
      return best === null ? [] : [{ actionId: best.id, probability: 1 }];
    },
    choose<C extends ScoringCandidate>(candidates: readonly C[], count: number): ScoredChoice<C>[] {
      return unique(candidates)
        .map((candidate) => ({ candidate, ...score(candidate) }))
        .sort((a, b) => b.score - a.score || byId(a.candidate, b.candidate))
        .slice(0, limit(count))
        .map(({ candidate, score: s, terms }) => ({ actionId: candidate.actionId, candidate, score: s, probability: 1, terms }));
    },
  };
}

/**
 * Highest score first, and among equal scores a uniform random pick, one at a time: each pick
 * records 1 / (candidates left with the top score). First-match targeting rules followed by a
 * split between equals (GrowthBook's rules, then an experiment) is this with distinct
 * priorities for the rules and one shared priority for the arms.
 */
function randomTies(kind: string, score: (candidate: ScoringCandidate) => Scored): Scorer {
  return {
    kind,
    firstPick(candidates) {
      const scored = unique(candidates).map((c) => ({ id: c.actionId, score: score(c).score }));
      const top = scored.reduce((max, c) => Math.max(max, c.score), Number.NEGATIVE_INFINITY);
      const ties = scored.filter((c) => c.score === top).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return ties.map((c) => ({ actionId: c.id, probability: 1 / ties.length }));
    },
    choose<C extends ScoringCandidate>(candidates: readonly C[], count: number, random: Random): ScoredChoice<C>[] {
      const pool = unique(candidates)
        .map((candidate) => ({ candidate, ...score(candidate) }))
        .sort((a, b) => b.score - a.score || byId(a.candidate, b.candidate));
      const chosen: ScoredChoice<C>[] = [];
      const wanted = Math.min(limit(count), pool.length);
      while (chosen.length < wanted) {
        let ties = 1;
        while (ties < pool.length && pool[ties]!.score === pool[0]!.score) ties++;
        const index = Math.min(ties - 1, Math.floor(random.next() * ties));
        const [pick] = pool.splice(index, 1);
        chosen.push({ actionId: pick!.candidate.actionId, candidate: pick!.candidate, score: pick!.score, probability: 1 / ties, terms: pick!.terms });
      }
      return chosen;
    },
  };
}

/**
 * Weighted random without replacement, one pick at a time: each pick chooses among the
 * candidates not yet chosen with probability weight / (sum of their weights), and records
 * that conditional probability. The probability of the whole ordered list is the product.
 * Weights below 0 (or not finite) count as 0. Zero-weight candidates come only after all
 * positive ones, uniformly among themselves (probability 1 / how many are left).
 */
function weighted(kind: string, weightFor: (candidate: ScoringCandidate, all: number) => ScoreTerm, explain?: (candidate: ScoringCandidate) => readonly ScoreTerm[]): Scorer {
  return {
    kind,
    firstPick(candidates) {
      // The same shares as the first draw of choose: weights over the largest, zero weights only
      // when none is positive. Plain loops: this runs on every decision of a shadowed placement.
      const distinct = unique(candidates).sort(byId);
      const n = distinct.length;
      const weights = new Float64Array(n);
      let largest = 0;
      for (let i = 0; i < n; i++) {
        const w = weightFor(distinct[i]!, n).value;
        weights[i] = w;
        if (w > largest) largest = w;
      }
      let total = 0;
      for (let i = 0; i < n; i++) total += weights[i] = largest > 0 ? weights[i]! / largest : 1;
      const picks: PickProbability[] = [];
      for (let i = 0; i < n; i++) if (weights[i]! > 0) picks.push({ actionId: distinct[i]!.actionId, probability: weights[i]! / total });
      return picks;
    },
    choose<C extends ScoringCandidate>(candidates: readonly C[], count: number, random: Random): ScoredChoice<C>[] {
      // Plain loops and no closure per pick: this runs at every decision of a Thompson or
      // contextual placement. The sums and the walk are those of the definition above, in order.
      const pool = unique(candidates).sort(byId);
      const weights = pool.map((candidate) => weightFor(candidate, pool.length));
      const chosen: ScoredChoice<C>[] = [];
      const wanted = Math.min(limit(count), pool.length);
      while (chosen.length < wanted) {
        // Shares are weights over the largest one, so that huge weights cannot sum to Infinity;
        // zero weights only when none is positive, then all alike.
        let positive = 0;
        let largest = 0;
        for (const w of weights) {
          if (w.value > 0) {
            positive++;
            largest = Math.max(largest, w.value);
          }
        }
        let total = 0;
        for (const w of weights) {
          if (positive === 0) total += 1;
          else if (w.value > 0) total += w.value / largest;
        }
        let target = random.next() * total;
        // Floating-point sums can leave target just above the last share: fall back to the last.
        let pick = -1;
        let share = 0;
        for (let i = 0; i < weights.length; i++) {
          const w = weights[i]!.value;
          if (positive > 0 && !(w > 0)) continue;
          pick = i;
          share = positive > 0 ? w / largest : 1;
          target -= share;
          if (target < 0) break;
        }
        const candidate = pool.splice(pick, 1)[0]!;
        const weight = weights.splice(pick, 1)[0]!;
        const terms = explain === undefined ? [weight] : [weight, ...explain(candidate)];
        chosen.push({ actionId: candidate.actionId, candidate, score: weight.value, probability: share / total, terms });
      }
      return chosen;
    },
  };
}

function weightOf(raw: number, from: 'priority' | 'value'): ScoreTerm {
  if (!Number.isFinite(raw)) return { name: 'weight', value: 0, note: `${from} is not a finite number: weight 0` };
  if (raw < 0) return { name: 'weight', value: 0, note: `${from} ${raw} is negative: weight 0` };
  return { name: 'weight', value: normalZero(raw), note: `from ${from}` };
}

/**
 * A bandit allocation's share. Among the eligible actions the shares are renormalised by the
 * weighted pick, so the recorded probability is exact for the allocation in force. An action
 * the allocation does not know yet (added since the last refresh) gets an equal share.
 */
function banditWeightOf(candidate: ScoringCandidate, all: number): ScoreTerm {
  const raw = candidate.banditWeight;
  if (raw === undefined) return { name: 'weight', value: 1 / all, note: 'not in the allocation yet: an equal share' };
  if (!Number.isFinite(raw) || raw < 0) return { name: 'weight', value: 0, note: `allocation gave ${raw}: weight 0` };
  return { name: 'weight', value: normalZero(raw), note: 'Thompson sampling allocation' };
}

/**
 * A contextual candidate's first-pick probability as its weight: the weighted pick draws the
 * first action with exactly that probability, and each later one over the actions left with
 * the probabilities renormalised (each conditional probability recorded).
 */
function contextualWeightOf(candidate: ScoringCandidate, all: number): ScoreTerm {
  const raw = candidate.contextual?.probability;
  if (raw === undefined) return { name: 'weight', value: 1 / all, note: 'no contextual score: an equal share' };
  if (!Number.isFinite(raw) || raw < 0) return { name: 'weight', value: 0, note: `contextual model gave ${raw}: weight 0` };
  return { name: 'weight', value: normalZero(raw), note: 'contextual bandit: probability of the first pick' };
}

function contextualTerms(candidate: ScoringCandidate): readonly ScoreTerm[] {
  const score = candidate.contextual;
  if (score === undefined) return [];
  return [{ name: 'mean', value: normalZero(score.mean), note: 'predicted reward θᵀx' }, { name: 'spread', value: normalZero(score.spread), note: 'its variance factor xᵀA⁻¹x' }];
}

function constantPropensity(constant: number): (candidate: ScoringCandidate) => ScoreTerm {
  const term = clampPropensity(constant, 'constant');
  return () => term;
}

function rulePropensity(candidate: ScoringCandidate): ScoreTerm {
  return clampPropensity(candidate.propensity, 'rule');
}

function clampPropensity(raw: unknown, source: 'rule' | 'constant' | 'learned'): ScoreTerm {
  if (typeof raw !== 'number' || !Number.isFinite(raw)) {
    return { name: 'propensity', value: 0, note: `${source} gave ${describe(raw)}, not a number: propensity 0` };
  }
  if (raw < 0) return { name: 'propensity', value: 0, note: `${source} gave ${raw}: clamped to 0` };
  if (raw > 1) return { name: 'propensity', value: 1, note: `${source} gave ${raw}: clamped to 1` };
  return { name: 'propensity', value: normalZero(raw), note: `from ${source}` };
}

function number(raw: number, name: 'priority' | 'value'): ScoreTerm {
  return Number.isFinite(raw) ? { name, value: normalZero(raw) } : { name, value: 0, note: `${name} is not a finite number: 0` };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (value === null || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value;
}

/** -0 becomes 0, so scores compare and serialise plainly. */
function normalZero(n: number): number {
  return n === 0 ? 0 : n;
}

function limit(count: number): number {
  return Number.isFinite(count) ? Math.max(0, Math.floor(count)) : count > 0 ? Number.MAX_SAFE_INTEGER : 0;
}

function byId(a: ScoringCandidate, b: ScoringCandidate): number {
  return a.actionId < b.actionId ? -1 : a.actionId > b.actionId ? 1 : 0;
}

function unique<C extends ScoringCandidate>(candidates: readonly C[]): C[] {
  const seen = new Set<string>();
  return candidates.filter((c) => !seen.has(c.actionId) && seen.add(c.actionId));
}
