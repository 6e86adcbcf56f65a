import { analyzeExperiment, designOf, metricRoles, type AnalysisInput, type ExperimentAnalysis } from '../../src/core/experiments/analyzeExperiment.js';
import type { ExperimentDefinition } from '../../src/core/experiments/ExperimentDefinition.js';
import { UNITS_METRIC } from '../../src/core/experiments/ExperimentModel.js';
import type { ArmAccumulator } from '../../src/core/experiments/metricValues.js';
import type { PairMoments } from '../../src/core/stats/SufficientStats.js';
import type { ExperimentService } from '../../src/experiments/ExperimentService.js';
import type { EmbeddedStore } from '../../src/engine/openStore.js';
import { customMetrics, measureMetrics, measureSettings } from './measureAggregation.js';
import { seededRandom } from './random.js';
import { defaultIdentitySettings } from '../../src/core/identity/types.js';

/**
 * The analysis part of the measure benchmark: `experiments` experiments (2 or 3 arms) with the
 * five metrics of measureAggregation.ts, each arm's statistics set to the moments a real
 * experiment of 4,000 to 400,000 units would have accumulated (means, variances and, for the
 * ratio metrics, correlated numerator and denominator), small true effects in the treatments.
 * The definitions, metrics and settings go into a SQLite store, the moments into its
 * experiment_stats rows in the collect commit's form (pair moments: a single metric's x with
 * y = 0, no covariate; a ratio's numerator and denominator; `_units` with the arm's n), and the
 * timed read-out is ExperimentService.analyze of each experiment. The same inputs, in memory,
 * give the pure figure (analyzeExperiment alone) and the check.
 */

export interface AnalysisExperiment {
  readonly definition: ExperimentDefinition;
  /** The sequential design's N*: 1.5 × the experiment's units. */
  readonly nStar: number;
  /** The rows of experiment_stats: arm id → metric id → moments. */
  readonly rows: ReadonlyMap<string, ReadonlyMap<string, PairMoments>>;
  /** What ExperimentService.analyze hands analyzeExperiment for these rows (pair accumulators). */
  readonly input: AnalysisInput;
}

export interface AnalysisWorkload {
  readonly experiments: readonly AnalysisExperiment[];
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

/** The stored form of an accumulator: pair moments (a single metric's y is the covariate, 0 here). */
function stored(acc: ArmAccumulator): PairMoments {
  if (acc.kind === 'pair') return acc.moments;
  return { n: acc.moments.n, meanX: acc.moments.mean, meanY: 0, m2X: acc.moments.m2, m2Y: 0, cXY: 0 };
}

export function buildAnalysisWorkload(experiments: number, seed = 7): AnalysisWorkload {
  const random = seededRandom(seed);
  const list: AnalysisExperiment[] = [];
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
      id: `exp-${e.toString().padStart(3, '0')}`,
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
    const rows = new Map<string, Map<string, PairMoments>>();
    const unitCounts: Record<string, number> = {};
    definition.arms.forEach((arm, a) => {
      const expected = units * arm.weight;
      const n = Math.max(2, Math.round(expected + normal(random) * Math.sqrt(expected * (1 - arm.weight))));
      unitCounts[arm.id] = n;
      min = Math.min(min, n);
      max = Math.max(max, n);
      const lift = a === 0 ? 0 : normal(random) * 0.04;
      const accs = armStats(n, base, lift, random);
      const armRows = new Map<string, PairMoments>([[UNITS_METRIC, { n, meanX: 0, meanY: 0, m2X: 0, m2Y: 0, cXY: 0 }]]);
      measureMetrics.forEach((metric, m) => armRows.set(metric.id, stored(accs[m]!)));
      rows.set(arm.id, armRows);
    });
    // As ExperimentService.analyze builds it: roles from the definition, every arm's row as a pair accumulator.
    const metrics = metricRoles(definition).map(({ metricId, role }) => ({
      metricId,
      role,
      kind: measureMetrics.find((m) => m.id === metricId)!.kind,
      arms: Object.fromEntries(definition.arms.map((arm): [string, ArmAccumulator] => [arm.id, { kind: 'pair', moments: rows.get(arm.id)!.get(metricId)! }])),
    }));
    comparisons += metrics.length * (definition.arms.length - 1);
    list.push({ definition, nStar, rows, input: { design: designOf(definition, { sequential: { nStar }, bayesian: {} }), unitCounts, metrics } });
  }
  return { experiments: list, arms: { two, three }, units: { min, max, total }, comparisons };
}

