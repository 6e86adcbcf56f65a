/**
 * Assigning a unit (a profile) to an experiment arm, and the workspace holdout. Pure: the
 * shell passes the time and the stored assignment, and stores the first assignment it gets
 * back (`reason: 'hashed'`). See README.md for the rules.
 */
import { chooseVariation, getBucketRanges, inNamespace } from './buckets.js';
import { coverageOf, hashVersionOf, namespaceOf, seedOf, type ExperimentDefinition } from './ExperimentDefinition.js';
import { hash } from './hash.js';

/** A unit's stored assignment to one experiment. */
export interface StoredAssignment {
  readonly armId: string;
}

export type AssignmentReason =
  /** The stored assignment, its arm still exists. */
  | 'stored'
  /** Newly assigned by hash: the shell stores it. */
  | 'hashed'
  | 'not_started'
  | 'stopped'
  /** The unit id is empty. */
  | 'no_unit_id'
  /** Outside the experiment's slice of its layer. */
  | 'not_in_namespace'
  /** Outside the coverage (or in a gap left by weights adding up to less than 1). */
  | 'not_covered'
  /** The hash version is unknown to this engine (a definition from a newer one). */
  | 'unknown_hash_version';

export interface Assignment {
  /** The arm, or null when the unit is not in the experiment (it gets the placement's normal decision). */
  readonly armId: string | null;
  readonly inExperiment: boolean;
  readonly reason: AssignmentReason;
}

function outside(reason: AssignmentReason): Assignment {
  return { armId: null, inExperiment: false, reason };
}

/**
 * The arm of `unitId` at `now` (ms since the epoch), in this order:
 * 1. before `start` (inclusive) or from `stop` (exclusive end) → not in the experiment;
 * 2. a stored assignment whose arm still exists wins (sticky: later changes of weights,
 *    coverage or namespace do not move units already assigned);
 * 3. the namespace slice (`inNamespace`, GrowthBook's version-1 hash of `${unitId}__${layerId}`);
 * 4. `hash(seed, unitId, hashVersion)` into `getBucketRanges(arms, coverage, weights)`.
 * The holdout is not checked here: the caller checks `inHoldout` first when `excludeHoldout`.
 * `weights` (one per arm, in order) replace the arms' own: a bandit experiment's weights in force.
 */
export function assignArm(experiment: ExperimentDefinition, unitId: string, now: number, stored?: StoredAssignment | null, weights?: readonly number[]): Assignment {
  if (experiment.start !== undefined && now < Date.parse(experiment.start)) return outside('not_started');
  if (experiment.stop !== undefined && now >= Date.parse(experiment.stop)) return outside('stopped');
  if (stored != null && experiment.arms.some((arm) => arm.id === stored.armId)) {
    return { armId: stored.armId, inExperiment: true, reason: 'stored' };
  }
  if (unitId === '') return outside('no_unit_id');
  const namespace = namespaceOf(experiment);
  if (namespace !== null && !inNamespace(unitId, namespace)) return outside('not_in_namespace');
  const n = hash(seedOf(experiment), unitId, hashVersionOf(experiment));
  if (n === null) return outside('unknown_hash_version');
  const ranges = getBucketRanges(experiment.arms.length, coverageOf(experiment), weights ?? experiment.arms.map((arm) => arm.weight));
  const arm = experiment.arms[chooseVariation(n, ranges)];
  if (arm === undefined) return outside('not_covered');
  return { armId: arm.id, inExperiment: true, reason: 'hashed' };
}

/** The share of each workspace's profiles held out by default. */
export const DEFAULT_HOLDOUT_SHARE = 0.05;

/**
 * Whether the profile is in the workspace's holdout: `hash('holdout:' + workspaceSeed,
 * profileId, 2) < share`. Sticky without storage (a function of the ids only), independent of
 * every experiment's hash (another seed), and growing the share only adds profiles. Changing
 * the workspace seed draws a new holdout. `share` is clamped to [0, 1].
 */
export function inHoldout(workspaceSeed: string, profileId: string, share: number = DEFAULT_HOLDOUT_SHARE): boolean {
  if (profileId === '') return false;
  const n = hash(`holdout:${workspaceSeed}`, profileId, 2);
  return n !== null && n < Math.min(1, Math.max(0, share));
}

export interface MergedAssignment {
  /** What the merged profile keeps for this experiment from now on. */
  readonly assignment: StoredAssignment | null;
  /**
   * Both profiles had been assigned, to different arms: the person has seen two arms. Their
   * exposures stay with the arm each saw; the shell may report (or exclude) such units.
   */
  readonly conflict: boolean;
}

/**
 * The stored assignment of a profile that absorbs another (identity merge), for one
 * experiment: the survivor's wins; a survivor without one takes the absorbed profile's, so the
 * person keeps seeing what they saw. The absorbed profile's exposures are not moved: each
 * exposure was logged with the arm actually served, and re-labelling it would credit an arm
 * with outcomes of a treatment it never gave (analysis is intent-to-treat by exposure).
 */
export function assignmentAfterMerge(survivor: StoredAssignment | null | undefined, absorbed: StoredAssignment | null | undefined): MergedAssignment {
  const s = survivor ?? null;
  const a = absorbed ?? null;
  return { assignment: s ?? a, conflict: s !== null && a !== null && s.armId !== a.armId };
}
