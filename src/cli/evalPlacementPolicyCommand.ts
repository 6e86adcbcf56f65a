import { loadConfig } from '../config/config.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { shadowKey } from '../core/decide/compileDecisionModel.js';
import { parseCandidatePolicy } from '../core/ope/decisionLogFeedback.js';
import { evaluatePlacementPolicy, type PlacementPolicyEvaluation, type PolicyReward } from '../decide/evaluatePlacementPolicy.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { numberOption } from './numberOption.js';
import { openStore } from './openStore.js';
import { systemClock } from './systemClock.js';

export interface PlacementPolicyFlags {
  readonly data?: string;
  readonly workspace?: string;
  readonly placement?: string;
  readonly policy: string;
  readonly reward: string;
  readonly clip?: string;
  readonly since?: string;
  readonly until?: string;
  readonly windowHours: string;
  readonly bootstrap: string;
  readonly seed: string;
  readonly json?: boolean;
}

/** Decisions read at most, as the admin endpoint reads. */
const limit = 1_000_000;

/**
 * `attune eval policy --data DIR --placement P --policy uniform|shadow|action:ID`: off-policy
 * evaluation on a placement's own decision records (evaluatePlacementPolicy). It takes the
 * data folder, so it refuses while a server runs on it: ask that server's
 * POST /admin/v1/placements/:id/evaluate instead.
 */
export async function evalPlacementPolicyCommand(flags: PlacementPolicyFlags): Promise<void> {
  if (flags.placement === undefined) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: '--placement is needed with --data', field: '--placement' });
  const placementId = flags.placement;
  let policy = parseCandidatePolicy(flags.policy, '--policy');
  if (flags.reward !== 'click' && flags.reward !== 'conversion') {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `--reward must be click or conversion, got "${flags.reward}"`, field: '--reward' });
  }
  const reward: PolicyReward = flags.reward;
  const clip = flags.clip === undefined ? undefined : numberOption('--clip', flags.clip, Number.MIN_VALUE, Number.POSITIVE_INFINITY);
  const now = systemClock.now();
  const since = flags.since === undefined ? 0 : timeOption('--since', flags.since);
  const until = flags.until === undefined ? now + 1 : timeOption('--until', flags.until);
  if (!(since < until)) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: '--since must come before --until', field: '--since' });
  const windowMillis = numberOption('--window-hours', flags.windowHours, Number.MIN_VALUE, 8760) * 3_600_000;
  const resamples = numberOption('--bootstrap', flags.bootstrap, 0, 1_000_000, true);
  const seed = numberOption('--seed', flags.seed, 0, 2 ** 32 - 1, true);
  const store = openStore(loadConfig(flags.data === undefined ? {} : { dataDir: flags.data }), 'eval policy');
  try {
    await store.recovered;
    const workspace = await chooseWorkspace(store.workspaces, flags.workspace);
    const placement = (await store.decisionConfig.listPlacements(workspace.id)).find((p) => p.id === placementId);
    if (placement === undefined) {
      throw new AttuneError('ATTUNE_PLACEMENT_NOT_FOUND', { detail: `no placement has the id "${placementId}" in workspace ${workspace.id}`, field: '--placement' });
    }
    if (policy.kind === 'shadow') {
      if (placement.shadow === undefined) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `placement "${placementId}" has no shadow strategy`, field: '--policy' });
      // Only the decisions of the shadow as it is now: an earlier shadow recorded other probabilities.
      policy = { kind: 'shadow', key: shadowKey(placement.shadow) };
    }
    const result = await evaluatePlacementPolicy(store.decisions, workspace.id, placementId, {
      policy, reward, since, until, now, windowMillis, resamples, seed, limit, ...(clip === undefined ? {} : { clip }),
    });
    process.stdout.write(flags.json === true ? `${JSON.stringify(result)}\n` : table(result, flags));
  } finally {
    await store.close();
  }
}

function timeOption(name: string, raw: string): number {
  const at = Date.parse(raw);
  if (Number.isNaN(at)) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${name} must be an ISO 8601 time, got "${raw}"`, field: name });
  return at;
}

function table(result: PlacementPolicyEvaluation, flags: PlacementPolicyFlags): string {
  const d = result.diagnostics;
  const rate = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(5));
  const interval = (ci: readonly [number | null, number | null]): string => (ci[0] === null ? '' : `[${rate(ci[0])}, ${rate(ci[1])}]`);
  const rows = [...result.estimates.map((e) => [e.estimator, rate(e.value), interval(e.ci)]), ['logged', rate(result.loggedValue), interval(result.loggedCi)]];
  const lines = [
    `placement ${result.placementId}: ${result.rounds} recorded decisions (${result.fallbackRounds} fallbacks${result.unshadowedRounds > 0 ? `, ${result.unshadowedRounds} without the shadow` : ''} left out), actions ${result.actions.join(', ') || 'none'}; `
      + `policy ${result.policy}, reward ${result.reward} within ${flags.windowHours} h${flags.clip === undefined ? '' : `, weights clipped at ${flags.clip}`}`,
    '',
    `estimator  ${result.reward} rate  ${flags.bootstrap === '0' ? '' : '95% bootstrap interval'}`.trimEnd(),
    ...rows.map(([name, value, ci]) => `${name!.padEnd(9)}  ${value!.padStart(10)}  ${ci}`.trimEnd()),
    '',
    `Importance weights: effective sample size ${d.effectiveSampleSize.toFixed(1)} of ${d.usedRounds} decisions, max ${d.maxWeight.toFixed(1)}, ${d.clippedRounds} clipped.`,
    ...result.warnings.map((w) => `warning ${w.code}: ${w.detail}`),
  ];
  return `${lines.join('\n')}\n`;
}
