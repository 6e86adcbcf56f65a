import { analyzeExperiment, designOf, metricRoles, type AnalysisInput } from '../../src/core/experiments/analyzeExperiment.js';
import type { ExperimentDefinition } from '../../src/core/experiments/ExperimentDefinition.js';
import type { ArmAccumulator } from '../../src/core/experiments/metricValues.js';
import { measureMetrics } from './measureAggregation.js';
import { seededRandom } from './random.js';

/**
 * The analysis part of the measure benchmark: `experiments` experiments (2 or 3 arms) with the
 * five metrics of measureAggregation.ts, each arm's accumulators set to the moments a real
 * experiment of 4,000 to 400,000 units would have accumulated (means, variances and, for the
 * ratio metrics, correlated numerator and denominator), small true effects in the treatments.
 */

export interface AnalysisWorkload {
  readonly inputs: readonly AnalysisInput[];
  readonly arms: { readonly two: number; readonly three: number };
  readonly units: { readonly min: number; readonly max: number; readonly total: number };
  /** Metrics × treatment arms: the comparisons each analysis makes. */
  readonly comparisons: number;
}

/** A normal draw (Box–Muller). */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Pair moments of n units whose (x, y) have these means, standard deviations and correlation. */
function pair(n: number, meanX: number, meanY: number, sdX: number, sdY: number, rho: number): ArmAccumulator {
  const d = n - 1;
  return { kind: 'pair', moments: { n, meanX, meanY, m2X: sdX * sdX * d, m2Y: sdY * sdY * d, cXY: rho * sdX * sdY * d } };
}

function single(n: number, mean: number, sd: number): ArmAccumulator {
  return { kind: 'single', moments: { n, mean, m2: sd * sd * (n - 1) } };
}

/** Moments of the five metrics for an arm of n units, with the arm's relative lift on purchases and clicks. */
function armStats(n: number, base: { p: number; aov: number; ctr: number; impressions: number; views: number }, lift: number, random: () => number): ArmAccumulator[] {
  const noise = () => 1 + normal(random) * 0.02;
  // Conversion: a whole number of converters, m2 = k(1 − k/n) as 0/1 data gives.
  const k = Math.round(n * base.p * (1 + lift) * noise());
  const p = k / n;
  const conversion: ArmAccumulator = { kind: 'single', moments: { n, mean: p, m2: k * (1 - p) } };
  // Orders per unit ~ 1.3 per converter, revenue per order ~ aov with a long tail.
  const orders = p * 1.3;
  const aov = base.aov * noise();
  const revenue = orders * aov;
  const revenueSd = Math.sqrt(p * (1.3 * 1.3 + 0.6) * aov * aov * 2.5 - revenue * revenue);
  const ordersSd = Math.sqrt(p * (1.3 * 1.3 + 0.6) - orders * orders);
  const impressions = base.impressions * noise();
  const clicks = impressions * base.ctr * (1 + lift / 2) * noise();
  return [
    conversion,
    single(n, revenue, revenueSd),
    pair(n, revenue, orders, revenueSd, ordersSd, 0.85),
    pair(n, clicks, impressions, Math.sqrt(clicks * 1.8), Math.sqrt(impressions * 3), 0.6),
    single(n, base.views * noise(), Math.sqrt(base.views * 4)),
  ];
}

export function buildAnalysisWorkload(experiments: number, seed = 7): AnalysisWorkload {
  const random = seededRandom(seed);
  const inputs: AnalysisInput[] = [];
  let two = 0;
  let three = 0;
  let min = Infinity;
  let max = 0;
  let total = 0;
  let comparisons = 0;
  for (let e = 0; e < experiments; e++) {
    const threeArms = random() < 0.4;
    if (threeArms) three++;
    else two++;
    const definition: ExperimentDefinition = {
      id: `exp-${e.toString()}`,
      placement: `placement-${(e % 12).toString()}`,
      arms: threeArms
        ? [{ id: 'control', weight: 0.34, serve: { kind: 'generic' } }, { id: 'personalized', weight: 0.33, serve: { kind: 'personalized' } }, { id: 'weighted', weight: 0.33, serve: { kind: 'strategy', strategy: { kind: 'weighted' } } }]
        : [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'personalized', weight: 0.5, serve: { kind: 'personalized' } }],
      primaryMetric: measureMetrics[0]!.id,
      guardrailMetrics: measureMetrics.slice(1).map((m) => m.id),
    };
    // 4,000 to 400,000 units, log-uniform; split by the weights with binomial-sized noise.
    const units = Math.round(4_000 * 100 ** random());
    total += units;
    const nStar = Math.round(units * 1.5);
    const base = { p: 0.02 + random() * 0.08, aov: 40 + random() * 80, ctr: 0.03 + random() * 0.07, impressions: 2 + random() * 6, views: 3 + random() * 10 };
    const unitCounts: Record<string, number> = {};
    const perArm = definition.arms.map((arm, a) => {
      const expected = units * arm.weight;
      const n = Math.max(2, Math.round(expected + normal(random) * Math.sqrt(expected * (1 - arm.weight))));
      unitCounts[arm.id] = n;
      min = Math.min(min, n);
      max = Math.max(max, n);
      const lift = a === 0 ? 0 : normal(random) * 0.04;
      return armStats(n, base, lift, random);
    });
    const roles = metricRoles(definition);
    const metrics = roles.map(({ metricId, role }, m) => ({
      metricId,
      role,
      kind: measureMetrics[m]!.kind,
      arms: Object.fromEntries(definition.arms.map((arm, a) => [arm.id, perArm[a]![m]!])),
    }));
    comparisons += metrics.length * (definition.arms.length - 1);
    inputs.push({ design: designOf(definition, { sequential: { nStar }, bayesian: {} }), unitCounts, metrics });
  }
  return { inputs, arms: { two, three }, units: { min, max, total }, comparisons };
}

export interface AnalysisPass {
  readonly millis: number;
  /** Comparisons with a full read-out (status ok, sequential and Bayesian present). */
  readonly complete: number;
  readonly significant: number;
  readonly srmFlagged: number;
}

/** One timed pass: analyzeExperiment of every experiment. */
export function analyzeAll(inputs: readonly AnalysisInput[]): AnalysisPass {
  const started = process.hrtime.bigint();
  const results = inputs.map(analyzeExperiment);
  const millis = Number(process.hrtime.bigint() - started) / 1e6;
  let complete = 0;
  let significant = 0;
  let srmFlagged = 0;
  for (const r of results) {
    if (r.srm.mismatch) srmFlagged++;
    for (const metric of r.metrics) for (const c of metric.comparisons) {
      if (c.status === 'ok' && c.sequential !== null && c.bayesian !== null && c.adjusted !== null) complete++;
      if (c.adjusted !== null && c.adjusted.holm < 0.05) significant++;
    }
  }
  return { millis, complete, significant, srmFlagged };
}
