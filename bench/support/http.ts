import Database from 'better-sqlite3';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnServer, type ServerChild, type ServerStats } from './child.js';
import { runPhasedLoad, type LoadResult } from './load.js';
import { round, type Check } from './report.js';
import { storedKnowledge } from './storedKnowledge.js';
import { BodySource, type Workload } from './workload.js';

/**
 * The HTTP runs of the ingest and know benchmarks: the server in a child process, autocannon
 * in this one, a fixed number of requests per phase (probe, warm-up, measured), unique
 * messageIds, and the rows counted from the file after a graceful shutdown.
 */

export type SyncMode = 'full' | 'normal';
/** The know benchmark's features and segments (`full`) or none; null for the plain server of the ingest benchmark. */
export type KnowledgeMode = 'full' | 'none';

export interface HttpSettings {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  /** Extra pragmas on the Attune server's database, for tuning experiments (not the default figures). */
  readonly pragmas: readonly string[];
}

export interface HttpRun {
  readonly load: LoadResult;
  readonly warmup: LoadResult;
  readonly batchSize: number;
  readonly eventsPerSecond: number;
  /** Share of one core the server process used during the measured run. */
  readonly serverCpu: number;
  readonly serverStats: ServerStats;
}

/** What the file holds after the run. */
export interface StoredRows {
  readonly events: number;
  /** Distinct messageIds in the log: equal to `events` when no event was stored twice (every messageId sent is unique). */
  readonly distinctMessageIds: number;
  readonly profiles: number;
  readonly featureDefinitions: number;
  readonly segmentDefinitions: number;
  /** Profiles whose knowledge holds a state of a declared feature (page_views_24h): features were updated. */
  readonly profilesWithFeatures: number;
  readonly segmentMembers: number;
  readonly segmentsWithMembers: number;
  readonly segmentChanges: number;
  readonly meanKnowledgeBytes: number;
  /** Counters of the online item models (popularity, co-occurrence): events taught them. */
  readonly modelCounters: number;
}

export interface AttuneRun extends HttpRun {
  readonly sync: SyncMode;
  readonly knowledge: KnowledgeMode | null;
  readonly acknowledgedEvents: number;
  readonly stored: StoredRows;
  /** Every answer 2xx, every event acknowledged, the events stored equal those acknowledged (and the knowledge's definitions stored). */
  readonly verified: boolean;
  /** The main thread's CPU profile in `cpuProfileDir`, if one was asked for. */
  readonly cpuProfile: string | null;
}

export interface AttuneOptions {
  readonly sync: SyncMode;
  /** ATTUNE_BENCH_KNOWLEDGE of bench/support/attuneServer.ts; null leaves it unset. */
  readonly knowledge: KnowledgeMode | null;
  /** The BodySource stream, so that messageIds differ between benchmarks. */
  readonly stream: number;
  /** Folder for a V8 CPU profile of the server, or null. */
  readonly cpuProfileDir: string | null;
  /** More environment for the server (ATTUNE_BENCH_ITEM_MODELS=off: events do not teach the item models). */
  readonly env?: Readonly<Record<string, string>>;
}

function diff(after: ServerStats, before: ServerStats): ServerStats {
  return {
    cpuUserMs: after.cpuUserMs - before.cpuUserMs,
    cpuSystemMs: after.cpuSystemMs - before.cpuSystemMs,
    commits: after.commits - before.commits,
    commitJobs: after.commitJobs - before.commitJobs,
    commitEvents: after.commitEvents - before.commitEvents,
    commitMillis: after.commitMillis - before.commitMillis,
    ...(after.diskWriteBytes === undefined || before.diskWriteBytes === undefined ? {} : { diskWriteBytes: after.diskWriteBytes - before.diskWriteBytes }),
  };
}

/**
 * The phased load (probe, warm-up, a measured run of a fixed request count) of one route,
 * with the server's own figures over the measured run; failures are reported, not thrown.
 */
export async function loadServer(server: ServerChild, path: string, headers: Record<string, string>, settings: HttpSettings, body: () => string): Promise<{ warmup: LoadResult; measured: LoadResult; stats: ServerStats }> {
  let before: ServerStats | null = null;
  const { warmup, measured } = await runPhasedLoad(
    { port: server.port, path, headers, connections: settings.connections, body, warmupSeconds: settings.warmupSeconds, seconds: settings.seconds },
    async () => {
      before = await server.stats();
    },
  );
  const stats = diff(await server.stats(), before!);
  if (measured.non2xx > 0 || measured.errors > 0) {
    console.warn(`  ${measured.non2xx.toString()} non-2xx answers, ${measured.errors.toString()} errors; first: ${measured.firstFailure ?? '(connection errors)'}`);
  }
  return { warmup, measured, stats };
}

async function measureHttp(server: ServerChild, workload: Workload, settings: HttpSettings, headers: Record<string, string>, stream: number): Promise<HttpRun> {
  const source = new BodySource(workload, stream);
  const { warmup, measured, stats } = await loadServer(server, '/v1/batch', headers, settings, () => source.body());
  return {
    load: measured,
    warmup,
    batchSize: workload.options.batchSize,
    eventsPerSecond: (measured.ok * workload.options.batchSize) / measured.seconds,
    serverCpu: (stats.cpuUserMs + stats.cpuSystemMs) / 1000 / measured.seconds,
    serverStats: stats,
  };
}

/** The HTTP floor: bare Fastify parsing the same bodies (bench/support/fastifyServer.ts). */
export async function measureFastifyFloor(workload: Workload, settings: HttpSettings): Promise<HttpRun> {
  const server = await spawnServer({ entry: './fastifyServer.ts' });
  try {
    return await measureHttp(server, workload, settings, {}, 0);
  } finally {
    await server.stop();
  }
}

