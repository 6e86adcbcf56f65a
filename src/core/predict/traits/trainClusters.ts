import type { Random } from '../../common/random.js';
import { describeClusters } from '../cluster/describeClusters.js';
import { kmeans } from '../cluster/kmeans.js';
import { matchClusters } from '../cluster/matchClusters.js';
import type { Matrix } from '../cluster/Matrix.js';
import { standardize } from '../cluster/standardize.js';
import { trainSom } from '../cluster/trainSom.js';
import { categoryValue, columnName, hasInputs, inputMatrix, numericInputs, resolveInputColumns, type ChosenInputs, type InputColumn, type ProfileInputValues } from '../inputs/ProfileInputs.js';
import { utcDayOf, type PurchaseSummary } from '../purchases/PurchaseSummary.js';
import type { ClusterMethod, ClusterPrediction, PredictionModel } from './PredictionModel.js';

/** One profile's input to clustering. */
export interface ClusterProfile {
  readonly purchases?: PurchaseSummary;
  /** The chosen inputs' values now. */
  readonly inputs?: ProfileInputValues;
}

export interface TrainClustersOptions {
  readonly now: number;
  readonly method: ClusterMethod;
  readonly random: Random;
  readonly minCustomers: number;
  readonly chosen?: ChosenInputs;
  readonly previous: PredictionModel | null;
}

const rfmNames = ['log1p recency days', 'log1p purchase days', 'log1p total spend'] as const;

/**
 * Customer segments found in the data: the matrix is RFM (log1p of days since the last
 * purchase, purchase days and total spend) and, when the workspace chose them, the profile's
 * features and traits (numbers as they are, text one-hot over the most frequent values). A
 * missing value takes its column's training mean; every column is then standardised, so
 * spend in dollars and visits in counts weigh alike. Without chosen inputs the population is
 * the customers (profiles with a purchase), as RFM only describes buyers; with them it is
 * every profile, and "never bought" is itself a place in the map (recency missing, counts 0).
 *
 * k-means takes 10 seeded restarts; a self-organizing map makes each unit a segment (its
 * neighbours on the grid are similar segments). Each segment is described in business terms,
 * and matched with the previous version's on today's profiles, so a segment built on
 * `predictions.cluster == n` can be checked after a retraining.
 */
export function trainClusters(profiles: readonly ClusterProfile[], options: TrainClustersOptions, notes: string[]): ClusterPrediction | undefined {
  const { method } = options;
  const k = method.kind === 'kmeans' ? method.k : method.rows * method.cols;
  const withInputs = hasInputs(options.chosen);
  const population = withInputs ? profiles : profiles.filter((p) => p.purchases !== undefined);
  const needed = Math.max(options.minCustomers, 5 * Math.min(k, 12));
  if (population.length < needed) {
    notes.push(`clusters: ${population.length} ${withInputs ? 'profiles' : 'customers'} for ${k} clusters; at least ${needed} are needed`);
    return undefined;
  }
  const today = utcDayOf(options.now);
  const inputs = withInputs ? resolveInputColumns(options.chosen!, population.map((p) => p.inputs ?? { features: {}, traits: {} }), notes) : [];
  const { numeric, categorical } = inputMatrix(inputs, population.map((p) => p.inputs));
  const categories: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(categorical)) categories[name] = [...new Set(values.filter((v): v is string => v !== null))].sort();
  const names = [...rfmNames, ...numeric.columns, ...Object.entries(categories).flatMap(([name, values]) => values.map((v) => `${name}=${v}`))];
  const raw = population.map((p, i) => [...rfmRow(p.purchases, today), ...numeric.rows[i]!, ...oneHotRow(categories, categorical, i)]);
  const fill = columnMeans(raw, names.length);
  const filled = raw.map((row) => row.map((v, c) => (Number.isNaN(v) ? fill[c]! : v)));
  const matrix: Matrix = { rows: filled.length, cols: names.length, data: Float64Array.from(filled.flat()) };
  const { matrix: scaled, scaling } = standardize(matrix);
  const fit: Fit = method.kind === 'kmeans' ? kmeans(scaled, { k, restarts: 10 }, options.random) : somFit(scaled, method, options.random);
  const centroids = Array.from({ length: k }, (_v, j) => [...fit.centroids.data.subarray(j * names.length, (j + 1) * names.length)]);
  const clusters: ClusterPrediction = {
    k, features: names, centroids, means: [...scaling.means], sds: [...scaling.sds], inertia: fit.inertia,
    descriptions: describeClusters(matrix, fit.labels, k, names),
    stability: null,
    ...(withInputs ? { inputs, fill, categories, population: 'profiles' as const } : {}),
    ...(method.kind === 'som' ? { som: { rows: method.rows, cols: method.cols, topology: method.topology, quantizationError: fit.quantizationError!, topographicError: fit.topographicError! } } : {}),
  };
  const before = options.previous?.clusters;
  if (before === undefined || before.k === 0) return clusters;
  // The previous model places today's profiles with its own columns, so the pairing (by the
  // profiles both put together) holds across a change of k, method or columns.
  const previousLabels = Int32Array.from(population, (p) => clusterOf(before, clusterRow(before, p.purchases, p.inputs, today)));
  const match = matchClusters(
    { centroids: { rows: before.k, cols: before.centroids[0]?.length ?? 0, data: Float64Array.from(before.centroids.flat()) }, labels: previousLabels },
    { centroids: fit.centroids, labels: fit.labels },
  );
  return { ...clusters, stability: { previousVersion: options.previous!.version, shareKept: match.shareKept ?? 0, pairs: match.pairs.map((p) => ({ previous: p.previous, current: p.current })) } };
}

