import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KnowledgeState } from '../../core/knowledge/KnowledgeState.js';
import { stateBatch } from '../contract/shared.contract.js';
import { migrations } from './migrations.js';
import { openSqliteStore, type SqliteStore } from './openSqliteStore.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const knowledge = {
  f: { orders: { v: 3 } }, s: null, c: { analytics: [true, T0, 'api'] }, m: { vip: T0, buyers: T0 + 2 },
  h: { t: T0, h: { web: [0, 2] } }, q: [['properties.price', 2]],
} as unknown as KnowledgeState;

/** A data folder as the release before packed knowledge and numbered segments left it, then opened by this one. */
function openMigrated(dir: string): SqliteStore {
  const path = join(dir, 'attune.db');
  const before = migrations.findIndex((sql) => sql.includes('CREATE TABLE segment_keys'));
  expect(before).toBeGreaterThan(0);
  const old = new Database(path);
  for (const sql of migrations.slice(0, before)) old.exec(sql);
  old.pragma(`user_version = ${before}`);
  const profile = old.prepare('INSERT INTO profiles (workspace_id, id, created_at, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)');
  const member = old.prepare('INSERT INTO segment_members (workspace_id, segment_id, profile_id, entered_at) VALUES (?, ?, ?, ?)');
  for (const ws of ['ws_a', 'ws_b']) old.prepare('INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)').run(ws, ws, T0);
  for (const [ws, id] of [['ws_a', 'p1'], ['ws_a', 'p2'], ['ws_b', 'p1']] as const) profile.run(ws, id, T0, T0, T0);
  old.prepare('INSERT INTO profile_knowledge (workspace_id, profile_id, state) VALUES (?, ?, ?)').run('ws_a', 'p1', JSON.stringify(knowledge));
  member.run('ws_a', 'vip', 'p1', T0);
  member.run('ws_a', 'vip', 'p2', T0 + 1);
  member.run('ws_a', 'buyers', 'p1', T0 + 2);
  member.run('ws_b', 'vip', 'p1', T0 + 3);
  old.close();
  return openSqliteStore({ path, synchronous: 'normal' });
}

describe('migration to packed knowledge and numbered segments', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'attune-store-'));
    store = openMigrated(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries every membership over, per workspace, with its time', async () => {
    expect(await store.knowledge.segmentSize('ws_a', 'vip')).toBe(2);
    expect(await store.knowledge.segmentSize('ws_a', 'buyers')).toBe(1);
    expect(await store.knowledge.segmentSize('ws_b', 'vip')).toBe(1);
    expect(await store.knowledge.segmentSize('ws_b', 'buyers')).toBe(0);
    expect(await store.knowledge.segmentMembers('ws_a', 'vip', '', 10)).toEqual([{ profileId: 'p1', enteredAt: T0 }, { profileId: 'p2', enteredAt: T0 + 1 }]);
    expect(await store.knowledge.segmentPairCounts('ws_a', ['vip', 'buyers'])).toEqual([{ a: 'vip', b: 'buyers', both: 1 }]);
    expect((await store.privacy.records('ws_b', { profileIds: ['p1'], identities: [] })).segmentMembers).toEqual([{ segmentId: 'vip', profileId: 'p1', enteredAt: T0 + 3 }]);
  });

  it('reads knowledge written whole before, and packs it at its next write with the same content and SQL-readable fields', async () => {
    const [before] = await store.state.loadProfiles('ws_a', ['p1']);
    expect(before?.knowledge).toEqual(knowledge);
    expect(await store.knowledge.dataQuality('ws_a')).toEqual({ unreadableNumbers: 2, byProperty: { 'properties.price': 2 } });

    await store.state.write(stateBatch({ checkpoint: 1, profiles: [before!], segmentChanges: [{ workspaceId: 'ws_a', profileId: 'p2', change: { segment: 'new', kind: 'enter', at: T0 + 9 } }] }));
    const row = store.db.prepare("SELECT state, packed, json_extract(state, '$.q') AS q FROM profile_knowledge WHERE workspace_id = 'ws_a' AND profile_id = 'p1'").get() as { state: string; packed: Buffer | null; q: string | null };
    expect(row.packed).not.toBeNull();
    expect(Object.keys(JSON.parse(row.state) as object).sort()).toEqual(['c', 'h', 'q']);
    expect(row.q).toBe('[["properties.price",2]]');
    expect(await store.knowledge.dataQuality('ws_a')).toEqual({ unreadableNumbers: 2, byProperty: { 'properties.price': 2 } });
    const [after] = await store.state.loadProfiles('ws_a', ['p1']);
    expect(JSON.stringify(after?.knowledge)).toBe(JSON.stringify(knowledge));
    expect(await store.knowledge.segmentMembers('ws_a', 'new', '', 10)).toEqual([{ profileId: 'p2', enteredAt: T0 + 9 }]);
    expect(await store.knowledge.segmentSize('ws_a', 'vip')).toBe(2);
  });
});
