import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { seededRandom } from '../src/core/common/random.js';
import { spdInverse } from '../src/core/recommend/ease/spdInverse.js';
import { easeNormalizedTrainer, easeTrainer, trainEaseModel } from '../src/core/recommend/ease/trainEase.js';
import { evaluateRecommender, summarizeRuns, type EvaluationResult, type RunSummary } from '../src/core/recommend/evaluate/evaluateRecommender.js';
import { splitPerUser } from '../src/core/recommend/evaluate/protocols.js';
import { itemKnnTrainer } from '../src/core/recommend/itemKnn/itemKnn.js';
import { popularTrainer } from '../src/core/recommend/popularity/popularity.js';
import type { InteractionData } from '../src/core/recommend/Recommender.js';
import { userItems } from '../src/core/recommend/userItems.js';
import { startParallelSpdInverse } from '../src/recommend/ease/parallelSpdInverse.js';
import { readInteractions } from '../src/recommend/readInteractions.js';
import { attuneRunCheck, cpuCores, loadFigures, measureAttune } from './support/http.js';
import { measureServing } from './support/recommendServing.js';
import { benchWorkloadShape, createWorkload } from './support/workload.js';
import { busyCoresBeforeRun, count, fixed, formatTable, gitState, loadAverage, machineInfo, round, writeVerifiedResults, type Check } from './support/report.js';

/**
 * recommend: the recommenders on MovieLens 100K (../shared/data/movielens-100k). Each
 * measurement is a function returning its summary fields, detail and checks, so more can be
 * added beside them.
 *   ease:     easeTrainSeconds (the whole EASE training, median of 3 after a warm-up), the same
 *             solve in numpy (numpySeconds, when python3 with numpy is present) and their ratio;
 *             the training with the inverse shared by two threads (easeTrainTwoThreadsSeconds,
 *             startParallelSpdInverse; not what the server uses yet); the SPD inverse alone
 *             against ml-matrix's Cholesky solve; modelBytes.
 *   accuracy: nDCG@10 and the other metrics of each recommender, per-user 75/25 split, mean of 5 seeds.
 *   serving:  recommendP99Micros, RecommendService.recommend in-process for warm anonymous
 *             visitors (2,000 catalog items, 20,000 visitors with a session of views each).
 *   events:   eventsPerSecondWithRecommenders, the know workload over HTTP (20 features, 50
 *             segments, fsync) on a catalog of 2,000 products, and recommendersRatio against the
 *             same run with the online item models off (ATTUNE_BENCH_ITEM_MODELS=off).
 */

const goals = { easeToNumpyRatio: 3, ndcgAt10: 0.485, recommendP99Micros: 1000, recommendersRatio: 0.8 } as const;
const reference = { easeNdcgAt10: 0.48, tolerance: 0.01 } as const;

interface Measurement {
  readonly summary: Record<string, number>;
  readonly detail: Record<string, unknown>;
  readonly checks: Check[];
}

function sharedDir(): string {
  return process.env['ATTUNE_SHARED_DIR'] ?? fileURLToPath(new URL('../../shared', import.meta.url));
}

function seconds<T>(run: () => T): { seconds: number; value: T } {
  const started = process.hrtime.bigint();
  const value = run();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value };
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function plainGram(train: InteractionData, lambda: number): Float64Array {
  const n = train.itemIds.length;
  const g = new Float64Array(n * n);
  for (const items of userItems(train)) for (const p of items) for (const q of items) g[p * n + q]! += 1;
  for (let i = 0; i < n; i++) g[i * n + i]! += lambda;
  return g;
}

