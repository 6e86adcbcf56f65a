import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attuneRunCheck, cpuCores, floorRunCheck, loadFigures, measureAttune, measureFastifyFloor, type AttuneRun, type HttpRun, type HttpSettings, type SyncMode } from './support/http.js';
import { parseHttpOptions } from './support/options.js';
import { rawSqliteCheck, runRawSqlite, sqliteFigures, type RawSqliteResult } from './support/rawSqlite.js';
import { busyCoresBeforeRun, loadAverage, count, fixed, formatTable, gitState, machineInfo, round, writeVerifiedResults, type Check } from './support/report.js';
import { benchWorkloadShape, createWorkload } from './support/workload.js';

/**
 * ingest: collection through POST /v1/batch, against its floors (bare Fastify over HTTP,
 * raw SQLite inserts) measured in the same run. See docs/BENCHMARKS.md.
 */

interface IngestSettings extends HttpSettings {
  /** Also measure batches of 20 (Attune with sync=full, and both floors). */
  readonly smallBatches: boolean;
  /** Write V8 CPU profiles of the Attune server processes to this folder. */
  readonly profileDir: string | null;
  /** Sync modes to measure (both unless --sync=full or --sync=normal). */
  readonly syncModes: readonly SyncMode[];
}

/** The goal of DESIGN.md section 5 (with features and segments active, which come later). */
const goalEventsPerSecond = 30_000;

function parseArgs(args: readonly string[]): IngestSettings {
  let smallBatches = true;
  let profileDir = null as string | null;
  let syncModes: SyncMode[] = ['full', 'normal'];
  const http = parseHttpOptions(args, 'ingest takes --seconds=N --warmup=N --connections=N --quick --sync=full|normal --profile[=dir] --pragma=name=value', ({ flag, value }) => {
    if (flag === '--quick') smallBatches = false;
    else if (flag === '--profile') profileDir = value ?? join(tmpdir(), `attune-bench-profiles-${Date.now().toString()}`);
    else if (flag === '--sync' && (value === 'full' || value === 'normal')) syncModes = [value];
    else return false;
    return true;
  });
  return { ...http, smallBatches, profileDir, syncModes };
}

function attuneFigures(run: AttuneRun, fastify: HttpRun, sqlite: RawSqliteResult) {
  const s = run.serverStats;
  return {
    syncMode: run.sync,
    batchSize: run.batchSize,
    ...loadFigures(run),
    floorFastifyEventsPerSecond: round(fastify.eventsPerSecond, 0),
    floorSqliteEventsPerSecond: round(sqlite.eventsPerSecond, 0),
    ratioToFastify: round(run.eventsPerSecond / fastify.eventsPerSecond, 3),
    ratioToSqlite: round(run.eventsPerSecond / sqlite.eventsPerSecond, 3),
    measuredSeconds: round(run.load.seconds, 2),
    measuredRequests: run.load.ok,
    acknowledgedEvents: run.acknowledgedEvents,
    storedEvents: run.stored.events,
    profiles: run.stored.profiles,
    storedEqualsAcknowledged: run.verified,
    ...cpuCores(run),
    requestsPerCommit: s.commits === 0 ? 0 : round(s.commitJobs / s.commits, 2),
    commitsPerSecond: round(s.commits / run.load.seconds, 1),
    meanCommitMs: s.commits === 0 ? 0 : round(s.commitMillis / s.commits, 3),
    /** Share of the measured time the server's event loop spent inside group commits (the jobs' statements and the COMMIT). */
    groupCommitShareOfTime: round(s.commitMillis / 1000 / run.load.seconds, 3),
    /** Bytes written to storage per event stored (WAL frames and checkpoints), where the OS tells; the event itself is ~530 bytes of JSON. */
    diskBytesPerEvent: s.diskWriteBytes === undefined ? null : round(s.diskWriteBytes / (run.load.ok * run.batchSize), 0),
  };
}

function fastifyFigures(run: HttpRun) {
  return {
    batchSize: run.batchSize,
    eventsPerSecond: round(run.eventsPerSecond, 0),
    requestsPerSecond: round(run.load.requestsPerSecond, 1),
    p50Ms: run.load.p50Ms,
    p99Ms: run.load.p99Ms,
    measuredSeconds: round(run.load.seconds, 2),
    ...cpuCores(run),
  };
}

function cpuCell(f: { serverCpuCores: number; loadGeneratorCpuCores: number; otherCpuCores: number }): string {
  return `${fixed(f.serverCpuCores)}/${fixed(f.loadGeneratorCpuCores)}/${fixed(f.otherCpuCores)}`;
}

