import { PROGRAM_EXPERIMENT_ID } from '../src/core/experiments/ExperimentModel.js';
import {
  buildStream, compiledExperiment, compileMeasureModel, eventsByUnit, foldPure, measureExperiment, measureMetrics, measureSettings,
  verifyPureFold, verifyStoredStats, withProgramExposures, type AggregationCheck, type PureFold,
} from './support/measureAggregation.js';
import { analyzeAll, analyzeThroughService, buildAnalysisWorkload, storeAnalysisWorkload, type AnalysisPass } from './support/measureAnalysis.js';
import { collectPass, corePass, createMeasureWorkspace, emptyJobsPass, openMeasureStore, type CollectPass } from './support/measureCollect.js';
import { cpus } from 'node:os';
import { busyCoresBeforeRun, loadAverage, count, fixed, formatTable, gitState, machineCpuTimes, machineInfo, round, writeVerifiedResults, type Check } from './support/report.js';

/**
 * measure: what the experiment read-out costs, on the real code path. The cost per event of
 * outcome aggregation as the collect commit does it (the core's applyExperimentEvent on each
 * profile's experiment units, the changes into SqliteCollectTx.updateExperimentStats, flushed
 * per job of 100 events by the store's committer, 5 metrics), and the time to analyse 100
 * experiments of 5 metrics through ExperimentService.analyze (rows read from SQLite,
 * analyzeExperiment with sequential and Bayesian results). See docs/BENCHMARKS.md.
 */

/** The goals. */
const goals = { aggregationNanosPerEvent: 2_000, analysisMillisFor100Experiments: 1_000 } as const;

/** Events per collect job: an ingest batch of 100 is one job, flushed at its end. */
const jobSize = 100;

