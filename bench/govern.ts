import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, uuidIds } from '../src/cli/systemClock.js';
import { decideAccess } from '../src/core/access/routeAccess.js';
import { applyConsent } from '../src/core/consent/ConsentState.js';
import { personalizationAllowed } from '../src/core/decide/decide.js';
import { trustedCaller } from '../src/core/identity/identityCheck.js';
import { compileKnowledgeModel } from '../src/core/knowledge/KnowledgeModel.js';
import { emptyKnowledge, personalizes } from '../src/core/knowledge/KnowledgeState.js';
import { openStore } from '../src/engine/openStore.js';
import { buildServer } from '../src/server/buildServer.js';
import type { Workspace } from '../src/store/ports.js';
import { percentiles, type Percentiles } from './support/decideChild.js';
import { busyCoresBeforeRun, count, fixed, gitState, loadAverage, machineInfo, round, writeVerifiedResults, type Check } from './support/report.js';

/**
 * govern: what protecting people costs. In one process: the export of everything held about
 * a person with 10,000 events through PrivacyService (`exportMillisP99`); the erasure of such
 * a person, a fresh one each run, verified by the erasure's own verification and a later
 * export that finds nothing (`erasureMillisP99`); and the per-call cost of the access and
 * consent checks a decide request goes through (`decideOverheadMicros`): the principal lookup
 * of the write key (WorkspaceService.authenticate, cached as on the hot path), the route's
 * permission (decideAccess), the shell's consent check (personalizationAllowed), the frame's
 * (the same, with the request's context) and the knowledge's (personalizes), timed together
 * over many calls. See docs/BENCHMARKS.md.
 */

/** The issue's goal for the checks' cost per decide call. */
const goals = { decideOverheadMicros: 5 } as const;

interface GovernSettings {
  readonly quick: boolean;
  readonly events: number;
  readonly exportRuns: number;
  readonly erasureRuns: number;
  readonly checkCalls: number;
}

function parseArgs(args: readonly string[]): GovernSettings {
  const quick = args.includes('--quick');
  const unknown = args.filter((a) => a !== '--quick');
  if (unknown.length > 0) throw new Error(`govern takes --quick; unknown: ${unknown.join(' ')}`);
  return quick
    ? { quick, events: 1_000, exportRuns: 5, erasureRuns: 3, checkCalls: 50_000 }
    : { quick, events: 10_000, exportRuns: 20, erasureRuns: 10, checkCalls: 1_000_000 };
}

/** One person's events: views of a few products over the last days, with an identify first. */
function personEvents(userId: string, n: number, start: number): unknown[] {
  const events: unknown[] = [{ type: 'identify', userId, timestamp: new Date(start).toISOString(), traits: { email: `${userId}@example.com`, plan: 'gold' } }];
  for (let i = 1; i < n; i++) {
    events.push({ type: 'track', userId, event: 'Product Viewed', timestamp: new Date(start + i * 1000).toISOString(), properties: { product_id: `p${(i % 50).toString()}`, price: 10 + (i % 7) } });
  }
  return events;
}

interface PrivacyRuns {
  readonly exportMillis: Percentiles;
  readonly erasureMillis: Percentiles;
  readonly exportedEvents: number[];
  readonly erasures: { found: boolean; clean: boolean; removedEvents: number; inMemory: number; foundAfter: boolean }[];
}

