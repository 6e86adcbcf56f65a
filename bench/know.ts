import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCpuProfile } from './support/cpuProfile.js';
import { attuneRunCheck, cpuCores, floorRunCheck, loadFigures, measureAttune, measureFastifyFloor, type AttuneRun, type HttpRun, type HttpSettings, type KnowledgeMode, type SyncMode } from './support/http.js';
import { runInChild } from './support/knowChild.js';
import type { MemoryFigures } from './support/knowMemory.js';
import { formatKnowProfile, summarizeKnowProfile, type ProfileSummary } from './support/knowProfile.js';
import type { RuleTimings } from './support/knowRules.js';
import { knowFeatures, knowSegments } from './support/knowWorkspace.js';
import { parseHttpOptions } from './support/options.js';
import { rawSqliteCheck, runRawSqlite, sqliteFigures, type RawSqliteResult } from './support/rawSqlite.js';
import { busyCoresBeforeRun, loadAverage, count, fixed, formatTable, gitState, machineInfo, round, writeVerifiedResults, type Check } from './support/report.js';
import { benchWorkloadShape, createWorkload, type Workload } from './support/workload.js';

/**
 * know: what knowledge costs. Ingest through POST /v1/batch with 20 features and 50 segments
 * active, against the same load with none (only the 4 built-in features) and the floors
 * (bare Fastify, raw SQLite) in the same run; the cost of evaluating a compiled rule; and the
 * hot state per profile with 100,000 profiles. See docs/BENCHMARKS.md.
 */

/** DESIGN.md section 5. */
const goals = { eventsPerSecondWithSegments: 30_000, bytesPerProfile: 2048 } as const;
/** The ingest benchmark's workload (bench/ingest.ts), so the two benchmarks' figures compare. */
const workloadShape = { ...benchWorkloadShape, batchSize: 100 } as const;

type Part = 'http' | 'rules' | 'memory';

interface KnowSettings extends HttpSettings {
  readonly sync: SyncMode;
  readonly profiles: number;
  readonly evaluations: number;
  readonly parts: readonly Part[];
  /** Also run a CPU-profiled server with knowledge (after the measured runs) and write its profile here. */
  readonly profileDir: string | null;
}

function parseArgs(args: readonly string[]): KnowSettings {
  let sync: SyncMode = 'full';
  let profiles = 100_000;
  let evaluations = 5_000_000;
  let parts: Part[] = ['http', 'rules', 'memory'];
  let profileDir = null as string | null;
  const usage = 'know takes --seconds=N --warmup=N --connections=N --sync=full|normal --profiles=N --evaluations=N --only=http,rules,memory --profile[=dir] --pragma=name=value';
  const http = parseHttpOptions(args, usage, ({ flag, value, number }) => {
    if (flag === '--profiles') profiles = Math.round(number());
    else if (flag === '--evaluations') evaluations = Math.round(number());
    else if (flag === '--sync' && (value === 'full' || value === 'normal')) sync = value;
    else if (flag === '--only' && value !== undefined && value.split(',').every((p) => ['http', 'rules', 'memory'].includes(p))) parts = value.split(',') as Part[];
    else if (flag === '--profile') profileDir = value ?? join(tmpdir(), `attune-bench-know-profiles-${Date.now().toString()}`);
    else return false;
    return true;
  });
  return { ...http, sync, profiles, evaluations, parts, profileDir };
}

/** Attune with (`full`) or without (`none`) the benchmark's features and segments; optionally CPU-profiled. */
function measureKnowledgeServer(workload: Workload, sync: SyncMode, knowledge: KnowledgeMode, settings: HttpSettings, cpuProfileDir: string | null = null): Promise<AttuneRun> {
  return measureAttune(workload, settings, { sync, knowledge, stream: 2, cpuProfileDir });
}

