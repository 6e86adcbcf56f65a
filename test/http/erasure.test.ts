import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedWorkspace } from '../../src/workspaces/WorkspaceService.js';
import { openFileServer, rebuildQuietly, twoWorkspaces, type FileServer } from '../support/fileServer.js';

/**
 * Erasure end to end (issue 16, "Must show"), on a real data folder: a person with events, an
 * identity merge (anonymous -> user), features, segments, consent, decisions, exposures and an
 * experiment is erased; then a scan of every column of every table, and of the raw bytes of
 * every file in the data folder (the database's free pages and the write-ahead log included),
 * finds none of their identifiers or trait values; the receipt lists what was removed; later
 * events for them are dropped and counted. The same after a restart and after `attune rebuild`.
 * Each scan is first shown to find the values while they are held, so it can fail.
 */

type Running = FileServer;

interface Receipt {
  found: boolean;
  removed: Record<string, number>;
  aggregates: { statistic: string; handling: string; count?: number }[];
  suppressed: number;
  identifiers: { kind: string; hash: string }[];
  verification: { remaining: Record<string, number>; inMemory: number; clean: boolean };
}

const person = {
  userId: 'ada-erasure-user-4417',
  anonymousId: 'anon-erasure-device-9931',
  email: 'ada.erasure.7781@example.com',
  colour: 'Vermilion-erasure-7781',
  messagePrefix: 'msg-erasure-ada-',
};
const other = { userId: 'grace-stays-user-2208', colour: 'Teal-stays-2208' };

/** Every value the scans look for, and where each was found. */
function needlesOf(profileIds: readonly string[]): string[] {
  return [person.userId, person.anonymousId, person.email, person.colour, person.messagePrefix, ...profileIds];
}

/** Every column of every table (read with a connection of its own): "table.column: needle" per find. */
function scanTables(dbPath: string, needles: readonly string[]): string[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    const found: string[] = [];
    for (const table of tables) {
      for (const row of db.prepare(`SELECT * FROM "${table}"`).iterate() as Iterable<Record<string, unknown>>) {
        for (const [column, value] of Object.entries(row)) {
          const text = Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
          for (const needle of needles) if (text.includes(needle)) found.push(`${table}.${column}: ${needle}`);
        }
      }
    }
    return [...new Set(found)];
  } finally {
    db.close();
  }
}

/** The raw bytes of every file under the data folder: "file: needle" per find. */
function scanFiles(dir: string, needles: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const bytes = readFileSync(path);
        for (const needle of needles) if (bytes.includes(Buffer.from(needle, 'utf8'))) found.push(`${name}: ${needle}`);
      }
    }
  };
  walk(dir);
  return found;
}