function countRows(dataFile: string): StoredRows {
  const db = new Database(dataFile, { readonly: true });
  const one = (sql: string) => (db.prepare(sql).pluck().get() as number | null) ?? 0;
  try {
    return {
      events: one('SELECT count(*) FROM events'),
      distinctMessageIds: one('SELECT count(DISTINCT message_id) FROM events'),
      profiles: one('SELECT count(*) FROM profiles'),
      featureDefinitions: one('SELECT count(*) FROM feature_definitions'),
      segmentDefinitions: one('SELECT count(*) FROM segment_definitions'),
      profilesWithFeatures: storedKnowledge(db).filter((k) => Object.hasOwn(k.f, 'page_views_24h')).length,
      segmentMembers: one('SELECT count(*) FROM segment_members'),
      segmentsWithMembers: one('SELECT count(DISTINCT segment_key) FROM segment_members'),
      segmentChanges: one('SELECT count(*) FROM segment_changes'),
      meanKnowledgeBytes: one('SELECT avg(length(CAST(state AS BLOB)) + coalesce(length(packed), 0)) FROM profile_knowledge'),
      modelCounters: one('SELECT count(*) FROM model_counters'),
    };
  } finally {
    db.close();
  }
}

/** The largest (main thread's) profile a `--cpu-prof` child wrote to `dir`. */
function largestProfile(dir: string): string | null {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0] ?? null;
}

function definitionsStored(knowledge: KnowledgeMode | null, stored: StoredRows): boolean {
  if (knowledge === 'full') return stored.featureDefinitions === 20 && stored.segmentDefinitions === 50 && stored.profilesWithFeatures > 0 && stored.segmentMembers > 0;
  if (knowledge === 'none') return stored.featureDefinitions === 0;
  return true;
}

/** The Attune server (bench/support/attuneServer.ts) under load; its rows counted from the file after a graceful shutdown. */
export async function measureAttune(workload: Workload, settings: HttpSettings, options: AttuneOptions): Promise<AttuneRun> {
  const { sync, knowledge, stream, cpuProfileDir } = options;
  const env = { ATTUNE_SYNC: sync, ...(knowledge === null ? {} : { ATTUNE_BENCH_KNOWLEDGE: knowledge }), ATTUNE_BENCH_PRAGMAS: settings.pragmas.join(';'), ...options.env };
  const server = await spawnServer({ entry: './attuneServer.ts', env, cpuProfileDir });
  let run: HttpRun;
  try {
    const auth = `Basic ${Buffer.from(`${server.writeKey!}:`).toString('base64')}`;
    run = await measureHttp(server, workload, settings, { authorization: auth }, stream);
  } finally {
    await server.stop();
  }
  // Counted after a graceful shutdown, from the file: what is durably there.
  const dataFile = server.dataFile!;
  const stored = countRows(dataFile);
  rmSync(dirname(dataFile), { recursive: true, force: true });
  const answeredOk = run.warmup.ok + run.load.ok;
  const acknowledgedEvents = run.warmup.accepted + run.load.accepted;
  const allOk = run.warmup.non2xx + run.warmup.errors + run.load.non2xx + run.load.errors === 0;
  return {
    ...run,
    sync,
    knowledge,
    acknowledgedEvents,
    stored,
    verified: allOk && definitionsStored(knowledge, stored) && acknowledgedEvents === answeredOk * workload.options.batchSize && stored.events === acknowledgedEvents && stored.distinctMessageIds === stored.events,
    cpuProfile: cpuProfileDir === null ? null : largestProfile(cpuProfileDir),
  };
}

/** An Attune run's check: every answer 2xx, every event sent acknowledged, the events stored equal those acknowledged, each once (and the knowledge's definitions stored). */
export function attuneRunCheck(run: AttuneRun, label: string): Check {
  const failures = run.warmup.non2xx + run.warmup.errors + run.load.non2xx + run.load.errors;
  return {
    name: `Attune, ${label}`,
    ok: run.verified,
    detail: `${run.stored.events.toString()} events stored (${run.stored.distinctMessageIds.toString()} distinct messageIds), ${run.acknowledgedEvents.toString()} acknowledged, ${failures.toString()} failed requests${run.load.firstFailure === null ? '' : ` (first: ${run.load.firstFailure.slice(0, 200)})`}; definitions ${run.stored.featureDefinitions.toString()} features, ${run.stored.segmentDefinitions.toString()} segments`,
  };
}

/** A floor's check: every request answered 2xx (failed requests are fast, and would make the floor and the ratio wrong). */
export function floorRunCheck(run: HttpRun, label: string): Check {
  const failures = run.warmup.non2xx + run.warmup.errors + run.load.non2xx + run.load.errors;
  return { name: `floor, ${label}`, ok: failures === 0 && run.load.ok > 0, detail: `${run.load.ok.toString()} measured requests answered 2xx, ${failures.toString()} failed` };
}

/** Where the machine's CPU went during the measured run, in cores: server, load generator, everything else. */
export function cpuCores(run: HttpRun) {
  return {
    serverCpuCores: round(run.serverCpu, 2),
    loadGeneratorCpuCores: round(run.load.loadGeneratorCpu, 2),
    otherCpuCores: round(Math.max(0, run.load.machineCpu - run.serverCpu - run.load.loadGeneratorCpu), 2),
  };
}

/** Throughput and latency of the measured run, rounded as the benchmarks write them. */
export function loadFigures(run: HttpRun) {
  return {
    eventsPerSecond: round(run.eventsPerSecond, 0),
    requestsPerSecond: round(run.load.requestsPerSecond, 1),
    p50Ms: run.load.p50Ms,
    p90Ms: run.load.p90Ms,
    p99Ms: run.load.p99Ms,
    maxMs: run.load.maxMs,
  };
}