interface MeasureSettings {
  readonly quick: boolean;
  readonly units: number;
  readonly events: number;
  readonly runs: number;
  /** Timed passes of the secondary kinds (pure fold, with the program): the first rounds only, to keep the run near a minute. */
  readonly secondaryRuns: number;
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
    runs: runs ?? (quick ? 3 : 5),
    secondaryRuns: Math.min(runs ?? (quick ? 3 : 5), 3),
    experiments: 100,
    analysisRuns: quick ? 5 : 21,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timeMillis<T>(run: () => T): { millis: number; value: T } {
  const started = process.hrtime.bigint();
  const value = run();
  return { millis: Number(process.hrtime.bigint() - started) / 1e6, value };
}

/** CPU use from now on, in cores: this process's, and everything else's on the machine (`other`: the figures' noise). */
function watchCpu(): () => { readonly own: number; readonly other: number } {
  const machineBefore = machineCpuTimes();
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  return () => {
    const machineAfter = machineCpuTimes();
    const own = process.cpuUsage(ownBefore);
    const seconds = (performance.now() - started) / 1000;
    const machine = ((machineAfter.busyMs - machineBefore.busyMs) / (machineAfter.totalMs - machineBefore.totalMs)) * cpus().length;
    const ownCores = (own.user + own.system) / 1e6 / seconds;
    return { own: ownCores, other: Math.max(0, machine - ownCores) };
  };
}

const checkText = (c: AggregationCheck) =>
  `values ${c.unitValuesAgree ? 'agree' : 'DIFFER'}, ${c.rowsFound.toString()} of ${c.rowsExpected.toString()} rows, largest relative difference ${c.maxRelativeDifference.toExponential(1)}`;
const checkOk = (c: AggregationCheck) => c.unitValuesAgree && c.rowsFound === c.rowsExpected && c.maxRelativeDifference < 1e-9;
const checkJson = (c: AggregationCheck) => ({
  unitValuesAgree: c.unitValuesAgree, rowsExpected: c.rowsExpected, rowsFound: c.rowsFound, maxRelativeDifference: Number(c.maxRelativeDifference.toExponential(2)),
});

export async function measureBenchmark(args: readonly string[]): Promise<void> {
  const settings = parseArgs(args);
  const started = Date.now();
  const loadAtStart = loadAverage();
  const idleCheck = await busyCoresBeforeRun();
  console.log(`measure: ${count(settings.events)} events over ${count(settings.units)} exposed units in ${measureExperiment.arms.length.toString()} arms, ${measureMetrics.length.toString()} metrics, through applyExperimentEvent and SqliteCollectTx; analysis of ${settings.experiments.toString()} experiments through ExperimentService.analyze${settings.quick ? ' (quick: not written to bench/results)' : ''}`);

  // 1. Aggregation.
  const buildStarted = Date.now();
  const stream = buildStream(settings.units, settings.events);
  const programStream = withProgramExposures(stream);
  const model = compileMeasureModel();
  const metrics = compiledExperiment(model, measureExperiment.id).metrics;
  const arms = measureExperiment.arms.length;
  console.log(`  stream built in ${fixed((Date.now() - buildStarted) / 1000, 1)} s: ${count(stream.records.length)} records (${count(stream.units)} exposures, ${count(stream.events)} events) over ${stream.spanDays.toString()} days; experiment metrics ${metrics.map((m) => m.id).join(', ')}`);

  const opened = openMeasureStore();
  const { store, service } = opened;
  try {
    const workspaces = { full: [] as string[], program: [] as string[] };
    for (let i = 0; i <= settings.runs; i++) {
      for (const kind of ['full', 'program'] as const) {
        const id = `${kind}-${i.toString()}`;
        await createMeasureWorkspace(store, id);
        workspaces[kind].push(id);
      }
    }
    const nanos = (millis: number) => (millis * 1e6) / stream.events;
    // Warm-up: each kind over the first fifth of the stream, untimed (workspaces full-0 and program-0).
    const warm = Math.ceil(stream.records.length / 5);
    await collectPass(store, workspaces.full[0]!, stream.records.slice(0, warm), model, jobSize);
    corePass(stream.records.slice(0, warm), model);
    foldPure(stream.records.slice(0, warm), metrics, arms);
    await emptyJobsPass(store, warm, jobSize);
    await collectPass(store, workspaces.program[0]!, programStream.records.slice(0, warm), model, jobSize);
    // Timed: the five kinds interleaved, so that all see the same machine.
    const aggregationCpu = watchCpu();
    const runs = { full: [] as number[], core: [] as number[], jobs: [] as number[], pure: [] as number[], program: [] as number[] };
    let lastFull: CollectPass | null = null;
    let lastProgram: CollectPass | null = null;
    let lastCore: CollectPass | null = null;
    let lastPure: PureFold | null = null;
    for (let i = 1; i <= settings.runs; i++) {
      lastFull = await collectPass(store, workspaces.full[i]!, stream.records, model, jobSize);
      runs.full.push(nanos(lastFull.millis));
      lastCore = corePass(stream.records, model);
      runs.core.push(nanos(lastCore.millis));
      runs.jobs.push(nanos(await emptyJobsPass(store, stream.records.length, jobSize)));
      if (i > settings.secondaryRuns) continue;
      const pure = timeMillis(() => foldPure(stream.records, metrics, arms));
      lastPure = pure.value;
      runs.pure.push(nanos(pure.millis));
      lastProgram = await collectPass(store, workspaces.program[i]!, programStream.records, model, jobSize);
      runs.program.push(nanos(lastProgram.millis));
    }
    const aggregationCores = aggregationCpu();
    if (lastFull === null || lastProgram === null || lastCore === null || lastPure === null) throw new Error('no timed pass');
    const aggregationNanosPerEvent = median(runs.full);
    const coreNanos = median(runs.core);
    const jobsNanos = median(runs.jobs);
    const pureNanos = median(runs.pure);
    const programNanos = median(runs.program);
    const storeNanos = aggregationNanosPerEvent - coreNanos - jobsNanos;

    // The check: the last timed passes' rows, read back through the experiment store.
    const lastWorkspace = workspaces.full[settings.runs]!;
    const lastProgramWorkspace = workspaces.program[settings.secondaryRuns]!;
    const rows = await store.experiments.armStats(lastWorkspace, [measureExperiment.id]);
    const eventsOf = eventsByUnit(stream.records);
    const check = verifyStoredStats(eventsOf, model, lastFull.units, rows);
    const programRows = await store.experiments.armStats(lastProgramWorkspace, [measureExperiment.id, PROGRAM_EXPERIMENT_ID]);
    const programCheck = verifyStoredStats(eventsOf, model, lastProgram.units, programRows);
    const pureCheck = verifyPureFold(eventsOf, metrics, lastPure);
    const coreAgrees = lastCore.changes === lastFull.changes && JSON.stringify([...lastCore.units]) === JSON.stringify([...lastFull.units]);
    const readout = await service.analyze(lastWorkspace, measureExperiment.id, { sequential: true, nStar: settings.units, bayesian: true });
    const analysis = readout.analysis;
    if (analysis === null) throw new Error(`the measured experiment is a fixed one, yet its analysis was withheld: ${readout.analysisWithheld ?? ''}`);
    const primary = analysis.metrics[0]!.comparisons[0]!;
    console.log(`  aggregation: ${settings.runs.toString()} timed passes (pure fold and program: ${settings.secondaryRuns.toString()}) after a warm-up, ns per event:`);
    console.log(`    (CPU during the timed passes: this process ${fixed(aggregationCores.own)} cores, everything else ${fixed(aggregationCores.other)})`);
    if (aggregationCores.other > 0.1) console.warn(`  warning: other work used ${fixed(aggregationCores.other)} cores during the aggregation passes; the figures are high and noisy`);
    console.log(`    real path (core + store): ${runs.full.map((n) => fixed(n, 0)).join(', ')}`);
    console.log(`    core only (applyExperimentEvent): ${runs.core.map((n) => fixed(n, 0)).join(', ')}`);
    console.log(`    empty jobs through the committer: ${runs.jobs.map((n) => fixed(n, 0)).join(', ')}`);
    console.log(`    pure fold (advance, removeUnitValue, addUnitValue): ${runs.pure.map((n) => fixed(n, 0)).join(', ')}`);
    console.log(`    real path, units in the program too: ${runs.program.map((n) => fixed(n, 0)).join(', ')}`);
    console.log(`  ${count(lastFull.changes)} arm-statistics changes (${fixed(lastFull.changes / stream.events, 2)} per event) in ${count(lastFull.jobs)} jobs of ${jobSize.toString()}; with the program ${count(lastProgram.changes)} (${fixed(lastProgram.changes / stream.events, 2)} per event); the core-only pass ${coreAgrees ? 'agrees' : 'DIFFERS'}`);
    console.log(`  check of experiment_stats (armStats) against a fresh fold of every unit's events: ${checkText(check)}; with the program: ${checkText(programCheck)}; pure fold: ${checkText(pureCheck)}`);
    console.log(`  read-out of the aggregated experiment (ExperimentService.analyze): units ${JSON.stringify(readout.units)}, ${primary.armId} on ${analysis.metrics[0]!.metricId}: relative ${primary.relative === null ? 'n/a' : fixed(primary.relative.estimate * 100, 2)}%, p ${primary.pValue === null ? 'n/a' : fixed(primary.pValue, 3)}`);

    // 2. Analysis.
    const workload = buildAnalysisWorkload(settings.experiments);
    const analysisWorkspace = 'analysis';
    await storeAnalysisWorkload(store, analysisWorkspace, workload);
    for (let i = 0; i < 3; i++) {
      await analyzeThroughService(service, analysisWorkspace, workload);
      analyzeAll(workload);
    }
    const analysisCpu = watchCpu();
    const passes: (AnalysisPass & { unitsAgree: boolean })[] = [];
    const purePasses: AnalysisPass[] = [];
    for (let i = 0; i < settings.analysisRuns; i++) {
      passes.push(await analyzeThroughService(service, analysisWorkspace, workload));
      purePasses.push(analyzeAll(workload));
    }
    const analysisCores = analysisCpu();
    const analysisMillis = median(passes.map((p) => p.millis));
    const pureAnalysisMillis = median(purePasses.map((p) => p.millis));
    const first = passes[0]!;
    const sameAsPure = first.analyses.every((a, i) => JSON.stringify(a) === JSON.stringify(purePasses[0]!.analyses[i]));
    const analysisVerified = sameAsPure && passes.every((p) => p.complete === workload.comparisons && p.unitsAgree);
    console.log(`  analysis through ExperimentService.analyze: ${settings.analysisRuns.toString()} timed passes after 3 warm-up passes: ${passes.map((p) => fixed(p.millis, 1)).join(', ')} ms (other work: ${fixed(analysisCores.other)} cores)`);
    console.log(`  analyzeExperiment alone (in memory): ${purePasses.map((p) => fixed(p.millis, 1)).join(', ')} ms`);
    console.log(`  ${count(first.complete)} of ${count(workload.comparisons)} comparisons complete, ${first.significant.toString()} significant after Holm, SRM flagged in ${first.srmFlagged.toString()}; the service's analyses ${sameAsPure ? 'equal' : 'DIFFER FROM'} analyzeExperiment's of the same moments`);

    // 3. Figures.
    const met = {
      aggregationNanosPerEvent: aggregationNanosPerEvent <= goals.aggregationNanosPerEvent,
      analysisMillisFor100Experiments: analysisMillis <= goals.analysisMillisFor100Experiments,
    };
    const unitsAgree = passes.every((p) => p.unitsAgree);
    const checks: Check[] = [
      { name: 'aggregation, real path', ok: checkOk(check), detail: `experiment_stats read back against a fresh fold of every unit's events: ${checkText(check)}` },
      { name: 'aggregation, units in the program too', ok: checkOk(programCheck), detail: checkText(programCheck) },
      { name: 'aggregation, pure fold', ok: checkOk(pureCheck), detail: checkText(pureCheck) },
      { name: 'aggregation, core-only pass', ok: coreAgrees, detail: `the same units and changes as the real path: ${coreAgrees ? 'yes' : 'no'}` },
      { name: 'analysis', ok: analysisVerified, detail: `${count(first.complete)} of ${count(workload.comparisons)} comparisons complete in every pass, the service's analyses ${sameAsPure ? 'equal' : 'differ from'} analyzeExperiment's, units ${unitsAgree ? 'agree' : 'differ'}` },
    ];
    const metricList = measureMetrics.map((m) => `${m.id} (${m.kind})`).join(', ');
    const result = {
      benchmark: 'measure',
      date: new Date(started).toISOString(),
      machine: machineInfo(),
      git: gitState(),
      loadAverage: { atStart: loadAtStart },
      summary: {
        aggregationNanosPerEvent: round(aggregationNanosPerEvent, 0),
        analysisMillisFor100Experiments: round(analysisMillis, 1),
        /** The floor: the same stream folded with the core's pieces only, in memory; ratio = floor time / real path time, same run. */
        pureFoldNanosPerEvent: round(pureNanos, 0),
        ratioToPureFold: round(pureNanos / aggregationNanosPerEvent, 3),
        analysisPureMillisFor100Experiments: round(pureAnalysisMillis, 1),
      },
      aggregationNanosPerEvent: round(aggregationNanosPerEvent, 0),
      analysisMillisFor100Experiments: round(analysisMillis, 1),
      goals: {
        aggregationNanosPerEvent: { goal: `at most ${count(goals.aggregationNanosPerEvent)}`, met: met.aggregationNanosPerEvent },
        analysisMillisFor100Experiments: { goal: `at most ${count(goals.analysisMillisFor100Experiments)}`, met: met.analysisMillisFor100Experiments },
      },
      aggregationCoreNanosPerEvent: round(coreNanos, 0),
      aggregationStoreNanosPerEvent: round(storeNanos, 0),
      aggregationJobNanosPerEvent: round(jobsNanos, 0),
      aggregationWithProgramNanosPerEvent: round(programNanos, 0),
      aggregationPureFoldNanosPerEvent: round(pureNanos, 0),
      analysisPureMillisFor100Experiments: round(pureAnalysisMillis, 1),
      setup: {
        runtime: 'in-process, one thread (tsx); SQLite store (openSqliteStore, migrations applied) in a temporary directory, synchronous = NORMAL',
        metrics: measureMetrics,
        measurement: measureSettings,
        aggregation: {
          stream: `${count(stream.units)} units exposed over the first 14 of ${stream.spanDays.toString()} days (arm by assignArm, experiment '${measureExperiment.id}', 2 arms 50/50; the exposure an 'Experiment Viewed' track event with experiment_id and variation_id), ${count(stream.events)} track events after their unit's exposure (activity per unit skewed: exponential^1.5 weights; exponential gaps), properties as a shop sends them; sorted by time, units interleaved; seeded (seededRandom)`,
          experimentMetrics: metrics.map((m) => m.id),
          eventCounts: stream.eventCounts,
          armUnits: stream.armUnits,
          timed: `the real path: the model compiled once by compileExperimentModel (the experiment, its 2 custom metrics, measurement.roiMetrics.conversionRate = purchase-7d so the ROI metrics are the experiment's own: 5 metrics); the stream in jobs of ${jobSize.toString()} events, each submitted to the store's SqliteCommitter and awaited (one job per group commit: BEGIN IMMEDIATE, data_version, savepoint, the job, flush, COMMIT); per event, as applyEventKnowledge and applyEvent do: skipped when the profile has no experiment units and the event is no exposure, else applyExperimentEvent(units, event, model) on the profile's units (a Map by profile id, changed in place as in its knowledge) and, when it returns changes, SqliteCollectTx.updateExperimentStats (rows loaded once and cached by the transaction, moments updated in memory); flush writes one row per (experiment, arm, metric) the job changed. Not timed here: the knowledge's serialization (bench/know) and the commit's fsync (bench/ingest). Time per event = pass time / outcome events (exposures included in the pass)`,
          split: 'core = the same pass without the store (applyExperimentEvent and the Map only); jobs = as many empty jobs through the committer (group commit, savepoint, promise: what any collect job pays); store = real path - core - jobs (updateExperimentStats, loading the rows, flush, the commit writing them)',
          pureFold: 'the floor: the same stream folded with the core pieces only (CompiledMetric.advance, zeroValue, removeUnitValue, addUnitValue), units in a Map of value arrays, accumulators in memory',
          withProgram: 'the same stream with every unit also exposed to the program (_program: holdout 5% / personalized, its 4 ROI metrics, all shared with the experiment), as decide exposes every consenting profile while a holdout runs; in production holdout units stay out of experiments, here they are in both',
          passes: `a warm-up of each kind over the first fifth of the stream, then ${settings.runs.toString()} timed rounds, interleaved (real, core only, empty jobs; pure fold and real with the program in the first ${settings.secondaryRuns.toString()} only); each real pass into its own workspace's rows; the figures are medians`,
          nanosPerEventRuns: runs.full.map((n) => round(n, 0)),
          coreNanosPerEventRuns: runs.core.map((n) => round(n, 0)),
          jobNanosPerEventRuns: runs.jobs.map((n) => round(n, 0)),
          pureFoldNanosPerEventRuns: runs.pure.map((n) => round(n, 0)),
          withProgramNanosPerEventRuns: runs.program.map((n) => round(n, 0)),
          armStatChanges: lastFull.changes,
          armStatChangesPerEvent: round(lastFull.changes / stream.events, 3),
          armStatChangesWithProgram: lastProgram.changes,
          jobs: lastFull.jobs,
          pureFoldAccumulatorUpdates: lastPure.updates,
          check: {
            against: 'every unit\'s values from valueOf over its whole event list, folded per experiment, arm and metric with addPair ((value, 0), (numerator, denominator), _units (0, 0)); the stored rows read back with SqliteExperimentStore.armStats; and each unit\'s stored values',
            realPath: checkJson(check),
            withProgram: checkJson(programCheck),
            pureFold: checkJson(pureCheck),
            coreOnlyPassAgrees: coreAgrees,
          },
          readout: {
            units: readout.units,
            primary: { metricId: analysis.metrics[0]!.metricId, armId: primary.armId, relative: primary.relative === null ? null : round(primary.relative.estimate, 4), pValue: primary.pValue === null ? null : round(primary.pValue, 4) },
          },
        },
        analysis: {
          experiments: settings.experiments,
          arms: workload.arms,
          metricsPerExperiment: measureMetrics.length,
          metrics: `${metricList}; primary purchase-7d, the others guardrails`,
          comparisons: workload.comparisons,
          unitsPerArm: { min: workload.units.min, max: workload.units.max },
          unitsTotal: workload.units.total,
          stats: 'per arm the moments 4,000 to 400,000 units (log-uniform per experiment, split by the weights with binomial noise) would accumulate: conversions 2-10% (whole converters), revenue per visitor and AOV from ~1.3 orders per converter at 40-120 EUR with a long tail, CTR 3-10% of 2-8 impressions per unit (numerator and denominator correlated), 3-13 product views; treatments with small random lifts; seeded. Definitions, metrics and settings saved through the experiment store; the moments written into experiment_stats in the collect commit\'s form (pair moments, _units rows) by one INSERT per row',
          timed: 'ExperimentService.analyze(workspace, id, { sequential: true, nStar: 1.5 x units, bayesian: true }) of each experiment in turn: the compiled model (DecisionModels over KnowledgeModels, cached), the rows read with SqliteExperimentStore.armStats, pair accumulators, analyzeExperiment (Welch absolute and relative, sequential on both scales, Bayesian, SRM, Holm and Benjamini-Hochberg)',
          pure: 'analyzeExperiment of the same inputs in memory, interleaved with the service passes',
          passes: `3 warm-up passes, then ${settings.analysisRuns.toString()} timed; the figure is the median`,
          millisRuns: passes.map((p) => round(p.millis, 2)),
          pureMillisRuns: purePasses.map((p) => round(p.millis, 2)),
          completeComparisons: first.complete,
          significantAfterHolm: first.significant,
          srmFlagged: first.srmFlagged,
          serviceEqualsPure: sameAsPure,
        },
        busyCoresBeforeRun: round(idleCheck, 2),
        otherCoresDuringAggregation: round(aggregationCores.other, 2),
        otherCoresDuringAnalysis: round(analysisCores.other, 2),
      },
    };

    // 4. Print.
    const yes = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log();
    console.log(formatTable(['measure', 'figure', 'goal', ''], [
      ['aggregation, ns per event (5 metrics, real path)', fixed(aggregationNanosPerEvent, 0), `<= ${count(goals.aggregationNanosPerEvent)}`, yes(met.aggregationNanosPerEvent)],
      ['  of which core (applyExperimentEvent)', fixed(coreNanos, 0), '', ''],
      ['  of which store (updateExperimentStats, flush)', fixed(storeNanos, 0), '', ''],
      ['  of which committer jobs (empty)', fixed(jobsNanos, 0), '', ''],
      ['  units in the program too', fixed(programNanos, 0), '', ''],
      ['  pure fold (floor)', fixed(pureNanos, 0), '', ''],
      [`analysis of ${settings.experiments.toString()} experiments, ms (service)`, fixed(analysisMillis, 1), `<= ${count(goals.analysisMillisFor100Experiments)}`, yes(met.analysisMillisFor100Experiments)],
      ['  analyzeExperiment alone', fixed(pureAnalysisMillis, 1), '', ''],
    ]));
    console.log();
    console.log(`goals: aggregation ${fixed(aggregationNanosPerEvent, 0)} ns per event (at most ${count(goals.aggregationNanosPerEvent)}): ${yes(met.aggregationNanosPerEvent)}; analysis ${fixed(analysisMillis, 1)} ms for ${settings.experiments.toString()} experiments (at most ${count(goals.analysisMillisFor100Experiments)}): ${yes(met.analysisMillisFor100Experiments)}`);
    const path = writeVerifiedResults(result, checks, { write: !settings.quick, notWrittenBecause: 'quick run' });
    if (path !== null) console.log(`wrote ${path} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    await opened.close();
  }
}
