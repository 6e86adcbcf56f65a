import { choiceProbabilitiesOf, type ContextualExploration } from '../bandits/linear/contextualChoice.js';
import { encodeKeyed, encodeKeyedSparse, featureKeysCached, featureKeysOf, type FeatureValue, type KeyedFeature } from '../bandits/linear/encodeFeatures.js';
import { withField } from '../common/withField.js';
import { predictSparse, type LinearModel, type SparseVector } from '../bandits/linear/LinearModel.js';
import { fnv1a32 } from '../experiments/hash.js';
import type { RuleInput, RuleSchema } from '../rules/compileRule.js';
import { closestName } from '../common/closestName.js';
import type { ContextualScore, ModelInputs, ScoringCandidate, ScoringStrategy } from './scoring.js';

/*
 * The contextual bandit strategy of a placement: one disjoint linear model per (placement,
 * action) over the inputs the strategy names (profile features, traits, request context),
 * linear Thompson sampling or LinUCB with a uniform exploration floor (core/bandits/linear).
 * Rules decide eligibility; this ranks the eligible actions. The inputs read at a decision are
 * recorded with it, so that learning (src/decide/ContextualBandits.ts) and a rebuild after a
 * restart re-encode exactly the vector the decision saw.
 */

export type ContextualStrategy = Extract<ScoringStrategy, { kind: 'contextual' }>;

/** The settings a contextual strategy leaves out, as served. */
export const contextualDefaults = {
  algorithm: 'thompson',
  reward: 'click',
  scale: 0.25,
  alpha: 1,
  minExplorationShare: 0.01,
  dims: 64,
  ridge: 1,
} as const;

/**
 * A click or conversion counts only within this time after its decision, and so does the
 * impression: learning keeps a decision's inputs in memory for this long.
 */
export const contextualWindowMillis = 24 * 3_600_000;

/** What a decision of a contextual placement records so that it can be learned from. */
export interface ContextualRecord {
  /** The inputs read, by their full names (`features.orders_90d`, `traits.tier`, `context.device`); null: absent. */
  readonly inputs: Readonly<Record<string, FeatureValue>>;
  /** The model keys (`contextualModelKey`) that learn from this decision: the live strategy's, the shadow's. */
  readonly models: readonly string[];
}

/** One input as read: its recorded name and its path from the rule input's root. */
export interface InputPath {
  readonly name: string;
  readonly root: 'features' | 'traits' | 'context';
  readonly path: readonly string[];
}

/** A strategy ready to score with: settings filled in, input paths parsed, model key computed (once per strategy object). */
export interface CompiledContextual {
  /** Which learner: a Bayesian ridge model (a learned propensity's is `logistic`, core/decide/learnedPropensity.ts). */
  readonly model: 'linear';
  readonly key: string;
  readonly names: readonly string[];
  readonly paths: readonly InputPath[];
  readonly exploration: ContextualExploration;
  readonly floor: number;
  readonly dims: number;
  readonly ridge: number;
  readonly reward: 'click' | 'conversion';
  /** The hashed keys of recorded inputs (`featureKeysCached` over `names`): what a decision encodes. */
  readonly keysOf: (inputs: Readonly<Record<string, FeatureValue>>) => KeyedFeature[];
  /** `encodeKeyedSparse([keysOf(inputs)], dims)`, kept per combination of values (`sparseEncoder`): shared, never to be changed. */
  readonly sparseOf: (inputs: Readonly<Record<string, FeatureValue>>) => SparseVector;
}

const compiled = new WeakMap<ContextualStrategy, CompiledContextual>();

