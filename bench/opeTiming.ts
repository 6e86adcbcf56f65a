import { cpus, loadavg } from 'node:os';
import { seededRandom } from '../src/core/common/random.js';
import { estimatePolicyValue } from '../src/core/ope/estimatePolicyValue.js';
import { uniformPolicy, type LoggedFeedback, type LoggedRound } from '../src/core/ope/LoggedFeedback.js';

/**
 * A one-off timing of off-policy evaluation (docs/ope.md, "Speed"), not part of `npm run
 * bench`: seconds per million logged decisions for IPW, SNIPW, DM and DR together (the mean
 * reward model fitted on the logs included), without intervals and with B bootstrap
 * resamples. The logs are synthetic, shaped like the Open Bandit Dataset's women campaign:
 * 46 items, 3 positions, a skewed logging policy; the uniform policy is evaluated.
 *
 *   npx tsx bench/opeTiming.ts [rounds=1000000] [resamples=1000]
 */
const rounds = Number(process.argv[2] ?? 1_000_000);
const resamples = Number(process.argv[3] ?? 1000);
const nActions = 46;

function syntheticLogs(n: number): LoggedFeedback {
  const random = seededRandom(2020);
  const popularity = Array.from({ length: nActions }, (_, a) => 1 / (a + 1));
  const total = popularity.reduce((s, p) => s + p, 0);
  const logging = popularity.map((p) => p / total);
  return {
    nActions,
    rounds: Array.from({ length: n }, (): LoggedRound => {
      let u = random.next();
      let action = 0;
      while (action < nActions - 1 && u >= logging[action]!) u -= logging[action++]!;
      return { action, position: Math.floor(random.next() * 3), reward: random.next() < 0.005 ? 1 : 0, propensity: logging[action]! };
    }),
  };
}

const logs = syntheticLogs(rounds);
const policy = uniformPolicy(nActions);
const time = (b: number): number => {
  const start = performance.now();
  estimatePolicyValue(logs, policy, { random: seededRandom(1), resamples: b });
  return (performance.now() - start) / 1000;
};
time(0); // warm-up
const pointOnly = time(0);
const withBootstrap = time(resamples);
const perMillion = (seconds: number): string => (seconds * 1e6 / rounds).toFixed(2);
console.log(`${new Date().toISOString()} ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${rounds} rounds, ${nActions} actions: point estimates ${pointOnly.toFixed(2)} s (${perMillion(pointOnly)} s per million); with ${resamples} bootstrap resamples ${withBootstrap.toFixed(2)} s (${perMillion(withBootstrap)} s per million)`);
