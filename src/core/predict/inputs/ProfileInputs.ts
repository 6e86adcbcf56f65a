import type { FeatureMatrix } from '../propensity/FeatureMatrix.js';
import { featureMatrix } from '../propensity/FeatureMatrix.js';

/** The profile state a workspace chooses to feed its prediction model, beside the purchase history. */
export interface ChosenInputs {
  /** Names of the workspace's features (numeric, boolean or text values). */
  readonly features: readonly string[];
  /** Trait names (any; a trait no profile has is left out with a note). */
  readonly traits: readonly string[];
}

/** One profile's values of the chosen inputs: features as read at a time, traits as held then. */
export interface ProfileInputValues {
  readonly features: Readonly<Record<string, unknown>>;
  readonly traits: Readonly<Record<string, unknown>>;
}

/**
 * One column of the matrix: numbers and booleans (1/0) are numeric, text is a category
 * (one-hot over the most frequent values). The name is the rule path (`features.visits_7d`,
 * `traits.plan`), so explanations read like rules.
 */
export interface InputColumn {
  readonly source: 'features' | 'traits';
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /**
   * A numeric column that also gets a `log(1 + x)` companion column (`features.visits:log`),
   * right after it: see `withLogCompanions`. Absent on models trained before it existed.
   */
  readonly log?: boolean;
}

const isoDate = /^\d{4}-\d{2}-\d{2}(T|$)/;

/** Categories kept per text column: the most frequent; rarer values encode like missing. */
export const MAX_CATEGORIES = 20;

export const noInputs: ChosenInputs = { features: [], traits: [] };

export function hasInputs(chosen: ChosenInputs | undefined): chosen is ChosenInputs {
  return chosen !== undefined && chosen.features.length + chosen.traits.length > 0;
}

/** The rule path of a column: its name in the model's coefficients and explanations. */
export function columnName(column: InputColumn): string {
  return `${column.source}.${column.name}`;
}

/** A value as a number (booleans 1/0), or NaN when it is missing or not a number. */
export function numericValue(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number.NaN;
}

/** A value as a category: text, or a number written out; null when missing or structured. */
export function categoryValue(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/**
 * Decides each chosen input's kind from the values the training sees: numeric when every
 * present value is a number or a boolean, categorical when any is text. An input no profile
 * has (or only with lists and objects) gets no column and a note, so a misspelt trait is
 * visible in the model's notes rather than a silently constant column.
 *
 * @example resolveInputColumns({ features: ['visits_7d'], traits: ['plan'] }, rows, notes)
 */
export function resolveInputColumns(chosen: ChosenInputs, rows: readonly ProfileInputValues[], notes: string[]): InputColumn[] {
  const columns: InputColumn[] = [];
  const sources = [['features', chosen.features], ['traits', chosen.traits]] as const;
  for (const [source, names] of sources) {
    for (const name of names) {
      let present = 0;
      let text = 0;
      let dates = 0;
      for (const row of rows) {
        const value = row[source][name];
        if (typeof value === 'string') {
          text++;
          if (isoDate.test(value)) dates++;
        } else if (!(typeof value === 'number' && Number.isFinite(value)) && typeof value !== 'boolean') continue;
        present++;
      }
      if (present === 0) notes.push(`inputs: no profile has a number or text in ${source}.${name}; it is left out`);
      // One-hot over exact timestamps means nothing and overfits; a time is an input as an age (a feature of its own).
      else if (dates > 0 && dates === text) notes.push(`inputs: ${source}.${name} holds dates, which are not categories; it is left out (learn from a count or a days-since feature instead)`);
      else columns.push({ source, name, kind: text > 0 ? 'categorical' : 'numeric' });
    }
  }
  return columns;
}

/**
 * Marks the numeric columns whose training values are counts or amounts (none negative, some
 * above 1) for a `log(1 + x)` companion column. A propensity is a logistic model: a raw count
 * enters its log-odds linearly, so a customer with 30 visits is scored as ten times as sure
 * as one with 3, whereas buying saturates. The purchase columns have their logs for the same
 * reason (`purchaseFeatureColumns`); with only the raw counts, cross-validation picks a strong
 * penalty to tame the heavy visitors' overconfident scores, which flattens every other
 * coefficient, and the top deciles come out over-predicted. The raw column stays, so the model
 * can still use the linear part. 0/1 columns get none (their log is the same column).
 *
 * @example withLogCompanions(columns, rows) // features.visits → also features.visits:log
 */
export function withLogCompanions(columns: readonly InputColumn[], rows: readonly (ProfileInputValues | undefined)[]): InputColumn[] {
  return columns.map((c) => {
    if (c.kind !== 'numeric') return c;
    let above1 = false;
    for (const row of rows) {
      const value = row === undefined ? Number.NaN : numericValue(row[c.source][c.name]);
      if (value < 0) return c;
      if (value > 1) above1 = true;
    }
    return above1 ? { ...c, log: true } : c;
  });
}

/** The names of the numeric matrix columns: each numeric input, then its log companion when it has one. */
export function numericColumnNames(columns: readonly InputColumn[]): string[] {
  return columns.filter((c) => c.kind === 'numeric').flatMap((c) => (c.log === true ? [columnName(c), `${columnName(c)}:log`] : [columnName(c)]));
}

/** The numeric columns' values of one profile, in column order (NaN missing), log companions included. */
export function numericInputs(columns: readonly InputColumn[], values: ProfileInputValues | undefined): number[] {
  const out: number[] = [];
  for (const c of columns) {
    if (c.kind !== 'numeric') continue;
    const value = values === undefined ? Number.NaN : numericValue(values[c.source][c.name]);
    out.push(value);
    // A negative value the training never saw would give NaN (or -Infinity): read it as missing.
    if (c.log === true) out.push(value >= 0 ? Math.log1p(value) : Number.NaN);
  }
  return out;
}

/** The categorical columns' values of one profile, by column name (null missing). */
export function categoricalInputs(columns: readonly InputColumn[], values: ProfileInputValues | undefined): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const c of columns) if (c.kind === 'categorical') out[columnName(c)] = values === undefined ? null : categoryValue(values[c.source][c.name]);
  return out;
}

/**
 * The chosen inputs of many profiles: a numeric matrix (NaN missing) and one value list per
 * text column, with only its `MAX_CATEGORIES` most frequent values kept (ties by name), so a
 * high-cardinality trait such as an e-mail address does not become thousands of columns.
 */
export function inputMatrix(columns: readonly InputColumn[], rows: readonly (ProfileInputValues | undefined)[]): { numeric: FeatureMatrix; categorical: Record<string, (string | null)[]> } {
  const numeric = featureMatrix(numericColumnNames(columns), rows.map((values) => numericInputs(columns, values)));
  const categorical: Record<string, (string | null)[]> = {};
  for (const c of columns) {
    if (c.kind !== 'categorical') continue;
    const values = rows.map((row) => (row === undefined ? null : categoryValue(row[c.source][c.name])));
    const counts = new Map<string, number>();
    for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    const kept = new Set([...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_CATEGORIES).map(([v]) => v));
    categorical[columnName(c)] = values.map((v) => (v !== null && kept.has(v) ? v : null));
  }
  return { numeric, categorical };
}
