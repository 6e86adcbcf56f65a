import { seededRandom } from '../common/random.js';
import { fnv1a32 } from '../experiments/hash.js';
import type { Candidate, DecisionStep, ShadowDecision } from './decisionTypes.js';
import { firstPickProbabilities } from './scoring.js';
import { compileContextual, withContextualScores } from './contextual.js';
import { scoreLearnedPropensity } from './learnedPropensity.js';
import { withField } from '../common/withField.js';

/**
 * The placement's shadow strategy (safe rollout): after the live choice is rendered, the
 * shadow scores the candidates the live strategy chose among and its first-pick
 * probabilities go on the first decision, for the record only. It draws its own pick from a
 * stream seeded by the decision id, never from the decision's random source, so the live
 * choice (and every later placement of the request) is what it would be without a shadow.
 * Only the first decision carries it: off-policy evaluation weighs the first pick, whose
 * logged probability is its marginal one. Fallbacks carry none (nothing was chosen).
 */
export const shadow: DecisionStep = {
  name: 'shadow',
  run(run, frame) {
    const compiled = run.placement.shadow;
    const first = run.decisions[0];
    if (compiled === null || first === undefined || first.actionId === null || run.candidates.length === 0) return;
    let candidates: readonly Candidate[] = run.candidates;
    if (compiled.strategy.kind === 'contextual') {
      // The shadow's own model over its own inputs; the inputs join the record, so its model learns from what is served.
      const inputs = run.contextual?.inputs ?? {};
      candidates = withContextualScores(compiled.strategy, run.placement.id, candidates, frame.input, frame.env.contextualModels, inputs);
      const key = compileContextual(compiled.strategy).key;
      const models = run.contextual?.models ?? [];
      run.contextual = { inputs, models: models.includes(key) ? models : [...models, key] };
    }
    const learned = scoreLearnedPropensity(compiled.strategy, run.placement.id, candidates, frame.input, frame.env.propensityModels, run.contextual);
    if (learned !== null) ({ candidates, learning: run.contextual } = learned);
    if (compiled.propensity !== null) {
      const propensity = compiled.propensity.evaluate(frame.input);
      candidates = candidates.map((c) => withField(c, 'propensity', propensity));
    }
    const picks = firstPickProbabilities(candidates, compiled.strategy);
    if (picks.length === 0) return;
    const probabilities: Record<string, number> = {};
    for (const p of picks) probabilities[p.actionId] = p.probability;
    const record: ShadowDecision = { strategy: compiled.strategy.kind, key: compiled.key, actionId: drawn(picks, first.decisionId), probabilities };
    run.decisions[0] = withField(first, 'shadow', record);
  },
};

/** The shadow's own pick: deterministic strategies need no draw; the others draw from the decision id's stream. */
function drawn(picks: readonly { readonly actionId: string; readonly probability: number }[], decisionId: string): string {
  if (picks.length === 1) return picks[0]!.actionId;
  let target = seededRandom(fnv1a32(`shadow:${decisionId}`)).next();
  for (const p of picks) {
    target -= p.probability;
    if (target < 0) return p.actionId;
  }
  return picks[picks.length - 1]!.actionId;
}
