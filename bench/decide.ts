import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseFile } from '../src/cli/openStore.js';
import { loadConfig } from '../src/config/config.js';
import { spawnServer, type ServerChild } from './support/child.js';
import type { Percentiles } from './support/decideChild.js';
import type { InProcessOptions, InProcessResult } from './support/decideInProcess.js';
import type { DecidePrepared } from './support/decidePrepare.js';
import { readCpuProfile } from './support/cpuProfile.js';
import { formatDecideProfile, summarizeDecideProfile, type DecideProfileSummary } from './support/decideProfile.js';
import { decideActions, decideContext, decideFeatures, decidePlacements, decideSegments, mainPlacement, peerRules, userIdOf } from './support/decideWorkspace.js';
import { cpuCores, floorRunCheck, loadFigures, loadServer, type HttpRun, type HttpSettings } from './support/http.js';
import { runInChild } from './support/knowChild.js';
import { parseHttpOptions } from './support/options.js';
import { seededRandom } from './support/random.js';
import { busyCoresBeforeRun, loadAverage, count, fixed, formatTable, gitState, machineInfo, round, writeVerifiedResults, type Check } from './support/report.js';

/**
 * decide: the latency of a decision in-process (p50, p99) and over HTTP (requests/s and p99
 * under load), with 100,000 profiles, 200 actions and 50 segments; beside it, in the same
 * run, the HTTP floor (bare Fastify answering a body of the same size) and the peer
 * (GrowthBook's JavaScript SDK evaluating the same targeting). See docs/BENCHMARKS.md.
 */

/** The goals. */
const goals = { inProcessP99Micros: 250, coldP99Micros: 1000, httpRatioToFloor: 0.5, peerRatio: 0.5 } as const;

interface DecideSettings extends HttpSettings {
  readonly quick: boolean;
  readonly profiles: number;
  readonly calls: number;
  readonly warmupCalls: number;
  readonly peerProfiles: number;
  readonly peerPasses: number;
  readonly coldCalls: number;
  readonly profileCalls: number;
  readonly cpuProfileFile: string | null;
  /** Run the measured Attune HTTP server under `node --cpu-prof`, writing its profile here. */
  readonly serverProfileDir: string | null;
}

function parseArgs(args: readonly string[]): DecideSettings {
  let quick = false;
  let profiles: number | null = null;
  let calls: number | null = null;
  let cpuProfileFile = null as string | null;
  let serverProfileDir = null as string | null;
  const usage = 'decide takes --quick --profiles=N --calls=N --seconds=N --warmup=N --connections=N --profile[=file.cpuprofile] --profile-server[=dir]';
  const http = parseHttpOptions(args, usage, ({ flag, value, number }) => {
    if (flag === '--quick') quick = true;
    else if (flag === '--profiles') profiles = Math.round(number());
    else if (flag === '--calls') calls = Math.round(number());
    else if (flag === '--profile') cpuProfileFile = value ?? join(tmpdir(), `attune-bench-decide-${Date.now().toString()}.cpuprofile`);
    else if (flag === '--profile-server') serverProfileDir = value ?? join(tmpdir(), `attune-bench-decide-server-${Date.now().toString()}`);
    else if (flag === '--pragma') throw new Error('decide takes no --pragma');
    else return false;
    return true;
  });
  const given = (flag: string) => args.some((arg) => arg.split('=', 1)[0] === flag);
  return {
    ...http,
    // 32 connections and 3 s of warm-up unless told (the server's SQLite cache and JIT warm up
    // over the first seconds, and the measured run is sized from the warm-up's rate); a quick run
    // measures 2 s after 1 s of warm-up.
    connections: given('--connections') ? http.connections : 32,
    seconds: given('--seconds') ? http.seconds : quick ? 2 : 10,
    warmupSeconds: given('--warmup') ? http.warmupSeconds : quick ? 1 : 3,
    quick,
    profiles: profiles ?? (quick ? 5_000 : 100_000),
    calls: calls ?? (quick ? 3_000 : 30_000),
    warmupCalls: quick ? 1_000 : 5_000,
    peerProfiles: quick ? 1_000 : 10_000,
    peerPasses: quick ? 2 : 5,
    coldCalls: quick ? 500 : 2_000,
    profileCalls: quick ? 1_000 : 10_000,
    cpuProfileFile,
    serverProfileDir,
  };
}