function numpyEase(train: InteractionData, lambda: number, runs: number): { seconds: number; checksum: number } | null {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
  if (probe.status !== 0) return null;
  const pairs = userItems(train).flatMap((items, user) => items.map((item) => `${user} ${item}`)).join('\n');
  const script = fileURLToPath(new URL('./support/recommendNumpy.py', import.meta.url));
  const out = execFileSync('python3', [script, String(train.userIds.length), String(train.itemIds.length), String(lambda), String(runs)], { input: pairs, encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out) as { seconds: number; checksum: number };
}

async function measureEase(train: InteractionData): Promise<Measurement> {
  const lambda = 500;
  const n = train.itemIds.length;
  trainEaseModel(train, { lambda });
  const runs = Array.from({ length: 3 }, () => seconds(() => trainEaseModel(train, { lambda })));
  const easeTrainSeconds = median(runs.map((r) => r.seconds));
  const model = runs[0]!.value;
  let checksum = 0;
  for (const v of model.b) checksum += Math.abs(v);
  const numpy = numpyEase(train, lambda, 3);
  const solver = await startParallelSpdInverse(2);
  trainEaseModel(train, { lambda, inverse: solver.inverse });
  const twoThreadRuns = Array.from({ length: 3 }, () => seconds(() => trainEaseModel(train, { lambda, inverse: solver.inverse })));
  await solver.close();
  const easeTrainTwoThreadsSeconds = median(twoThreadRuns.map((r) => r.seconds));
  const twoThreadsSame = twoThreadRuns[0]!.value.b.every((v, i) => v === model.b[i]);

  const gram = plainGram(train, lambda);
  const ours = seconds(() => spdInverse(gram, n));
  if (!ours.value.ok) throw new Error('the Gram matrix is not positive definite');
  const inverse = ours.value.inverse;
  const library = seconds(() => new CholeskyDecomposition(new Matrix(Array.from({ length: n }, (_, i) => Array.from(gram.subarray(i * n, (i + 1) * n))))).solve(Matrix.eye(n)));
  let libraryDifference = 0;
  for (let i = 0; i < n; i += 7) for (let j = 0; j < n; j++) libraryDifference = Math.max(libraryDifference, Math.abs(library.value.get(i, j) - inverse[i * n + j]!));
  let residual = 0;
  for (let i = 0; i < n; i += 97) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += gram[i * n + k]! * inverse[k * n + j]!;
      residual = Math.max(residual, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  const modelBytes = easeTrainer.train(train, { lambda }) as unknown as { modelBytes: number };
  console.log(formatTable(['step', 'seconds'], [
    ['EASE training (Attune, median of 3)', fixed(easeTrainSeconds, 3)],
    ['EASE solve (numpy, median of 3)', numpy === null ? 'n/a' : fixed(numpy.seconds, 3)],
    ['EASE training, inverse on two threads (median of 3)', fixed(easeTrainTwoThreadsSeconds, 3)],
    ['SPD inverse, n = 1682 (Attune)', fixed(ours.seconds, 3)],
    ['Cholesky solve with I (ml-matrix)', fixed(library.seconds, 3)],
  ]));
  const checks: Check[] = [
    { name: 'inverse', ok: residual < 1e-9, detail: `largest |G P - I| over sampled rows ${residual.toExponential(2)}` },
    { name: 'library agrees', ok: libraryDifference < 1e-9, detail: `largest difference from ml-matrix's inverse ${libraryDifference.toExponential(2)}` },
    { name: 'two threads agree', ok: twoThreadsSame, detail: 'B trained with the inverse on two threads equals B trained on one, to the bit' },
  ];
  if (numpy !== null) {
    const relative = Math.abs(numpy.checksum - checksum) / numpy.checksum;
    checks.push({ name: 'numpy agrees', ok: relative < 1e-4, detail: `sum |B| Attune ${checksum.toFixed(3)} (B in single precision), numpy ${numpy.checksum.toFixed(3)}, relative ${relative.toExponential(2)}` });
  }
  return {
    summary: {
      easeTrainSeconds: round(easeTrainSeconds, 3),
      ...(numpy === null ? {} : { numpySeconds: round(numpy.seconds, 3), easeToNumpyRatio: round(easeTrainSeconds / numpy.seconds, 2) }),
      easeTrainTwoThreadsSeconds: round(easeTrainTwoThreadsSeconds, 3),
      modelBytes: modelBytes.modelBytes,
      inverseSeconds: round(ours.seconds, 3),
      mlMatrixInverseSeconds: round(library.seconds, 3),
    },
    detail: { ease: { items: n, lambda, trainSeconds: runs.map((r) => round(r.seconds, 3)), twoThreadsTrainSeconds: twoThreadRuns.map((r) => round(r.seconds, 3)), numpy, goalRatio: goals.easeToNumpyRatio } },
    checks,
  };
}

function measureAccuracy(data: InteractionData, seeds: number): Measurement {
  const trainers = [popularTrainer, itemKnnTrainer, easeTrainer, easeNormalizedTrainer];
  const runs = new Map<string, EvaluationResult[]>();
  for (let seed = 1; seed <= seeds; seed++) {
    const split = splitPerUser(data, seededRandom(seed));
    for (const trainer of trainers) {
      const result = evaluateRecommender(trainer.train(split.train), split.cases, 10, data.itemIds.length);
      runs.set(trainer.name, [...(runs.get(trainer.name) ?? []), result]);
    }
    console.log(`  seed ${seed}: ${[...runs].map(([name, r]) => `${name} ${r.at(-1)!.ndcg.toFixed(4)}`).join(', ')}`);
  }
  const summaries = [...runs.values()].map(summarizeRuns);
  console.log(formatTable(['recommender', 'nDCG@10', 'spread', 'P@10', 'R@10', 'MAP', 'MRR', 'coverage'], summaries.map((s) => [
    s.recommender, fixed(s.ndcg, 4), fixed(s.ndcgSpread, 4), fixed(s.precision, 4), fixed(s.recall, 4), fixed(s.map, 4), fixed(s.mrr, 4), fixed(s.coverage, 4),
  ])));
  const best = summaries.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  const ease = summaries.find((s) => s.recommender === 'ease')!;
  return {
    summary: { ndcgAt10: round(best.ndcg, 4) },
    detail: { accuracy: { protocol: 'per-user 75/25 split, top 10, training items excluded', seeds, best: best.recommender, goal: goals.ndcgAt10, results: summaries.map(rounded) } },
    checks: [
      { name: 'EASE(500) reference', ok: Math.abs(ease.ndcg - reference.easeNdcgAt10) <= reference.tolerance, detail: `EASE(500) nDCG@10 ${ease.ndcg.toFixed(4)} against numpy's ${reference.easeNdcgAt10} +- ${reference.tolerance}` },
      { name: 'cases', ok: runs.get('ease')!.every((r) => r.cases === data.userIds.length), detail: `every one of ${data.userIds.length} users judged in every seed` },
    ],
  };
}

async function measureServingLatency(quick: boolean): Promise<Measurement> {
  const figures = await measureServing({ items: 2000, visitors: quick ? 2000 : 20_000, calls: quick ? 2000 : 20_000 });
  console.log(formatTable(['serving (in-process, warm profiles)', 'value'], [
    ['catalog items / visitors / events', `${count(figures.items)} / ${count(figures.visitors)} / ${count(figures.events)}`],
    ['recommend p50 / p99 (µs)', `${fixed(figures.p50Micros, 1)} / ${fixed(figures.p99Micros, 1)}`],
    ['first item by strategy', Object.entries(figures.strategies).map(([k, v]) => `${k} ${count(v)}`).join(', ')],
  ]));
  return {
    summary: { recommendP99Micros: round(figures.p99Micros, 1), recommendP50Micros: round(figures.p50Micros, 1) },
    detail: { serving: { ...figures, p50Micros: round(figures.p50Micros, 1), p99Micros: round(figures.p99Micros, 1), meanItems: round(figures.meanItems, 2), setupSeconds: round(figures.setupSeconds, 1), goalP99Micros: goals.recommendP99Micros } },
    checks: [
      { name: 'answers', ok: figures.meanItems >= 9.9, detail: `mean items per answer ${figures.meanItems.toFixed(2)} (10 asked)` },
      { name: 'personal strategies', ok: (figures.strategies['session'] ?? 0) + (figures.strategies['viewed-together'] ?? 0) > figures.calls / 2, detail: `first items by strategy ${JSON.stringify(figures.strategies)}` },
    ],
  };
}

/** The know workload over HTTP (20 features, 50 segments, a catalog of 2,000 products), with and without the online item models. */
async function measureEventRate(quick: boolean): Promise<Measurement> {
  const workload = createWorkload({ ...benchWorkloadShape, batchSize: 100, catalogSize: 2000 });
  const settings = { seconds: quick ? 4 : 10, warmupSeconds: 2, connections: 16, pragmas: [] };
  console.log('  Attune, know workload with the item models ...');
  const on = await measureAttune(workload, settings, { sync: 'full', knowledge: 'full', stream: 3, cpuProfileDir: null, env: { ATTUNE_BENCH_ITEM_MODELS: 'on' } });
  console.log('  Attune, the same without them ...');
  const off = await measureAttune(workload, settings, { sync: 'full', knowledge: 'full', stream: 4, cpuProfileDir: null, env: { ATTUNE_BENCH_ITEM_MODELS: 'off' } });
  const ratio = on.eventsPerSecond / off.eventsPerSecond;
  console.log(formatTable(['run', 'events/s', 'server µs/event', 'model counters stored'], [
    ['with the item models', count(on.eventsPerSecond), fixed((on.serverCpu * 1e6) / on.eventsPerSecond, 1), count(on.stored.modelCounters)],
    ['without', count(off.eventsPerSecond), fixed((off.serverCpu * 1e6) / off.eventsPerSecond, 1), count(off.stored.modelCounters)],
  ]));
  return {
    summary: { eventsPerSecondWithRecommenders: Math.round(on.eventsPerSecond), eventsPerSecondWithoutRecommenders: Math.round(off.eventsPerSecond), recommendersRatio: round(ratio, 3) },
    detail: {
      eventRate: {
        workload: { ...benchWorkloadShape, batchSize: 100, catalogSize: 2000, mix: workload.mix },
        with: { ...loadFigures(on), serverMicrosPerEvent: round((on.serverCpu * 1e6) / on.eventsPerSecond, 1), modelCounters: on.stored.modelCounters, ...cpuCores(on) },
        without: { ...loadFigures(off), serverMicrosPerEvent: round((off.serverCpu * 1e6) / off.eventsPerSecond, 1), ...cpuCores(off) },
        goalRatio: goals.recommendersRatio,
      },
    },
    checks: [
      attuneRunCheck(on, 'with the item models'),
      attuneRunCheck(off, 'without the item models'),
      { name: 'item models learnt', ok: on.stored.modelCounters > 1000 && off.stored.modelCounters === 0, detail: `${on.stored.modelCounters.toString()} counters stored with them, ${off.stored.modelCounters.toString()} without` },
    ],
  };
}

function rounded(s: RunSummary): Record<string, number | string> {
  return Object.fromEntries(Object.entries(s).map(([key, value]) => [key, typeof value === 'number' ? round(value, 4) : value]));
}

export async function recommendBenchmark(args: readonly string[]): Promise<void> {
  const quick = args.includes('--quick');
  const unknown = args.filter((a) => a !== '--quick');
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')}; recommend takes --quick`);
  const file = `${sharedDir()}/data/movielens-100k/u.data`;
  if (!existsSync(file)) {
    console.error(`recommend: ${file} not found (set ATTUNE_SHARED_DIR); nothing measured`);
    process.exitCode = 1;
    return;
  }
  const loadAtStart = loadAverage();
  const busyBefore = await busyCoresBeforeRun();
  const { data } = readInteractions(file);
  console.log(`recommend: MovieLens 100K, ${data.userIds.length} users, ${data.itemIds.length} items, ${data.interactions.length} ratings${quick ? ' (quick: 1 seed, not written)' : ''}`);
  const measurements = [
    await measureEase(splitPerUser(data, seededRandom(1)).train),
    measureAccuracy(data, quick ? 1 : 5),
    await measureServingLatency(quick),
    await measureEventRate(quick),
  ];
  const summary = Object.assign({}, ...measurements.map((m) => m.summary)) as Record<string, number>;
  writeVerifiedResults({
    benchmark: 'recommend',
    summary,
    ...Object.assign({}, ...measurements.map((m) => m.detail)),
    machine: machineInfo(),
    git: gitState(),
    busyCoresBefore: round(busyBefore, 2),
    loadAverage: { atStart: loadAtStart },
    date: new Date().toISOString(),
  }, measurements.flatMap((m) => m.checks), { write: !quick, notWrittenBecause: 'quick run' });
}
