import Database from 'better-sqlite3';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnServer, type ServerChild, type ServerStats } from './child.js';
import { runPhasedLoad, type LoadResult } from './load.js';
import { BodySource, type Workload } from './workload.js';

/**
 * The HTTP half of the `know` benchmark, with the ingest benchmark's load method: the server
 * in a child process, autocannon in this one, a fixed number of requests per phase (probe,
 * warm-up, measured), unique messageIds, and the rows counted from the file after a graceful
 * shutdown.
 */

export type SyncMode = 'full' | 'normal';
export type KnowledgeMode = 'full' | 'none';

export interface HttpSettings {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly pragmas: readonly string[];
}

export interface HttpRun {
  readonly load: LoadResult;
  readonly warmup: LoadResult;
  readonly eventsPerSecond: number;
  /** Share of one core the server process used during the measured run. */
  readonly serverCpu: number;
  readonly serverStats: ServerStats;
}

/** What the file holds after the run. */
export interface StoredRows {
  readonly events: number;
  readonly profiles: number;
  readonly featureDefinitions: number;
  readonly segmentDefinitions: number;
  /** Profiles whose knowledge holds a state of a declared feature (page_views_24h): features were updated. */
  readonly profilesWithFeatures: number;
  readonly segmentMembers: number;
  readonly segmentsWithMembers: number;
  readonly segmentChanges: number;
  readonly meanKnowledgeBytes: number;
}

export interface AttuneRun extends HttpRun {
  readonly sync: SyncMode;
  readonly knowledge: KnowledgeMode;
  readonly acknowledgedEvents: number;
  readonly stored: StoredRows;
  /** Every answer 2xx, every event acknowledged, and the events stored equal those acknowledged. */
  readonly verified: boolean;
  readonly cpuProfile: string | null;
}

function diff(after: ServerStats, before: ServerStats): ServerStats {
  return {
    cpuUserMs: after.cpuUserMs - before.cpuUserMs,
    cpuSystemMs: after.cpuSystemMs - before.cpuSystemMs,
    commits: after.commits - before.commits,
    commitJobs: after.commitJobs - before.commitJobs,
    commitEvents: after.commitEvents - before.commitEvents,
    commitMillis: after.commitMillis - before.commitMillis,
  };
}

async function measureHttp(server: ServerChild, workload: Workload, settings: HttpSettings, headers: Record<string, string>, stream: number): Promise<HttpRun> {
  const source = new BodySource(workload, stream);
  let before: ServerStats | null = null;
  const { warmup, measured } = await runPhasedLoad(
    { port: server.port, path: '/v1/batch', headers, connections: settings.connections, body: () => source.body(), warmupSeconds: settings.warmupSeconds, seconds: settings.seconds },
    async () => {
      before = await server.stats();
    },
  );
  const stats = diff(await server.stats(), before!);
  if (measured.non2xx > 0 || measured.errors > 0) {
    console.warn(`  ${measured.non2xx.toString()} non-2xx answers, ${measured.errors.toString()} errors; first: ${measured.firstFailure ?? '(connection errors)'}`);
  }
  return {
    load: measured,
    warmup,
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
      profiles: one('SELECT count(*) FROM profiles'),
      featureDefinitions: one('SELECT count(*) FROM feature_definitions'),
      segmentDefinitions: one('SELECT count(*) FROM segment_definitions'),
      profilesWithFeatures: one(`SELECT count(*) FROM profile_knowledge WHERE state LIKE '%"page_views_24h"%'`),
      segmentMembers: one('SELECT count(*) FROM segment_members'),
      segmentsWithMembers: one('SELECT count(DISTINCT segment_id) FROM segment_members'),
      segmentChanges: one('SELECT count(*) FROM segment_changes'),
      meanKnowledgeBytes: one('SELECT avg(length(CAST(state AS BLOB))) FROM profile_knowledge'),
    };
  } finally {
    db.close();
  }
}

/** The largest (main thread's) profile a `--cpu-prof` child wrote to `dir`. */
function newestProfile(dir: string): string | null {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0] ?? null;
}

/** Attune with (`full`) or without (`none`) the benchmark's features and segments; optionally CPU-profiled. */
export async function measureKnowledgeServer(workload: Workload, sync: SyncMode, knowledge: KnowledgeMode, settings: HttpSettings, cpuProfileDir: string | null = null): Promise<AttuneRun> {
  const env = { ATTUNE_SYNC: sync, ATTUNE_BENCH_KNOWLEDGE: knowledge, ATTUNE_BENCH_PRAGMAS: settings.pragmas.join(';') };
  const server = await spawnServer({ entry: './knowServer.ts', env, cpuProfileDir });
  let run: HttpRun;
  try {
    const auth = `Basic ${Buffer.from(`${server.writeKey!}:`).toString('base64')}`;
    run = await measureHttp(server, workload, settings, { authorization: auth }, 2);
  } finally {
    await server.stop();
  }
  const dataFile = server.dataFile!;
  const stored = countRows(dataFile);
  rmSync(dirname(dataFile), { recursive: true, force: true });
  const answeredOk = run.warmup.ok + run.load.ok;
  const acknowledgedEvents = run.warmup.accepted + run.load.accepted;
  const allOk = run.warmup.non2xx + run.warmup.errors + run.load.non2xx + run.load.errors === 0;
  const definitionsOk = knowledge === 'full' ? stored.featureDefinitions === 20 && stored.segmentDefinitions === 50 && stored.profilesWithFeatures > 0 && stored.segmentMembers > 0 : stored.featureDefinitions === 0;
  return {
    ...run,
    sync,
    knowledge,
    acknowledgedEvents,
    stored,
    verified: allOk && definitionsOk && acknowledgedEvents === answeredOk * workload.options.batchSize && stored.events === acknowledgedEvents,
    cpuProfile: cpuProfileDir === null ? null : newestProfile(cpuProfileDir),
  };
}
