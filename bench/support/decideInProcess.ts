/**
 * Child process of the `decide` benchmark: deciding in-process over the store decidePrepare.ts
 * filled, and the GrowthBook comparison. The server's own objects (buildServer over the
 * store, not listening): DecisionService.decide reads the profile from memory (loading it
 * from the state store the first time), decides and records the decision (sample rate 1)
 * through the group committer, as POST /v1/decide does. The store is opened afresh on the
 * data folder, so the cold calls (before every profile is loaded) are first reads.
 * The loop yields to the event loop (setImmediate) every `yieldEvery` calls so that the
 * committer's commits run, as they do between requests in the server; the commit time is
 * outside the timed calls and reported on its own (`commit.microsPerDecision`).
 *
 * Usage: tsx bench/support/decideInProcess.ts '<InProcessOptions as JSON>'
 */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { openStore } from '../../src/cli/openStore.js';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { loadConfig } from '../../src/config/config.js';
import { seededRandom as coreRandom } from '../../src/core/common/random.js';
import { decide, decisionFrame, type DecisionProfile } from '../../src/core/decide/decide.js';
import type { DecisionEnvironment, DecisionRequest } from '../../src/core/decide/decisionSteps.js';
import type { DecideAnswer, DecideCall } from '../../src/decide/DecisionService.js';
import { buildServer } from '../../src/server/buildServer.js';
import type { CpuProfile } from './cpuProfile.js';
import { decideChildMain, percentiles, type Percentiles } from './decideChild.js';
import { summarizeDecideProfile, type DecideProfileSummary } from './decideProfile.js';
import { peerAttributes, peerEvaluators } from './decidePeer.js';
import { decideContext, mainPlacement, peerArms, peerRuleIds, userIdOf } from './decideWorkspace.js';
import { preloadProfiles } from './preloadProfiles.js';
import { seededRandom } from './random.js';

export interface InProcessOptions {
  readonly dataDir: string;
  readonly workspaceId: string;
  readonly profiles: number;
  readonly warmupCalls: number;
  readonly calls: number;
  /** Profiles loaded into memory for the peer comparison. */
  readonly peerProfiles: number;
  /** Timed passes over them for each contestant (after one warm-up pass). */
  readonly peerPasses: number;
  /** Calls of the main placement for profiles this process has never read (the cold case). */
  readonly coldCalls: number;
  /** Calls of the main placement under the CPU profiler (0: no profile). */
  readonly profileCalls: number;
  /** Where to write the .cpuprofile, or null. */
  readonly cpuProfileFile: string | null;
}

export interface InProcessResult {
  readonly main: {
    readonly placement: string;
    readonly actions: number;
    readonly warmupCalls: number;
    readonly latencyMicros: Percentiles;
    /** Timed calls over 1 ms, and garbage collection during the timed loop (all kinds; major = mark-sweep-compact). */
    readonly callsOver1ms: number;
    readonly gc: { readonly count: number; readonly millis: number; readonly major: number; readonly majorMillis: number; readonly longestMillis: number };
    /** Calls per second of the whole loop, commits and yields included (one thread). */
    readonly callsPerSecond: number;
    readonly commit: { readonly commits: number; readonly jobs: number; readonly millis: number; readonly microsPerDecision: number };
    /** Rows added to `decisions` by this process, and the DecisionService calls made: equal when every decision was recorded. */
    readonly recordedDecisions: number;
    readonly serviceCalls: number;
    readonly personalisedShare: number;
    readonly fallbacks: Readonly<Record<string, number>>;
    readonly distinctActionsChosen: number;
    /** From a sample decided with explain: actions past eligibility (rule, schedule, variant) and capped ones, per decision. */
    readonly eligibleActions: { readonly mean: number; readonly p50: number; readonly p90: number };
    readonly cappedActions: { readonly mean: number };
    readonly answerBytes: { readonly mean: number; readonly p50: number; readonly min: number; readonly max: number };
    /** An answer of the median size (JSON), for the HTTP floor. */
    readonly medianAnswer: string;
  };
  /** The main placement for profiles not in memory (a fresh store on the data folder, first decide per profile): one call each, before the measured loop. */
  readonly cold: { readonly latencyMicros: Percentiles };
  /** Profiles listed and loaded before the measured calls, and the profiles the cache held then: equal when every measured call found its profile in memory. */
  readonly warm: { readonly preloaded: number; readonly cachedProfiles: number };
  readonly peer: {
    readonly profiles: number;
    readonly passes: number;
    readonly growthbookVersion: string;
    /** Attune's pure core decide(model, profile, request, env) over profiles already in memory. */
    readonly attuneCoreMicros: Percentiles;
    /** Its first part alone, decisionFrame: the rule input (features, derived features) and the segments at decision time, which GrowthBook is handed ready-made. */
    readonly attuneFrameMicros: Percentiles;
    /** DecisionService.decide in-process: the profile read from memory and the recording included. */
    readonly attuneServiceMicros: Percentiles;
    /** One GrowthBook instance: setAttributes(attributes) then evalFeature('peer'). */
    readonly growthbookMicros: Percentiles;
    /** GrowthBookClient.evalFeature('peer', { attributes }). */
    readonly growthbookClientMicros: Percentiles;
    /** The same work as Attune's core decide: from the profile in memory, the attributes and segments built (decisionFrame, peerAttributes) inside the timed call, then setAttributes and evalFeature. */
    readonly growthbookSameWorkMicros: Percentiles;
    readonly agreement: {
      readonly sampled: number;
      /** Profiles one of the 20 rules caught (in Attune or in GrowthBook). */
      readonly targeted: number;
      readonly targetedAgreeing: number;
      readonly targetedAgreement: number;
      readonly split: number;
      /** Profiles both sent to one of the two arms. */
      readonly splitAgreeing: number;
      readonly attuneArmAShare: number;
      readonly growthbookArmAShare: number;
      /** GrowthBook instance and client gave the same value for every profile. */
      readonly growthbookApisAgree: boolean;
      readonly ruleShares: Readonly<Record<string, number>>;
      readonly mismatches: readonly string[];
    };
  };
  readonly cpuProfile: DecideProfileSummary | null;
}