interface Fit {
  readonly centroids: Matrix;
  readonly labels: Int32Array;
  readonly inertia: number;
  readonly quantizationError?: number;
  readonly topographicError?: number;
}

function somFit(scaled: Matrix, method: Extract<ClusterMethod, { kind: 'som' }>, random: Random): Fit {
  const som = trainSom(scaled, { gridRows: method.rows, gridCols: method.cols, topology: method.topology }, random);
  let inertia = 0;
  for (let i = 0; i < scaled.rows; i++) {
    const u = som.units[i]!;
    for (let c = 0; c < scaled.cols; c++) inertia += (scaled.data[i * scaled.cols + c]! - som.weights.data[u * scaled.cols + c]!) ** 2;
  }
  return { centroids: som.weights, labels: som.units, inertia, quantizationError: som.quantizationErrors[som.quantizationErrors.length - 1] ?? 0, topographicError: som.topographicError };
}

/** log1p of days since the last purchase, purchase days and total spend; a profile that never bought has no recency. */
export function rfmRow(purchases: PurchaseSummary | undefined, today: number): number[] {
  if (purchases === undefined) return [Number.NaN, 0, 0];
  const last = purchases.d[purchases.d.length - 1] ?? purchases.f;
  return [Math.log1p(Math.max(0, today - last)), Math.log1p(purchases.n), Math.log1p(Math.max(0, purchases.t))];
}

/** One profile's row on the clusters' own columns (before scaling): what `clusterOf` reads. */
export function clusterRow(clusters: ClusterPrediction, purchases: PurchaseSummary | undefined, inputs: ProfileInputValues | undefined, today: number): number[] {
  const row = rfmRow(purchases, today);
  const columns: readonly InputColumn[] = clusters.inputs ?? [];
  if (columns.length > 0) {
    row.push(...numericInputs(columns, inputs));
    for (const column of columns) {
      if (column.kind !== 'categorical') continue;
      const value = inputs === undefined ? null : categoryValue(inputs[column.source][column.name]);
      for (const category of clusters.categories?.[columnName(column)] ?? []) row.push(value === category ? 1 : 0);
    }
  }
  const fill = clusters.fill;
  return fill === undefined ? row : row.map((v, c) => (Number.isNaN(v) ? fill[c] ?? 0 : v));
}

/** The nearest centre after the training's scaling (constant columns count 0; a missing value counts as the mean). */
export function clusterOf(clusters: ClusterPrediction, row: readonly number[]): number {
  let best = Number.POSITIVE_INFINITY;
  let cluster = 0;
  clusters.centroids.forEach((centre, j) => {
    let sum = 0;
    for (let c = 0; c < centre.length; c++) {
      const sd = clusters.sds[c]!;
      const value = row[c]!;
      const diff = (sd === 0 || Number.isNaN(value) ? 0 : (value - clusters.means[c]!) / sd) - centre[c]!;
      sum += diff * diff;
    }
    if (sum < best) [best, cluster] = [sum, j];
  });
  return cluster;
}

function oneHotRow(categories: Readonly<Record<string, readonly string[]>>, values: Readonly<Record<string, readonly (string | null)[]>>, i: number): number[] {
  return Object.entries(categories).flatMap(([name, kept]) => kept.map((category) => (values[name]![i] === category ? 1 : 0)));
}

function columnMeans(rows: readonly (readonly number[])[], width: number): number[] {
  const sum = new Array<number>(width).fill(0);
  const count = new Array<number>(width).fill(0);
  for (const row of rows) {
    row.forEach((v, c) => {
      if (!Number.isNaN(v)) {
        sum[c]! += v;
        count[c]! += 1;
      }
    });
  }
  return sum.map((s, c) => (count[c]! > 0 ? s / count[c]! : 0));
}
