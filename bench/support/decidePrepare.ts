/**
 * Child process of the `decide` benchmark: fills a fresh SQLite store (in the folder given)
 * with the workspace of decideWorkspace.ts and N profiles, as a real deployment would get
 * them: definitions through the admin API (app.inject, so every rule is checked as on a
 * save), profiles through the real Collector (identify and track events, with the features,
 * segments and frequency caps they update). The store is then closed (checkpointed) for the
 * measuring processes. Sends a DecidePrepared result (bench/support/knowChild.ts protocol).
 *
 * Usage: tsx bench/support/decidePrepare.ts <dataDir> <profiles>
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { databaseFile, openStore } from '../../src/cli/openStore.js';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { loadConfig } from '../../src/config/config.js';
import { buildServer } from '../../src/server/buildServer.js';
import { decideChildMain } from './decideChild.js';
import { decideActions, decideFeatures, decidePlacements, decideSegments, profileEvents } from './decideWorkspace.js';
import { seededRandom } from './random.js';
import { storedKnowledge } from './storedKnowledge.js';
import { trustedCaller } from '../../src/core/identity/identityCheck.js';

export interface DecidePrepared {
  readonly workspaceId: string;
  readonly writeKey: string;
  /**
   * The HTTP phase calls with this, as a shop's server does: the workspace verifies identities
   * (the default), so a `userId` sent with the public write key is an unverified claim and the
   * decision would be an anonymous visitor's, not the stored profile's.
   */
  readonly secretKey: string;
  readonly profiles: number;
  readonly events: number;
  /** Creating the profiles through the Collector (definitions not included). */
  readonly profileSeconds: number;
  readonly profilesPerSecond: number;
  readonly eventsPerSecond: number;
  readonly definitionSeconds: number;
  readonly stored: {
    readonly profiles: number;
    readonly events: number;
    readonly segmentMembers: number;
    readonly meanStoredSegmentsPerProfile: number;
    readonly profilesWithCapState: number;
    readonly meanKnowledgeBytes: number;
    readonly fileBytes: number;
  };
}

/**
 * Profiles per collect call, and collect calls in flight: they share group commits, about
 * 8,000 profiles (34,000 events, under the committer's 100,000 pending events) per commit.
 * Large commits make the set-up twice as fast as commits of 800 profiles.
 */
const profilesPerCall = 1000;
const callsInFlight = 8;

async function prepare(dataDir: string, profiles: number): Promise<DecidePrepared> {
  // NORMAL for the set-up only: the measuring processes open the file with the configured mode.
  const config = loadConfig({ dataDir, synchronous: 'normal' });
  const store = openStore(config, 'bench');
  // For the set-up only (the measuring processes open the file afresh): a page cache that holds
  // the whole file, so that creating 100,000 profiles does not slow down as the file outgrows 64 MB.
  store.db.pragma('cache_size = -1000000');
  const { app, workspaces, collector } = await buildServer({ store, clock: systemClock, ids: uuidIds, logger: false });
  const created = await workspaces.create('decide-bench');
  const auth = { authorization: `Bearer ${created.secretKey}` };
  const send = async (method: 'PUT' | 'POST', url: string, payload: object) => {
    const res = await app.inject({ method, url, headers: auth, payload });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode.toString()} ${res.body}`);
  };

  const definitionsStarted = performance.now();
  // No holdout (Attune's default is 5%): the bench decides for 100,000 profiles that have never
  // had a decision, so each call would also log its program exposure, an event commit per profile
  // that a steady state, where profiles come back, does not have; and the peer check compares
  // every targeted profile's action with GrowthBook's. docs/BENCHMARKS.md gives a run with it.
  await send('PUT', '/admin/v1/measurement', { holdoutShare: 0 });
  for (const { name, ...rest } of decideFeatures) await send('PUT', `/admin/v1/features/${name}`, rest);
  for (const segment of decideSegments) await send('POST', '/admin/v1/segments', segment);
  for (const { id, ...rest } of decidePlacements) await send('PUT', `/admin/v1/placements/${id}`, rest);
  for (const { id, ...rest } of decideActions) await send('PUT', `/admin/v1/actions/${id}`, rest);
  const listed = await app.inject({ method: 'GET', url: '/admin/v1/actions', headers: auth });
  const broken = (listed.json() as { id: string; problems: string[] }[]).filter((a) => a.problems.length > 0);
  if (broken.length > 0) throw new Error(`actions with problems: ${JSON.stringify(broken.slice(0, 3))}`);
  const definitionSeconds = (performance.now() - definitionsStarted) / 1000;

  const workspace = await workspaces.get(created.id);
  const random = seededRandom(20261122);
  const now = Date.now();
  let events = 0;
  let next = 0;
  const started = performance.now();
  let lastReport = started;
  const worker = async () => {
    while (next < profiles) {
      const from = next;
      const to = Math.min(profiles, from + profilesPerCall);
      next = to;
      const batch: Record<string, unknown>[] = [];
      for (let i = from; i < to; i++) batch.push(...profileEvents(i, random, now));
      const report = await collector.collect(workspace, { events: batch, routeType: null, caller: trustedCaller });
      if (report.rejected.length > 0 || report.accepted !== batch.length) {
        throw new Error(`collect accepted ${report.accepted.toString()} of ${batch.length.toString()}; first rejection: ${JSON.stringify(report.rejected[0])}`);
      }
      events += batch.length;
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        console.log(`    ${to.toLocaleString('en-US')} profiles (${Math.round(to / ((lastReport - started) / 1000)).toLocaleString('en-US')}/s) ...`);
      }
    }
  };
  await Promise.all(Array.from({ length: callsInFlight }, worker));
  const profileSeconds = (performance.now() - started) / 1000;
  await app.close();

  const db = new Database(join(dataDir, databaseFile), { readonly: true });
  const one = (sql: string) => (db.prepare(sql).pluck().get() as number | null) ?? 0;
  let stored: DecidePrepared['stored'];
  try {
    const storedProfiles = one('SELECT count(*) FROM profiles');
    const members = one('SELECT count(*) FROM segment_members');
    stored = {
      profiles: storedProfiles,
      events: one('SELECT count(*) FROM events'),
      segmentMembers: members,
      meanStoredSegmentsPerProfile: storedProfiles === 0 ? 0 : members / storedProfiles,
      profilesWithCapState: storedKnowledge(db).filter((k) => k.k !== undefined).length,
      meanKnowledgeBytes: one('SELECT avg(length(CAST(state AS BLOB)) + coalesce(length(packed), 0)) FROM profile_knowledge'),
      fileBytes: one('SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()'),
    };
  } finally {
    db.close();
  }
  return {
    workspaceId: created.id,
    writeKey: created.writeKey,
    secretKey: created.secretKey,
    profiles,
    events,
    profileSeconds,
    profilesPerSecond: profiles / profileSeconds,
    eventsPerSecond: events / profileSeconds,
    definitionSeconds,
    stored,
  };
}

const [dataDir, count] = process.argv.slice(2);
if (dataDir === undefined || count === undefined) throw new Error('usage: decidePrepare.ts <dataDir> <profiles>');
decideChildMain(() => prepare(dataDir, Number(count)));