describe.each(['inline', 'worker'] as const)('erasure end to end (storage writer %s)', (writer) => {
  let dataDir: string;
  let running: Running | undefined;
  let a: CreatedWorkspace;
  let b: CreatedWorkspace;
  let profileIds: string[] = [];
  let placement: string;
  let experimentUnitsBefore = 0;
  let outcomesAfterErasure: unknown[] = [];

  const dbPath = () => join(dataDir, 'attune.db');
  const open = (): Promise<Running> => openFileServer(dataDir, { writer });
  const app = () => running!.server.app;
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, key: string, payload?: unknown, status = 200) => {
    const res = await app().inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
    return res.body === '' ? undefined : res.json<unknown>();
  };
  const restart = async () => {
    await running?.server.app.close();
    running = await open();
  };
  const units = async () => {
    const stats = await running!.store.experiments.armStats(a.id, ['erasure_exp']);
    return stats.filter((s) => s.metricId === '_units').reduce((n, s) => n + s.moments.n, 0);
  };
  /** The outcome counters of the workspace's actions, without the row keys that do not change. */
  const outcomes = async () => (await running!.store.decisions.outcomes(a.id)).map((o) => ({ ...o, conversionValueM2: Math.round(o.conversionValueM2 * 1e6) / 1e6 }));
  /** Whether the person is found by anything the engine serves. */
  const expectGone = async () => {
    expect((await app().inject({ method: 'GET', url: `/admin/v1/profiles/${person.userId}`, headers: { authorization: `Bearer ${a.secretKey}` } })).statusCode).toBe(404);
    expect((await app().inject({ method: 'GET', url: `/admin/v1/profiles/${person.anonymousId}`, headers: { authorization: `Bearer ${a.secretKey}` } })).statusCode).toBe(404);
    const exported = await call('POST', '/admin/v1/privacy/export', a.secretKey, { userId: person.userId }) as { found: boolean; events: unknown[] };
    expect(exported).toMatchObject({ found: false, events: [] });
  };
  const expectNothingLeft = () => {
    const needles = needlesOf(profileIds);
    expect(scanTables(dbPath(), needles)).toEqual([]);
    expect(scanFiles(dataDir, needles)).toEqual([]);
  };
  const expectSuppressed = async (tag: string) => {
    const before = (await call('GET', '/admin/v1/privacy/report', a.secretKey) as { droppedEvents: number }).droppedEvents;
    const answer = await call('POST', '/v1/batch', a.writeKey, {
      batch: [
        { type: 'track', userId: person.userId, event: 'Came Back', messageId: `${person.messagePrefix}later-${tag}`, properties: { note: person.colour } },
        { type: 'identify', anonymousId: person.anonymousId, traits: { email: person.email }, messageId: `${person.messagePrefix}later-anon-${tag}` },
      ],
    });
    expect(answer).toMatchObject({ accepted: 0, suppressed: 2 });
    // Deciding for them stores no profile and no exposure of theirs either.
    const decided = await call('POST', '/v1/decide', a.writeKey, { userId: person.userId, anonymousId: person.anonymousId, placements: [placement] }) as { profileId: string | null };
    expect(decided.profileId).toBeNull();
    await running!.server.decisions.flushRecords();
    expect((await call('GET', '/admin/v1/privacy/report', a.secretKey) as { droppedEvents: number }).droppedEvents).toBeGreaterThanOrEqual(before + 2);
    await running!.store.flushState();
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'attune-erasure-'));
    running = await open();
    [a, b] = await twoWorkspaces(running, 'ws_erasure');
  });
  afterAll(async () => {
    await running?.server.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('builds a person with events, a merge, features, segments, consent, decisions, exposures and an experiment', async () => {
    await call('PUT', '/admin/v1/features/views_30d', a.secretKey, { aggregate: 'count', types: ['page'], window: '30d' }, 201);
    await call('POST', '/admin/v1/segments', a.secretKey, { id: 'viewers', name: 'Viewers', rule: 'features.views_30d >= 1' }, 201);
    placement = 'erasure_banner';
    await call('PUT', `/admin/v1/placements/${placement}`, a.secretKey, { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'default' } }, 201);
    await call('PUT', '/admin/v1/actions/erasure_offer', a.secretKey, { placements: [placement], variants: { default: { title: 'offer' } } }, 201);
    await call('PUT', '/admin/v1/experiments/erasure_exp', a.secretKey, {
      id: 'erasure_exp', placement, primaryMetric: 'conversion',
      arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'treated', weight: 0.5, serve: { kind: 'personalized' } }],
    }, 201);

    let n = 0;
    const id = () => `${person.messagePrefix}${n++}`;
    await call('POST', '/v1/batch', a.writeKey, {
      batch: [
        // Signed in on one device first, then browsing anonymously on another: the identify merges the two profiles.
        { type: 'track', userId: person.userId, event: 'Signed In', messageId: id() },
        { type: 'page', anonymousId: person.anonymousId, name: 'Home', messageId: id(), context: { consent: { categoryPreferences: { personalization: true, analytics: true } } } },
        { type: 'track', anonymousId: person.anonymousId, event: 'Product Viewed', messageId: id(), properties: { product_id: 'sku-erasure-1' } },
        { type: 'identify', userId: person.userId, anonymousId: person.anonymousId, messageId: id(), traits: { email: person.email, favouriteColour: person.colour } },
        { type: 'page', userId: person.userId, name: 'Account', messageId: id() },
      ],
    });
    // Someone who stays, in the same workspace and in the other (the isolation cases show the same user id in another workspace is kept).
    await call('POST', '/v1/batch', a.writeKey, { batch: [{ type: 'identify', userId: other.userId, traits: { favouriteColour: other.colour } }, { type: 'page', userId: other.userId, name: 'Home' }] });
    await call('POST', '/v1/batch', b.writeKey, { batch: [{ type: 'identify', userId: other.userId, traits: { favouriteColour: 'of-workspace-b' } }] });
    // Decisions for both: each records a decision and exposes them to the experiment.
    // Each sees the decision and converts on it (the outcome counters), with values of their own.
    for (const [userId, value] of [[person.userId, 40], [other.userId, 15]] as const) {
      const decided = await call('POST', '/v1/decide', a.writeKey, { userId, placements: [placement] }) as { profileId: string | null; placements: { decisions: { decisionId: string; actionId: string | null }[] }[] };
      expect(decided.profileId).not.toBeNull();
      const shown = decided.placements[0]!.decisions[0]!;
      const interaction = { decisionId: shown.decisionId, actionId: shown.actionId ?? 'erasure_offer', placement };
      await call('POST', '/v1/batch', a.writeKey, {
        batch: [
          { type: 'track', userId, event: 'Decision Viewed', properties: interaction },
          { type: 'track', userId, event: 'Decision Converted', properties: { ...interaction, value } },
        ],
      });
    }
    await running!.server.decisions.flushRecords();
    await running!.store.flushState();

    const exported = await call('POST', '/admin/v1/privacy/export', a.secretKey, { anonymousId: person.anonymousId }) as {
      profileId: string; mergedProfileIds: string[]; traits: Record<string, unknown>; decisions: unknown[]; exposures: unknown[]; experiments: unknown[];
      segmentHistory: unknown[]; consentHistory: unknown[]; events: unknown[]; knowledge: { segments: { id: string }[] };
    };
    profileIds = [exported.profileId, ...exported.mergedProfileIds];
    expect(profileIds).toHaveLength(2);
    expect(exported.traits).toMatchObject({ email: person.email, favouriteColour: person.colour });
    expect(exported.decisions).toHaveLength(1);
    expect(exported.exposures).toHaveLength(1);
    expect(exported.experiments).toHaveLength(1);
    expect(exported.segmentHistory.length).toBeGreaterThan(0);
    expect(exported.knowledge.segments.map((s) => s.id)).toContain('viewers');
    expect(exported.consentHistory.length).toBeGreaterThan(0);
    expect(exported.events.length).toBeGreaterThanOrEqual(8);
    experimentUnitsBefore = await units();
    expect(experimentUnitsBefore).toBe(2);
    expect((await outcomes()).reduce((n, o) => n + o.conversions, 0)).toBe(2);

    // The scans find the person while they are held: they can fail.
    expect(scanTables(dbPath(), needlesOf(profileIds)).length).toBeGreaterThan(0);
    expect(scanFiles(dataDir, [person.colour, person.userId]).length).toBeGreaterThan(0);
  });

  it('erases them everywhere: the receipt lists what was removed and the scans find nothing', async () => {
    const receipt = await call('POST', '/admin/v1/privacy/erase', a.secretKey, { userId: person.userId }) as Receipt;
    expect(receipt.found).toBe(true);
    expect(receipt.removed).toMatchObject({ events: expect.any(Number), profiles: 2, knowledge: 1, identities: 2, merges: 1, decisions: 1 });
    expect(receipt.removed['events']).toBeGreaterThanOrEqual(8);
    expect(receipt.removed['segmentChanges']).toBeGreaterThan(0);
    expect(receipt.removed['consentChanges']).toBeGreaterThan(0);
    expect(receipt.aggregates).toContainEqual({ statistic: 'experimentStats', handling: 'removed', count: 1 });
    expect(receipt.aggregates).toContainEqual({ statistic: 'experimentDaily', handling: 'kept-until-rebuild' });
    expect(receipt.identifiers.map((i) => i.kind).sort()).toEqual(['anonymous', 'profile', 'profile', 'user']);
    expect(receipt.verification).toMatchObject({ clean: true, inMemory: 0 });
    expect(Object.values(receipt.verification.remaining).every((count) => count === 0)).toBe(true);
    expect(await units()).toBe(experimentUnitsBefore - 1);
    // The outcome counters hold only the other person's interactions: as a rebuild would count them.
    expect(receipt.aggregates).toContainEqual({ statistic: 'actionOutcomes', handling: 'removed', count: 2 });
    const left = await outcomes();
    expect(left.reduce((n, o) => n + o.impressions, 0)).toBe(1);
    expect(left.filter((o) => o.conversions > 0)).toMatchObject([{ conversions: 1, conversionValue: 15, conversionValueM2: 0 }]);
    outcomesAfterErasure = left;

    await expectGone();
    await running!.store.flushState();
    expectNothingLeft();
    // Nothing of the others was touched.
    expect(JSON.stringify(await call('GET', `/admin/v1/profiles/${other.userId}`, a.secretKey))).toContain(other.colour);
    expect(JSON.stringify(await call('GET', `/admin/v1/profiles/${other.userId}`, b.secretKey))).toContain('of-workspace-b');
  });

  it('drops and counts their later events, and the scans still find nothing', async () => {
    await expectSuppressed('live');
    await expectGone();
    expectNothingLeft();
  });

  it('holds after a restart', async () => {
    await restart();
    await expectGone();
    await expectSuppressed('restarted');
    await running!.server.app.close();
    running = undefined;
    expectNothingLeft();
    running = await open();
  });

  it('holds after `attune rebuild`', async () => {
    await running!.server.app.close();
    running = undefined;
    expect(await rebuildQuietly(dataDir)).toBe(0);
    expectNothingLeft();
    running = await open();
    await expectGone();
    await expectSuppressed('rebuilt');
    expect(await units()).toBe(experimentUnitsBefore - 1);
    expect(await outcomes()).toEqual(outcomesAfterErasure);
    expect(JSON.stringify(await call('GET', `/admin/v1/profiles/${other.userId}`, a.secretKey))).toContain(other.colour);
    await running.store.flushState();
    expectNothingLeft();
  });
});