async function measurePrivacy(settings: GovernSettings): Promise<PrivacyRuns> {
  const dataDir = mkdtempSync(join(tmpdir(), 'attune-bench-govern-'));
  const store = openStore({ path: join(dataDir, 'attune.db'), synchronous: 'normal', writer: 'inline', maxPendingEvents: 1_000_000 });
  const server = await buildServer({ store, clock: systemClock, ids: uuidIds, adminToken: null, logger: false });
  try {
    const workspace = await server.workspaces.get((await server.workspaces.create('govern', { verification: false })).id);
    const privacy = server.engine.privacy;
    const start = Date.now() - settings.events * 1000 - 60_000;
    const ingest = async (userId: string) => {
      const events = personEvents(userId, settings.events, start);
      for (let i = 0; i < events.length; i += 500) await server.collector.collect(workspace, { events: events.slice(i, i + 500), caller: trustedCaller, routeType: null });
    };
    // Others in the workspace too, so that the person's rows are found among others'.
    for (let p = 0; p < 20; p++) await ingest(`other-${p.toString()}`);
    await ingest('exported');
    const exportMillis: number[] = [];
    const exportedEvents: number[] = [];
    for (let r = 0; r < settings.exportRuns; r++) {
      const started = process.hrtime.bigint();
      const doc = await privacy.export(workspace.id, { kind: 'user', value: 'exported' });
      exportMillis.push(Number(process.hrtime.bigint() - started) / 1e6);
      exportedEvents.push(doc.found ? doc.events.length : -1);
    }
    const erasureMillis: number[] = [];
    const erasures: PrivacyRuns['erasures'] = [];
    for (let r = 0; r < settings.erasureRuns; r++) {
      const userId = `erased-${r.toString()}`;
      await ingest(userId);
      const started = process.hrtime.bigint();
      const receipt = await privacy.erase(workspace.id, { kind: 'user', value: userId });
      erasureMillis.push(Number(process.hrtime.bigint() - started) / 1e6);
      const after = await privacy.export(workspace.id, { kind: 'user', value: userId });
      erasures.push({ found: receipt.found, clean: receipt.verification.clean, removedEvents: receipt.removed.events, inMemory: receipt.verification.inMemory, foundAfter: after.found || after.events.length > 0 });
    }
    return { exportMillis: percentiles(Float64Array.from(exportMillis)), erasureMillis: percentiles(Float64Array.from(erasureMillis)), exportedEvents, erasures };
  } finally {
    await server.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface CheckRuns {
  /** Microseconds per call, one value per batch of `batch` calls. */
  readonly perCall: Percentiles;
  readonly batch: number;
  readonly allowed: number;
  readonly personal: number;
  readonly refused: number;
  readonly calls: number;
  /** Each part alone, µs per call (awaited like the whole, so each carries an await's cost). */
  readonly parts: { readonly principalMicros: number; readonly permissionMicros: number; readonly consentMicros: number };
}

/**
 * The checks as a decide request meets them, timed in batches (a call takes well under the
 * clock's resolution): half the calls carry a refusal of personalization in their context
 * (the costlier path: the stored consent is copied and the refusal applied), half carry none.
 */
async function measureChecks(settings: GovernSettings, workspace: { find: (key: string) => Promise<Workspace | undefined> }, writeKey: string): Promise<CheckRuns> {
  const knowledge = compileKnowledgeModel({ features: [], segments: [] });
  const state = emptyKnowledge();
  const now = Date.now();
  applyConsent(state.c, [
    { purpose: 'analytics', granted: true, at: now - 1000, source: 'context' },
    { purpose: 'personalization', granted: true, at: now - 1000, source: 'context' },
    { purpose: 'marketing', granted: false, at: now - 1000, source: 'traits' },
  ]);
  const contexts = [{ locale: 'de-CH', page: { path: '/' } }, { locale: 'de-CH', page: { path: '/' }, consent: { categoryPreferences: { personalization: false } } }];
  const batch = 1_000;
  const samples: number[] = [];
  let allowed = 0;
  let personal = 0;
  let refused = 0;
  const caller = { grant: { kind: 'writeKey' } as const, person: false };
  for (let done = 0; done < settings.checkCalls; done += batch) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) {
      const context = contexts[i & 1]!;
      const found = await workspace.find(writeKey);
      if (found !== undefined && decideAccess('decide', caller).kind === 'allowed') allowed++;
      const shell = personalizationAllowed(knowledge, state, context, now);
      const frame = personalizationAllowed(knowledge, state, context, now);
      if (shell && frame && personalizes(state, knowledge)) personal++;
      else if (!shell && !frame) refused++;
    }
    samples.push(Number(process.hrtime.bigint() - started) / 1000 / batch);
  }
  // The first tenth warms up the code paths and the principal cache: not counted.
  const counted = samples.slice(Math.floor(samples.length / 10));
  // Where the time goes: each part alone, a tenth of the calls each.
  const part = async (step: (i: number) => unknown): Promise<number> => {
    const calls = Math.max(batch, Math.floor(settings.checkCalls / 10));
    for (let i = 0; i < batch; i++) await step(i);
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await step(i);
    return Number(process.hrtime.bigint() - started) / 1000 / calls;
  };
  const parts = {
    principalMicros: await part(() => workspace.find(writeKey)),
    permissionMicros: await part(() => decideAccess('decide', caller)),
    consentMicros: await part((i) => personalizationAllowed(knowledge, state, contexts[i & 1]!, now) && personalizationAllowed(knowledge, state, contexts[i & 1]!, now) && personalizes(state, knowledge)),
  };
  return { perCall: percentiles(Float64Array.from(counted)), batch, allowed, personal, refused, calls: samples.length * batch, parts };
}

