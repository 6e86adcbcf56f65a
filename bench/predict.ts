import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../src/core/common/random.js';
import { bgNbdLogLikelihood, fitBgNbd } from '../src/core/predict/clv/fitBgNbd.js';
import { summarizeOrders } from '../src/core/predict/clv/summarizeOrders.js';
import { kmeans } from '../src/core/predict/cluster/kmeans.js';
import type { Matrix } from '../src/core/predict/cluster/Matrix.js';
import { dayOf } from '../src/core/predict/orders/Order.js';
import { parseCdnow } from '../src/core/predict/orders/parseCdnow.js';
import { recordPurchase, type PurchaseSummary } from '../src/core/predict/purchases/PurchaseSummary.js';
import { predictionsOf } from '../src/core/predict/traits/predictionsOf.js';
import { trainPredictions } from '../src/core/predict/traits/trainPredictions.js';
import { demoShopGoals, demoShopPropensity, type DemoShopFigures } from './predictDemo.js';
import { percentiles } from './support/decideChild.js';
import { busyCoresBeforeRun, count, fixed, gitState, loadAverage, machineInfo, round, writeVerifiedResults, type Check } from './support/report.js';

/**
 * predict: what finding segments and predicting costs. k-means on 100,000 profiles of 20
 * standardised features (k = 8, 10 restarts: `kmeansSecondsFor100kProfiles`), the BG/NBD fit on
 * the full CDNOW file (23,570 customers: `bgnbdFitSeconds`), and scoring every prediction of
 * one profile as an event arrives (`scoreMicrosPerProfile`: predictionsOf with a model trained
 * on CDNOW, for each of its customers), and propensity on the `attune demo` shop at a size
 * that can show calibration (`demoShop*`: predictDemo.ts). See docs/BENCHMARKS.md.
 */

const goals = { kmeansSecondsFor100kProfiles: 10, bgnbdFitSeconds: 5, scoreMicrosPerProfile: 20 } as const;

function sharedDir(): string {
  return process.env['ATTUNE_SHARED_DIR'] ?? fileURLToPath(new URL('../../shared', import.meta.url));
}

/** 100,000 rows of 20 features around 8 centres (sd 1): standardised profile features with groups in them. */
function profileMatrix(rows: number, cols: number, k: number): { matrix: Matrix; expectedInertia: number } {
  const random = seededRandom(1);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const centres = Array.from({ length: k }, () => Array.from({ length: cols }, () => (random.next() * 2 - 1) * 3));
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) data[i * cols + c] = centres[i % k]![c]! + gauss();
  // The inertia of the true grouping is about rows × cols × sd².
  return { matrix: { rows, cols, data }, expectedInertia: rows * cols };
}

const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

interface PredictArgs {
  readonly quick: boolean;
  /** Simulated customers of the demo shop (default 40,000; 3,000 with --quick). */
  readonly demoCustomers: number;
  /** Only the demo shop: a partial run, checked but not written. */
  readonly onlyDemo: boolean;
}

function parseArgs(args: readonly string[]): PredictArgs {
  const usage = 'predict takes --quick, --demo-customers=N and --only=demo';
  let quick = false;
  let demoCustomers: number | undefined;
  let onlyDemo = false;
  for (const arg of args) {
    if (arg === '--quick') quick = true;
    else if (arg === '--only=demo') onlyDemo = true;
    else if (arg.startsWith('--demo-customers=')) {
      demoCustomers = Number(arg.slice('--demo-customers='.length));
      if (!Number.isInteger(demoCustomers) || demoCustomers < 100) throw new Error(`--demo-customers must be a whole number of at least 100; ${usage}`);
    } else throw new Error(usage);
  }
  return { quick, demoCustomers: demoCustomers ?? (quick ? 3_000 : 40_000), onlyDemo };
}

