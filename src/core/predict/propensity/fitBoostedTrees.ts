import type { Random } from '../../common/random.js';
import type { FeatureMatrix } from './FeatureMatrix.js';
import { sigmoid } from './fitLogistic.js';
import { logLossOf, scoreBoostedTreesLogit } from './scoreBoostedTrees.js';

/**
 * Gradient-boosted decision trees for a 0/1 label, stored flat: every tree is a complete binary
 * tree of `depth` levels in heap order (children of node k are 2k + 1 and 2k + 2), so scoring
 * walks arrays without pointers or allocation. A node that did not split sends every row left
 * (threshold `Number.MAX_VALUE`; JSON cannot hold Infinity) and its children repeat its value.
 */
export interface BoostedTrees {
  /** Layout version of the arrays below. */
  readonly format: 1;
  readonly columns: readonly string[];
  readonly depth: number;
  readonly trees: number;
  /** Log-odds of the training base rate: where every score starts. */
  readonly bias: number;
  /** Per tree, its 2^depth − 1 split nodes: the column tested (row value > threshold goes right). */
  readonly splitFeature: Int32Array;
  readonly splitThreshold: Float64Array;
  /**
   * Per tree, all 2^(depth+1) − 1 nodes: the shrunk Newton value of the node's rows, so a leaf's
   * value is what the tree adds to the log-odds and a split's change of value is its feature's
   * share (path attribution, scoreBoostedTrees).
   */
  readonly nodeValue: Float64Array;
  readonly learningRate: number;
  /** Rounds tried on the internal validation rows before the best count was kept. */
  readonly roundsTried: number;
}

export interface BoostedTreesOptions {
  /** Shuffles the internal validation split (early stopping). */
  readonly random: Random;
  /** Default 3. */
  readonly depth?: number;
  /** Shrinkage of every leaf; default 0.1. */
  readonly learningRate?: number;
  /**
   * Most trees; default 100. Scoring walks depth nodes a tree for every profile a rule reads, and
   * 300 trees of depth 3 cost some 30 µs a profile (measured on the busy 2-core machine) against a budget of 20 for all its predictions;
   * the demo shop's early stopping keeps 30 to 50.
   */
  readonly maxTrees?: number;
  /** Rows a split must leave on each side; default 20. */
  readonly minLeafRows?: number;
  /** L2 penalty on leaf values (added to the hessian sum); default 1. */
  readonly l2?: number;
  /** Candidate thresholds per column at most (training quantiles); default 32. */
  readonly bins?: number;
  /** Share of rows held back to choose the number of trees; default 0.2. */
  readonly validationShare?: number;
  /** Stop when this many rounds have not lowered the validation log loss; default 20. */
  readonly patience?: number;
  /** Fit exactly this many trees on all rows, without a validation split (the cross-fit's refit). */
  readonly trees?: number;
}

/**
 * Fits boosted trees by Newton steps on the log loss: each round fits a depth-limited tree to the
 * gradients p − y and hessians p(1 − p) of the current scores, splitting where
 * G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ) is largest among each column's quantile
 * thresholds, with leaf value −G/(H + λ) shrunk by the learning rate. The number of trees is the
 * one with the lowest log loss on a seeded validation share of the rows; the trees are then
 * refitted on all rows with that count. Deterministic for a given random generator.
 *
 * @example fitBoostedTrees(standardised, labels, { random: seededRandom(1) }).trees
 */
