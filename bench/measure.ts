import { aggregate, buildStream, compileMeasureMetrics, measureExperiment, measureMetrics, verifyAggregation } from './support/measureAggregation.js';
import { analyzeAll, buildAnalysisWorkload, type AnalysisPass } from './support/measureAnalysis.js';
import { busyCoresBeforeRun, count, fixed, formatTable, gitState, machineInfo, round, writeResults } from './support/report.js';

/**
 * measure: what the experiment read-out costs. The cost per event of outcome aggregation
 * (a unit's running metric values and its arm's sufficient statistics updated event by event,
 * 5 metrics) and the time to analyse 100 experiments of 5 metrics (2-3 arms, sequential and
 * Bayesian on). Pure core, in-process, one thread. See docs/BENCHMARKS.md.
 */

/** The goals. */
const goals = { aggregationNanosPerEvent: 2_000, analysisMillisFor100Experiments: 1_000 } as const;

interface MeasureSettings {
  readonly quick: boolean;
  readonly units: number;
  readonly events: number;
  readonly runs: number;
  readonly experiments: number;
  readonly analysisRuns: number;
}

function parseArgs(args: readonly string[]): MeasureSettings {
  const usage = 'measure takes --quick --units=N --events=N --runs=N';
  let quick = false;
  let units: number | null = null;
  let events: number | null = null;
  let runs: number | null = null;
  for (const arg of args) {
    const [flag, value] = arg.split('=', 2) as [string, string | undefined];
    const number = () => {
      const n = Number(value);
      if (value === undefined || !Number.isFinite(n) || n < 1) throw new Error(`${flag} needs a positive number; ${usage}`);
      return Math.round(n);
    };
    if (flag === '--quick' && value === undefined) quick = true;
    else if (flag === '--units') units = number();
    else if (flag === '--events') events = number();
    else if (flag === '--runs') runs = number();
    else throw new Error(`unknown option ${arg}; ${usage}`);
  }
  return {
    quick,
    units: units ?? (quick ? 5_000 : 50_000),
    events: events ?? (quick ? 100_000 : 1_000_000),
    runs: runs ?? (quick ? 3 : 7),
    experiments: 100,
    analysisRuns: quick ? 5 : 21,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timeMillis(run: () => void): number {
  const started = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function measureBenchmark(args: readonly string[]): Promise<void> {
  const settings = parseArgs(args);
  const started = Date.now();
  const idleCheck = await busyCoresBeforeRun();
  console.log(`measure: ${count(settings.events)} events over ${count(settings.units)} exposed units in ${measureExperiment.arms.length.toString()} arms, ${measureMetrics.length.toString()} metrics; analysis of ${settings.experiments.toString()} experiments${settings.quick ? ' (quick: not written to bench/results)' : ''}`);

  // 1. Aggregation.
  const buildStarted = Date.now();
  const stream = buildStream(settings.units, settings.events);
  const metrics = compileMeasureMetrics();
  const arms = measureExperiment.arms.length;
  console.log(`  stream built in ${fixed((Date.now() - buildStarted) / 1000, 1)} s: ${count(stream.records.length)} records (${count(stream.units)} exposures, ${count(stream.events)} events) over ${stream.spanDays.toString()} days`);
  // Warm-up: one pass of each kind, untimed.
  aggregate(stream.records, metrics, arms);
  aggregate(stream.records, metrics, arms, false);
  const fullMillis: number[] = [];
  const valuesOnlyMillis: number[] = [];
  let last = aggregate(stream.records, metrics, arms);
  for (let i = 0; i < settings.runs; i++) {
    fullMillis.push(timeMillis(() => {
      last = aggregate(stream.records, metrics, arms);
    }));
    // Interleaved, so that both see the same machine: the same pass without the arm accumulators.
    valuesOnlyMillis.push(timeMillis(() => aggregate(stream.records, metrics, arms, false)));
  }
  const nanos = (millis: number) => (millis * 1e6) / stream.events;
  const perEvent = fullMillis.map(nanos);
  const valuesOnly = valuesOnlyMillis.map(nanos);
  const aggregationNanosPerEvent = median(perEvent);
  const valuesOnlyNanos = median(valuesOnly);
  const check = verifyAggregation(stream.records, metrics, last);
  const aggregationVerified = check.unitValuesAgree && check.maxRelativeDifference < 1e-9 && last.outcomeEvents === stream.events;
  console.log(`  aggregation: ${settings.runs.toString()} timed passes after a warm-up: ${perEvent.map((n) => fixed(n, 0)).join(', ')} ns per event (unit values only: ${valuesOnly.map((n) => fixed(n, 0)).join(', ')})`);
  console.log(`  ${count(last.updates)} accumulator updates (${fixed(last.updates / stream.events, 2)} per event); check against a fold of whole units: values ${check.unitValuesAgree ? 'agree' : 'DIFFER'}, largest relative difference in the moments ${check.maxRelativeDifference.toExponential(1)}`);

  // 2. Analysis.
  const workload = buildAnalysisWorkload(settings.experiments);
  for (let i = 0; i < 3; i++) analyzeAll(workload.inputs);
  const passes: AnalysisPass[] = [];
  for (let i = 0; i < settings.analysisRuns; i++) passes.push(analyzeAll(workload.inputs));
  const analysisMillis = median(passes.map((p) => p.millis));
  const first = passes[0]!;
  const analysisVerified = passes.every((p) => p.complete === workload.comparisons);
  console.log(`  analysis: ${settings.analysisRuns.toString()} timed passes after 3 warm-up passes: ${passes.map((p) => fixed(p.millis, 1)).join(', ')} ms; ${count(first.complete)} of ${count(workload.comparisons)} comparisons complete, ${first.significant.toString()} significant after Holm, SRM flagged in ${first.srmFlagged.toString()}`);

  // 3. Figures.
  const met = {
    aggregationNanosPerEvent: aggregationNanosPerEvent <= goals.aggregationNanosPerEvent,
    analysisMillisFor100Experiments: analysisMillis <= goals.analysisMillisFor100Experiments,
  };
  const verified = aggregationVerified && analysisVerified;
  const metricList = measureMetrics.map((m) => `${m.id} (${m.kind})`).join(', ');
  const result = {
    benchmark: 'measure',
    date: new Date(started).toISOString(),
    machine: machineInfo(),
    git: gitState(),
    aggregationNanosPerEvent: round(aggregationNanosPerEvent, 0),
    analysisMillisFor100Experiments: round(analysisMillis, 1),
    goals: {
      aggregationNanosPerEvent: { goal: `at most ${count(goals.aggregationNanosPerEvent)}`, met: met.aggregationNanosPerEvent },
      analysisMillisFor100Experiments: { goal: `at most ${count(goals.analysisMillisFor100Experiments)}`, met: met.analysisMillisFor100Experiments },
    },
    verified,
    setup: {
      runtime: 'in-process, one thread (tsx), pure core only: no I/O, no storage',
      metrics: measureMetrics,
      aggregation: {
        stream: `${count(stream.units)} units exposed over the first 14 of ${stream.spanDays.toString()} days (arm by assignArm, experiment '${measureExperiment.id}', 2 arms 50/50), ${count(stream.events)} track events after their unit's exposure (activity per unit skewed: exponential^1.5 weights; exponential gaps), properties as a shop sends them; sorted by time, units interleaved; seeded (seededRandom)`,
        eventCounts: stream.eventCounts,
        armUnits: stream.armUnits,
        timed: 'the whole stream folded record by record from an empty state: an exposure creates the unit\'s state (Map by unit id; all 5 values 0) and adds it to its arm\'s 5 accumulators (addUnitValue); an event looks its unit up, and for each of the 5 compiled metrics takes its contribution valueOf(firstExposure, [event]) (name match, window, property), adds it to the unit\'s running value (conversion: any), and when the value changed takes the old value out of the arm\'s accumulator (inverse Welford, in the bench: metricValues.ts exports none) and adds the new one (addUnitValue). Time per event = pass time / events (exposures included in the pass). Stream generation is not timed',
        passes: `1 warm-up pass of each kind, then ${settings.runs.toString()} timed passes, interleaved with a pass without the arm accumulators (unit values only); the figure is the median`,
        nanosPerEventRuns: perEvent.map((n) => round(n, 0)),
        unitValuesOnlyNanosPerEvent: round(valuesOnlyNanos, 0),
        unitValuesOnlyRuns: valuesOnly.map((n) => round(n, 0)),
        accumulatorUpdates: last.updates,
        accumulatorUpdatesPerEvent: round(last.updates / stream.events, 3),
        check: { unitValuesAgree: check.unitValuesAgree, maxRelativeDifference: Number(check.maxRelativeDifference.toExponential(2)), against: 'valueOf over each unit\'s whole event list, folded per arm with addUnitValue' },
      },
      analysis: {
        experiments: settings.experiments,
        arms: workload.arms,
        metricsPerExperiment: measureMetrics.length,
        metrics: `${metricList}; primary purchase-7d, the others guardrails`,
        comparisons: workload.comparisons,
        unitsPerArm: { min: workload.units.min, max: workload.units.max },
        unitsTotal: workload.units.total,
        stats: 'per arm the moments 4,000 to 400,000 units (log-uniform per experiment, split by the weights with binomial noise) would accumulate: conversions 2-10% (whole converters), revenue per visitor and AOV from ~1.3 orders per converter at 40-120 EUR with a long tail, CTR 3-10% of 2-8 impressions per unit (numerator and denominator correlated), 3-13 product views; treatments with small random lifts; seeded',
        timed: 'analyzeExperiment of all experiments, design from designOf(definition, { sequential: { nStar: 1.5 x units }, bayesian: {} }): Welch absolute and relative, sequential on both scales, Bayesian, SRM, Holm and Benjamini-Hochberg',
        passes: `3 warm-up passes, then ${settings.analysisRuns.toString()} timed; the figure is the median`,
        millisRuns: passes.map((p) => round(p.millis, 2)),
        completeComparisons: first.complete,
        significantAfterHolm: first.significant,
        srmFlagged: first.srmFlagged,
      },
      busyCoresBeforeRun: round(idleCheck, 2),
    },
  };
  const path = settings.quick ? null : writeResults('measure', result);

  // 4. Print.
  const yes = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log();
  console.log(formatTable(['measure', 'figure', 'goal', ''], [
    ['aggregation, ns per event (5 metrics)', fixed(aggregationNanosPerEvent, 0), `<= ${count(goals.aggregationNanosPerEvent)}`, yes(met.aggregationNanosPerEvent)],
    ['  of which unit values only', fixed(valuesOnlyNanos, 0), '', ''],
    [`analysis of ${settings.experiments.toString()} experiments, ms`, fixed(analysisMillis, 1), `<= ${count(goals.analysisMillisFor100Experiments)}`, yes(met.analysisMillisFor100Experiments)],
  ]));
  console.log();
  console.log(`goals: aggregation ${fixed(aggregationNanosPerEvent, 0)} ns per event (at most ${count(goals.aggregationNanosPerEvent)}): ${yes(met.aggregationNanosPerEvent)}; analysis ${fixed(analysisMillis, 1)} ms for ${settings.experiments.toString()} experiments (at most ${count(goals.analysisMillisFor100Experiments)}): ${yes(met.analysisMillisFor100Experiments)}`);
  console.log(path === null ? `quick run: bench/results/measure.json not written (${((Date.now() - started) / 1000).toFixed(0)} s)` : `wrote ${path} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (!verified) {
    console.error(`check failed: unit values ${check.unitValuesAgree ? 'agree' : 'differ'}, moments differ by up to ${check.maxRelativeDifference.toExponential(2)}, ${count(last.outcomeEvents)} of ${count(stream.events)} events seen; ${count(first.complete)} of ${count(workload.comparisons)} comparisons complete`);
    process.exitCode = 1;
  }
}