/**
 * A workspace with the experiments, their metrics and settings (through the store, as the API
 * saves them), and their statistics written straight into experiment_stats (synthesized: the
 * collect commit is the only writer in Attune, and it takes unit changes, not moments).
 */
export async function storeAnalysisWorkload(store: EmbeddedStore, workspaceId: string, workload: AnalysisWorkload): Promise<void> {
  await store.workspaces.createWorkspace({ id: workspaceId, name: workspaceId, createdAt: 0, identity: defaultIdentitySettings }, []);
  for (const metric of customMetrics) await store.experiments.putMetric(workspaceId, metric, 0);
  await store.experiments.setMeasurement(workspaceId, measureSettings);
  for (const e of workload.experiments) await store.experiments.putExperiment(workspaceId, e.definition, 0);
  const insert = store.db.prepare(
    'INSERT INTO experiment_stats (workspace_id, experiment_id, arm_id, metric_id, n, mean_x, mean_y, m2_x, m2_y, c_xy, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const firstAt = Date.parse('2026-10-01T00:00:00Z');
  const lastAt = Date.parse('2026-11-21T00:00:00Z');
  store.db.transaction(() => {
    for (const e of workload.experiments) for (const [armId, metrics] of e.rows) for (const [metricId, m] of metrics) {
      insert.run(workspaceId, e.definition.id, armId, metricId, m.n, m.meanX, m.meanY, m.m2X, m.m2Y, m.cXY, firstAt, lastAt);
    }
  })();
}

export interface AnalysisPass {
  readonly millis: number;
  /** Comparisons with a full read-out (status ok, sequential and Bayesian present). */
  readonly complete: number;
  readonly significant: number;
  readonly srmFlagged: number;
  readonly analyses: readonly ExperimentAnalysis[];
}

function tally(millis: number, analyses: readonly ExperimentAnalysis[]): AnalysisPass {
  let complete = 0;
  let significant = 0;
  let srmFlagged = 0;
  for (const r of analyses) {
    if (r.srm.mismatch) srmFlagged++;
    for (const metric of r.metrics) for (const c of metric.comparisons) {
      if (c.status === 'ok' && c.sequential !== null && c.bayesian !== null && c.adjusted !== null) complete++;
      if (c.adjusted !== null && c.adjusted.holm < 0.05) significant++;
    }
  }
  return { millis, complete, significant, srmFlagged, analyses };
}

/** One timed pass of the real read-out: ExperimentService.analyze of every experiment, sequential and Bayesian on. */
export async function analyzeThroughService(service: ExperimentService, workspaceId: string, workload: AnalysisWorkload): Promise<AnalysisPass & { readonly unitsAgree: boolean }> {
  const analyses: ExperimentAnalysis[] = [];
  let unitsAgree = true;
  const started = process.hrtime.bigint();
  for (const e of workload.experiments) {
    const readout = await service.analyze(workspaceId, e.definition.id, { sequential: true, nStar: e.nStar, bayesian: true });
    if (readout.analysis === null) throw new Error(`${e.definition.id}: the analysis was withheld (${readout.analysisWithheld ?? ''})`);
    analyses.push(readout.analysis);
    if (JSON.stringify(readout.units) !== JSON.stringify(e.input.unitCounts)) unitsAgree = false;
  }
  const millis = Number(process.hrtime.bigint() - started) / 1e6;
  return { ...tally(millis, analyses), unitsAgree };
}

/** One timed pass of the pure core: analyzeExperiment of every experiment's in-memory input. */
export function analyzeAll(workload: AnalysisWorkload): AnalysisPass {
  const started = process.hrtime.bigint();
  const analyses = workload.experiments.map((e) => analyzeExperiment(e.input));
  const millis = Number(process.hrtime.bigint() - started) / 1e6;
  return tally(millis, analyses);
}
