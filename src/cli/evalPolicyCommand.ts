import type { Command } from 'commander';
import { seededRandom } from '../core/common/random.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { estimatePolicyValue, type OpeResult } from '../core/ope/estimatePolicyValue.js';
import { uniformPolicy, type RewardModel } from '../core/ope/LoggedFeedback.js';
import { fitLogisticRewardModel } from '../core/ope/logisticRewardModel.js';
import { fitMeanRewardModel } from '../core/ope/meanRewardModel.js';
import { readOpenBandit, type OpenBanditLogs } from '../learn/readOpenBandit.js';
import { numberOption } from './numberOption.js';
import { evalPlacementPolicyCommand, type PlacementPolicyFlags } from './evalPlacementPolicyCommand.js';

interface PolicyFlags extends PlacementPolicyFlags {
  openBandit?: string;
  rewardModel: string;
}

/**
 * Adds `policy` to the `eval` group: off-policy evaluation of a policy on logs of another
 * (IPW, SNIPW, DM, DR with bootstrap intervals and weight diagnostics; docs/ope.md).
 *
 * @example addEvalPolicyCommand(program.command('eval'))
 */
export function addEvalPolicyCommand(evalGroup: Command): void {
  evalGroup.command('policy')
    .description('off-policy evaluation: the click rate a policy would have had, estimated from logs of another (IPW, SNIPW, DM, DR with bootstrap intervals), '
      + 'on a placement\'s recorded decisions (--data) or on the Open Bandit Dataset (--open-bandit)')
    .option('--data <dir>', 'the data folder whose recorded decisions to evaluate on (env ATTUNE_DATA); stop the server first, or use its POST /admin/v1/placements/:id/evaluate')
    .option('--workspace <id>', 'with --data: the workspace (needed when there are several)')
    .option('--placement <id>', 'with --data: the placement whose decisions to evaluate on')
    .option('--open-bandit <dir>', 'one campaign folder of one logging policy of the Open Bandit Dataset, e.g. open-bandit/bts/men ({campaign}.csv and item_context.csv)')
    .requiredOption('--policy <name>', 'the policy to evaluate: with --data uniform (every logged action equally likely), action:ID (always that action) or shadow (the placement\'s shadow strategy, from the probabilities its decisions recorded); '
      + 'with --open-bandit random (every item of the campaign equally likely at each position)')
    .option('--reward <kind>', 'with --data: click (a Decision Clicked event naming the decision) or conversion (Decision Converted)', 'click')
    .option('--since <iso>', 'with --data: decisions made at or after this time (default: all)')
    .option('--until <iso>', 'with --data: decisions made before this time (default: now)')
    .option('--window-hours <h>', 'with --data: how long after a decision its outcome counts', '24')
    .option('--clip <W>', 'clip the importance weights at W (unclipped by default)')
    .option('--bootstrap <B>', 'bootstrap resamples for the 95% intervals (0: none)', '1000')
    .option('--seed <n>', 'seed of the bootstrap resamples', '1')
    .option('--reward-model <name>', 'with --open-bandit: q̂ for DM and DR: mean (by item and position, smoothed) or logistic (ridge logistic regression per item on position, user features and affinities)', 'mean')
    .option('--json', 'print {"estimates": [{estimator, value, ci}], "loggedValue", "rounds", "warnings", "diagnostics"} as JSON')
    .action(async (flags: PolicyFlags) => {
      if (flags.openBandit === undefined) {
        await evalPlacementPolicyCommand(flags);
        return;
      }
      if (flags.policy !== 'random') throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `--policy must be random, got "${flags.policy}"`, field: '--policy' });
      const clip = flags.clip === undefined ? undefined : numberOption('--clip', flags.clip, Number.MIN_VALUE, Number.POSITIVE_INFINITY);
      const resamples = numberOption('--bootstrap', flags.bootstrap, 0, 1_000_000, true);
      const seed = numberOption('--seed', flags.seed, 0, 2 ** 32 - 1, true);
      const fit = rewardModelFitter(flags.rewardModel);
      const logs = readOpenBandit(flags.openBandit, { context: flags.rewardModel === 'logistic' });
      const result = estimatePolicyValue(logs, uniformPolicy(logs.nActions), {
        random: seededRandom(seed), resamples, rewardModel: fit(logs), ...(clip === undefined ? {} : { clip }),
      });
      process.stdout.write(flags.json === true ? `${JSON.stringify(jsonOf(logs, result))}\n` : table(logs, result, flags));
    });
}

function rewardModelFitter(name: string): (logs: OpenBanditLogs) => RewardModel {
  if (name === 'mean') return (logs) => fitMeanRewardModel(logs);
  if (name === 'logistic') return (logs) => fitLogisticRewardModel(logs);
  throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `--reward-model must be mean or logistic, got "${name}"`, field: '--reward-model' });
}

function jsonOf(logs: OpenBanditLogs, result: OpeResult): object {
  return {
    estimates: result.estimates,
    loggedValue: result.loggedValue,
    loggedCi: result.loggedCi,
    rounds: logs.rounds.length,
    warnings: result.diagnostics.warnings,
    campaign: logs.campaign,
    actions: logs.nActions,
    positions: logs.nPositions,
    rewardModel: result.rewardModel,
    diagnostics: result.diagnostics,
  };
}

function table(logs: OpenBanditLogs, result: OpeResult, flags: PolicyFlags): string {
  const d = result.diagnostics;
  const rate = (value: number): string => (Number.isNaN(value) ? 'n/a' : value.toFixed(5));
  const interval = (ci: readonly [number, number]): string => (Number.isNaN(ci[0]) ? '' : `[${rate(ci[0])}, ${rate(ci[1])}]`);
  const rows = [
    ...result.estimates.map((e) => [e.estimator, rate(e.value), interval(e.ci)]),
    ['logged', rate(result.loggedValue), interval(result.loggedCi)],
  ];
  const lines = [
    `${flags.openBandit ?? ''}: ${d.rounds} rounds of campaign ${logs.campaign}, ${logs.nActions} items at ${logs.nPositions} positions; policy ${flags.policy}${flags.clip === undefined ? '' : `, weights clipped at ${flags.clip}`}`,
    '',
    `estimator  click rate  ${flags.bootstrap === '0' ? '' : '95% bootstrap interval'}`.trimEnd(),
    ...rows.map(([name, value, ci]) => `${name!.padEnd(9)}  ${value!.padStart(10)}  ${ci}`.trimEnd()),
    '',
    `DM and DR use q̂ = ${result.rewardModel}, fitted on these logs and held fixed: DM's interval leaves out q̂'s own error.`,
    `Importance weights: effective sample size ${d.effectiveSampleSize.toFixed(1)} of ${d.usedRounds} rounds, max ${d.maxWeight.toFixed(1)}, mean ${d.meanWeight.toFixed(3)}, ${d.clippedRounds} clipped.`,
    `Propensities: ${d.propensityMissing} missing, ${d.propensityZero} zero, ${d.propensityLow} below ${d.lowPropensity}.`,
    ...d.warnings.map((w) => `warning ${w.code}: ${w.detail}`),
  ];
  return `${lines.join('\n')}\n`;
}