export function fitBoostedTrees(matrix: FeatureMatrix, labels: readonly number[], options: BoostedTreesOptions): BoostedTrees {
  if (matrix.rows.length !== labels.length) throw new RangeError(`${matrix.rows.length} rows but ${labels.length} labels`);
  if (matrix.rows.length === 0) throw new RangeError('boosted trees need at least one row');
  if (options.trees !== undefined) return boost(matrix, labels, options, options.trees, undefined).model;
  const rows = labels.map((_y, i) => i);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(options.random.next() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  const cut = Math.round(rows.length * (1 - (options.validationShare ?? 0.2)));
  const fit = rows.slice(0, cut).sort((a, b) => a - b);
  const validation = rows.slice(cut).sort((a, b) => a - b);
  const pick = (indices: readonly number[]) => ({ columns: matrix.columns, rows: indices.map((i) => matrix.rows[i]!) });
  const maxTrees = options.maxTrees ?? 100;
  if (validation.length === 0 || fit.length === 0) return boost(matrix, labels, options, maxTrees, undefined).model;
  const search = boost(pick(fit), fit.map((i) => labels[i]!), options, maxTrees, { matrix: pick(validation), labels: validation.map((i) => labels[i]!) });
  return { ...boost(matrix, labels, options, search.best, undefined).model, roundsTried: search.model.roundsTried };
}

interface Validation { readonly matrix: FeatureMatrix; readonly labels: readonly number[] }

/** Fits `maxTrees` rounds, or fewer when a validation set stops improving; `best` = rounds with its lowest log loss. */
function boost(matrix: FeatureMatrix, labels: readonly number[], options: BoostedTreesOptions, maxTrees: number, validation: Validation | undefined): { model: BoostedTrees; best: number } {
  const depth = options.depth ?? 3;
  const learningRate = options.learningRate ?? 0.1;
  const n = labels.length;
  const width = matrix.columns.length;
  // Bins are bytes: at most 255 thresholds a column.
  const cuts = matrix.columns.map((_c, j) => quantileCuts(matrix.rows.map((row) => row[j]!), Math.min(256, options.bins ?? 32)));
  const binned = new Uint8Array(n * width);
  matrix.rows.forEach((row, i) => { for (let j = 0; j < width; j++) binned[i * width + j] = binOf(cuts[j]!, row[j]!); });
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, labels.reduce((s, y) => s + y, 0) / n));
  const bias = Math.log(rate / (1 - rate));
  const splits = 2 ** depth - 1;
  const nodes = 2 ** (depth + 1) - 1;
  const splitFeature = new Int32Array(maxTrees * splits);
  const splitThreshold = new Float64Array(maxTrees * splits);
  const nodeValue = new Float64Array(maxTrees * nodes);
  const logit = new Float64Array(n).fill(bias);
  const validationLogit = new Float64Array(validation?.labels.length ?? 0).fill(bias);
  const grower = { binned, width, cuts, bins: 1 + Math.max(0, ...cuts.map((c) => c.length)), depth, learningRate, l2: options.l2 ?? 1, minLeafRows: Math.max(1, options.minLeafRows ?? 20) };
  let best = { trees: 0, loss: validation === undefined ? 0 : logLossOf(validationLogit, validation.labels) };
  let trees = 0;
  const model = (): BoostedTrees => ({
    format: 1, columns: [...matrix.columns], depth, trees: best.trees, bias,
    splitFeature: splitFeature.slice(0, best.trees * splits), splitThreshold: splitThreshold.slice(0, best.trees * splits),
    nodeValue: nodeValue.slice(0, best.trees * nodes), learningRate, roundsTried: trees,
  });
  for (; trees < maxTrees; trees++) {
    const leafOf = growTree(grower, logit, labels, trees, splitFeature, splitThreshold, nodeValue);
    for (let i = 0; i < n; i++) logit[i] = logit[i]! + nodeValue[trees * nodes + leafOf[i]!]!;
    if (validation === undefined) { best = { trees: trees + 1, loss: 0 }; continue; }
    const oneTree = { depth, trees: 1, bias: 0, splitFeature: splitFeature.subarray(trees * splits, (trees + 1) * splits), splitThreshold: splitThreshold.subarray(trees * splits, (trees + 1) * splits), nodeValue: nodeValue.subarray(trees * nodes, (trees + 1) * nodes) };
    validation.matrix.rows.forEach((row, i) => { validationLogit[i] = validationLogit[i]! + scoreBoostedTreesLogit(oneTree, row); });
    const loss = logLossOf(validationLogit, validation.labels);
    if (loss < best.loss) best = { trees: trees + 1, loss };
    else if (trees + 1 - best.trees >= (options.patience ?? 20)) { trees++; break; }
  }
  return { model: model(), best: best.trees };
}

interface Grower {
  readonly binned: Uint8Array;
  readonly width: number;
  readonly cuts: readonly Float64Array[];
  /** Bins of the widest column: the histogram's stride. */
  readonly bins: number;
  readonly depth: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly minLeafRows: number;
}

/**
 * Grows tree `t` level by level from one histogram pass over the rows per level, writes its
 * splits and node values, and returns each row's leaf (0 .. 2^depth − 1 among the tree's nodes,
 * counted from the first leaf's heap index).
 */
