import type { BoostedTrees } from './fitBoostedTrees.js';

/**
 * The log-odds boosted trees give one prepared row: the bias plus each tree's leaf value.
 *
 * @example sigmoid(scoreBoostedTreesLogit(trees, standardisedRow))
 */
export function scoreBoostedTreesLogit(model: Pick<BoostedTrees, 'depth' | 'trees' | 'bias' | 'splitFeature' | 'splitThreshold' | 'nodeValue'>, row: ArrayLike<number>): number {
  const { depth, splitFeature, splitThreshold, nodeValue } = model;
  const splits = 2 ** depth - 1;
  const nodes = 2 ** (depth + 1) - 1;
  let logit = model.bias;
  for (let t = 0; t < model.trees; t++) {
    let node = 0;
    for (let level = 0; level < depth; level++) {
      node = 2 * node + (row[splitFeature[t * splits + node]!]! > splitThreshold[t * splits + node]! ? 2 : 1);
    }
    logit += nodeValue[t * nodes + node]!;
  }
  return logit;
}

/**
 * The log-odds of one row and each column's share of it, by path attribution (Saabas): every
 * split on the row's path moves the value from the node's to the child's, and that change is
 * credited to the column the split tested. Summed over the trees, the shares add up with the
 * base (bias + every tree's root value, the same for all rows) to the log-odds exactly, as the
 * logistic contributions add up with the intercept. `shares` (one slot per column) is
 * overwritten, so a caller scoring many rows reuses one array.
 *
 * @example const shares = new Float64Array(trees.columns.length); explainBoostedTrees(trees, row, shares)
 */
export function explainBoostedTrees(model: BoostedTrees, row: ArrayLike<number>, shares: Float64Array): number {
  const { depth, splitFeature, splitThreshold, nodeValue } = model;
  const splits = 2 ** depth - 1;
  const nodes = 2 ** (depth + 1) - 1;
  shares.fill(0);
  let logit = model.bias;
  for (let t = 0; t < model.trees; t++) {
    let node = 0;
    for (let level = 0; level < depth; level++) {
      const feature = splitFeature[t * splits + node]!;
      const child = 2 * node + (row[feature]! > splitThreshold[t * splits + node]! ? 2 : 1);
      shares[feature] = shares[feature]! + nodeValue[t * nodes + child]! - nodeValue[t * nodes + node]!;
      node = child;
    }
    logit += nodeValue[t * nodes + node]!;
  }
  return logit;
}

/** Mean log loss of log-odds against 0/1 labels, computed stably from the log-odds. */
export function logLossOf(logits: ArrayLike<number>, labels: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const z = logits[i]!;
    // log(1 + e^z) − y·z without overflow.
    total += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - labels[i]! * z;
  }
  return total / Math.max(1, labels.length);
}
