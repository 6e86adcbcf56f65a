import type { Random } from '../common/random.js';
import { AttuneError } from '../errors/AttuneError.js';
import { bootstrapSums, percentileInterval } from './bootstrap.js';
import type { EvaluationPolicy, LoggedFeedback, RewardModel } from './LoggedFeedback.js';
import { fitMeanRewardModel } from './meanRewardModel.js';
import { opeDiagnostics, type OpeDiagnostics } from './opeDiagnostics.js';
import { roundTerms } from './roundTerms.js';

/** Inverse propensity weighting, its self-normalised form, the direct method and doubly robust (OBP's names). */
export type OpeEstimator = 'ipw' | 'snipw' | 'dm' | 'dr';

export interface OpeEstimate {
  readonly estimator: OpeEstimator;
  /** The estimated mean reward per round under the evaluation policy (NaN when nothing supports it). */
  readonly value: number;
  /** Bootstrap percentile interval at `level`; [NaN, NaN] without resamples. */
  readonly ci: readonly [number, number];
}

export interface OpeOptions {
  /** Draws the bootstrap resamples. */
  readonly random: Random;
  /** q̂ for DM and DR; by default fitMeanRewardModel on these logs. */
  readonly rewardModel?: RewardModel;
  /** Clip weight W: weights become min(w, W). Unclipped by default. */
  readonly clip?: number;
  /** Bootstrap resamples B (default 1000; 0 for point estimates only). */
  readonly resamples?: number;
  /** Interval coverage (default 0.95). */
  readonly level?: number;
  /** Propensities below this are counted as low (default 0.001). */
  readonly lowPropensity?: number;
  /** OPE_LOW_ESS below this many effective rounds (default 100) ... */
  readonly minEffectiveSampleSize?: number;
  /** ... or below this share of the used rounds (default 0.01). */
  readonly minEffectiveShare?: number;
}

export interface OpeResult {
  readonly estimates: readonly OpeEstimate[];
  /** The mean logged reward of the used rounds: the logging policy's own value. */
  readonly loggedValue: number;
  readonly loggedCi: readonly [number, number];
  /** The reward model DM and DR used. */
  readonly rewardModel: string;
  readonly diagnostics: OpeDiagnostics;
}

/**
 * Estimates the mean reward the evaluation policy would have earned on the logged contexts,
 * from logs of another policy, by IPW, SNIPW, DM and DR, each with a bootstrap percentile
 * interval (rounds resampled with replacement; the reward model is fitted once and held
 * fixed, so DM's interval leaves out the model's own error). Rounds without a positive
 * propensity are left out of every estimate and counted in the diagnostics.
 *
 * @example estimatePolicyValue(logs, uniformPolicy(logs.nActions), { random: seededRandom(1) }).estimates
 */
export function estimatePolicyValue(feedback: LoggedFeedback, policy: EvaluationPolicy, options: OpeOptions): OpeResult {
  const settings = settingsOf(options);
  const model = options.rewardModel ?? fitMeanRewardModel(feedback);
  const terms = roundTerms(feedback, policy, model, settings);
  const diagnostics = opeDiagnostics(feedback.rounds.length, terms, settings);
  // One resample serves every estimator: the columns are summed over the same drawn rows.
  const columns = [terms.reward, terms.ipw, terms.weight, terms.dm, terms.dr];
  const n = terms.reward.length;
  const [reward, ipw, weight, dm, dr] = columns.map(sumOf) as [number, number, number, number, number];
  const boot = settings.resamples > 0 && n > 0 ? bootstrapSums(columns, settings.resamples, options.random) : undefined;
  const interval = (replicates: (b: number) => number): readonly [number, number] => {
    if (boot === undefined) return [Number.NaN, Number.NaN];
    return percentileInterval(Float64Array.from({ length: settings.resamples }, (_, b) => replicates(b)), settings.level);
  };
  const column = (c: number) => (b: number): number => boot![c]![b]! / n;
  return {
    estimates: [
      { estimator: 'ipw', value: ipw / n, ci: interval(column(1)) },
      { estimator: 'snipw', value: ipw / weight, ci: interval((b) => boot![1]![b]! / boot![2]![b]!) },
      { estimator: 'dm', value: dm / n, ci: interval(column(3)) },
      { estimator: 'dr', value: dr / n, ci: interval(column(4)) },
    ],
    loggedValue: reward / n,
    loggedCi: interval(column(0)),
    rewardModel: model.name,
    diagnostics,
  };
}

function sumOf(values: Float64Array): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}

function settingsOf(options: OpeOptions) {
  const settings = {
    clip: options.clip ?? Number.POSITIVE_INFINITY,
    resamples: options.resamples ?? 1000,
    level: options.level ?? 0.95,
    lowPropensity: options.lowPropensity ?? 0.001,
    minEffectiveSampleSize: options.minEffectiveSampleSize ?? 100,
    minEffectiveShare: options.minEffectiveShare ?? 0.01,
  };
  check(settings.clip > 0, 'clip', `the clip weight must be positive, got ${settings.clip}`);
  check(Number.isInteger(settings.resamples) && settings.resamples >= 0, 'resamples', `resamples must be an integer ≥ 0, got ${settings.resamples}`);
  check(settings.level > 0 && settings.level < 1, 'level', `level must be in (0, 1), got ${settings.level}`);
  check(settings.lowPropensity >= 0 && settings.lowPropensity <= 1, 'lowPropensity', `lowPropensity must be in [0, 1], got ${settings.lowPropensity}`);
  check(settings.minEffectiveSampleSize >= 0, 'minEffectiveSampleSize', `minEffectiveSampleSize must be ≥ 0, got ${settings.minEffectiveSampleSize}`);
  check(settings.minEffectiveShare >= 0 && settings.minEffectiveShare <= 1, 'minEffectiveShare', `minEffectiveShare must be in [0, 1], got ${settings.minEffectiveShare}`);
  return settings;
}

function check(ok: boolean, field: string, detail: string): void {
  if (!ok) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail, field });
}
