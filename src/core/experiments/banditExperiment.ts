/**
 * A bandit experiment's arithmetic: the exact probability a new unit is assigned an arm with,
 * the next weights from the arms' statistics (Thompson sampling on the primary metric, by the
 * placement bandits' own allocations), and each arm's naive and inverse-propensity-weighted
 * estimates. Pure: the shell reads the statistics, keeps the weights' versions and passes the
 * seeded generator.
 */
import { armEstimates } from '../bandits/armEstimates.js';
import type { MonteCarloPrecision } from '../bandits/monteCarloBest.js';
import { placementAllocation, type PlacementAllocation } from '../bandits/placementAllocation.js';
import { revenueAllocation } from '../bandits/revenueAllocation.js';
import type { Random } from '../common/random.js';
import type { PairMoments } from '../stats/SufficientStats.js';
import { chooseVariation, getBucketRanges } from './buckets.js';
import { coverageOf, hashVersionOf, type ExperimentDefinition } from './ExperimentDefinition.js';
import type { HashVersion } from './hash.js';
import type { MetricKind } from './MetricDefinition.js';

/** One arm's statistics: its units, its primary metric's row and the metric's `_ipw.` row (null before any unit). */
export interface BanditArmStats {
  readonly armId: string;
  readonly units: number;
  readonly value: PairMoments | null;
  readonly ipw: PairMoments | null;
}

/** The weights a bandit experiment assigns new units with, and their version (1: the definition's own). */
export interface WeightsInForce {
  readonly version: number;
  /** One per arm, in the definition's order. */
  readonly weights: readonly number[];
  /** Each arm's exact probability under them (`assignmentProbabilities`): what an exposure records. */
  readonly probabilities: readonly number[];
}

export interface BanditWeights {
  /** One per arm, in the definition's order; they add up to 1. */
  readonly weights: readonly number[];
  /** P(arm is best) under the posteriors, before the exploration floor. */
  readonly bestProbabilities: readonly number[];
  /** Null when exact (a conversion metric); else the Monte Carlo draws and largest standard error. */
  readonly monteCarlo: MonteCarloPrecision | null;
}

/** The points of the hash a version lands on: version 2 in steps of 1/10000, version 1 of 1/1000. */
const hashSteps = (version: HashVersion): number => (version === 1 ? 1000 : 10_000);

/**
 * The probability that a new unit in the experiment gets each arm under these weights: the hash
 * points each arm's range takes, over the points any range takes (coverage scales every range
 * alike; a unit outside them is not in the experiment). Counted point by point with
 * `chooseVariation`, so it is exact for a uniform hash, floating-point edges included: the
 * weight rounded to the hash's steps, not the weight itself, is what a unit is assigned with.
 * Computed once per version of the weights (10,000 points for hash version 2).
 *
 * @example assignmentProbabilities([1 / 3, 1 / 3, 1 / 3], 2, 1) // [0.3334, 0.3333, 0.3333]
 */
export function assignmentProbabilities(weights: readonly number[], version: HashVersion, coverage: number): number[] {
  const steps = hashSteps(version);
  const ranges = getBucketRanges(weights.length, coverage, weights);
  const points = weights.map(() => 0);
  let total = 0;
  for (let k = 0; k < steps; k++) {
    const index = chooseVariation(k / steps, ranges);
    if (index < 0) continue;
    points[index] = points[index]! + 1;
    total += 1;
  }
  return points.map((p) => (total === 0 ? 0 : p / total));
}

/** The weights in force with these weights (one per arm, in order) as `version`. */
export function weightsInForce(definition: ExperimentDefinition, version: number, weights: readonly number[]): WeightsInForce {
  return { version, weights, probabilities: assignmentProbabilities(weights, hashVersionOf(definition), coverageOf(definition)) };
}

/**
 * Version 1: the definition's own weights, which a bandit experiment starts from (what decide
 * uses when the shell has no weights for it).
 */
export function firstWeights(definition: ExperimentDefinition): WeightsInForce {
  return weightsInForce(definition, 1, definition.arms.map((arm) => arm.weight));
}

/** Σx of a row: n · mean. */
const sumOf = (m: PairMoments | null): number => (m === null ? 0 : m.n * m.meanX);

/** Units whose value is not 0: the `_ipw.` row's Σy. */
const nonZeroOf = (m: PairMoments | null): number => (m === null ? 0 : Math.round(m.n * m.meanY));