function growTree(g: Grower, logit: Float64Array, labels: readonly number[], t: number, splitFeature: Int32Array, splitThreshold: Float64Array, nodeValue: Float64Array): Int32Array {
  const n = labels.length;
  const gradient = new Float64Array(n);
  const hessian = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = sigmoid(logit[i]!);
    gradient[i] = p - labels[i]!;
    hessian[i] = p * (1 - p);
  }
  const splits = 2 ** g.depth - 1;
  const nodes = 2 ** (g.depth + 1) - 1;
  const local = new Int32Array(n); // a row's node among its level's nodes
  const bins = g.bins;
  for (let level = 0; level <= g.depth; level++) {
    const count = 2 ** level;
    const first = count - 1; // heap index of the level's first node
    const histogram = new Float64Array(count * g.width * bins * 3);
    const totals = new Float64Array(count * 3);
    for (let i = 0; i < n; i++) {
      const node = local[i]!;
      totals[node * 3] = totals[node * 3]! + gradient[i]!;
      totals[node * 3 + 1] = totals[node * 3 + 1]! + hessian[i]!;
      totals[node * 3 + 2] = totals[node * 3 + 2]! + 1;
      if (level === g.depth) continue;
      for (let j = 0; j < g.width; j++) {
        const at = ((node * g.width + j) * bins + g.binned[i * g.width + j]!) * 3;
        histogram[at] = histogram[at]! + gradient[i]!;
        histogram[at + 1] = histogram[at + 1]! + hessian[i]!;
        histogram[at + 2] = histogram[at + 2]! + 1;
      }
    }
    const chosen = new Int32Array(count * 2).fill(-1); // per node: column, last bin on the left
    for (let node = 0; node < count; node++) {
      const [G, H] = [totals[node * 3]!, totals[node * 3 + 1]!];
      // An empty node (the right child of a node that did not split) repeats its parent's value.
      nodeValue[t * nodes + first + node] = totals[node * 3 + 2] === 0
        ? nodeValue[t * nodes + ((first + node - 1) >> 1)]!
        : (-g.learningRate * G) / (H + g.l2);
      if (level === g.depth) continue;
      const split = bestSplit(g, histogram, node, G, H, totals[node * 3 + 2]!, bins);
      const at = t * splits + first + node;
      splitFeature[at] = split?.column ?? 0;
      splitThreshold[at] = split === undefined ? Number.MAX_VALUE : g.cuts[split.column]![split.bin]!;
      if (split !== undefined) { chosen[node * 2] = split.column; chosen[node * 2 + 1] = split.bin; }
    }
    if (level === g.depth) break;
    for (let i = 0; i < n; i++) {
      const node = local[i]!;
      const column = chosen[node * 2]!;
      local[i] = 2 * node + (column >= 0 && g.binned[i * g.width + column]! > chosen[node * 2 + 1]! ? 1 : 0);
    }
  }
  const firstLeaf = 2 ** g.depth - 1;
  return local.map((leaf) => firstLeaf + leaf);
}

/** The best gain's column and last left bin for one node, or undefined when no split gains. */
function bestSplit(g: Grower, histogram: Float64Array, node: number, G: number, H: number, rows: number, bins: number): { column: number; bin: number } | undefined {
  const parent = (G * G) / (H + g.l2);
  let best: { column: number; bin: number; gain: number } | undefined;
  for (let j = 0; j < g.width; j++) {
    let [gl, hl, nl] = [0, 0, 0];
    const base = (node * g.width + j) * bins * 3;
    for (let b = 0; b < g.cuts[j]!.length; b++) {
      gl += histogram[base + b * 3]!;
      hl += histogram[base + b * 3 + 1]!;
      nl += histogram[base + b * 3 + 2]!;
      if (nl < g.minLeafRows) continue;
      if (rows - nl < g.minLeafRows) break;
      const gain = (gl * gl) / (hl + g.l2) + ((G - gl) * (G - gl)) / (H - hl + g.l2) - parent;
      // Strictly better, so ties keep the first column and the lowest threshold.
      if (gain > 1e-12 && (best === undefined || gain > best.gain)) best = { column: j, bin: b, gain };
    }
  }
  return best;
}

/**
 * At most `bins` − 1 thresholds of a column: its distinct values when there are few enough
 * (all but the largest), else the values at evenly spaced training quantiles. A row goes right
 * of threshold k when its value is above it, so bin b holds the values in (cut[b−1], cut[b]].
 *
 * @example quantileCuts([3, 1, 2, 2], 32) // [1, 2]
 */
export function quantileCuts(values: readonly number[], bins: number): Float64Array {
  const sorted = Float64Array.from(values).sort();
  const distinct = sorted.filter((v, i) => i === 0 || v !== sorted[i - 1]);
  if (distinct.length <= bins) return distinct.slice(0, -1);
  const picked = Array.from({ length: bins - 1 }, (_v, k) => sorted[Math.floor(((k + 1) * sorted.length) / bins) - 1]!);
  const cuts = picked.filter((v, k) => (k === 0 || v !== picked[k - 1]) && v < distinct[distinct.length - 1]!);
  return Float64Array.from(cuts);
}

/** The bin of a value: the number of thresholds below it. */
function binOf(cuts: Float64Array, value: number): number {
  let low = 0;
  let high = cuts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (cuts[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
