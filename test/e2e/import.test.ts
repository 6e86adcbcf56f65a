import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { Collector } from '../../src/collect/Collector.js';
import { isAttuneError } from '../../src/core/errors/AttuneError.js';
import { importChunkRows, importEvents, type ImportSummary } from '../../src/import/importEvents.js';
import { importTraits } from '../../src/import/importTraits.js';
import type { StoredEvent, Workspace } from '../../src/store/ports.js';
import { openStore, type EmbeddedStore } from '../../src/engine/openStore.js';
import { WorkspaceService, type CreatedWorkspace } from '../../src/workspaces/WorkspaceService.js';
import { createWorkspaceIn, databasePath, killChildren, makeTempDir, removeTempDirs, runAttune } from './support.js';
import { KnowledgeModels } from '../../src/knowledge/KnowledgeModels.js';
import { trustedCaller } from '../../src/core/identity/identityCheck.js';

const line = (value: unknown) => JSON.stringify(value);

/** A JSONL file of Segment calls with good rows, bad rows, a blank line, a CRLF line and a repeat. */
const eventsFile = [
  line({ type: 'identify', messageId: 'e1', userId: 'u1', traits: { name: 'Ada', plan: 'free' }, timestamp: '2024-03-01T10:00:00.000Z' }), // 1
  line({ type: 'track', messageId: 'e2', userId: 'u1', event: 'Order Completed', properties: { revenue: 42 }, timestamp: '2024-03-01T10:05:00.000Z' }), // 2
  '', // 3: blank, skipped
  '{"type":"track","userId":', // 4: malformed JSON
  line({ type: 'track', messageId: 'e-no-id', event: 'Orphan' }), // 5: neither userId nor anonymousId
  line({ type: 'purchase', messageId: 'e-bad-type', userId: 'u1' }), // 6: unknown call type
  line({ type: 'page', messageId: 'e3', anonymousId: 'a1', name: 'Home', timestamp: '2024-02-28T09:00:00.000Z' }), // 7
  `${line({ type: 'alias', messageId: 'e4', previousId: 'a1', userId: 'u1', timestamp: '2024-03-01T10:06:00.000Z' })}\r`, // 8: CRLF
  '[1,2]', // 9: not an object
  line({ type: 'track', messageId: 'e-bad-time', userId: 'u1', event: 'Late', timestamp: 'yesterday' }), // 10: bad timestamp
  line({ type: 'identify', messageId: 'e5', userId: 'u2', traits: { plan: 'pro' } }), // 11
  line({ type: 'track', messageId: 'e2', userId: 'u1', event: 'Order Completed', properties: { revenue: 42 }, timestamp: '2024-03-01T10:05:00.000Z' }), // 12: repeat of line 2
].join('\n');

const eventsRejected = [
  { line: 4, code: 'ATTUNE_MALFORMED_JSON' },
  { line: 5, code: 'ATTUNE_EVENT_MISSING_IDENTITY' },
  { line: 6, code: 'ATTUNE_EVENT_UNKNOWN_TYPE' },
  { line: 9, code: 'ATTUNE_EVENT_INVALID' },
  { line: 10, code: 'ATTUNE_EVENT_INVALID_TIMESTAMP' },
];

/** A CRM export: numbers, booleans, a zip code with a leading zero, empty cells, an empty id, a quoted multi-line cell. */
const traitsFile = [
  'email,plan,age,vip,zip,score,note,ltv', // 1
  'ada@example.com,pro,36,true,01234,12.50,,1e3', // 2
  ',free,1,false,1,1,x,', // 3: empty id
  'bob@example.com,free,,FALSE,99501,-3,"two', // 4
  'lines",0', // 5: the same record
  ' ,gold,2,true,0,0,,', // 6: blank id
  'carl@example.com,gold,0,false,007,0.0,"a, b",', // 7
].join('\n');

const traitsRejected = [
  { line: 3, code: 'ATTUNE_EVENT_MISSING_IDENTITY', field: 'email' },
  { line: 6, code: 'ATTUNE_EVENT_MISSING_IDENTITY', field: 'email' },
];

function rejectedOf(summary: ImportSummary, withField = false): { line: number; code: string; field?: string }[] {
  return summary.rejected.map((r) => ({ line: r.line, code: r.code, ...(withField ? { field: r.field } : {}) }));
}

async function readAll(store: EmbeddedStore, workspaceId: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of store.events.read({ workspaceId })) events.push(event);
  return events;
}

afterAll(() => removeTempDirs());