const yieldEvery = 20;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const micros = (from: bigint, to: bigint) => Number(to - from) / 1000;

async function run(options: InProcessOptions): Promise<InProcessResult> {
  const commits = { commits: 0, jobs: 0, millis: 0 };
  // The configured synchronous mode (FULL unless ATTUNE_SYNC says otherwise), as `attune serve` opens it.
  const config = loadConfig({ dataDir: options.dataDir });
  const store = openStore(config, 'bench', (jobs, _events, millis) => {
    commits.commits++;
    commits.jobs += jobs;
    commits.millis += millis;
  });
  const server = await buildServer({ store, clock: systemClock, ids: uuidIds, logger: false, decisionSampleRate: config.decisionSampleRate });
  const service = server.decisions;
  const workspace = await server.workspaces.get(options.workspaceId);
  const model = await server.decisionModels.get(options.workspaceId);
  const countDecisions = () => store.db.prepare('SELECT count(*) FROM decisions').pluck().get() as number;
  const decisionsBefore = countDecisions();
  let serviceCalls = 0;

  const random = seededRandom(4711);
  const calls: DecideCall[] = Array.from({ length: Math.min(50_000, options.warmupCalls + options.calls) }, () => ({
    userId: userIdOf(Math.floor(random() * options.profiles)),
    placements: [mainPlacement],
    context: decideContext(random),
  }));

  /** Calls DecisionService.decide `count` times over `list`, yielding so commits run; `each` sees every answer with its time. */
  const loop = async (list: readonly DecideCall[], count: number, offset: number, each?: (answer: DecideAnswer, micros: number, i: number) => void) => {
    for (let i = 0; i < count; i++) {
      const call = list[(offset + i) % list.length]!;
      const t0 = process.hrtime.bigint();
      const answer = await service.decide(workspace, call);
      const t1 = process.hrtime.bigint();
      serviceCalls++;
      each?.(answer, micros(t0, t1), i);
      if (i % yieldEvery === yieldEvery - 1) await nextTurn();
    }
    await nextTurn();
  };

  // The main placement through the DecisionService: warm-up calls (the JIT; their profiles load),
  // then the cold calls, then every profile loaded, then the measured calls over warm profiles.
  console.log(`    in-process: ${options.warmupCalls.toLocaleString('en-US')} warm-up calls of DecisionService.decide(${mainPlacement}) ...`);
  await loop(calls, options.warmupCalls, 0);
  // The cold case: profiles not in memory (this process opened the store afresh and no call has read
  // them), in random order (neighbouring ids would share pages), one call each: the first decide per profile.
  const used = new Set(calls.slice(0, options.warmupCalls).map((c) => c.userId));
  const coldRandom = seededRandom(4712);
  const coldCalls: DecideCall[] = [];
  const wanted = Math.min(options.coldCalls, options.profiles - used.size);
  for (let tries = 0; coldCalls.length < wanted && tries < wanted * 100; tries++) {
    const userId = userIdOf(Math.floor(coldRandom() * options.profiles));
    if (used.has(userId)) continue;
    used.add(userId);
    coldCalls.push({ userId, placements: [mainPlacement], context: decideContext(coldRandom) });
  }
  console.log(`    cold: ${coldCalls.length.toLocaleString('en-US')} calls for profiles not read before ...`);
  const coldSamples = new Float64Array(coldCalls.length);
  await loop(coldCalls, coldCalls.length, 0, (_answer, us, i) => {
    coldSamples[i] = us;
  });

  console.log(`    warm: loading all ${options.profiles.toLocaleString('en-US')} profiles, then ${options.calls.toLocaleString('en-US')} measured calls ...`);
  const preloaded = await preloadProfiles(store, options.workspaceId);
  const cachedProfiles = store.live.profileCount;
  const commitsBefore = { ...commits };
  const samples = new Float64Array(options.calls);
  const fallbacks: Record<string, number> = {};
  const chosen = new Set<string>();
  let personalised = 0;
  const sizes: { bytes: number; json: string }[] = [];
  const gc = { count: 0, millis: 0, major: 0, majorMillis: 0, longestMillis: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.millis += entry.duration;
      gc.longestMillis = Math.max(gc.longestMillis, entry.duration);
      if ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.major++;
        gc.majorMillis += entry.duration;
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const started = performance.now();
  await loop(calls, options.calls, options.warmupCalls, (answer, us, i) => {
    samples[i] = us;
    const decision = answer.placements[0]!;
    if (decision.fallback === null) personalised++;
    else fallbacks[decision.fallback] = (fallbacks[decision.fallback] ?? 0) + 1;
    const actionId = decision.decisions[0]?.actionId;
    if (actionId !== undefined && actionId !== null) chosen.add(actionId);
    if (i % 50 === 0) {
      const json = JSON.stringify(answer);
      sizes.push({ bytes: Buffer.byteLength(json), json });
    }
  });
  const loopSeconds = (performance.now() - started) / 1000;
  await nextTurn();
  observer.disconnect();
  const measuredCommits = { commits: commits.commits - commitsBefore.commits, jobs: commits.jobs - commitsBefore.jobs, millis: commits.millis - commitsBefore.millis };
  sizes.sort((a, b) => a.bytes - b.bytes);
  const medianAnswer = sizes[Math.floor(sizes.length / 2)]!;

  // What the main placement's decisions look at: a sample decided with explain (pure core, profiles loaded first).
  const envRandom = coreRandom(99);
  const env = (): DecisionEnvironment => ({ now: Date.now(), random: envRandom, newDecisionId: () => `d_${uuidIds.next()}`, budgetUsed: () => 0 });
  const load = async (userId: string): Promise<DecisionProfile> => {
    const row = await store.decisions.findDecisionProfile(workspace.id, userId, null);
    if (row === undefined) throw new Error(`no profile for ${userId}`);
    return { facts: { id: row.id, traits: row.traits, firstSeen: row.firstSeen, lastSeen: row.lastSeen }, knowledge: row.knowledge };
  };
  const heroActions = model.placements.get(mainPlacement)!.actions.length;
  const eligible = new Float64Array(Math.min(2_000, calls.length));
  let capped = 0;
  for (let i = 0; i < eligible.length; i++) {
    const call = calls[i]!;
    const result = decide(model, await load(call.userId!), { placements: [{ id: mainPlacement }], context: call.context ?? {}, explain: true }, env());
    const reasons = result.placements[0]!.decisions[0]!.reasons;
    const skipped = reasons.skipped ?? [];
    eligible[i] = heroActions - skipped.filter((s) => s.step === 'eligibility').length;
    capped += reasons.capped.length;
  }
  const eligibleStats = percentiles(eligible);

  // The peer comparison: the same profiles, in memory, for Attune's core and GrowthBook.
  console.log(`    peer: ${options.peerProfiles.toLocaleString('en-US')} profiles, ${options.peerPasses.toString()} timed passes each (after a warm-up pass): Attune core decide, GrowthBook, GrowthBookClient, then DecisionService.decide(peer) ...`);
  const peerUsers = new Set<string>();
  while (peerUsers.size < Math.min(options.peerProfiles, options.profiles)) peerUsers.add(userIdOf(Math.floor(random() * options.profiles)));
  const peerRequest: DecisionRequest = { placements: [{ id: 'peer' }], context: {}, explain: false };
  const profiles: DecisionProfile[] = [];
  for (const userId of peerUsers) profiles.push(await load(userId));
  const attributes = profiles.map((profile) => peerAttributes(decisionFrame(model, profile, peerRequest, env())));
  const gb = peerEvaluators();

  // Agreement, on every sampled profile.
  const armSet = new Set<string>(peerArms);
  const ruleSet = new Set(peerRuleIds);
  const agreement = { targeted: 0, targetedAgreeing: 0, split: 0, splitAgreeing: 0, attuneArmA: 0, growthbookArmA: 0, apisAgree: true };
  const ruleCounts: Record<string, number> = {};
  const mismatches: string[] = [];
  profiles.forEach((profile, i) => {
    const a = decide(model, profile, peerRequest, env()).placements[0]!.decisions[0]!.actionId;
    const g = gb.instance(attributes[i]!);
    const c = gb.client(attributes[i]!);
    if (c.value !== g.value) agreement.apisAgree = false;
    const targeted = (a !== null && ruleSet.has(a)) || g.source === 'force';
    if (targeted) {
      agreement.targeted++;
      if (a === g.value) agreement.targetedAgreeing++;
      else if (mismatches.length < 5) mismatches.push(`${profile.facts!.id}: Attune ${String(a)}, GrowthBook ${String(g.value)} (${g.source}); attributes ${JSON.stringify(attributes[i])}`);
      if (a !== null) ruleCounts[a] = (ruleCounts[a] ?? 0) + 1;
    } else {
      agreement.split++;
      if (a !== null && armSet.has(a) && g.source === 'experiment' && g.value !== null && armSet.has(g.value)) agreement.splitAgreeing++;
      else if (mismatches.length < 5) mismatches.push(`${profile.facts!.id}: Attune ${String(a)}, GrowthBook ${String(g.value)} (${g.source})`);
      if (a === peerArms[0]) agreement.attuneArmA++;
      if (g.value === peerArms[0]) agreement.growthbookArmA++;
    }
  });

  // Timing: passes alternate between the contestants, so that drift (other processes, turbo) hits all alike.
  const n = profiles.length;
  const passes = options.peerPasses;
  const attuneCore = new Float64Array(n * passes);
  const attuneFrame = new Float64Array(n * passes);
  const growthbook = new Float64Array(n * passes);
  const growthbookClient = new Float64Array(n * passes);
  const growthbookSameWork = new Float64Array(n * passes);
  let sink = 0;
  const random2 = coreRandom(5);
  const newDecisionId = () => `d_${uuidIds.next()}`;
  const budgetUsed = () => 0;
  for (let pass = -1; pass < passes; pass++) {
    const base = pass * n;
    for (let i = 0; i < n; i++) {
      const profile = profiles[i]!;
      const t0 = process.hrtime.bigint();
      const result = decide(model, profile, peerRequest, { now: Date.now(), random: random2, newDecisionId, budgetUsed });
      const t1 = process.hrtime.bigint();
      sink += result.placements.length;
      if (pass >= 0) attuneCore[base + i] = micros(t0, t1);
    }
    for (let i = 0; i < n; i++) {
      const profile = profiles[i]!;
      const t0 = process.hrtime.bigint();
      const frame = decisionFrame(model, profile, peerRequest, { now: Date.now(), random: random2, newDecisionId, budgetUsed });
      const t1 = process.hrtime.bigint();
      sink += frame.locales.length;
      if (pass >= 0) attuneFrame[base + i] = micros(t0, t1);
    }
    for (let i = 0; i < n; i++) {
      const attrs = attributes[i]!;
      const t0 = process.hrtime.bigint();
      const result = gb.instance(attrs);
      const t1 = process.hrtime.bigint();
      sink += result.on ? 1 : 0;
      if (pass >= 0) growthbook[base + i] = micros(t0, t1);
    }
    for (let i = 0; i < n; i++) {
      const attrs = attributes[i]!;
      const t0 = process.hrtime.bigint();
      const result = gb.client(attrs);
      const t1 = process.hrtime.bigint();
      sink += result.on ? 1 : 0;
      if (pass >= 0) growthbookClient[base + i] = micros(t0, t1);
    }
    for (let i = 0; i < n; i++) {
      const profile = profiles[i]!;
      const t0 = process.hrtime.bigint();
      const attrs = peerAttributes(decisionFrame(model, profile, peerRequest, { now: Date.now(), random: random2, newDecisionId, budgetUsed }));
      const result = gb.instance(attrs);
      const t1 = process.hrtime.bigint();
      sink += result.on ? 1 : 0;
      if (pass >= 0) growthbookSameWork[base + i] = micros(t0, t1);
    }
  }
  if (sink < 0) console.log(sink);

  // DecisionService.decide for the peer placement: the profile read from memory and the recording included.
  const peerCalls: DecideCall[] = [...peerUsers].map((userId) => ({ userId, placements: ['peer'] }));
  const serviceCount = Math.min(peerCalls.length * passes, 20_000);
  await loop(peerCalls, Math.min(peerCalls.length, 2_000), 0);
  const attuneService = new Float64Array(serviceCount);
  await loop(peerCalls, serviceCount, 0, (_answer, us, i) => {
    attuneService[i] = us;
  });

  // Where the time of the main placement goes: a CPU profile of more calls (not the measured ones).
  let cpuProfile: DecideProfileSummary | null = null;
  if (options.profileCalls > 0) {
    console.log(`    CPU profile of ${options.profileCalls.toLocaleString('en-US')} more calls of DecisionService.decide(${mainPlacement}) (not measured) ...`);
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    await loop(calls, options.profileCalls, options.warmupCalls + options.calls);
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    if (options.cpuProfileFile !== null) writeFileSync(options.cpuProfileFile, JSON.stringify(profile));
    cpuProfile = summarizeDecideProfile(profile as unknown as CpuProfile, options.profileCalls);
  }

  await service.flushRecords();
  await store.committer.flush();
  const recordedDecisions = countDecisions() - decisionsBefore;
  await server.app.close();

  const sizeList = sizes.map((s) => s.bytes);
  return {
    main: {
      placement: mainPlacement,
      actions: heroActions,
      warmupCalls: options.warmupCalls,
      callsOver1ms: samples.filter((us) => us > 1000).length,
      latencyMicros: percentiles(samples),
      gc,
      callsPerSecond: options.calls / loopSeconds,
      commit: { ...measuredCommits, microsPerDecision: (measuredCommits.millis * 1000) / options.calls },
      recordedDecisions,
      serviceCalls,
      personalisedShare: personalised / options.calls,
      fallbacks,
      distinctActionsChosen: chosen.size,
      eligibleActions: { mean: eligibleStats.mean, p50: eligibleStats.p50, p90: eligibleStats.p90 },
      cappedActions: { mean: capped / eligible.length },
      answerBytes: { mean: sizeList.reduce((a, b) => a + b, 0) / sizeList.length, p50: medianAnswer.bytes, min: sizeList[0]!, max: sizeList[sizeList.length - 1]! },
      medianAnswer: medianAnswer.json,
    },
    cold: { latencyMicros: percentiles(coldSamples) },
    warm: { preloaded, cachedProfiles },
    peer: {
      profiles: n,
      passes,
      growthbookVersion: gb.version,
      attuneCoreMicros: percentiles(attuneCore),
      attuneFrameMicros: percentiles(attuneFrame),
      attuneServiceMicros: percentiles(attuneService),
      growthbookMicros: percentiles(growthbook),
      growthbookClientMicros: percentiles(growthbookClient),
      growthbookSameWorkMicros: percentiles(growthbookSameWork),
      agreement: {
        sampled: n,
        targeted: agreement.targeted,
        targetedAgreeing: agreement.targetedAgreeing,
        targetedAgreement: agreement.targeted === 0 ? 1 : agreement.targetedAgreeing / agreement.targeted,
        split: agreement.split,
        splitAgreeing: agreement.splitAgreeing,
        attuneArmAShare: agreement.split === 0 ? 0 : agreement.attuneArmA / agreement.split,
        growthbookArmAShare: agreement.split === 0 ? 0 : agreement.growthbookArmA / agreement.split,
        growthbookApisAgree: agreement.apisAgree,
        ruleShares: Object.fromEntries(peerRuleIds.map((id) => [id, (ruleCounts[id] ?? 0) / n])),
        mismatches,
      },
    },
    cpuProfile,
  };
}

const [json] = process.argv.slice(2);
if (json === undefined) throw new Error('usage: decideInProcess.ts <options as JSON>');
decideChildMain(() => run(JSON.parse(json) as InProcessOptions));
