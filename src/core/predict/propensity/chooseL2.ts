import type { Random } from '../../common/random.js';
import type { OutOfFoldScores } from './chooseCalibration.js';
import { fitPropensity, scorePropensity, selectInput, type PropensityInput } from './propensityModel.js';

/** The penalties tried, weakest first; λ is on standardised columns, so one grid fits every workspace. */
export const l2Grid: readonly number[] = [0.1, 1, 10, 100, 1000];

export interface ChooseL2Options {
  /** Default 3. */
  readonly folds?: number;
  /** Rows the cross-validation reads at most (a seeded sample of them); default 5,000, which bounds a training's cost. */
  readonly maxRows?: number;
}

/** The chosen penalty and, when the folds could be fitted, the winning penalty's out-of-fold scores. */
export interface L2CrossValidation {
  /** Scaled to all the rows the caller fits on (see chooseL2). */
  readonly l2: number;
  /** `rows`: the training rows scored (ascending), which another model's cross-fit reuses with the same folds. */
  readonly outOfFold?: OutOfFoldScores & { readonly rows: readonly number[] };
}

/**
 * The L2 strength with the lowest out-of-fold log loss, by seeded k-fold cross-validation on
 * the training rows only (the held-out half stays untouched). A workspace's model has as many
 * rows as it has customers: with a few hundred, the default λ = 1 overfits a dozen columns and
 * its probabilities spread too far (poor calibration); with tens of thousands a weak penalty
 * wins. Ties go to the stronger penalty. The penalty is on the summed loss, so the λ found on
 * the folds' rows is scaled to all `labels.length` rows the caller fits on.
 *
 * @example chooseL2(input, labels, seededRandom(1)) // 10
 */
export function chooseL2(input: PropensityInput, labels: readonly number[], random: Random, options: ChooseL2Options = {}): number {
  return crossValidateL2(input, labels, random, options).l2;
}

/**
 * chooseL2's cross-validation, also returning the chosen penalty's out-of-fold scores (the
 * sampled rows' probabilities from the models that did not see them), on which a calibration
 * map is fitted (chooseCalibration) without touching the held-out half.
 *
 * @example crossValidateL2(input, labels, seededRandom(1)).outOfFold?.probabilities.length
 */
export function crossValidateL2(input: PropensityInput, labels: readonly number[], random: Random, options: ChooseL2Options = {}): L2CrossValidation {
  const folds = options.folds ?? 3;
  const total = labels.length;
  if (total < 2 * folds) return { l2: 1 };
  const shuffled = Array.from({ length: total }, (_v, i) => i);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const order = shuffled.slice(0, Math.min(total, options.maxRows ?? 5000));
  const n = order.length;
  const foldOf = new Int32Array(total).fill(-1);
  order.forEach((row, position) => { foldOf[row] = position % folds; });
  const rows = (fold: number, inside: boolean) => order.filter((row) => (foldOf[row] === fold) === inside).sort((a, b) => a - b);
  const subset = (indices: readonly number[]): PropensityInput => selectInput(input, indices);
  // Out-of-fold rows in ascending row order, so the scores line up whatever the fold.
  const scored = [...order].sort((a, b) => a - b);
  const positionOf = new Map(scored.map((row, k) => [row, k]));
  let best: { l2: number; loss: number; probabilities: number[] } = { l2: 1, loss: Number.POSITIVE_INFINITY, probabilities: [] };
  for (const l2 of l2Grid) {
    let loss = 0;
    const probabilities = new Array<number>(n).fill(Number.NaN);
    for (let fold = 0; fold < folds; fold++) {
      const train = rows(fold, false);
      const test = rows(fold, true);
      const trainLabels = train.map((i) => labels[i]!);
      // A fold with one class cannot be fitted; the whole grid then sees the same folds.
      if (trainLabels.every((y) => y === trainLabels[0])) return { l2: 1 };
      const model = fitPropensity(subset(train), trainLabels, { l2 });
      scorePropensity(model, subset(test), { top: 0 }).forEach((score, k) => {
        probabilities[positionOf.get(test[k]!)!] = score.propensity;
        const p = Math.min(1 - 1e-12, Math.max(1e-12, score.propensity));
        loss -= labels[test[k]!] === 1 ? Math.log(p) : Math.log(1 - p);
      });
    }
    if (loss <= best.loss) best = { l2, loss, probabilities };
  }
  // Each fold trained on n·(folds−1)/folds rows.
  return {
    l2: (best.l2 * total) / ((n * (folds - 1)) / folds),
    outOfFold: { probabilities: best.probabilities, labels: scored.map((row) => labels[row]!), folds: scored.map((row) => foldOf[row]!), rows: scored },
  };
}
