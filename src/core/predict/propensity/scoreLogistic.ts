import { assertSameColumns } from './standardise.js';
import type { FeatureMatrix } from './FeatureMatrix.js';
import { sigmoid, type LogisticModel } from './fitLogistic.js';

/** What one feature added to a score's log-odds: coefficient × (standardised) value. */
export interface Contribution {
  readonly feature: string;
  readonly value: number;
  readonly contribution: number;
}

export interface LogisticScore {
  /** P(label = 1): for a purchase label, the purchase propensity. */
  readonly probability: number;
  /** intercept + Σ contributions: the log-odds. */
  readonly logit: number;
  /** Largest |contribution| first (ties by column order); the intercept is the baseline they move from. */
  readonly contributions: readonly Contribution[];
}

/**
 * Scores rows with a fitted model and explains each score: on standardised features,
 * coefficient × value is how many log-odds this customer's feature moves the score away from
 * an average customer's (whose standardised values are 0), so the contributions sum with the
 * intercept to the logit exactly. `top` keeps only the largest few per row.
 *
 * @example scoreLogistic(model, standardise(test, standardiser), { top: 3 })[0].contributions[0].feature // 'recencyDays'
 */
export function scoreLogistic(model: LogisticModel, matrix: FeatureMatrix, options: { readonly top?: number } = {}): LogisticScore[] {
  assertSameColumns(matrix.columns, model.columns);
  const top = options.top ?? model.columns.length;
  return matrix.rows.map((row) => {
    const contributions = model.columns.map((feature, j) => ({ feature, value: row[j]!, contribution: model.coefficients[j]! * row[j]! }));
    const logit = contributions.reduce((sum, item) => sum + item.contribution, model.intercept);
    return { probability: sigmoid(logit), logit, contributions: rankContributions(contributions, top) };
  });
}

/**
 * The `top` contributions of largest magnitude, largest first; ties keep the given (column) order.
 *
 * @example rankContributions([{ feature: 'a', value: 1, contribution: 0.1 }, { feature: 'b', value: 2, contribution: -0.5 }], 1) // [b]
 */
export function rankContributions(contributions: readonly Contribution[], top: number): Contribution[] {
  if (top <= 0) return [];
  return contributions
    .map((item, order) => ({ item, order }))
    .sort((a, b) => Math.abs(b.item.contribution) - Math.abs(a.item.contribution) || a.order - b.order)
    .slice(0, top)
    .map(({ item }) => item);
}