export async function ingestBenchmark(args: readonly string[]): Promise<void> {
  const settings = parseArgs(args);
  if (settings.profileDir !== null) mkdirSync(settings.profileDir, { recursive: true });
  const started = Date.now();
  const loadAtStart = loadAverage();
  const idleCheck = await busyCoresBeforeRun();
  const batchSizes = settings.smallBatches ? [100, 20] : [100];
  const workloads = new Map(batchSizes.map((batchSize) => [batchSize, createWorkload({ ...benchWorkloadShape, batchSize })]));
  const w100 = workloads.get(100)!;
  console.log(`ingest: POST /v1/batch, ${settings.connections.toString()} connections, ~${settings.seconds.toString()} s measured after ~${settings.warmupSeconds.toString()} s warm-up`);
  console.log(`  events: ${fixed(w100.eventBytes.mean, 0)} bytes mean (${w100.eventBytes.min.toString()}-${w100.eventBytes.max.toString()}), ${count(w100.bodyBytes)} bytes per 100-event body, ${benchWorkloadShape.users.toString()} users, ${Object.entries(w100.mix).map(([type, share]) => `${type} ${fixed(share * 100, 0)}%`).join(', ')}`);

  const fastify = new Map<number, HttpRun>();
  const attune = new Map<string, AttuneRun>();
  for (const batchSize of batchSizes) {
    const workload = workloads.get(batchSize)!;
    console.log(`  [batch ${batchSize.toString()}] bare Fastify ...`);
    fastify.set(batchSize, await measureFastifyFloor(workload, settings));
    // Batches of 20 only with the first sync mode (full by default), to keep the run short.
    const modes = batchSize === 100 ? settings.syncModes : settings.syncModes.slice(0, 1);
    for (const sync of modes) {
      console.log(`  [batch ${batchSize.toString()}] Attune ATTUNE_SYNC=${sync} ...`);
      attune.set(`${sync}/${batchSize.toString()}`, await measureAttune(workload, settings, { sync, knowledge: null, stream: 0, cpuProfileDir: settings.profileDir }));
    }
  }
  // Single-event requests (a batch of one, as an SDK that sends each event at once): their latency under the same load.
  const singleWorkload = createWorkload({ ...benchWorkloadShape, batchSize: 1 });
  console.log(`  [one event per request] Attune ATTUNE_SYNC=${settings.syncModes[0]!} ...`);
  const single = await measureAttune(singleWorkload, settings, { sync: settings.syncModes[0]!, knowledge: null, stream: 0, cpuProfileDir: null });
  const sqlite = new Map<string, RawSqliteResult>();
  const sqliteSeconds = Math.min(4, settings.seconds);
  for (const key of attune.keys()) {
    const [sync, batch] = key.split('/') as [SyncMode, string];
    console.log(`  [batch ${batch}] raw SQLite synchronous=${sync.toUpperCase()} ...`);
    sqlite.set(key, runRawSqlite(workloads.get(Number(batch))!, sync, { warmupSeconds: 0.5, seconds: sqliteSeconds }));
  }

  const figures = (key: string) => {
    const run = attune.get(key)!;
    return attuneFigures(run, fastify.get(run.batchSize)!, sqlite.get(key)!);
  };
  const syncModes = Object.fromEntries(settings.syncModes.map((sync) => [sync, figures(`${sync}/100`)]));
  const headline = `${settings.syncModes[0]!}/100`;
  const headlineRun = attune.get(headline)!;
  const headlineFloor = sqlite.get(headline)!;
  const result = {
    benchmark: 'ingest',
    date: new Date(started).toISOString(),
    machine: machineInfo(),
    git: gitState(),
    loadAverage: { atStart: loadAtStart },
    summary: {
      /** Batches of 100, ATTUNE_SYNC=full unless --sync says otherwise; the floor is raw better-sqlite3 appends of the same events, same run. */
      eventsPerSecond: round(headlineRun.eventsPerSecond, 0),
      floorEventsPerSecond: round(headlineFloor.eventsPerSecond, 0),
      ratio: round(headlineRun.eventsPerSecond / headlineFloor.eventsPerSecond, 3),
      singleEventP99Ms: single.load.p99Ms,
      singleEventP50Ms: single.load.p50Ms,
      singleEventRequestsPerSecond: round(single.load.requestsPerSecond, 0),
      floorFastifyEventsPerSecond: round(fastify.get(100)!.eventsPerSecond, 0),
      ratioToFastify: round(headlineRun.eventsPerSecond / fastify.get(100)!.eventsPerSecond, 3),
    },
    setup: {
      endpoint: 'POST /v1/batch',
      processes: 'server under test in a child process (tsx), autocannon load generator in the parent process',
      connections: settings.connections,
      warmupSeconds: settings.warmupSeconds,
      targetSeconds: settings.seconds,
      users: benchWorkloadShape.users,
      knownUserShare: benchWorkloadShape.knownUserShare,
      eventMix: Object.fromEntries(Object.entries(w100.mix).map(([type, share]) => [type, round(share, 3)])),
      eventBytes: { mean: round(w100.eventBytes.mean, 0), min: w100.eventBytes.min, max: w100.eventBytes.max },
      batchBodyBytes: w100.bodyBytes,
      uniqueMessageIds: true,
      requestLogging: false,
      rawSqliteSeconds: sqliteSeconds,
      busyCoresBeforeRun: round(idleCheck, 2),
      ...(settings.pragmas.length === 0 ? {} : { experimentalPragmas: settings.pragmas }),
    },
    goalEventsPerSecond,
    syncModes,
    singleEvent: {
      syncMode: single.sync,
      request: 'POST /v1/batch with one event, same connections and phases as the other runs',
      ...loadFigures(single),
      measuredRequests: single.load.ok,
      storedEqualsAcknowledged: single.verified,
      ...cpuCores(single),
    },
    ...(settings.smallBatches ? { batchSize20: { [settings.syncModes[0]!]: figures(`${settings.syncModes[0]!}/20`) } } : {}),
    floors: {
      fastify: Object.fromEntries([...fastify].map(([b, run]) => [`batch${b.toString()}`, fastifyFigures(run)])),
      sqlite: Object.fromEntries([...sqlite].map(([key, r]) => [key.replace('/', '/batch'), sqliteFigures(r)])),
    },
    ...(settings.profileDir === null ? {} : { cpuProfiles: settings.profileDir }),
  };
  const checks: Check[] = [
    ...[...attune.values()].map((run) => attuneRunCheck(run, `sync=${run.sync}, batch ${run.batchSize.toString()}`)),
    attuneRunCheck(single, `sync=${single.sync}, one event per request`),
    ...[...fastify].map(([batch, run]) => floorRunCheck(run, `bare Fastify, batch ${batch.toString()}`)),
    ...[...sqlite].map(([key, r]) => rawSqliteCheck(r, key)),
  ];

  const rows: string[][] = [];
  for (const [key, run] of attune) {
    const f = figures(key);
    rows.push([`Attune sync=${run.sync}`, run.batchSize.toString(), count(f.eventsPerSecond), fixed(f.requestsPerSecond, 0), fixed(f.p50Ms, 0), fixed(f.p99Ms, 0),
      `${fixed(f.ratioToFastify)}x`, `${fixed(f.ratioToSqlite)}x`, cpuCell(f), fixed(f.requestsPerCommit, 1),
      f.diskBytesPerEvent === null ? '' : count(f.diskBytesPerEvent), f.storedEqualsAcknowledged ? 'yes' : 'NO']);
  }
  for (const [batch, run] of fastify) {
    rows.push(['floor: bare Fastify', batch.toString(), count(run.eventsPerSecond), fixed(run.load.requestsPerSecond, 0), fixed(run.load.p50Ms, 0), fixed(run.load.p99Ms, 0), '', '', cpuCell(fastifyFigures(run)), '', '', '']);
  }
  for (const [key, r] of sqlite) {
    rows.push([`floor: raw SQLite ${r.synchronous.toUpperCase()}`, key.split('/')[1]!, count(r.eventsPerSecond), '', '', '', '', '', '', '',
      r.diskBytesPerEvent === null ? '' : count(r.diskBytesPerEvent), '']);
  }
  console.log();
  console.log(formatTable(['run', 'batch', 'events/s', 'req/s', 'p50 ms', 'p99 ms', 'vs Fastify', 'vs SQLite', 'CPU srv/gen/other', 'req/commit', 'disk B/event', 'stored=acked'], rows));
  console.log();
  const now = Object.entries(syncModes).map(([sync, f]) => `${count(f.eventsPerSecond)} (${sync})`).join(', ');
  console.log(`goal (DESIGN.md 5, with features and segments): ${count(goalEventsPerSecond)} events/s; foundation now: ${now}`);
  console.log(`one event per request (sync=${single.sync}): p50 ${fixed(single.load.p50Ms, 0)} ms, p99 ${fixed(single.load.p99Ms, 0)} ms, ${count(single.load.requestsPerSecond)} req/s`);
  if (settings.profileDir !== null) console.log(`CPU profiles of the Attune servers: ${settings.profileDir}`);
  const path = writeVerifiedResults(result, checks, { write: true });
  if (path !== null) console.log(`wrote ${path} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
