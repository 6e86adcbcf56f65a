import { predictOnlineLogistic, type OnlineLogisticModel, type OnlineLogisticSettings } from '../bandits/logistic/OnlineLogisticModel.js';
import type { FeatureValue } from '../bandits/linear/encodeFeatures.js';
import { fnv1a32 } from '../experiments/hash.js';
import type { RuleInput } from '../rules/compileRule.js';
import { encodeContextual, inputPaths, readContextualInputs, type InputPath } from './contextual.js';
import { learnedPropensityDefaults, type LearnedPropensity, type ScoringCandidate, type ScoringStrategy } from './scoring.js';
import { withField } from '../common/withField.js';

/*
 * The learned propensity of an expected-value strategy: one online logistic regression per
 * (placement, model key, action) over the inputs it names, read and hashed exactly as a
 * contextual strategy's (core/decide/contextual.ts), and recorded with the decision in the same
 * learning record, so that the same shell (src/decide/ContextualBandits.ts) learns both kinds of
 * model from the same impressions and outcomes, and rebuilds them from the log.
 */

/** A learned propensity ready to score and learn with: settings filled in, inputs parsed, model key computed (once per object). */
export interface CompiledLearnedPropensity {
  readonly model: 'logistic';
  readonly key: string;
  readonly names: readonly string[];
  readonly paths: readonly InputPath[];
  readonly dims: number;
  /** What a positive is: a click or a conversion (named as the contextual learner's). */
  readonly reward: 'click' | 'conversion';
  readonly settings: OnlineLogisticSettings;
}

const compiled = new WeakMap<LearnedPropensity, CompiledLearnedPropensity>();

/** The learned propensity of a strategy, or null when it has none. */
export function learnedPropensityOf(strategy: ScoringStrategy | undefined): LearnedPropensity | null {
  return strategy?.kind === 'expectedValue' && 'kind' in strategy.propensity ? strategy.propensity : null;
}

/**
 * The propensity as scoring and learning use it. The key fingerprints what the model learns
 * (inputs, size, penalty, learning rate, outcome), not how it is used: a changed prior,
 * `minImpressions` or exploration share keeps the learned models, and so does a shadow promoted
 * to live. `logistic` in the fingerprint keeps its keys apart from the contextual models'.
 *
 * @example compileLearnedPropensity({ kind: 'learned', inputs: { context: ['device'] } }).key // '3a91...'
 */
export function compileLearnedPropensity(source: LearnedPropensity): CompiledLearnedPropensity {
  let found = compiled.get(source);
  if (found === undefined) {
    const paths = inputPaths(source.inputs);
    const names = paths.map((p) => p.name);
    const dims = source.dims ?? learnedPropensityDefaults.dims;
    const reward = source.outcome ?? learnedPropensityDefaults.outcome;
    const settings: OnlineLogisticSettings = { l2: source.l2 ?? learnedPropensityDefaults.l2, alpha: source.learningRate ?? learnedPropensityDefaults.learningRate, beta: 1 };
    const key = fnv1a32(JSON.stringify({ model: 'logistic', names, dims, reward, l2: settings.l2, alpha: settings.alpha })).toString(16).padStart(8, '0');
    found = { model: 'logistic', key, names, paths, dims, reward, settings };
    compiled.set(source, found);
  }
  return found;
}

/** The propensity models of one placement's learned propensity, by action id; an action missing has learned nothing yet. */
export type PropensityModelLookup = (placementId: string, key: string) => ReadonlyMap<string, OnlineLogisticModel> | undefined;

/** What a placement's decisions record for learning: the inputs read and the keys of the models that learn from them. */
export interface LearningRecord {
  readonly inputs: Record<string, FeatureValue>;
  readonly models: string[];
}

/**
 * The candidates with their learned probabilities (`ScoringCandidate.learned`) when the strategy
 * has a learned propensity, and the learning record with its inputs and model key joined (the
 * score step's live strategy, the shadow step's shadow); null for other strategies.
 */
export function scoreLearnedPropensity<C extends ScoringCandidate>(
  strategy: ScoringStrategy, placementId: string, candidates: readonly C[], input: RuleInput, models: PropensityModelLookup | undefined, learning: LearningRecord | null,
): { candidates: C[]; learning: LearningRecord } | null {
  const source = learnedPropensityOf(strategy);
  if (source === null || candidates.length === 0) return null;
  const settings = compileLearnedPropensity(source);
  const inputs = readContextualInputs(settings, input, learning?.inputs ?? {});
  const x = encodeContextual(settings, inputs);
  const actions = models?.(placementId, settings.key);
  const scored = candidates.map((c) => {
    const model = actions?.get(c.actionId);
    return model === undefined ? c : withField(c, 'learned', { probability: predictOnlineLogistic(model, x), observations: model.observations, positives: model.positives });
  });
  const keys = learning?.models ?? [];
  return { candidates: scored, learning: { inputs, models: keys.includes(settings.key) ? keys : [...keys, settings.key] } };
}