function attuneFigures(run: AttuneRun, fastify: HttpRun, sqlite: RawSqliteResult, without: AttuneRun | null) {
  const s = run.serverStats;
  return {
    knowledge: run.knowledge === 'full' ? `${knowFeatures.length.toString()} features (+4 built-in), ${knowSegments.length.toString()} segments` : 'none (4 built-in features only)',
    syncMode: run.sync,
    ...loadFigures(run),
    ratioToFastify: round(run.eventsPerSecond / fastify.eventsPerSecond, 3),
    ratioToSqlite: round(run.eventsPerSecond / sqlite.eventsPerSecond, 3),
    ...(without === null ? {} : { ratioToNoKnowledge: round(run.eventsPerSecond / without.eventsPerSecond, 3) }),
    /** Server CPU per event, µs: the cost of one event in the server process. */
    serverMicrosPerEvent: round((run.serverCpu * 1e6) / run.eventsPerSecond, 1),
    measuredSeconds: round(run.load.seconds, 2),
    measuredRequests: run.load.ok,
    acknowledgedEvents: run.acknowledgedEvents,
    storedEvents: run.stored.events,
    storedEqualsAcknowledged: run.verified,
    stored: run.stored,
    /** Each change is two writes (segment_changes, segment_members). */
    segmentChangesPerEvent: run.stored.events === 0 ? 0 : round(run.stored.segmentChanges / run.stored.events, 3),
    ...cpuCores(run),
    requestsPerCommit: s.commits === 0 ? 0 : round(s.commitJobs / s.commits, 2),
    commitsPerSecond: round(s.commits / run.load.seconds, 1),
    meanCommitMs: s.commits === 0 ? 0 : round(s.commitMillis / s.commits, 3),
    commitShareOfServerCpu: round(s.commitMillis / (s.cpuUserMs + s.cpuSystemMs), 3),
  };
}

function timing(t: RuleTimings['simpleRule']['timing']) {
  return { nanos: round(t.nanos, 1), minNanos: round(t.minNanos, 1), maxNanos: round(t.maxNanos, 1), operations: t.operations };
}

function ruleFigures(r: RuleTimings) {
  return {
    evaluations: r.evaluations,
    simpleRule: { source: r.simpleRule.source, cost: r.simpleRule.cost, matchShare: round(r.simpleRule.matchShare, 3), ...timing(r.simpleRule.timing) },
    heavyRule: { source: r.heavyRule.source, cost: r.heavyRule.cost, matchShare: round(r.heavyRule.matchShare, 3), ...timing(r.heavyRule.timing) },
    segmentsUpdateAll: { segments: r.segmentsAll.segments, storedSegments: r.segmentsAll.stored, ...timing(r.segmentsAll.timing), nanosPerSegment: round(r.segmentsAll.nanosPerSegment, 1) },
    segmentsUpdateOnPageView: { segmentsEvaluated: r.segmentsOnPageView.evaluatedPerCall, ...timing(r.segmentsOnPageView.timing) },
    ruleInputFor: { features: r.ruleInput.features, ...timing(r.ruleInput.timing) },
    applyEventKnowledge: { profiles: r.applyEvent.profiles, events: r.applyEvent.events, ...timing(r.applyEvent.timing) },
  };
}

function memoryFigures(m: MemoryFigures) {
  const dist = (d: MemoryFigures['serializedBytes']) => ({ mean: round(d.mean, 0), p50: d.p50, p90: d.p90, p99: d.p99, max: d.max });
  return {
    profiles: m.profiles,
    eventsPerProfile: { mean: round(m.eventsPerProfile.mean, 1), min: 20, max: m.eventsPerProfile.max },
    serializedKnowledgeBytes: dist(m.serializedBytes),
    serializedParts: { features: round(m.serializedParts.features, 0), session: round(m.serializedParts.session, 0), consent: round(m.serializedParts.consent, 0), memberships: round(m.serializedParts.memberships, 0) },
    meanMemberships: round(m.meanMemberships, 1),
    heapBytesPerProfile: { asBuilt: round(m.heapBytesPerProfile.asBuilt, 0), parsedFromJson: round(m.heapBytesPerProfile.parsedFromJson, 0) },
    sqlite: {
      fileBytesPerProfile: round(m.sqlite.fileBytesPerProfile, 0),
      profilesTableBytesPerProfile: m.sqlite.profilesTableBytesPerProfile === null ? null : round(m.sqlite.profilesTableBytesPerProfile, 0),
      rowPayloadBytesPerProfile: round(m.sqlite.rowBytesPerProfile, 0),
    },
    buildSeconds: round(m.buildSeconds, 1),
  };
}