/** A few single requests before the load: the size of the answers as sent (body bytes, median). */
async function answerBytes(server: ServerChild, headers: Record<string, string>, body: () => string): Promise<{ bytes: number; requests: number }> {
  const sizes: number[] = [];
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`http://127.0.0.1:${server.port.toString()}/v1/decide`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body() });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`POST /v1/decide answered ${res.status.toString()}: ${text.slice(0, 300)}`);
    sizes.push(Buffer.byteLength(text));
  }
  sizes.sort((a, b) => a - b);
  return { bytes: sizes[Math.floor(sizes.length / 2)]!, requests: sizes.length };
}

interface DecideHttpRun extends HttpRun {
  readonly answerBytes: number;
  readonly sizeRequests: number;
}

/** The phased load of the other HTTP benchmarks (probe, warm-up, measured run of a fixed request count) on POST /v1/decide. */
async function measureHttp(server: ServerChild, settings: HttpSettings, headers: Record<string, string>, body: () => string): Promise<DecideHttpRun> {
  const size = await answerBytes(server, headers, body);
  const { warmup, measured, stats } = await loadServer(server, '/v1/decide', headers, settings, body);
  return {
    load: measured,
    warmup,
    batchSize: 1,
    eventsPerSecond: measured.requestsPerSecond,
    serverCpu: (stats.cpuUserMs + stats.cpuSystemMs) / 1000 / measured.seconds,
    serverStats: stats,
    answerBytes: size.bytes,
    sizeRequests: size.requests,
  };
}

/** Recorded decisions, and those of them without a profile (an anonymous visitor's). */
function countDecisions(file: string): { all: number; anonymous: number } {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) AS "all", count(*) - count(profile_id) AS anonymous FROM decisions').get() as { all: number; anonymous: number };
  } finally {
    db.close();
  }
}

function latency(p: Percentiles, digits = 1) {
  return { p50: round(p.p50, digits), p90: round(p.p90, digits), p99: round(p.p99, digits), p999: round(p.p999, digits), max: round(p.max, digits), mean: round(p.mean, digits), samples: p.count };
}

function roundProfile(p: DecideProfileSummary) {
  const each = <T extends { share: number; microsPerCall: number }>(e: T) => ({ ...e, share: round(e.share, 3), microsPerCall: round(e.microsPerCall, 1) });
  return {
    calls: p.calls,
    seconds: round(p.seconds, 2),
    busySeconds: round(p.busySeconds, 2),
    busyMicrosPerCall: round(p.busyMicrosPerCall, 1),
    areas: p.areas.filter((a) => a.share >= 0.005).map(each),
    inclusive: p.inclusive.map(each),
    top: p.top.map(each),
  };
}

function httpFigures(run: DecideHttpRun) {
  const { eventsPerSecond: _sameAsRequests, ...figures } = loadFigures(run);
  return {
    ...figures,
    measuredSeconds: round(run.load.seconds, 2),
    measuredRequests: run.load.ok,
    non2xx: run.load.non2xx + run.warmup.non2xx,
    errors: run.load.errors + run.warmup.errors,
    answerBytes: run.answerBytes,
    ...cpuCores(run),
    /** Server CPU per request, µs. */
    serverMicrosPerRequest: round((run.serverCpu * 1e6) / run.load.requestsPerSecond, 1),
  };
}

