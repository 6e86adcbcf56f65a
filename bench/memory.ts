import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseFile } from '../src/cli/openStore.js';
import { runInChild } from './support/knowChild.js';
import type { HeapFigures } from './support/memoryHeap.js';
import { sendBatches, spawnMemoryServer, type Sent } from './support/memoryProcess.js';
import type { MemoryUser } from './support/memoryServer.js';
import { storedFigures } from './support/memoryStored.js';
import { parseHttpOptions } from './support/options.js';
import { busyCoresBeforeRun, loadAverage, count, fixed, formatTable, gitState, machineInfo, round, writeVerifiedResults, type Check } from './support/report.js';
import { benchWorkloadShape, BodySource, createWorkload } from './support/workload.js';

/**
 * memory: what a profile costs in memory and on disk, and how fast the state comes back after
 * a crash. One server (bench/support/memoryServer.ts, the know benchmark's 20 features and 50
 * segments) ingests the base events over HTTP, writes its state behind (the checkpoint), then
 * ingests a tail with the write-behind off and is SIGKILLed; a restart on the same data folder
 * replays the tail (timed by the engine's recovery report). Then the file's pages per profile
 * (dbstat) and, in a child with --expose-gc, the heap the cached profiles take.
 * See docs/BENCHMARKS.md.
 */

const goals = { heapBytesPerProfile: 2048, storedBytesPerProfile: 2048, recoverySecondsPerMillionEvents: 10 } as const;
const batchSize = 100;

interface MemorySettings {
  readonly quick: boolean;
  readonly profiles: number;
  readonly baseEvents: number;
  readonly tailEvents: number;
  readonly concurrency: number;
  /** V8 CPU profiles (node --cpu-prof) of the restarted server (recovery) and of the heap child (cold loads), in this folder. */
  readonly profileDir: string | null;
}

function parseArgs(args: readonly string[]): MemorySettings {
  let quick = false;
  let profiles: number | null = null;
  let baseEvents: number | null = null;
  let tailEvents: number | null = null;
  let profileDir = null as string | null;
  const usage = 'memory takes --quick --profiles=N --base-events=N --tail-events=N --connections=N --profile[=dir]';
  const http = parseHttpOptions(args, usage, ({ flag, value, number }) => {
    if (flag === '--quick') quick = true;
    else if (flag === '--profile') profileDir = value ?? join(tmpdir(), `attune-bench-memory-profiles-${Date.now().toString()}`);
    else if (flag === '--profiles') profiles = Math.round(number());
    else if (flag === '--base-events') baseEvents = Math.round(number());
    else if (flag === '--tail-events') tailEvents = Math.round(number());
    else return false;
    return true;
  });
  const p = profiles ?? (quick ? 2_000 : 20_000);
  return {
    quick,
    profiles: p,
    baseEvents: baseEvents ?? p * 20,
    tailEvents: tailEvents ?? (quick ? 20_000 : 200_000),
    concurrency: args.some((a) => a.startsWith('--connections')) ? http.connections : 8,
    profileDir,
  };
}

function sentCheck(name: string, sent: Sent): Check {
  return { name, ok: sent.failed === 0 && sent.accepted === sent.events, detail: `${count(sent.accepted)} of ${count(sent.events)} events acknowledged, ${sent.failed.toString()} failed requests${sent.firstFailure === null ? '' : ` (first: ${sent.firstFailure})`}` };
}

