import type { Random } from '../../common/random.js';
import type { OutOfFoldScores } from './chooseCalibration.js';
import { classificationMetrics } from './classificationMetrics.js';
import type { BoostedTreesOptions } from './fitBoostedTrees.js';
import { fitPropensity, scorePropensity, selectInput, type PropensityInput } from './propensityModel.js';

/** The two model families a propensity model can be. */
export type PropensityLearner = 'logistic' | 'trees';

/** How one model did on the training half's out-of-fold rows. */
export interface ModelCandidate {
  readonly model: PropensityLearner;
  readonly logLoss: number;
  readonly ece: number;
  readonly auc: number | null;
}

/** What chooseModel compared and kept, stored with the model's held-out metrics. */
export interface ModelChoice {
  readonly model: PropensityLearner;
  /** Out-of-fold training rows both models were judged on. */
  readonly rows: number;
  readonly chosenBy: 'cross-fitted out-of-fold log loss';
  readonly candidates: readonly ModelCandidate[];
}

/** Out-of-fold scores with the training rows they belong to (crossValidateL2's). */
export type ScoredFolds = OutOfFoldScores & { readonly rows: readonly number[] };

/**
 * Boosted trees' out-of-fold scores on the same rows and folds as the logistic model's: each
 * fold scored by trees (and their own preparation) fitted on the other folds' rows only, so the
 * two models are compared on equal terms.
 *
 * @example crossFitTrees(input, labels, cv.outOfFold, seededRandom(1)).probabilities
 */
export function crossFitTrees(input: PropensityInput, labels: readonly number[], folds: ScoredFolds, random: Random, options: Omit<BoostedTreesOptions, 'random'> = {}): OutOfFoldScores {
  const probabilities = new Array<number>(folds.rows.length).fill(Number.NaN);
  for (const fold of [...new Set(folds.folds)].sort((a, b) => a - b)) {
    const inside = folds.rows.flatMap((row, k) => (folds.folds[k] === fold ? [] : [row]));
    const positions = folds.folds.flatMap((f, k) => (f === fold ? [k] : []));
    const model = fitPropensity(selectInput(input, inside), inside.map((row) => labels[row]!), { trees: { ...options, random } });
    scorePropensity(model, selectInput(input, positions.map((k) => folds.rows[k]!)), { top: 0 })
      .forEach((score, i) => { probabilities[positions[i]!] = score.propensity; });
  }
  return { probabilities, labels: folds.labels, folds: folds.folds };
}

/**
 * Logistic regression or boosted trees, whichever has the lower log loss on out-of-fold scores
 * of the training half (neither saw the rows it is judged on; the held-out half never enters).
 * The trees must do strictly better: the logistic model is the simpler one and explains its
 * scores with one coefficient a column. Log loss rather than AUC because the model's
 * probabilities are used as such (segments on `predictions.purchase_propensity > 0.3`).
 *
 * @example chooseModel(cv.outOfFold, crossFitTrees(input, labels, cv.outOfFold, random)).choice.model
 */
export function chooseModel(logistic: OutOfFoldScores, trees: OutOfFoldScores): { readonly model: PropensityLearner; readonly outOfFold: OutOfFoldScores; readonly choice: ModelChoice } {
  const judge = (model: PropensityLearner, scores: OutOfFoldScores): ModelCandidate => {
    const metrics = classificationMetrics(scores.probabilities, scores.labels);
    return { model, logLoss: metrics.logLoss, ece: metrics.ece, auc: metrics.auc };
  };
  const candidates = [judge('logistic', logistic), judge('trees', trees)] as const;
  const model: PropensityLearner = candidates[1].logLoss < candidates[0].logLoss ? 'trees' : 'logistic';
  return {
    model,
    outOfFold: model === 'trees' ? trees : logistic,
    choice: { model, rows: logistic.labels.length, chosenBy: 'cross-fitted out-of-fold log loss', candidates },
  };
}