export async function decideBenchmark(args: readonly string[]): Promise<void> {
  const settings = parseArgs(args);
  const started = Date.now();
  const loadAtStart = loadAverage();
  const idleCheck = await busyCoresBeforeRun();
  const syncMode = loadConfig().synchronous;
  const placementActions = (id: string) => decideActions.filter((a) => a.placements.includes(id)).length;
  console.log(`decide: ${count(settings.profiles)} profiles, ${decideActions.length.toString()} actions over ${decidePlacements.length.toString()} placements (${mainPlacement}: ${placementActions(mainPlacement).toString()}), ${decideSegments.length.toString()} segments, ${decideFeatures.length.toString()} features (+4 built-in)${settings.quick || settings.serverProfileDir !== null ? ' (not written to bench/results: quick or profiled run)' : ''}`);

  const dataDir = mkdtempSync(join(tmpdir(), 'attune-bench-decide-'));
  try {
    // 1. The data, through the admin API and the Collector.
    console.log('  creating the workspace and the profiles through the Collector ...');
    const prepared = await runInChild<DecidePrepared>('./decidePrepare.ts', [dataDir, String(settings.profiles)]);
    console.log(`    ${count(prepared.profiles)} profiles, ${count(prepared.events)} events in ${fixed(prepared.profileSeconds, 1)} s: ${count(prepared.profilesPerSecond)} profiles/s, ${count(prepared.eventsPerSecond)} events/s`
      + ` (${fixed(prepared.stored.meanStoredSegmentsPerProfile, 1)} stored segments per profile, ${count(prepared.stored.profilesWithCapState)} with cap state, ${count(prepared.stored.fileBytes / 1e6)} MB)`);

    // 2. In-process: DecisionService.decide, and the peer comparison.
    const options: InProcessOptions = {
      dataDir, workspaceId: prepared.workspaceId, profiles: settings.profiles, warmupCalls: settings.warmupCalls, calls: settings.calls,
      peerProfiles: settings.peerProfiles, peerPasses: settings.peerPasses, coldCalls: settings.coldCalls, profileCalls: settings.profileCalls, cpuProfileFile: settings.cpuProfileFile,
    };
    const inProcess = await runInChild<InProcessResult>('./decideInProcess.ts', [JSON.stringify(options)]);

    // 3. HTTP: the floor, then the Attune server over the same store.
    const random = seededRandom(1234);
    const bodies = Array.from({ length: 20_000 }, () => JSON.stringify({ userId: userIdOf(Math.floor(random() * settings.profiles)), placements: [mainPlacement], context: decideContext(random) }));
    const body = () => bodies[Math.floor(random() * bodies.length)]!;
    console.log(`  HTTP: POST /v1/decide, ${settings.connections.toString()} connections, ~${settings.seconds.toString()} s measured after ~${settings.warmupSeconds.toString()} s warm-up`);
    console.log(`    bare Fastify answering ${count(Buffer.byteLength(inProcess.main.medianAnswer))} bytes ...`);
    const floorServer = await spawnServer({ entry: './decideFloorServer.ts', env: { ATTUNE_BENCH_DECIDE_ANSWER: inProcess.main.medianAnswer } });
    let floor: DecideHttpRun;
    try {
      floor = await measureHttp(floorServer, settings, {}, body);
    } finally {
      await floorServer.stop();
    }
    console.log(`    Attune (ATTUNE_SYNC=${syncMode}) ...`);
    const dataFile = join(dataDir, databaseFile);
    const decisionsBefore = countDecisions(dataFile);
    if (settings.serverProfileDir !== null) mkdirSync(settings.serverProfileDir, { recursive: true });
    const attuneServer = await spawnServer({ entry: './decideServer.ts', env: { ATTUNE_BENCH_DECIDE_DATA: dataDir }, cpuProfileDir: settings.serverProfileDir });
    let attune: DecideHttpRun;
    try {
      attune = await measureHttp(attuneServer, settings, { authorization: `Bearer ${prepared.secretKey}` }, body);
    } finally {
      await attuneServer.stop();
    }
    const decisionsAfter = countDecisions(dataFile);
    const recordedOverHttp = decisionsAfter.all - decisionsBefore.all;
    const anonymousOverHttp = decisionsAfter.anonymous - decisionsBefore.anonymous;
    const answeredOverHttp = attune.sizeRequests + attune.warmup.ok + attune.load.ok;
    let serverProfile: { file: string; summary: DecideProfileSummary } | null = null;
    if (settings.serverProfileDir !== null) {
      const dir = settings.serverProfileDir;
      const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f)).sort((x, y) => statSync(y).size - statSync(x).size)[0];
      if (file !== undefined) serverProfile = { file, summary: summarizeDecideProfile(readCpuProfile(file), answeredOverHttp) };
    }

    // 4. Figures.
    const main = inProcess.main;
    const peer = inProcess.peer;
    const ratio = attune.load.requestsPerSecond / floor.load.requestsPerSecond;
    // Same work for both: from the profile in memory to the decision, attributes and segments built inside GrowthBook's timed call.
    const peerRatio = peer.attuneCoreMicros.p50 / peer.growthbookSameWorkMicros.p50;
    const peerRatioAttributesPrebuilt = peer.attuneCoreMicros.p50 / peer.growthbookMicros.p50;
    const peerRatioWithLoad = peer.attuneServiceMicros.p50 / peer.growthbookSameWorkMicros.p50;
    const met = {
      inProcessP99Micros: main.latencyMicros.p99 <= goals.inProcessP99Micros,
      coldP99Micros: inProcess.cold.latencyMicros.p99 <= goals.coldP99Micros,
      httpRatioToFloor: ratio >= goals.httpRatioToFloor,
      peerRatio: peerRatio <= goals.peerRatio,
    };
    const ag = peer.agreement;
    const httpFailures = attune.load.non2xx + attune.load.errors + attune.warmup.non2xx + attune.warmup.errors;
    const cold = inProcess.cold.latencyMicros;
    const checks: Check[] = [
      { name: 'peer agreement', ok: ag.targetedAgreement === 1 && ag.splitAgreeing === ag.split, detail: `targeted: same action for ${count(ag.targetedAgreeing)} of ${count(ag.targeted)}; split: both an arm for ${count(ag.splitAgreeing)} of ${count(ag.split)}` },
      { name: 'in-process recording', ok: main.recordedDecisions === main.serviceCalls, detail: `${count(main.recordedDecisions)} decisions recorded for ${count(main.serviceCalls)} DecisionService calls` },
      { name: 'cold calls', ok: cold.count > 0, detail: `${count(cold.count)} calls for profiles not read before` },
      { name: 'warm profiles', ok: inProcess.warm.preloaded === prepared.profiles && inProcess.warm.cachedProfiles >= prepared.profiles, detail: `${count(inProcess.warm.preloaded)} profiles loaded before the measured calls, ${count(inProcess.warm.cachedProfiles)} in the cache, ${count(prepared.profiles)} created` },
      { name: 'HTTP recording', ok: recordedOverHttp === answeredOverHttp && httpFailures === 0, detail: `${count(recordedOverHttp)} decisions recorded for ${count(answeredOverHttp)} answered; ${count(httpFailures)} failed requests` },
      { name: 'HTTP decisions are the stored profiles\'', ok: anonymousOverHttp === 0, detail: `${count(anonymousOverHttp)} of ${count(recordedOverHttp)} decisions over HTTP were for an anonymous visitor (each request names a stored profile's userId)` },
      floorRunCheck(floor, 'bare Fastify'),
    ];
    const result = {
      benchmark: 'decide',
      date: new Date(started).toISOString(),
      machine: machineInfo(),
      git: gitState(),
      loadAverage: { atStart: loadAtStart },
      summary: {
        inProcessP50Micros: round(main.latencyMicros.p50, 1),
        inProcessP99Micros: round(main.latencyMicros.p99, 1),
        /** Profiles not in memory: a fresh store opened on the data folder, the first decide per profile. */
        coldP99Micros: round(cold.p99, 1),
        coldP50Micros: round(cold.p50, 1),
        /** HTTP requests/s over bare Fastify's answering a same-size body, same run. */
        ratio: round(ratio, 3),
        httpRequestsPerSecond: round(attune.load.requestsPerSecond, 1),
        floorRequestsPerSecond: round(floor.load.requestsPerSecond, 1),
        peerRatio: round(peerRatio, 3),
      },
      inProcessP50Micros: round(main.latencyMicros.p50, 1),
      inProcessP99Micros: round(main.latencyMicros.p99, 1),
      httpRequestsPerSecond: round(attune.load.requestsPerSecond, 1),
      httpP99Ms: attune.load.p99Ms,
      floorRequestsPerSecond: round(floor.load.requestsPerSecond, 1),
      ratio: round(ratio, 3),
      peerRatio: round(peerRatio, 3),
      peerRatioAttributesPrebuilt: round(peerRatioAttributesPrebuilt, 3),
      peerRatioWithLoad: round(peerRatioWithLoad, 3),
      growthbookP50Micros: round(peer.growthbookMicros.p50, 2),
      growthbookP99Micros: round(peer.growthbookMicros.p99, 2),
      goals: {
        inProcessP99Micros: { goal: `at most ${goals.inProcessP99Micros.toString()} (stretch 100), warm profiles`, met: met.inProcessP99Micros },
        coldP99Micros: { goal: `at most ${goals.coldP99Micros.toString()}, profile not in memory`, met: met.coldP99Micros },
        ratio: { goal: `at least ${goals.httpRatioToFloor.toString()} (HTTP requests/s over the floor's)`, met: met.httpRatioToFloor },
        peerRatio: { goal: `at most ${goals.peerRatio.toString()} (Attune's p50 over GrowthBook's, same work: attributes and segments built inside both timed calls)`, met: met.peerRatio },
      },
      setup: {
        profiles: prepared.profiles,
        actions: decideActions.length,
        segments: decideSegments.length,
        features: `${decideFeatures.length.toString()} declared + 4 built-in`,
        placements: decidePlacements.map((p) => ({ id: p.id, channel: p.channel, count: p.count, strategy: p.strategy.kind, actions: placementActions(p.id) })),
        measuredPlacement: `${mainPlacement} (${placementActions(mainPlacement).toString()} actions, priority strategy, count 1)`,
        syncMode,
        decisionSampleRate: loadConfig().decisionSampleRate,
        profileCreation: {
          via: 'Collector.collect in-process (identify + 2-4 page/track events per profile over the last 60 days, a quarter with a Decision Viewed impression), 1,000 profiles per call, 8 calls in flight sharing group commits, ATTUNE_SYNC=normal and a 1 GB page cache during the set-up; definitions through the admin API (app.inject)',
          events: prepared.events,
          seconds: round(prepared.profileSeconds, 1),
          profilesPerSecond: round(prepared.profilesPerSecond, 0),
          eventsPerSecond: round(prepared.eventsPerSecond, 0),
          definitionSeconds: round(prepared.definitionSeconds, 2),
          stored: { ...prepared.stored, meanStoredSegmentsPerProfile: round(prepared.stored.meanStoredSegmentsPerProfile, 2), meanKnowledgeBytes: round(prepared.stored.meanKnowledgeBytes, 0) },
        },
        inProcess: `DecisionService.decide(workspace, { userId, placements: ['${mainPlacement}'], context: { locale, device, page } }) of the server (buildServer over the store, not listening), in a child process (tsx) that opens the store afresh on the data folder; ${count(settings.warmupCalls)} warm-up calls (random profiles), then ${count(settings.coldCalls)} cold calls (coldP99Micros: profiles not in memory, first decide each), then every profile loaded into memory, then ${count(settings.calls)} calls over random profiles of the ${count(prepared.profiles)} (all warm), timed one by one (process.hrtime.bigint). Each decision is recorded (sample rate 1) through the group committer: the loop awaits setImmediate every 20 calls so the commits run, as between requests in the server; commit time is outside the timed calls (inProcess.commitMicrosPerDecision)`,
        http: `server under test in a child process (tsx), autocannon in the parent; ${settings.connections.toString()} connections, probe + ~${settings.warmupSeconds.toString()} s warm-up + a measured run of a fixed request count sized to ~${settings.seconds.toString()} s; request bodies ${count(bodies.length)} prebuilt { userId (random of ${count(prepared.profiles)}), placements: ['${mainPlacement}'], context }, Bearer auth with the workspace's secret key (a server-side caller: with the write key the userId would be an unverified claim and the decision an anonymous visitor's); the server loads every profile into memory before it listens (warm). Floor: bare Fastify (default JSON parser) answering the in-process run's median-size answer, same load settings`,
        peer: `placement 'peer' (20 actions with the rules of peerRules, distinct priorities, + 2 arms of equal priority without a rule, strategy { kind: 'priority', ties: 'random' }: first matching rule, else a 50/50 split) against GrowthBook ${peer.growthbookVersion} feature 'peer' (20 force rules with the equivalent conditions over the profile's traits, 4 features and a 'segments' array, then an experiment rule with 2 variations weighted 50/50, hashed on the profile id). ${count(peer.profiles)} profiles loaded into memory first; ${peer.passes.toString()} timed passes each after a warm-up pass, alternating. peerRatio = p50 of Attune's pure core decide(model, profile, request, env) / p50 of GrowthBook doing the same work from the same profile in memory: its attributes and segments built inside the timed call (decisionFrame + peerAttributes), then one instance's setAttributes(attributes) (synchronous here) and evalFeature('peer'); peerRatioAttributesPrebuilt divides by GrowthBook with the attributes built beforehand, untimed (the earlier figure); peerRatioWithLoad uses DecisionService.decide in-process for Attune (profile read from memory, recording included)`,
        busyCoresBeforeRun: round(idleCheck, 2),
        ...(settings.serverProfileDir === null ? {} : { httpServerUnderCpuProfiler: true }),
      },
      inProcess: {
        placement: main.placement,
        actions: main.actions,
        latencyMicros: latency(main.latencyMicros),
        coldLatencyMicros: latency(cold),
        warm: inProcess.warm,
        callsOver1ms: main.callsOver1ms,
        garbageCollection: { ...main.gc, millis: round(main.gc.millis, 1), majorMillis: round(main.gc.majorMillis, 1), longestMillis: round(main.gc.longestMillis, 2) },
        callsPerSecondOneThread: round(main.callsPerSecond, 0),
        commitMicrosPerDecision: round(main.commit.microsPerDecision, 1),
        commits: main.commit.commits,
        // Each measured call records one decision (sample rate 1, checked below); the committer's jobs
        // are the recorder's flushes, each holding every record of its 50 ms, so jobs per commit would read 1.
        decisionsPerCommit: main.commit.commits === 0 ? 0 : round(main.latencyMicros.count / main.commit.commits, 1),
        recordedDecisions: main.recordedDecisions,
        serviceCalls: main.serviceCalls,
        personalisedShare: round(main.personalisedShare, 3),
        fallbacks: main.fallbacks,
        distinctActionsChosen: main.distinctActionsChosen,
        eligibleActionsPerDecision: { mean: round(main.eligibleActions.mean, 1), p50: main.eligibleActions.p50, p90: main.eligibleActions.p90 },
        cappedActionsPerDecision: round(main.cappedActions.mean, 3),
        answerBytes: { mean: round(main.answerBytes.mean, 0), p50: main.answerBytes.p50, min: main.answerBytes.min, max: main.answerBytes.max },
      },
      http: {
        attune: { ...httpFigures(attune), recordedDecisions: recordedOverHttp, answered: answeredOverHttp, recordedEqualsAnswered: recordedOverHttp === answeredOverHttp, commits: attune.serverStats.commits, decisionsPerCommit: attune.serverStats.commits === 0 ? 0 : round(attune.load.ok / attune.serverStats.commits, 1), commitShareOfServerCpu: round(attune.serverStats.commitMillis / (attune.serverStats.cpuUserMs + attune.serverStats.cpuSystemMs), 3) },
        floor: httpFigures(floor),
      },
      peer: {
        profiles: peer.profiles,
        passes: peer.passes,
        growthbookVersion: peer.growthbookVersion,
        rules: peerRules.length,
        attuneCoreMicros: latency(peer.attuneCoreMicros, 2),
        /** decisionFrame alone (rule input and segments at decision time, which GrowthBook is handed ready-made): part of attuneCoreMicros. */
        attuneFrameMicros: latency(peer.attuneFrameMicros, 2),
        attuneWithLoadMicros: latency(peer.attuneServiceMicros, 2),
        growthbookMicros: latency(peer.growthbookMicros, 2),
        growthbookClientMicros: latency(peer.growthbookClientMicros, 2),
        growthbookSameWorkMicros: latency(peer.growthbookSameWorkMicros, 2),
        peerRatioVsGrowthBookClient: round(peer.attuneCoreMicros.p50 / peer.growthbookClientMicros.p50, 3),
        agreement: {
          ...peer.agreement,
          targetedShare: round(peer.agreement.targeted / peer.agreement.sampled, 3),
          targetedAgreement: round(peer.agreement.targetedAgreement, 4),
          attuneArmAShare: round(peer.agreement.attuneArmAShare, 3),
          growthbookArmAShare: round(peer.agreement.growthbookArmAShare, 3),
          ruleShares: Object.fromEntries(Object.entries(peer.agreement.ruleShares).map(([id, share]) => [id, round(share, 4)])),
        },
      },
      ...(serverProfile === null ? {} : { httpServerCpuProfile: { file: serverProfile.file, note: 'the measured Attune server ran under node --cpu-prof: its figures above include the profiler', ...roundProfile(serverProfile.summary) } }),
      inProcessCpuProfile: inProcess.cpuProfile === null ? null : {
        note: 'more DecisionService.decide calls of the main placement under the inspector\'s CPU profiler after the measured ones; commits included',
        ...roundProfile(inProcess.cpuProfile),
        ...(settings.cpuProfileFile === null ? {} : { file: settings.cpuProfileFile }),
      },
    };
    // A quick run, or one with a CPU-profiled server, is not the benchmark's figure.
    const partial = settings.quick || settings.serverProfileDir !== null;

    // 5. Print.
    const yes = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log();
    const l = main.latencyMicros;
    console.log(`in-process, DecisionService.decide(${mainPlacement}): p50 ${fixed(l.p50, 1)} µs, p90 ${fixed(l.p90, 1)}, p99 ${fixed(l.p99, 1)}, p99.9 ${fixed(l.p999, 1)}, max ${fixed(l.max, 0)} µs over ${count(l.count)} calls`
      + `; ${count(main.callsOver1ms)} calls over 1 ms; GC ${count(main.gc.count)} times, ${fixed(main.gc.millis, 0)} ms (${main.gc.major.toString()} major, longest ${fixed(main.gc.longestMillis, 1)} ms)`
      + `; ${fixed(main.eligibleActions.mean, 1)} of ${main.actions.toString()} actions eligible on average; recording: ${fixed(main.commit.microsPerDecision, 1)} µs of commit per decision, outside the timed call`);
    console.log(`cold, profiles not in memory (fresh store, first decide each): p50 ${fixed(cold.p50, 1)} µs, p99 ${fixed(cold.p99, 1)} µs over ${count(cold.count)} calls`);
    console.log();
    const cpu = (f: ReturnType<typeof httpFigures>) => `${fixed(f.serverCpuCores)}/${fixed(f.loadGeneratorCpuCores)}/${fixed(f.otherCpuCores)}`;
    const a = httpFigures(attune);
    const f = httpFigures(floor);
    console.log(formatTable(['HTTP run', 'req/s', 'p50 ms', 'p99 ms', 'vs floor', 'answer bytes', 'CPU srv/gen/other', 'server µs/req', 'recorded=answered'], [
      ['Attune POST /v1/decide', count(a.requestsPerSecond), fixed(a.p50Ms, 0), fixed(a.p99Ms, 0), `${fixed(ratio, 3)}x`, count(a.answerBytes), cpu(a), fixed(a.serverMicrosPerRequest, 0), recordedOverHttp === answeredOverHttp ? 'yes' : 'NO'],
      ['floor: bare Fastify', count(f.requestsPerSecond), fixed(f.p50Ms, 0), fixed(f.p99Ms, 0), '', count(f.answerBytes), cpu(f), fixed(f.serverMicrosPerRequest, 0), ''],
    ]));
    console.log();
    const pr = (label: string, p: Percentiles) => [label, fixed(p.p50, 2), fixed(p.p99, 2), fixed(p.p50 / peer.growthbookSameWorkMicros.p50, 3)];
    console.log(formatTable(['peer: 20 rules + 50/50 split', 'p50 µs', 'p99 µs', 'p50 / GrowthBook (same work)'], [
      pr('Attune core decide (profile in memory)', peer.attuneCoreMicros),
      pr('  of which decisionFrame (features, segments)', peer.attuneFrameMicros),
      pr('Attune DecisionService.decide (profile in memory)', peer.attuneServiceMicros),
      pr(`GrowthBook ${peer.growthbookVersion}, attributes built in the call (same work)`, peer.growthbookSameWorkMicros),
      pr(`GrowthBook ${peer.growthbookVersion} setAttributes + evalFeature (attributes prebuilt)`, peer.growthbookMicros),
      pr('GrowthBookClient.evalFeature', peer.growthbookClientMicros),
    ]));
    console.log(`agreement on ${count(ag.sampled)} profiles: targeted ${count(ag.targeted)} (${fixed((100 * ag.targeted) / ag.sampled, 1)}%), same action ${fixed(100 * ag.targetedAgreement, 2)}%; split ${count(ag.split)}, both an arm ${count(ag.splitAgreeing)} (arm A: Attune ${fixed(100 * ag.attuneArmAShare, 1)}%, GrowthBook ${fixed(100 * ag.growthbookArmAShare, 1)}%)`);
    if (ag.mismatches.length > 0) console.log(`  mismatches: ${ag.mismatches.join('\n    ')}`);
    if (inProcess.cpuProfile !== null) {
      console.log();
      console.log(`in-process ${formatDecideProfile({ ...inProcess.cpuProfile, top: inProcess.cpuProfile.top.slice(0, 15) })}`);
    }
    if (serverProfile !== null) {
      console.log();
      console.log(`HTTP server (${serverProfile.file}) ${formatDecideProfile({ ...serverProfile.summary, top: serverProfile.summary.top.slice(0, 15) })}`);
    }
    console.log();
    console.log(`goals: in-process p99 ${fixed(l.p99, 1)} µs (at most ${goals.inProcessP99Micros.toString()}): ${yes(met.inProcessP99Micros)}; cold p99 ${fixed(cold.p99, 1)} µs (at most ${goals.coldP99Micros.toString()}): ${yes(met.coldP99Micros)}; HTTP ${fixed(ratio, 3)} of the floor (at least ${goals.httpRatioToFloor.toString()}): ${yes(met.httpRatioToFloor)}; peerRatio ${fixed(peerRatio, 3)} (at most ${goals.peerRatio.toString()}): ${yes(met.peerRatio)}; peerRatioWithLoad ${fixed(peerRatioWithLoad, 3)}`);
    const path = writeVerifiedResults(result, checks, { write: !partial, notWrittenBecause: settings.quick ? 'quick run' : 'profiled server' });
    if (path !== null) console.log(`wrote ${path} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