interface ProfiledRun {
  readonly summary: ProfileSummary;
  readonly file: string;
  /** Events the profiled server stored (probe, warm-up and measured phases). */
  readonly events: number;
}

/** Busy µs per stored event spent in a share of the profile: comparable between the two servers. */
function microsPerEvent(run: ProfiledRun, share: number): number {
  return (share * run.summary.busySeconds * 1e6) / run.events;
}

function profileFigures(run: ProfiledRun) {
  const { summary } = run;
  const share = <T extends { share: number }>(list: readonly T[]) => list.map((e) => ({ ...e, share: round(e.share, 3), microsPerEvent: round(microsPerEvent(run, e.share), 1) }));
  return {
    file: run.file,
    events: run.events,
    busySeconds: round(summary.busySeconds, 1),
    busyMicrosPerEvent: round((summary.busySeconds * 1e6) / run.events, 1),
    areas: share(summary.areas).filter((a) => a.share >= 0.005),
    inclusive: share(summary.inclusive),
    top: share(summary.top.slice(0, 20)),
  };
}

/** Per area and per watched function: µs per event with knowledge, without, and the difference. */
function profileDifference(runs: { withKnowledge: ProfiledRun; withoutKnowledge: ProfiledRun }): string[][] {
  const rows: string[][] = [];
  const table = (pick: (s: ProfileSummary) => readonly { share: number; name: string }[]) => {
    const without = new Map(pick(runs.withoutKnowledge.summary).map((e) => [e.name, microsPerEvent(runs.withoutKnowledge, e.share)]));
    for (const e of pick(runs.withKnowledge.summary)) {
      const w = microsPerEvent(runs.withKnowledge, e.share);
      const o = without.get(e.name) ?? 0;
      if (w < 0.5 && o < 0.5) continue;
      rows.push([e.name, fixed(w, 1), fixed(o, 1), fixed(w - o, 1)]);
    }
  };
  rows.push(['all busy time', fixed((runs.withKnowledge.summary.busySeconds * 1e6) / runs.withKnowledge.events, 1), fixed((runs.withoutKnowledge.summary.busySeconds * 1e6) / runs.withoutKnowledge.events, 1), '']);
  table((s) => s.areas.map((a) => ({ share: a.share, name: `  area: ${a.area}` })));
  table((s) => s.inclusive.map((f) => ({ share: f.share, name: `  in: ${f.function}` })));
  return rows;
}