describe('import, in-process', () => {
  let dir: string;
  let store: EmbeddedStore;
  let collector: Collector;
  let workspace: Workspace;

  beforeEach(async () => {
    dir = makeTempDir('attune-import-');
    store = openStore({ path: join(dir, 'attune.db'), synchronous: 'normal', maxPendingEvents: 100_000 });
    const created = await new WorkspaceService(store.workspaces, systemClock).create('import');
    workspace = (await store.workspaces.getWorkspace(created.id))!;
    collector = new Collector({ committer: store.committer, clock: systemClock, ids: uuidIds, models: new KnowledgeModels(store.knowledgeConfig, systemClock) });
  });
  afterEach(async () => {
    await store.close();
  });

  function write(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('events: stores the good rows, reports each bad row by line and code, and stores nothing twice', async () => {
    const file = write('events.jsonl', eventsFile);
    const first = await importEvents(file, collector, workspace);
    expect(first).toMatchObject({ rows: 11, accepted: 5, duplicates: 1 });
    expect(rejectedOf(first)).toEqual(eventsRejected);
    for (const r of first.rejected) expect(r.message.length).toBeGreaterThan(0);

    const events = await readAll(store, workspace.id);
    expect(events.map((e) => e.messageId)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    // History keeps its own times (no sentAt: the timestamp is trusted).
    expect(new Date(events[1]!.timestamp).toISOString()).toBe('2024-03-01T10:05:00.000Z');
    const u1 = await store.profiles.findProfile(workspace.id, 'u1', 10);
    expect(u1?.eventCounts).toEqual({ identify: 1, track: 1, page: 1, alias: 1 });
    expect(u1?.identities).toEqual(expect.arrayContaining([{ kind: 'user', value: 'u1' }, { kind: 'anonymous', value: 'a1' }]));
    expect(u1?.traits).toEqual({ name: 'Ada', plan: 'free' });
    expect((await store.profiles.findProfile(workspace.id, 'a1', 1))?.id).toBe(u1?.id);

    const second = await importEvents(file, collector, workspace);
    expect(second).toMatchObject({ rows: 11, accepted: 0, duplicates: 6 });
    expect(rejectedOf(second)).toEqual(eventsRejected);
    expect(await store.events.count(workspace.id)).toBe(5);
    expect((await store.profiles.findProfile(workspace.id, 'u1', 0))?.eventCounts).toEqual(u1?.eventCounts);
  });

  it("events: exposures to Attune's experiments (here the program) are rejected unless the caller trusts the file", async () => {
    const file = write('exposures.jsonl', [
      line({ type: 'track', messageId: 'x1', userId: 'u1', event: 'Experiment Viewed', properties: { experiment_id: '_program', variation_id: 'personalized' } }),
      line({ type: 'track', messageId: 'x2', userId: 'u1', event: 'Experiment Viewed', properties: { experiment_id: 'growthbook-test', variation_id: '1' } }),
    ].join('\n'));
    const untrusted = await importEvents(file, collector, workspace);
    expect(untrusted).toMatchObject({ rows: 2, accepted: 1 });
    expect(rejectedOf(untrusted, true)).toEqual([{ line: 1, code: 'ATTUNE_EVENT_RESERVED', field: '/properties/experiment_id' }]);
    const trusted = await importEvents(file, collector, workspace, undefined, { exposures: 'accept' });
    expect(trusted).toMatchObject({ rows: 2, accepted: 1, duplicates: 1, rejected: [] });
    expect((await readAll(store, workspace.id)).map((e) => e.messageId)).toEqual(['x2', 'x1']);
  });

  it('events: line numbers stay right across import chunks', async () => {
    const total = importChunkRows * 2 + 500;
    const bad = new Set([importChunkRows + 1, importChunkRows * 2 - 1, total]);
    const lines: string[] = [];
    for (let n = 1; n <= total; n++) {
      lines.push(bad.has(n) ? line({ type: 'track', messageId: `big-${n}`, event: 'No one' }) : line({ type: 'track', messageId: `big-${n}`, userId: `u${n % 10}`, event: 'Viewed' }));
    }
    const summary = await importEvents(write('big.jsonl', `${lines.join('\n')}\n`), collector, workspace);
    expect(summary).toMatchObject({ rows: total, accepted: total - bad.size, duplicates: 0 });
    expect(summary.rejected.map((r) => [r.line, r.code])).toEqual([...bad].map((n) => [n, 'ATTUNE_EVENT_MISSING_IDENTITY']));
    expect(await store.events.count(workspace.id)).toBe(total - bad.size);
  });

  it('traits: reads numbers and booleans, keeps leading zeros as text, skips empty cells, reports empty ids, stores nothing twice', async () => {
    const file = write('crm.csv', traitsFile);
    const options = { idColumn: 'email', timestamp: '2024-06-01T00:00:00.000Z', raw: false };
    const first = await importTraits(file, collector, workspace, options);
    expect(first).toMatchObject({ rows: 5, accepted: 3, duplicates: 0 });
    expect(rejectedOf(first, true)).toEqual(traitsRejected);

    const traitsOf = async (id: string) => (await store.profiles.findProfile(workspace.id, id, 0))?.traits;
    expect(await traitsOf('ada@example.com')).toEqual({ plan: 'pro', age: 36, vip: true, zip: '01234', score: 12.5, ltv: '1e3' });
    expect(await traitsOf('bob@example.com')).toEqual({ plan: 'free', vip: 'FALSE', zip: 99501, score: -3, note: 'two\nlines', ltv: 0 });
    expect(await traitsOf('carl@example.com')).toEqual({ plan: 'gold', age: 0, vip: false, zip: '007', score: 0, note: 'a, b' });
    const events = await readAll(store, workspace.id);
    expect(events.map((e) => [e.type, e.userId, new Date(e.timestamp).toISOString()])).toEqual([
      ['identify', 'ada@example.com', options.timestamp],
      ['identify', 'bob@example.com', options.timestamp],
      ['identify', 'carl@example.com', options.timestamp],
    ]);

    const second = await importTraits(file, collector, workspace, options);
    expect(second).toMatchObject({ rows: 5, accepted: 0, duplicates: 3 });
    expect(rejectedOf(second, true)).toEqual(traitsRejected);
    expect(await store.events.count(workspace.id)).toBe(3);
  });

  it('traits: update existing profiles; a later identify call wins over an older import', async () => {
    // Ada was identified before the export was taken, Bob after it.
    const report = await collector.collect(workspace, {
      routeType: null,
      caller: trustedCaller,
      events: [
        { type: 'identify', messageId: 'i-ada', userId: 'ada@example.com', traits: { name: 'Ada', plan: 'trial' }, timestamp: '2024-05-01T00:00:00.000Z' },
        { type: 'identify', messageId: 'i-bob', userId: 'bob@example.com', traits: { plan: 'enterprise' }, timestamp: '2024-07-01T00:00:00.000Z' },
      ],
    });
    expect(report.accepted).toBe(2);
    const adaBefore = await store.profiles.findProfile(workspace.id, 'ada@example.com', 0);
    await importTraits(write('crm.csv', traitsFile), collector, workspace, { idColumn: 'email', timestamp: '2024-06-01T00:00:00.000Z', raw: false });
    const ada = await store.profiles.findProfile(workspace.id, 'ada@example.com', 0);
    expect(ada?.id).toBe(adaBefore?.id);
    expect(ada?.traits).toMatchObject({ name: 'Ada', plan: 'pro', age: 36 });
    expect(ada?.eventCounts).toEqual({ identify: 2 });
    expect((await store.profiles.findProfile(workspace.id, 'bob@example.com', 0))?.traits).toMatchObject({ plan: 'enterprise', zip: 99501 });
  });

  it('traits: --raw keeps every cell a string', async () => {
    await importTraits(write('crm.csv', traitsFile), collector, workspace, { idColumn: 'email', timestamp: '2024-06-01T00:00:00.000Z', raw: true });
    expect((await store.profiles.findProfile(workspace.id, 'ada@example.com', 0))?.traits).toEqual({ plan: 'pro', age: '36', vip: 'true', zip: '01234', score: '12.50', ltv: '1e3' });
  });

  it('traits: a missing id column is a clear error and stores nothing', async () => {
    const file = write('crm.csv', traitsFile);
    const error: unknown = await importTraits(file, collector, workspace, { idColumn: 'user_id', timestamp: '2024-06-01T00:00:00.000Z', raw: false }).catch((e: unknown) => e);
    expect(isAttuneError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ATTUNE_INVALID_REQUEST', field: '--id-column' });
    expect((error as Error).message).toContain('no column "user_id"');
    expect((error as Error).message).toContain('email, plan, age');
    expect(await store.events.count(workspace.id)).toBe(0);
  });
});

describe('attune import (the command)', () => {
  let dataDir: string;
  let workspace: CreatedWorkspace;

  beforeEach(async () => {
    dataDir = makeTempDir('attune-import-cli-');
    workspace = await createWorkspaceIn(dataDir, 'shop');
  });
  afterEach(() => killChildren());

  async function storedIn(check: (store: EmbeddedStore) => Promise<void>): Promise<void> {
    const store = openStore({ path: databasePath(dataDir), synchronous: 'normal', maxPendingEvents: 1000 });
    try {
      await check(store);
    } finally {
      await store.close();
    }
  }

  it("import events: an admin's import keeps exposures to Attune's experiments", { timeout: 60_000 }, async () => {
    const file = join(dataDir, 'exposures.jsonl');
    writeFileSync(file, line({ type: 'track', messageId: 'x1', userId: 'u1', event: 'Experiment Viewed', properties: { experiment_id: '_program', variation_id: 'personalized' } }));
    const result = await runAttune(['import', 'events', file, '--data', dataDir, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ rows: 1, accepted: 1, rejected: [] });
  });

  it('import events: a JSON summary, exit 1 with rejected rows, and all duplicates the second time', { timeout: 60_000 }, async () => {
    const file = join(dataDir, 'events.jsonl');
    writeFileSync(file, eventsFile);
    const first = await runAttune(['import', 'events', file, '--data', dataDir, '--json']);
    expect(first.code, first.stderr).toBe(1);
    const summary = JSON.parse(first.stdout) as ImportSummary;
    expect(summary).toMatchObject({ workspace: { id: workspace.id, name: 'shop' }, rows: 11, accepted: 5, duplicates: 1 });
    expect(rejectedOf(summary)).toEqual(eventsRejected);
    expect(first.stderr).toBe('');

    // Without --json: a readable summary; nothing is stored twice.
    const second = await runAttune(['import', 'events', file, '--data', dataDir]);
    expect(second.code).toBe(1);
    // The summary names the workspace the command chose (no --workspace was given).
    expect(second.stdout).toContain(`11 rows into workspace ${workspace.id} (shop): 0 stored, 6 already stored, 5 rejected`);
    expect(second.stdout).toContain('line 4: ATTUNE_MALFORMED_JSON');
    expect(second.stdout).toContain('line 6: ATTUNE_EVENT_UNKNOWN_TYPE at /type');
    await storedIn(async (store) => {
      expect(await store.events.count(workspace.id)).toBe(5);
    });
  });

  it('import events: exit 0 when every row is stored', { timeout: 60_000 }, async () => {
    const file = join(dataDir, 'clean.jsonl');
    writeFileSync(file, `${[1, 2, 3].map((n) => line({ type: 'track', messageId: `c${n}`, userId: 'u1', event: 'Viewed' })).join('\n')}\n`);
    const result = await runAttune(['import', 'events', file, '--data', dataDir, '--workspace', workspace.id]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`3 rows into workspace ${workspace.id} (shop): 3 stored, 0 already stored, 0 rejected\n`);
  });

  it('import traits: stores the rows, reports the empty ids, stores nothing twice; a missing id column exits 2', { timeout: 60_000 }, async () => {
    const file = join(dataDir, 'crm.csv');
    writeFileSync(file, traitsFile);
    const first = await runAttune(['import', 'traits', file, '--id-column', 'email', '--data', dataDir, '--json']);
    expect(first.code, first.stderr).toBe(1);
    const summary = JSON.parse(first.stdout) as ImportSummary;
    expect(summary).toMatchObject({ rows: 5, accepted: 3, duplicates: 0 });
    expect(rejectedOf(summary, true)).toEqual(traitsRejected);

    // The same file again, with no --timestamp: the same messageIds, so only duplicates.
    const second = await runAttune(['import', 'traits', file, '--id-column', 'email', '--data', dataDir, '--json']);
    expect(second.code).toBe(1);
    expect(JSON.parse(second.stdout)).toMatchObject({ rows: 5, accepted: 0, duplicates: 3 });

    const missing = await runAttune(['import', 'traits', file, '--id-column', 'user_id', '--data', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe('attune: ATTUNE_INVALID_REQUEST: the CSV has no column "user_id"; its columns are email, plan, age, vip, zip, score, note, ltv\n');

    await storedIn(async (store) => {
      expect(await store.events.count(workspace.id)).toBe(3);
      expect((await store.profiles.findProfile(workspace.id, 'ada@example.com', 0))?.traits).toEqual({ plan: 'pro', age: 36, vip: true, zip: '01234', score: 12.5, ltv: '1e3' });
    });
  });

  it('a file that cannot be read, or an ambiguous workspace, exits 2 with a clear message', { timeout: 60_000 }, async () => {
    const [noFile, several] = await Promise.all([
      runAttune(['import', 'events', join(dataDir, 'nope.jsonl'), '--data', dataDir]),
      (async () => {
        await createWorkspaceIn(dataDir, 'second');
        const file = join(dataDir, 'one.jsonl');
        writeFileSync(file, line({ type: 'track', userId: 'u', event: 'x' }));
        return runAttune(['import', 'events', file, '--data', dataDir]);
      })(),
    ]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/^attune: ATTUNE_INVALID_REQUEST: cannot read .*nope\.jsonl: ENOENT\n$/);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain('there are several workspaces: choose one with --workspace ID');
  });
});
