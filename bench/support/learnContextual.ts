import { seededRandom } from '../../src/core/common/random.js';
import { contextualProbabilities, drawAction } from '../../src/core/bandits/linear/contextualChoice.js';
import { encodeFeatures, type Features } from '../../src/core/bandits/linear/encodeFeatures.js';
import { createLinearModel, predictLinear, updateLinearModel } from '../../src/core/bandits/linear/LinearModel.js';
import { percentiles, type Percentiles } from './decideChild.js';

export interface ContextualRun {
  readonly description: string;
  readonly decision: Percentiles;
  readonly rewardsPerSecond: number;
  readonly check: { readonly ok: boolean; readonly detail: string };
}

const DIMS = 128;

/**
 * A contextual decision as the core makes it: the request's context features (8) crossed with
 * each action's features (3) into one shared hashed model of 128 dimensions (what the
 * Personalizer-compatible rank does), a prediction per action, linear Thompson sampling's exact
 * probabilities with a 1% floor, and the draw. The model is first trained online on simulated
 * rewards whose best action depends on the context (timed: the rewards per second), and the
 * check is that it then picks the right action for each kind of visitor most of the time.
 */
export function contextualChoiceMicros(calls: number, actions: readonly string[]): ContextualRun {
  const random = seededRandom(21);
  const model = createLinearModel(DIMS, 1);
  const actionFeatures: Features[] = actions.map((id, i) => ({ id, category: `c${(i % 3).toString()}`, price: 10 + i }));
  const contextOf = (segment: number): Features => ({
    segment: `s${segment.toString()}`, device: segment % 2 === 0 ? 'mobile' : 'desktop', visits: 1 + (segment % 5), hour: 9 + segment, country: 'DE', returning: segment > 1, cart: 0, referrer: 'search',
  });
  // The best action of segment s is action s (of the first four): a click rate of 0.3 against 0.05.
  const rate = (segment: number, action: number) => (action === segment ? 0.3 : 0.05);
  const vectors = (features: Features) => actionFeatures.map((a) => encodeFeatures([{ namespace: 'c', features }, { namespace: 'a', features: a }], DIMS, true));
  const segments = 4;
  const prepared = Array.from({ length: segments }, (_v, s) => vectors(contextOf(s)));
  const trainRounds = 20_000;
  const trainStarted = process.hrtime.bigint();
  for (let t = 0; t < trainRounds; t++) {
    const segment = t % segments;
    const action = Math.floor(random.next() * actions.length);
    updateLinearModel(model, prepared[segment]![action]!, random.next() < rate(segment, action) ? 1 : 0);
  }
  const rewardsPerSecond = trainRounds / (Number(process.hrtime.bigint() - trainStarted) / 1e9);
  const timings = new Float64Array(calls);
  const right = new Array<number>(segments).fill(0);
  for (let i = 0; i < calls; i++) {
    const segment = i % segments;
    const started = process.hrtime.bigint();
    const features = contextOf(segment);
    const xs = vectors(features);
    const predictions = actions.map((actionId, a) => ({ actionId, ...predictLinear(model, xs[a]!) }));
    const chosen = drawAction(contextualProbabilities(predictions, { kind: 'linTS', scale: 0.2 }, 0.01), random);
    timings[i] = Number(process.hrtime.bigint() - started) / 1000;
    if (chosen === actions[segment]) right[segment]! += 1;
  }
  const shareRight = right.map((n) => n / (calls / segments));
  return {
    description: '8 context x 3 action features crossed into a 128-dimension shared model, 10 actions, linear Thompson sampling with exact probabilities',
    decision: percentiles(timings),
    rewardsPerSecond,
    check: { ok: shareRight.every((s) => s > 0.6), detail: `after ${trainRounds.toString()} uniformly explored rewards, each segment's best action is chosen in ${shareRight.map((s) => `${(s * 100).toFixed(0)}%`).join(', ')} of its calls (needs > 60%)` },
  };
}
