/**
 * What a segment is worth: its members' predicted value over the next 12 months against the
 * workspace's, from the per-profile `predictions.*` values (predictionsOf). Pure: the caller
 * reads the profiles (in chunks, through the group committer) and adds each one to two
 * tallies, the segment's and the workspace's; this file only counts and divides.
 */
import type { PredictionModel } from './PredictionModel.js';

/** A running tally of profiles' predictions. Mutable on purpose: a scan adds thousands of profiles. */
export interface ValueTally {
  profiles: number;
  /** Profiles with at least one purchase (a purchase summary). */
  customers: number;
  clv12m: number;
  /** Profiles with a clv_12m value. */
  valued: number;
  expectedPurchases12m: number;
  propensity: number;
  /** Profiles with a purchase_propensity value. */
  scored: number;
}

export function emptyValueTally(): ValueTally {
  return { profiles: 0, customers: 0, clv12m: 0, valued: 0, expectedPurchases12m: 0, propensity: 0, scored: 0 };
}

/** Adds one profile: its predictions as predictionsOf gives them, and whether it has bought. */
export function addToTally(tally: ValueTally, values: Readonly<Record<string, number | null>>, customer: boolean): void {
  tally.profiles += 1;
  if (customer) tally.customers += 1;
  const clv = values['clv_12m'];
  if (typeof clv === 'number' && Number.isFinite(clv)) [tally.clv12m, tally.valued] = [tally.clv12m + clv, tally.valued + 1];
  const purchases = values['expected_purchases_12m'];
  if (typeof purchases === 'number' && Number.isFinite(purchases)) tally.expectedPurchases12m += purchases;
  const p = values['purchase_propensity'];
  if (typeof p === 'number' && Number.isFinite(p)) [tally.propensity, tally.scored] = [tally.propensity + p, tally.scored + 1];
}

export interface SegmentValue {
  readonly members: number;
  /** Members with at least one purchase. */
  readonly customers: number;
  /** The model the values come from; null before the first training. */
  readonly modelVersion: number | null;
  /** Sum of the members' clv_12m (profiles that have not bought count 0); null without a spend model. */
  readonly totalClv12m: number | null;
  /** Mean clv_12m of the members that have one (the customers); null without a spend model or customers. */
  readonly meanClv12m: number | null;
  /** Sum of the members' expected purchases over 12 months; null without a lifetime-value model. */
  readonly expectedPurchases12m: number | null;
  /** The segment's share of the workspace's total clv_12m (0 to 1); null when either is unknown or the workspace's is 0. */
  readonly shareOfExpectedValue: number | null;
  /** Mean purchase_propensity of the members that have one (the customers); null without a propensity model or customers. */
  readonly meanPurchasePropensity: number | null;
  /** The propensity's horizon ("buys within N days"); null without a propensity model. */
  readonly propensityHorizonDays: number | null;
  /** Members with a purchase_propensity (the mean's denominator). */
  readonly scoredMembers: number;
  readonly workspace: { readonly profiles: number; readonly customers: number; readonly totalClv12m: number | null };
  /** Why a figure is null. */
  readonly notes: readonly string[];
}

/**
 * The figures of a segment from its tally and the workspace's, with the model they were
 * scored with (null before the first training).
 *
 * @example segmentValue(segmentTally, workspaceTally, model).shareOfExpectedValue // 0.42
 */
export function segmentValue(segment: ValueTally, workspace: ValueTally, model: PredictionModel | null): SegmentValue {
  const notes: string[] = [];
  const lifetime = model?.lifetimeValue;
  const spend = lifetime?.gammaGamma !== undefined;
  if (model === null) notes.push('no prediction model has been trained: POST /admin/v1/predictions/train');
  else if (lifetime === undefined) notes.push('the model has no lifetime-value part (too few customers): no clv_12m or expected purchases');
  else if (!spend) notes.push('the model has no spend model (too few repeat buyers with spend): no clv_12m');
  if (model !== null && model.propensity === undefined) notes.push('the model has no propensity part: no mean purchase propensity');
  const totalClv12m = spend ? segment.clv12m : null;
  const workspaceClv = spend ? workspace.clv12m : null;
  if (spend && segment.valued === 0) notes.push('no member has bought: the mean clv_12m needs customers');
  if (spend && !(workspace.clv12m > 0)) notes.push('the workspace\'s total clv_12m is 0: no share');
  const hasPropensity = model?.propensity !== undefined;
  if (hasPropensity && segment.scored === 0) notes.push('no member has bought: the mean purchase propensity needs customers');
  return {
    members: segment.profiles,
    customers: segment.customers,
    modelVersion: model?.version ?? null,
    totalClv12m,
    meanClv12m: spend && segment.valued > 0 ? segment.clv12m / segment.valued : null,
    expectedPurchases12m: lifetime === undefined ? null : segment.expectedPurchases12m,
    shareOfExpectedValue: totalClv12m !== null && workspaceClv !== null && workspaceClv > 0 ? totalClv12m / workspaceClv : null,
    meanPurchasePropensity: hasPropensity && segment.scored > 0 ? segment.propensity / segment.scored : null,
    propensityHorizonDays: model?.propensity?.horizonDays ?? null,
    scoredMembers: segment.scored,
    workspace: { profiles: workspace.profiles, customers: workspace.customers, totalClv12m: workspaceClv },
    notes,
  };
}