/** A model's full input names, sorted: what the model key and the encoding read (a contextual strategy's, a learned propensity's). */
export function inputPaths(inputs: ModelInputs): InputPath[] {
  const { features = [], traits = [], context = [] } = inputs;
  const paths: InputPath[] = [
    ...features.map((n) => ({ name: `features.${n}`, root: 'features' as const, path: [n] })),
    ...traits.map((n) => ({ name: `traits.${n}`, root: 'traits' as const, path: [n] })),
    // Context keys may be dotted paths into the request's context (`page.path`).
    ...context.map((n) => ({ name: `context.${n}`, root: 'context' as const, path: n.split('.') })),
  ];
  const unique = new Map(paths.map((p) => [p.name, p]));
  return [...unique.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The strategy as scoring and learning use it. The key fingerprints what the model learns
 * (its inputs, size, ridge and reward), not how it explores: a changed `scale`, `alpha` or
 * floor keeps the learned model, and a shadow promoted to live keeps the model it learned in
 * shadow.
 *
 * @example compileContextual({ kind: 'contextual', inputs: { context: ['device'] } }).key // '5f0c...'
 */
export function compileContextual(strategy: ContextualStrategy): CompiledContextual {
  let found = compiled.get(strategy);
  if (found === undefined) {
    const paths = inputPaths(strategy.inputs);
    const names = paths.map((p) => p.name);
    const dims = strategy.dims ?? contextualDefaults.dims;
    const ridge = strategy.ridge ?? contextualDefaults.ridge;
    const reward = strategy.reward ?? contextualDefaults.reward;
    const exploration: ContextualExploration = (strategy.algorithm ?? contextualDefaults.algorithm) === 'ucb'
      ? { kind: 'linUCB', alpha: strategy.alpha ?? contextualDefaults.alpha }
      : { kind: 'linTS', scale: strategy.scale ?? contextualDefaults.scale };
    const key = fnv1a32(JSON.stringify({ names, dims, ridge, reward })).toString(16).padStart(8, '0');
    const keysOf = featureKeysCached('x', names);
    found = { model: 'linear', key, names, paths, exploration, floor: strategy.minExplorationShare ?? contextualDefaults.minExplorationShare, dims, ridge, reward, keysOf, sparseOf: sparseEncoder(names, dims, keysOf) };
    compiled.set(strategy, found);
  }
  return found;
}

/** A value a model can encode: finite numbers, booleans and short strings; anything else is absent. */
function scalar(value: unknown): FeatureValue {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length <= 200 ? value : null;
  return null;
}

function at(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * The strategy's inputs for one decision, added to `into` by full name (a live and a shadow
 * strategy share one record).
 */
export function readContextualInputs(strategy: Pick<CompiledContextual, 'paths'>, input: RuleInput, into: Record<string, FeatureValue> = {}): Record<string, FeatureValue> {
  const traits = (input.profile as { traits?: unknown } | undefined)?.traits;
  for (const p of strategy.paths) {
    const root = p.root === 'features' ? input.features : p.root === 'traits' ? traits : input.context;
    into[p.name] = scalar(at(root, p.path));
  }
  return into;
}

/**
 * The model's vector for recorded inputs: only the strategy's own names (a record may hold a
 * shadow's too), hashed as `encodeFeatures` does, intercept at 0.
 *
 * @example encodeContextual(compileContextual(strategy), { 'context.device': 'mobile' })
 */
export function encodeContextual(strategy: Pick<CompiledContextual, 'names' | 'dims'>, inputs: Readonly<Record<string, FeatureValue>>): Float64Array {
  // The names are sorted as `encodeFeatures` sorts keys, so hashing them in place gives its
  // vector without copying the inputs into a record and sorting its keys at every decision.
  return encodeKeyed([featureKeysOf('x', strategy.names, inputs)], strategy.dims);
}

/**
 * `sparseOf(encodeContextual(strategy, inputs))`, the vector a decision predicts with, for one
 * strategy's names, without the dense vector (`encodeKeyedSparse`), keeping the vector of each combination of
 * values seen: a placement's decisions read a few combinations (a segment, a device, a plan)
 * again and again, and hashing them into buckets and sorting the entries cost a decision about
 * as much as predicting two actions. Keyed by the values, each tagged with its type and a
 * string with its length, so no two combinations share a key. At most `limit` are kept, each
 * key at most `maxKeyLength` characters (past either, vectors are encoded at each call, as
 * before), so numeric inputs with many values or long values from a request cannot grow it
 * without bound. The vectors are shared: callers read them only.
 *
 * @example sparseEncoder(['x.device'], 64, featureKeysCached('x', ['x.device']))({ 'x.device': 'mobile' })
 */
export function sparseEncoder(names: readonly string[], dims: number, keysOf: (inputs: Readonly<Record<string, FeatureValue>>) => KeyedFeature[], limit = 4_096, maxKeyLength = 256): (inputs: Readonly<Record<string, FeatureValue>>) => SparseVector {
  const known = new Map<string, SparseVector>();
  return (inputs) => {
    let key = '';
    for (const name of names) {
      const value = inputs[name];
      key += typeof value === 'string' ? `s${value.length}:${value}` : typeof value === 'number' ? `n${value};` : typeof value === 'boolean' ? (value ? 't' : 'f') : '-';
    }
    let vector = known.get(key);
    if (vector === undefined) {
      vector = encodeKeyedSparse([keysOf(inputs)], dims);
      if (known.size < limit && key.length <= maxKeyLength) known.set(key, vector);
    }
    return vector;
  };
}

/** The models of one placement's strategy, by action id; an action missing has learned nothing yet. */
export type ContextualModelLookup = (placementId: string, key: string) => ReadonlyMap<string, LinearModel> | undefined;

/**
 * Each candidate's first-pick probability under the strategy, for a context vector `x`: a
 * prediction per action (O(nnz²), no allocation beyond the result), then the exact choice
 * probabilities of linear Thompson sampling (by quadrature) or LinUCB, with the floor mixed in
 * uniformly. In the candidates' order.
 */
export function scoreContextual(strategy: CompiledContextual, x: SparseVector, candidates: readonly ScoringCandidate[], models: ReadonlyMap<string, LinearModel> | undefined): ContextualScore[] {
  const n = candidates.length;
  const { means, spreads } = columnsOf(n);
  for (let i = 0; i < n; i++) {
    const { mean, spread } = predictSparse(models?.get(candidates[i]!.actionId), x, strategy.ridge);
    means[i] = mean;
    spreads[i] = spread;
  }
  // Candidates are distinct actions (a placement's, from a map by id), so by index is by id.
  const probabilities = choiceProbabilitiesOf(candidates, means, spreads, strategy.exploration, strategy.floor);
  const scores = new Array<ContextualScore>(n);
  for (let i = 0; i < n; i++) scores[i] = { probability: probabilities[i]!, mean: means[i]!, spread: spreads[i]! };
  return scores;
}

/**
 * The predictions of a decision's candidates, by candidate count, reused: an object per
 * candidate (its mean and spread boxed) was most of what the score step allocated. Nothing in
 * them outlives `scoreContextual` (JavaScript runs one call at a time).
 */
const columns: { means: Float64Array; spreads: Float64Array }[] = [];

function columnsOf(n: number): { means: Float64Array; spreads: Float64Array } {
  let found = columns[n];
  if (found === undefined) {
    found = { means: new Float64Array(n), spreads: new Float64Array(n) };
    // A placement has a few candidate counts; past 64 actions a decision allocates its own.
    if (n <= 64) columns[n] = found;
  }
  return found;
}

/**
 * The candidates' contextual scores, in their order, and the inputs read into `record`: what
 * the score step (live strategy) and the shadow step (shadow strategy) both compute.
 */
export function contextualScoresOf(
  settings: CompiledContextual, placementId: string, candidates: readonly ScoringCandidate[], input: RuleInput, models: ContextualModelLookup | undefined, record: Record<string, FeatureValue>,
): ContextualScore[] {
  const inputs = readContextualInputs(settings, input, record);
  return scoreContextual(settings, settings.sparseOf(inputs), candidates, models?.(placementId, settings.key));
}

/** The candidates with their contextual scores (`contextualScoresOf`), each a copy with the score added. */
export function withContextualScores<C extends ScoringCandidate>(
  strategy: ContextualStrategy, placementId: string, candidates: readonly C[], input: RuleInput, models: ContextualModelLookup | undefined, record: Record<string, FeatureValue>,
): C[] {
  const scores = contextualScoresOf(compileContextual(strategy), placementId, candidates, input, models, record);
  const scored = new Array<C & { contextual: ContextualScore }>(candidates.length);
  for (let i = 0; i < candidates.length; i++) scored[i] = withField(candidates[i]!, 'contextual', scores[i]!);
  return scored;
}

const traitName = /^[A-Za-z0-9_$][A-Za-z0-9_$-]*$/;
const contextKey = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/** Why a strategy's inputs cannot work, with the field under the strategy (`/inputs/features/0`); null when they can. */
export interface ContextualInputProblem {
  readonly detail: string;
  readonly field: string;
  readonly suggestion?: string;
}

/**
 * A learned model's inputs (a contextual strategy's, a learned propensity's) name features the
 * workspace has (as a rule would, `features.x`), traits and context keys by plain names, and
 * at least one of them (an intercept alone would be a context-free model: that is `thompson`,
 * or a constant propensity). Other strategies have nothing to check.
 *
 * @example contextualInputProblem({ kind: 'contextual', inputs: { features: ['nope'] } }, schema) // { field: '/inputs/features/0', ... }
 */
export function contextualInputProblem(strategy: ScoringStrategy, schema: RuleSchema): ContextualInputProblem | null {
  if (strategy.kind === 'contextual') return inputsProblem(strategy.inputs, schema, '/inputs', 'a contextual strategy');
  if (strategy.kind === 'expectedValue' && 'kind' in strategy.propensity) return inputsProblem(strategy.propensity.inputs, schema, '/propensity/inputs', 'a learned propensity');
  return null;
}

function inputsProblem(inputs: ModelInputs, schema: RuleSchema, at: string, what: string): ContextualInputProblem | null {
  const { features = [], traits = [], context = [] } = inputs;
  if (features.length + traits.length + context.length === 0) return { detail: `${what} needs at least one input: features, traits or context keys`, field: at };
  const fields = schema.fields ?? {};
  for (const [index, name] of features.entries()) {
    if (Object.hasOwn(fields, `features.${name}`)) continue;
    const hint = closestName(name, Object.keys(fields).filter((f) => f.startsWith('features.')).map((f) => f.slice('features.'.length)));
    return { detail: `the workspace has no feature "${name}"${hint === null ? '' : ` (did you mean "${hint}"?)`}`, field: `${at}/features/${index}`, ...(hint === null ? {} : { suggestion: hint }) };
  }
  for (const [index, name] of traits.entries()) {
    if (!traitName.test(name)) return { detail: `"${name}" is not a trait name (letters, digits, _, $ and -)`, field: `${at}/traits/${index}` };
  }
  for (const [index, name] of context.entries()) {
    if (!contextKey.test(name)) return { detail: `"${name}" is not a context key (names joined by dots: page.path)`, field: `${at}/context/${index}` };
  }
  return null;
}