/**
 * M2 of the non-zero values alone, from the row over all units: the row is the merge of the k
 * non-zero values and n − k zeros, so Chan's merge run backwards takes the zeros out:
 * M2 = M2_nz + 0 + mean_nz² · k(n − k)/n.
 */
function nonZeroM2(value: PairMoments, k: number): number {
  if (k === 0) return 0;
  const meanNonZero = sumOf(value) / k;
  return Math.max(0, value.m2X - (meanNonZero * meanNonZero * k * (value.n - k)) / value.n);
}

/**
 * The next weights of a bandit experiment from its arms' statistics, Thompson sampling on the
 * primary metric with a uniform exploration floor (`minExplorationShare`):
 * - a conversion metric: each arm's rate has a Beta(1 + conversions, 1 + units − conversions)
 *   posterior and P(best) is computed exactly (`placementAllocation`);
 * - a mean or count metric (revenue per unit, orders per unit): the value per unit is a rate of
 *   units with a non-zero value times their mean value, as a revenue placement's
 *   (`revenueAllocation`, Monte Carlo with `random`).
 * A ratio metric has no value per unit to reward; the service refuses it as a bandit's primary.
 *
 * @example banditWeights('conversion', [{ armId: 'a', units: 100, value: ..., ipw: ... }, ...], 0.01, seededRandom(1))
 */
export function banditWeights(kind: MetricKind, arms: readonly BanditArmStats[], minExplorationShare: number, random: Random): BanditWeights {
  let allocation: PlacementAllocation & { readonly monteCarlo?: MonteCarloPrecision | null };
  if (kind === 'conversion') {
    allocation = placementAllocation(arms.map((arm) => ({ id: arm.armId, trials: arm.units, successes: Math.round(sumOf(arm.value)) })), { minExplorationShare });
  } else {
    allocation = revenueAllocation(arms.map((arm) => {
      const conversions = nonZeroOf(arm.ipw);
      return { id: arm.armId, impressions: arm.units, conversions, revenue: sumOf(arm.value), revenueM2: arm.value === null ? 0 : nonZeroM2(arm.value, conversions) };
    }), { minExplorationShare, random });
  }
  return {
    weights: arms.map((arm) => allocation.shares.get(arm.armId) ?? 0),
    bestProbabilities: arms.map((arm) => allocation.bestProbabilities.get(arm.armId) ?? 0),
    monteCarlo: allocation.monteCarlo ?? null,
  };
}

export interface BanditArmEstimate {
  readonly armId: string;
  readonly units: number;
  /** The arm's mean per unit: biased under adaptive allocation (an arm served more after a lucky start keeps its luck). */
  readonly naiveMean: number | null;
  /**
   * The mean per unit had every unit of the experiment been given this arm: Σ over the arm's
   * units of value / p, over all the experiment's units (Horvitz–Thompson). Unbiased whatever
   * the weights did, as every p is the exact probability the unit was assigned with.
   */
  readonly ipwMean: number | null;
  readonly ipwStandardError: number | null;
  /** ± 1.96 standard errors. */
  readonly ipwInterval: readonly [number, number] | null;
}

/**
 * Each arm's naive mean beside its inverse-propensity-weighted one (`armEstimates`, with units
 * for decisions and the metric's values for clicks).
 *
 * @example banditArmEstimates([{ armId: 'a', units: 10, value: { n: 10, meanX: 0.2, ... }, ipw: { n: 10, meanX: 0.4, ... } }])
 */
export function banditArmEstimates(arms: readonly BanditArmStats[]): BanditArmEstimate[] {
  const estimates = armEstimates(
    arms.map((arm) => {
      const ipw = arm.ipw;
      return {
        actionId: arm.armId, decisions: arm.units, clicked: nonZeroOf(ipw), weightedClicks: sumOf(ipw),
        weightedClicksSquared: ipw === null ? 0 : ipw.m2X + ipw.n * ipw.meanX * ipw.meanX,
      };
    }),
    arms.map((arm) => ({ actionId: arm.armId, impressions: arm.units, clicks: sumOf(arm.value) })),
  );
  const byArm = new Map(estimates.map((e) => [e.actionId, e]));
  return arms.map((arm) => {
    const e = byArm.get(arm.armId);
    return {
      armId: arm.armId, units: arm.units, naiveMean: e?.naiveRate ?? null,
      ipwMean: e?.ipwRate ?? null, ipwStandardError: e?.ipwStandardError ?? null, ipwInterval: e?.ipwInterval ?? null,
    };
  });
}