export async function knowBenchmark(args: readonly string[]): Promise<void> {
  const settings = parseArgs(args);
  const started = Date.now();
  const loadAtStart = loadAverage();
  const idleCheck = await busyCoresBeforeRun();
  const has = (part: Part) => settings.parts.includes(part);

  let rules: RuleTimings | null = null;
  if (has('rules')) {
    console.log(`know: rule evaluation (${count(settings.evaluations)} evaluations of one rule, all ${knowSegments.length.toString()} segments, applyEventKnowledge) ...`);
    rules = await runInChild<RuleTimings>('./knowRules.ts', [String(settings.evaluations)]);
  }

  const workload = createWorkload(workloadShape);
  let http: { fastify: HttpRun; without: AttuneRun; withKnowledge: AttuneRun; sqlite: RawSqliteResult; sqliteSeconds: number } | null = null;
  if (has('http')) {
    console.log(`know: POST /v1/batch, ${settings.connections.toString()} connections, ATTUNE_SYNC=${settings.sync}, ~${settings.seconds.toString()} s measured after ~${settings.warmupSeconds.toString()} s warm-up`);
    console.log('  bare Fastify ...');
    const fastify = await measureFastifyFloor(workload, settings);
    console.log('  Attune, no declared features or segments ...');
    const without = await measureKnowledgeServer(workload, settings.sync, 'none', settings);
    console.log(`  Attune, ${knowFeatures.length.toString()} features and ${knowSegments.length.toString()} segments ...`);
    const withKnowledge = await measureKnowledgeServer(workload, settings.sync, 'full', settings);
    const sqliteSeconds = Math.min(4, settings.seconds);
    console.log(`  raw SQLite synchronous=${settings.sync.toUpperCase()} ...`);
    const sqlite = runRawSqlite(workload, settings.sync, { warmupSeconds: 0.5, seconds: sqliteSeconds });
    http = { fastify, without, withKnowledge, sqlite, sqliteSeconds };
  }

  let memory: MemoryFigures | null = null;
  if (has('memory')) {
    console.log(`know: hot state of ${count(settings.profiles)} profiles (20-60 events each over 90 days) ...`);
    memory = await runInChild<MemoryFigures>('./knowMemory.ts', [String(settings.profiles)]);
  }

  // CPU profiles of both servers (extra runs, not the measured ones): where the knowledge's time goes, per event.
  let profiles: { withKnowledge: ProfiledRun; withoutKnowledge: ProfiledRun } | null = null;
  if (settings.profileDir !== null) {
    const profiled = async (knowledge: 'full' | 'none'): Promise<ProfiledRun> => {
      const dir = join(settings.profileDir!, knowledge);
      mkdirSync(dir, { recursive: true });
      console.log(`know: CPU profile of the server, knowledge=${knowledge} (not a measured run) -> ${dir} ...`);
      const run = await measureKnowledgeServer(workload, settings.sync, knowledge, settings, dir);
      if (run.cpuProfile === null) throw new Error(`no CPU profile in ${dir}`);
      return { summary: summarizeKnowProfile(readCpuProfile(run.cpuProfile), 30), file: run.cpuProfile, events: run.acknowledgedEvents };
    };
    profiles = { withKnowledge: await profiled('full'), withoutKnowledge: await profiled('none') };
  }

  const throughput = http === null ? null : {
    withKnowledge: attuneFigures(http.withKnowledge, http.fastify, http.sqlite, http.without),
    withoutKnowledge: attuneFigures(http.without, http.fastify, http.sqlite, null),
    floors: {
      fastify: { eventsPerSecond: round(http.fastify.eventsPerSecond, 0), requestsPerSecond: round(http.fastify.load.requestsPerSecond, 1), p50Ms: http.fastify.load.p50Ms, p99Ms: http.fastify.load.p99Ms, ...cpuCores(http.fastify) },
      sqlite: sqliteFigures(http.sqlite),
    },
  };
  const result = {
    benchmark: 'know',
    date: new Date(started).toISOString(),
    machine: machineInfo(),
    git: gitState(),
    loadAverage: { atStart: loadAtStart },
    // The figures of the parts run (a partial run is checked, not written).
    summary: {
      ...(http === null || throughput === null ? {} : {
        eventsPerSecondWithSegments: throughput.withKnowledge.eventsPerSecond,
        /** The log floor: the same events appended to the same events table by raw better-sqlite3 (same pragmas, no knowledge, no profiles), same run. */
        ratioToLogFloor: round(http.withKnowledge.eventsPerSecond / http.sqlite.eventsPerSecond, 3),
        logFloorEventsPerSecond: round(http.sqlite.eventsPerSecond, 0),
        eventsPerSecondWithoutKnowledge: throughput.withoutKnowledge.eventsPerSecond,
        ratioToNoKnowledge: round(http.withKnowledge.eventsPerSecond / http.without.eventsPerSecond, 3),
      }),
      ...(rules === null ? {} : { ruleEvalNanos: round(rules.simpleRule.timing.nanos, 1) }),
      ...(memory === null ? {} : { bytesPerProfile: round(memory.serializedBytes.mean, 0) }),
    },
    setup: {
      endpoint: 'POST /v1/batch',
      processes: 'server under test in a child process (tsx), autocannon load generator in the parent; rules and memory in child processes (tsx, --expose-gc)',
      connections: settings.connections,
      warmupSeconds: settings.warmupSeconds,
      targetSeconds: settings.seconds,
      syncMode: settings.sync,
      workload: { ...workloadShape, uniqueMessageIds: true, eventBytesMean: round(workload.eventBytes.mean, 0), batchBodyBytes: workload.bodyBytes },
      features: knowFeatures.map((f) => f.name),
      segments: knowSegments.map((s) => s.id),
      busyCoresBeforeRun: round(idleCheck, 2),
      ...(settings.pragmas.length === 0 ? {} : { experimentalPragmas: settings.pragmas }),
    },
    goals: { ...goals, bytesPerProfileMeasuredAs: 'mean serialized knowledge state (JSON of the profiles.knowledge column), UTF-8 bytes' },
    eventsPerSecondWithSegments: throughput?.withKnowledge.eventsPerSecond ?? null,
    ruleEvalNanos: rules === null ? null : round(rules.simpleRule.timing.nanos, 1),
    bytesPerProfile: memory === null ? null : round(memory.serializedBytes.mean, 0),
    throughput,
    rules: rules === null ? null : ruleFigures(rules),
    memory: memory === null ? null : memoryFigures(memory),
    ...(profiles === null ? {} : { cpuProfiles: { withKnowledge: profileFigures(profiles.withKnowledge), withoutKnowledge: profileFigures(profiles.withoutKnowledge) } }),
  };
  const complete = settings.parts.length === 3;
  const checks: Check[] = [];
  if (http !== null) {
    checks.push(attuneRunCheck(http.withKnowledge, `${knowFeatures.length.toString()} features and ${knowSegments.length.toString()} segments`));
    checks.push(attuneRunCheck(http.without, 'no features or segments'));
    checks.push(floorRunCheck(http.fastify, 'bare Fastify'));
    checks.push(rawSqliteCheck(http.sqlite, settings.sync));
  }
  if (rules !== null) {
    // The headline rule must match some inputs and not all: it is timed on real evaluations, not on inputs that all end at the same test.
    const simpleShare = rules.simpleRule.matchShare;
    checks.push({ name: 'rules', ok: simpleShare > 0 && simpleShare < 1, detail: `the timed rule (ruleEvalNanos) matches ${fixed(simpleShare * 100, 1)}% of the inputs (some and not all); the heavier rule ${fixed(rules.heavyRule.matchShare * 100, 1)}%` });
  }
  if (memory !== null) {
    checks.push({
      name: 'memory',
      ok: memory.storedRows.profiles === memory.profiles && memory.storedRows.knowledge === memory.profiles && memory.meanMemberships > 0,
      detail: `${count(memory.storedRows.profiles)} profiles rows and ${count(memory.storedRows.knowledge)} knowledge rows for ${count(memory.profiles)} profiles built; ${fixed(memory.meanMemberships, 1)} segment memberships per profile`,
    });
  }

  console.log();
  if (throughput !== null && http !== null) {
    const row = (label: string, f: ReturnType<typeof attuneFigures>) => [label, count(f.eventsPerSecond), fixed(f.requestsPerSecond, 0), fixed(f.p50Ms, 0), fixed(f.p99Ms, 0),
      `${fixed(f.ratioToFastify, 3)}x`, `${fixed(f.ratioToSqlite)}x`, f.ratioToNoKnowledge === undefined ? '' : `${fixed(f.ratioToNoKnowledge)}x`,
      `${fixed(f.serverCpuCores)}/${fixed(f.loadGeneratorCpuCores)}/${fixed(f.otherCpuCores)}`, fixed(f.serverMicrosPerEvent, 1), f.storedEqualsAcknowledged ? 'yes' : 'NO'];
    const floor = throughput.floors;
    console.log(formatTable(['run (batch 100)', 'events/s', 'req/s', 'p50 ms', 'p99 ms', 'vs Fastify', 'vs SQLite', 'vs none', 'CPU srv/gen/other', 'srv µs/event', 'stored=acked'], [
      row(`Attune, ${knowFeatures.length.toString()} features + ${knowSegments.length.toString()} segments`, throughput.withKnowledge),
      row('Attune, no features or segments', throughput.withoutKnowledge),
      ['floor: bare Fastify', count(floor.fastify.eventsPerSecond), fixed(floor.fastify.requestsPerSecond, 0), fixed(floor.fastify.p50Ms, 0), fixed(floor.fastify.p99Ms, 0), '', '', '', `${fixed(floor.fastify.serverCpuCores)}/${fixed(floor.fastify.loadGeneratorCpuCores)}/${fixed(floor.fastify.otherCpuCores)}`, '', ''],
      [`floor: raw SQLite ${settings.sync.toUpperCase()}`, count(floor.sqlite.eventsPerSecond), '', '', '', '', '', '', '', '', ''],
    ]));
    const k = throughput.withKnowledge.stored;
    console.log(`  with knowledge: ${count(k.profiles)} profiles, ${count(k.profilesWithFeatures)} with declared features, ${count(k.segmentMembers)} memberships in ${k.segmentsWithMembers.toString()} segments, ${count(k.segmentChanges)} segment changes (${fixed(throughput.withKnowledge.segmentChangesPerEvent)} per event), ${count(k.meanKnowledgeBytes)} bytes of knowledge per profile`);
    console.log(`  goal (DESIGN.md 5): ${count(goals.eventsPerSecondWithSegments)} events/s with features and segments; measured ${count(throughput.withKnowledge.eventsPerSecond)}`);
    console.log();
  }
  if (rules !== null) {
    const f = ruleFigures(rules);
    console.log(formatTable(['pure core (one core)', 'ns', 'per'], [
      ['compiled rule: orders_90d >= 2 and section == "shoes" and has_consent', fixed(f.simpleRule.nanos, 1), 'evaluation'],
      [`heavier rule (${f.heavyRule.cost.toString()} nodes)`, fixed(f.heavyRule.nanos, 1), 'evaluation'],
      [`SegmentSet.update, 'all' (${f.segmentsUpdateAll.storedSegments.toString()} stored segments)`, count(f.segmentsUpdateAll.nanos), `call (${fixed(f.segmentsUpdateAll.nanosPerSegment, 0)} ns/segment)`],
      [`SegmentSet.update, a page view's changes (${f.segmentsUpdateOnPageView.segmentsEvaluated.toString()} evaluated)`, count(f.segmentsUpdateOnPageView.nanos), 'call'],
      [`ruleInputFor (${f.ruleInputFor.features.toString()} features read)`, count(f.ruleInputFor.nanos), 'call'],
      ['applyEventKnowledge (features, session, consent, segments)', count(f.applyEventKnowledge.nanos), 'event'],
    ]));
    console.log();
  }
  if (memory !== null) {
    const m = memoryFigures(memory);
    console.log(formatTable([`hot state, ${count(m.profiles)} profiles`, 'bytes/profile', 'goal'], [
      ['serialized knowledge state (mean; the goal\'s figure)', count(m.serializedKnowledgeBytes.mean), `< ${count(goals.bytesPerProfile)}`],
      ['  p50 / p99 / max', `${count(m.serializedKnowledgeBytes.p50)} / ${count(m.serializedKnowledgeBytes.p99)} / ${count(m.serializedKnowledgeBytes.max)}`, ''],
      ['  features / session / consent / memberships', `${count(m.serializedParts.features)} / ${count(m.serializedParts.session)} / ${count(m.serializedParts.consent)} / ${count(m.serializedParts.memberships)}`, ''],
      ['V8 heap, states as built', count(m.heapBytesPerProfile.asBuilt), ''],
      ['V8 heap, states parsed from their JSON', count(m.heapBytesPerProfile.parsedFromJson), ''],
      ['SQLite file growth (profiles rows)', count(m.sqlite.fileBytesPerProfile), ''],
      ['SQLite profiles table pages (dbstat)', m.sqlite.profilesTableBytesPerProfile === null ? 'n/a' : count(m.sqlite.profilesTableBytesPerProfile), ''],
      ['  row payload (ids, times, traits, counts, knowledge)', count(m.sqlite.rowPayloadBytesPerProfile), ''],
    ]));
    console.log();
  }
  if (profiles !== null) {
    console.log('CPU profile of the server with knowledge:');
    console.log(formatKnowProfile(profiles.withKnowledge.summary));
    console.log();
    console.log(formatTable(['busy µs per stored event (CPU profiles)', 'with', 'none', 'difference'], profileDifference(profiles)));
    console.log();
  }
  const path = writeVerifiedResults(result, checks, { write: complete, notWrittenBecause: `partial run, --only=${settings.parts.join(',')}` });
  if (path !== null) console.log(`wrote ${path} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