export async function predictBenchmark(args: readonly string[]): Promise<void> {
  const { quick, demoCustomers, onlyDemo } = parseArgs(args);
  // The held-out minimum that makes an ECE meaningful holds for the full run; smaller runs are for trying out.
  const fullSize = !quick && demoCustomers >= 20_000;
  if (onlyDemo) {
    console.log(`predict: the demo shop only, ${count(demoCustomers)} customers (partial: not written)`);
    const demo = await demoShopPropensity(demoCustomers, fullSize ? undefined : 100);
    writeVerifiedResults({ benchmark: 'predict', summary: demo.summary, goals: { ...demoShopGoals, met: demo.met }, demoShop: demo.detail, machine: machineInfo(), git: gitState(), date: new Date().toISOString() }, demo.checks, { write: false, notWrittenBecause: 'partial run (--only=demo)' });
    return;
  }
  const file = join(sharedDir(), 'data', 'cdnow', 'CDNOW_master.txt');
  if (!existsSync(file)) {
    console.error(`predict: ${file} not found (set ATTUNE_SHARED_DIR); nothing measured`);
    process.exitCode = 1;
    return;
  }
  const loadAtStart = loadAverage();
  const busyBefore = await busyCoresBeforeRun();
  const rows = quick ? 20_000 : 100_000;
  console.log(`predict: k-means on ${count(rows)} x 20 (k = 8, 10 restarts), BG/NBD on the full CDNOW file, scoring every CDNOW customer${quick ? ' (quick: not written)' : ''}`);

  // 1. k-means.
  const { matrix, expectedInertia } = profileMatrix(rows, 20, 8);
  const kmStarted = process.hrtime.bigint();
  const clusters = kmeans(matrix, { k: 8, restarts: 10 }, seededRandom(2));
  const kmeansSeconds = seconds(kmStarted);
  const sizes = new Array<number>(8).fill(0);
  for (const label of clusters.labels) sizes[label]! += 1;
  console.log(`  k-means: ${fixed(kmeansSeconds, 2)} s, inertia ${count(clusters.inertia)} (the generating groups' ${count(expectedInertia)}), cluster sizes ${sizes.join(', ')}`);

  // 2. BG/NBD on the full file (calibration to 1997-09-30, as docs/predict.md).
  const orders = parseCdnow(readFileSync(file, 'utf8')).orders;
  const summary = summarizeOrders(orders, { calibrationEnd: dayOf('1997-09-30')!, observationEnd: dayOf('1998-06-30')! });
  const histories = summary.customers.map((c) => ({ frequency: c.frequency, recency: c.recency, T: c.T }));
  const fitStarted = process.hrtime.bigint();
  const fit = fitBgNbd(histories);
  const bgnbdSeconds = seconds(fitStarted);
  const nudged = [0.99, 1.01].map((f) => bgNbdLogLikelihood({ r: fit.r * f, alpha: fit.alpha, a: fit.a, b: fit.b }, histories));
  console.log(`  BG/NBD on ${count(histories.length)} customers: ${fixed(bgnbdSeconds, 2)} s, r ${fixed(fit.r, 4)}, alpha ${fixed(fit.alpha, 4)}, a ${fixed(fit.a, 4)}, b ${fixed(fit.b, 4)}, log-likelihood ${fixed(fit.logLikelihood, 2)}`);

  // 3. Scoring: a model trained on every customer's purchase summary as of the file's end.
  const summaries = new Map<string, PurchaseSummary>();
  for (const o of orders) summaries.set(o.customerId, recordPurchase(summaries.get(o.customerId), o.day * 86_400_000 + 43_200_000, o.amount));
  const now = Date.parse('1998-06-30T23:00:00Z');
  const profiles = [...summaries.entries()].map(([id, purchases]) => ({ id, purchases }));
  const model = trainPredictions(profiles, { version: 1, now, horizonDays: 90, random: seededRandom(3) });
  const scored = quick ? profiles.slice(0, 5_000) : profiles;
  for (const p of scored.slice(0, 2_000)) predictionsOf(model, p.purchases, now);
  const timings = new Float64Array(scored.length);
  let nulls = 0;
  let outOfRange = 0;
  for (const [i, p] of scored.entries()) {
    const started = process.hrtime.bigint();
    const { values } = predictionsOf(model, p.purchases, now);
    timings[i] = Number(process.hrtime.bigint() - started) / 1000;
    for (const [name, value] of Object.entries(values)) {
      if (value === null) nulls++;
      else if ((name === 'p_alive' || name === 'purchase_propensity' || name === 'churn_risk') && (value < 0 || value > 1)) outOfRange++;
    }
  }
  const latency = percentiles(timings);
  const scoreMicros = latency.mean;
  console.log(`  scoring ${count(scored.length)} profiles (all ${Object.keys(predictionsOf(model, profiles[0]!.purchases, now).values).length.toString()} predictions each): mean ${fixed(scoreMicros, 1)} µs, p50 ${fixed(latency.p50, 1)}, p99 ${fixed(latency.p99, 1)}; held-out AUC ${fixed(model.propensity?.heldOut.logistic.auc ?? Number.NaN, 3)}`);

  // 4. Propensity on the demo shop, through the demo itself.
  const demo: DemoShopFigures = await demoShopPropensity(demoCustomers, fullSize ? undefined : 100);

  const summaryFigures = {
    ...demo.summary,
    kmeansSecondsFor100kProfiles: round(kmeansSeconds * (100_000 / rows), 2),
    bgnbdFitSeconds: round(bgnbdSeconds, 3),
    scoreMicrosPerProfile: round(scoreMicros, 2),
    kmeansRatioToGoal: round((kmeansSeconds * (100_000 / rows)) / goals.kmeansSecondsFor100kProfiles, 3),
    bgnbdRatioToGoal: round(bgnbdSeconds / goals.bgnbdFitSeconds, 3),
    scoreRatioToGoal: round(scoreMicros / goals.scoreMicrosPerProfile, 3),
  };
  const checks: Check[] = [
    { name: 'k-means', ok: clusters.inertia < expectedInertia * 1.05 && sizes.every((s) => s > 0), detail: `inertia ${count(clusters.inertia)} within 5% of the generating groups' ${count(expectedInertia)}; every cluster non-empty (${sizes.join(', ')})` },
    { name: 'BG/NBD', ok: fit.converged && nudged.every((ll) => ll < fit.logLikelihood), detail: `converged ${String(fit.converged)}; the log-likelihood ${fixed(fit.logLikelihood, 2)} is above r nudged by 1% either way (${nudged.map((l) => fixed(l, 2)).join(', ')})` },
    ...demo.checks,
    { name: 'scores', ok: nulls === 0 && outOfRange === 0 && model.notes.length === 0, detail: `${count(nulls)} null and ${count(outOfRange)} out-of-range scores over ${count(scored.length)} profiles; training notes: ${model.notes.join('; ') || 'none'}` },
  ];
  writeVerifiedResults({
    benchmark: 'predict',
    summary: summaryFigures,
    goals: { ...goals, ...demoShopGoals, met: { kmeans: summaryFigures.kmeansRatioToGoal <= 1, bgnbd: summaryFigures.bgnbdRatioToGoal <= 1, score: summaryFigures.scoreRatioToGoal <= 1, ...demo.met } },
    kmeans: { rows, cols: 20, k: 8, restarts: 10, inertia: round(clusters.inertia, 0), iterations: clusters.iterations, sizes },
    bgnbd: { customers: histories.length, r: fit.r, alpha: fit.alpha, a: fit.a, b: fit.b, logLikelihood: fit.logLikelihood },
    scoring: { profiles: scored.length, p50: round(latency.p50, 2), p99: round(latency.p99, 2), heldOutAuc: model.propensity?.heldOut.logistic.auc ?? null },
    demoShop: demo.detail,
    machine: machineInfo(),
    busyCoresBefore: round(busyBefore, 2),
    loadAverage: { atStart: loadAtStart },
    git: gitState(),
    date: new Date().toISOString(),
  }, checks, { write: !quick && fullSize, notWrittenBecause: quick ? 'quick run' : 'demo shop smaller than 20,000 customers' });
}