async function principalLookup(): Promise<{ close: () => Promise<void>; find: (key: string) => Promise<Workspace | undefined>; writeKey: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'attune-bench-govern-keys-'));
  const store = openStore({ path: join(dataDir, 'attune.db'), synchronous: 'normal', writer: 'inline', maxPendingEvents: 10_000 });
  const server = await buildServer({ store, clock: systemClock, ids: uuidIds, adminToken: null, logger: false });
  const created = await server.workspaces.create('govern-keys', { verification: false });
  return {
    writeKey: created.writeKey,
    find: async (key) => (await server.workspaces.authenticate(key))?.workspace,
    close: async () => {
      await server.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function latency(p: Percentiles, digits = 2) {
  return { p50: round(p.p50, digits), p90: round(p.p90, digits), p99: round(p.p99, digits), max: round(p.max, digits), samples: p.count };
}

export async function governBenchmark(args: readonly string[]): Promise<void> {
  const settings = parseArgs(args);
  const loadAtStart = loadAverage();
  const busyBefore = await busyCoresBeforeRun();
  console.log(`govern: ${count(settings.exportRuns)} exports and ${count(settings.erasureRuns)} erasures of a person with ${count(settings.events)} events; ${count(settings.checkCalls)} access and consent checks${settings.quick ? ' (quick: not written)' : ''}`);
  const privacy = await measurePrivacy(settings);
  const keys = await principalLookup();
  let checks: CheckRuns;
  try {
    checks = await measureChecks(settings, keys, keys.writeKey);
  } finally {
    await keys.close();
  }
  const summary = {
    exportMillisP99: round(privacy.exportMillis.p99, 1),
    erasureMillisP99: round(privacy.erasureMillis.p99, 1),
    decideOverheadMicros: round(checks.perCall.p50, 3),
    exportMillisP50: round(privacy.exportMillis.p50, 1),
    erasureMillisP50: round(privacy.erasureMillis.p50, 1),
    eventsPerPerson: settings.events,
  };
  console.log(`  export (PrivacyService.export, ${count(settings.events)} events): p50 ${fixed(privacy.exportMillis.p50, 1)} ms, p99 ${fixed(privacy.exportMillis.p99, 1)} ms over ${count(privacy.exportMillis.count)} runs`);
  console.log(`  erasure (PrivacyService.erase, a fresh person each run): p50 ${fixed(privacy.erasureMillis.p50, 1)} ms, p99 ${fixed(privacy.erasureMillis.p99, 1)} ms over ${count(privacy.erasureMillis.count)} runs`);
  console.log(`  access and consent checks per decide call: p50 ${fixed(checks.perCall.p50, 3)} µs, p99 ${fixed(checks.perCall.p99, 3)} µs (batches of ${count(checks.batch)}; goal ${goals.decideOverheadMicros.toString()} µs)`);
  console.log(`    alone, each awaited: principal lookup ${fixed(checks.parts.principalMicros, 3)} µs, permission ${fixed(checks.parts.permissionMicros, 3)} µs, consent ${fixed(checks.parts.consentMicros, 3)} µs`);
  const half = checks.calls / 2;
  const results: Check[] = [
    { name: 'export complete', ok: privacy.exportedEvents.every((n) => n === settings.events), detail: `every export held the person's ${count(settings.events)} events (${privacy.exportedEvents.join(', ')})` },
    { name: 'erasure found the person', ok: privacy.erasures.every((e) => e.found && e.removedEvents === settings.events), detail: `every receipt found the person and removed ${count(settings.events)} events (${privacy.erasures.map((e) => e.removedEvents).join(', ')})` },
    { name: 'erasure verified', ok: privacy.erasures.every((e) => e.clean && e.inMemory === 0), detail: 'every receipt\'s verification found no row left in any store and nothing in memory' },
    { name: 'nothing found after erasure', ok: privacy.erasures.every((e) => !e.foundAfter), detail: 'an export of each erased person afterwards found no profile and no event' },
    { name: 'access allowed', ok: checks.allowed === checks.calls, detail: `the write key was found and allowed to decide in ${count(checks.allowed)} of ${count(checks.calls)} calls` },
    { name: 'consent decided', ok: checks.personal === half && checks.refused === half, detail: `${count(checks.personal)} calls without a refusal personalised and ${count(checks.refused)} with one fell back, of ${count(half)} each` },
  ];
  writeVerifiedResults({
    benchmark: 'govern',
    summary,
    goals: { ...goals, decideOverheadMet: summary.decideOverheadMicros <= goals.decideOverheadMicros },
    settings,
    method: {
      export: 'PrivacyService.export in process, the person among 20 others of the same size, SQLite file store (synchronous normal)',
      erasure: 'PrivacyService.erase of a fresh person each run (events ingested first, not timed); checked by the receipt\'s verification and a later export',
      decideOverhead: 'WorkspaceService.authenticate(write key) + decideAccess(decide) + personalizationAllowed twice (shell and frame) + personalizes, timed per batch of 1,000 calls; half the calls carry a refusal in their context; the p50 of the batches\' per-call means, the first tenth of batches left out',
    },
    export: latency(privacy.exportMillis, 1),
    erasure: latency(privacy.erasureMillis, 1),
    checks: { ...latency(checks.perCall, 3), parts: { principalMicros: round(checks.parts.principalMicros, 3), permissionMicros: round(checks.parts.permissionMicros, 3), consentMicros: round(checks.parts.consentMicros, 3) } },
    machine: machineInfo(),
    busyCoresBefore: round(busyBefore, 2),
    loadAverage: { atStart: loadAtStart },
    git: gitState(),
    date: new Date().toISOString(),
  }, results, { write: !settings.quick, notWrittenBecause: 'quick run' });
}