export async function memoryBenchmark(args: readonly string[]): Promise<void> {
  const settings = parseArgs(args);
  const started = Date.now();
  const loadAtStart = loadAverage();
  const idleCheck = await busyCoresBeforeRun();
  // Templates enough that (nearly) every user has events: 5 events per user per pass.
  const workload = createWorkload({ ...benchWorkloadShape, users: settings.profiles, templates: Math.max(200, Math.ceil((settings.profiles * 5) / batchSize)), batchSize });
  const users = new Map<string, MemoryUser>();
  for (const t of workload.templates) for (const e of t.events) users.set(`${e.userId ?? ''}/${e.anonymousId ?? ''}`, { userId: e.userId, anonymousId: e.anonymousId });
  const sample = [...users.values()].filter((_, i) => i % Math.max(1, Math.floor(users.size / 2000)) === 0);
  const dataDir = mkdtempSync(join(tmpdir(), 'attune-bench-memory-'));
  const env = { ATTUNE_BENCH_MEMORY_DATA: dataDir };
  console.log(`memory: ${count(settings.profiles)} users, ${count(settings.baseEvents)} base events then a tail of ${count(settings.tailEvents)} (20 features, 50 segments), ${settings.concurrency.toString()} requests in flight${settings.quick ? ' (quick: not written)' : ''}`);
  try {
    // 1. The base, written behind: the checkpoint.
    const first = await spawnMemoryServer({ ...env, ATTUNE_BENCH_MEMORY_WRITE_BEHIND: 'manual' });
    const source = new BodySource(workload, 7);
    console.log('  base events ...');
    const base = await sendBatches(first.ready.port, first.ready.writeKey, source, Math.ceil(settings.baseEvents / batchSize), batchSize, settings.concurrency);
    const flushMillis = await first.flush();
    // 2. The tail, beyond the checkpoint; the state as it was, for the comparison; SIGKILL.
    console.log(`  base: ${count(base.accepted)} events in ${fixed(base.seconds, 1)} s, state written in ${fixed(flushMillis, 0)} ms; tail ...`);
    const tail = await sendBatches(first.ready.port, first.ready.writeKey, source, Math.ceil(settings.tailEvents / batchSize), batchSize, settings.concurrency);
    const before = await first.digest(sample);
    await first.kill();
    console.log(`  tail: ${count(tail.accepted)} events in ${fixed(tail.seconds, 1)} s; SIGKILLed, restarting ...`);
    // 3. Recovery on restart.
    const profiled = (name: string) => (settings.profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(settings.profileDir, name)}`]);
    const second = await spawnMemoryServer({ ...env, ATTUNE_BENCH_MEMORY_WRITE_KEY: first.ready.writeKey }, profiled('recovery'));
    const recovery = second.ready.recovery;
    const after = await second.digest(sample);
    await second.flush();
    await second.stop();
    const loadDuringRun = loadavg();
    const stored = storedFigures(join(dataDir, databaseFile));
    console.log(`  recovered ${count(recovery.replayedEvents)} events in ${fixed(recovery.millis, 0)} ms; heap of the cached profiles ...`);
    // 4. The heap of the cached profiles, in a fresh process.
    const heap = await runInChild<HeapFigures>('./memoryHeap.ts', [dataDir, first.ready.workspaceId], profiled('heap'));

    const acknowledged = base.accepted + tail.accepted;
    const differing = before.filter((row, i) => row !== after[i]).length;
    const missing = before.filter((row) => row === null).length;
    const recoverySecondsPerMillionEvents = recovery.replayedEvents === 0 ? NaN : (recovery.millis / 1000) * (1e6 / recovery.replayedEvents);
    const storedBytesPerProfile = stored.profileStateBytes / stored.liveProfiles;
    const checks: Check[] = [
      sentCheck('base events acknowledged', base),
      sentCheck('tail events acknowledged', tail),
      { name: 'events stored exactly once', ok: stored.events === acknowledged && stored.distinctMessageIds === stored.events, detail: `${count(stored.events)} events in the log (${count(stored.distinctMessageIds)} distinct messageIds), ${count(acknowledged)} acknowledged` },
      { name: 'recovery replayed the tail', ok: recovery.checkpoint === base.accepted && recovery.replayedEvents === tail.accepted, detail: `checkpoint ${count(recovery.checkpoint)} (base ${count(base.accepted)}), replayed ${count(recovery.replayedEvents)} (tail ${count(tail.accepted)})` },
      { name: 'state after recovery equals the state before the kill', ok: differing === 0 && missing === 0 && sample.length > 0, detail: `${count(sample.length)} sampled users' decision rows: ${differing.toString()} differ, ${missing.toString()} missing before the kill` },
      { name: 'state written with its checkpoint', ok: stored.checkpoint === acknowledged, detail: `checkpoint ${count(stored.checkpoint)} after the restart's flush, ${count(acknowledged)} events` },
      { name: 'every profile cached', ok: heap.cachedProfiles === heap.profiles && heap.profiles === stored.liveProfiles && heap.profiles > 0, detail: `${count(heap.cachedProfiles)} cached of ${count(heap.profiles)} listed, ${count(stored.liveProfiles)} live profiles stored` },
    ];
    const result = {
      benchmark: 'memory',
      date: new Date(started).toISOString(),
      machine: machineInfo(),
      git: gitState(),
      loadAverage: { atStart: loadAtStart },
      summary: {
        heapBytesPerProfile: round(heap.heapBytesPerProfile, 0),
        storedBytesPerProfile: round(storedBytesPerProfile, 0),
        recoverySecondsPerMillionEvents: round(recoverySecondsPerMillionEvents, 2),
        storedBytesPerProfileWithHistory: round((stored.profileStateBytes + stored.historyBytes) / stored.liveProfiles, 0),
        estimatedBytesPerProfile: round(heap.estimatedBytesPerProfile, 0),
        restartSeconds: round(second.spawnMillis / 1000, 2),
      },
      goals: {
        heapBytesPerProfile: { goal: `at most ${goals.heapBytesPerProfile.toString()}`, met: heap.heapBytesPerProfile <= goals.heapBytesPerProfile },
        storedBytesPerProfile: { goal: `at most ${goals.storedBytesPerProfile.toString()}`, met: storedBytesPerProfile <= goals.storedBytesPerProfile },
        recoverySecondsPerMillionEvents: { goal: `at most ${goals.recoverySecondsPerMillionEvents.toString()}`, met: recoverySecondsPerMillionEvents <= goals.recoverySecondsPerMillionEvents },
      },
      setup: {
        users: settings.profiles,
        workload: { ...benchWorkloadShape, users: settings.profiles, templates: workload.templates.length, batchSize, eventBytesMean: round(workload.eventBytes.mean, 0) },
        knowledge: '20 features and 50 segments of bench/support/knowWorkspace.ts',
        requestsInFlight: settings.concurrency,
        busyCoresBeforeRun: round(idleCheck, 2),
        loadAverageAfterIngestAndRecovery: loadDuringRun.map((l) => round(l, 2)),
        method: {
          heapBytesPerProfile: 'a fresh process (--expose-gc) opens the store on the data folder, gc twice, heapUsed + arrayBuffers; loads every live profile into the cache (LiveState.load, 500 ids at a time); turns of the event loop until the cache packs no more idle profiles (the packed cache on, as ATTUNE_HOT_PROFILES=1000: it packs the idle profiles beyond its hot set of 1,000 between turns; off by default); gc twice, heapUsed + arrayBuffers; the difference over the profiles cached',
          storedBytesPerProfile: 'dbstat pages of profiles, identities, profile_knowledge, segment_members, segment_keys and profile_merges (indexes included) over live profiles, after the state was written behind; the history tables (segment_changes, consent_changes) are in storedBytesPerProfileWithHistory',
          recoverySecondsPerMillionEvents: 'the restarted server\'s recovery report (checkpoint read, de-duplication window refilled, the tail replayed and written) in seconds, times a million over the events replayed',
        },
      },
      ingest: {
        base: { ...base, seconds: round(base.seconds, 2), eventsPerSecond: round(base.accepted / base.seconds, 0), flushMillis: round(flushMillis, 0) },
        tail: { ...tail, seconds: round(tail.seconds, 2), eventsPerSecond: round(tail.accepted / tail.seconds, 0) },
      },
      recovery: { ...recovery, millis: round(recovery.millis, 0), restartMillis: round(second.spawnMillis, 0), sampledUsers: sample.length },
      heap: { ...heap, loadSeconds: round(heap.loadSeconds, 2), heapBytesPerProfile: round(heap.heapBytesPerProfile, 0), estimatedBytesPerProfile: round(heap.estimatedBytesPerProfile, 0) },
      stored: { ...stored, bytesPerProfile: Object.fromEntries(Object.entries(stored.tableBytes).map(([t, b]) => [t, round(b / stored.liveProfiles, 0)])) },
    };

    console.log();
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(formatTable(['memory', 'figure', 'goal', ''], [
      ['heap bytes per cached profile', count(heap.heapBytesPerProfile), `<= ${count(goals.heapBytesPerProfile)}`, met(result.goals.heapBytesPerProfile.met)],
      ['  the cache\'s own estimate', count(heap.estimatedBytesPerProfile), '', ''],
      ['stored bytes per profile (profile state)', count(storedBytesPerProfile), `<= ${count(goals.storedBytesPerProfile)}`, met(result.goals.storedBytesPerProfile.met)],
      ['  with segment and consent history', count(result.summary.storedBytesPerProfileWithHistory), '', ''],
      ['recovery seconds per million events', fixed(recoverySecondsPerMillionEvents, 2), `<= ${goals.recoverySecondsPerMillionEvents.toString()}`, met(result.goals.recoverySecondsPerMillionEvents.met)],
      ['  restart to listening, s', fixed(second.spawnMillis / 1000, 2), '', ''],
    ]));
    console.log(`load average ${loadAtStart.map((l) => fixed(l)).join(' ')} before, ${loadDuringRun.map((l) => fixed(l)).join(' ')} after the ingest and recovery`);
    if (settings.profileDir !== null) console.log(`CPU profiles (recovery, heap): ${settings.profileDir}; summarise with npx tsx bench/support/summarizeProfile.ts <file>`);
    const path = writeVerifiedResults(result, checks, { write: !settings.quick && settings.profileDir === null, notWrittenBecause: settings.quick ? 'quick run' : 'profiled run' });
    if (path !== null) console.log(`wrote ${path} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
