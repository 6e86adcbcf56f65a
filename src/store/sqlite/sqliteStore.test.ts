import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWorkspaceStoreContract } from '../contract/workspaceStore.contract.js';
import { describeUserStoreContract } from '../contract/userStore.contract.js';
import { describeCatalogStoreContract } from '../contract/catalogStore.contract.js';
import { describeDecisionStoreContract } from '../contract/decisionStore.contract.js';
import { describeExperimentStoreContract } from '../contract/experimentStore.contract.js';
import { stateBatch } from '../contract/shared.contract.js';
import { describeEventLogWriterContract } from '../contract/eventLogWriter.contract.js';
import { describeStateStoreContract } from '../contract/stateStore.contract.js';
import { describeRecommenderModelStoreContract } from '../contract/recommenderModelStore.contract.js';
import { describeRankEventStoreContract } from '../contract/rankEventStore.contract.js';
import { describeQualityStoreContract } from '../contract/qualityStore.contract.js';
import { describeConsentSettingsStoreContract } from '../contract/consentSettingsStore.contract.js';
import { describePredictionModelStoreContract } from '../contract/predictionModelStore.contract.js';
import { describePrivacyStoreContract } from '../contract/privacyStore.contract.js';
import { describeAuditStoreContract } from '../contract/auditStore.contract.js';
import { describeReviewStoreContract } from '../contract/reviewStore.contract.js';
import { describeRetentionStoreContract } from '../contract/retentionStore.contract.js';
import { MODEL_PART_BYTES } from './SqliteRecommenderModelStore.js';
import { defaultIdentitySettings } from '../../core/identity/types.js';
import { createEngineStore } from '../../engine/createEngineStore.js';
import { migrations } from './migrations.js';
import { openSqliteStore, type SqliteStore, type StorageWriter } from './openSqliteStore.js';

/** A store on a fresh file in a temporary folder; closing it deletes the folder. */
function openOnFile(writer: StorageWriter = 'inline'): SqliteStore & { readonly path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'attune-store-'));
  const path = join(dir, 'attune.db');
  const store = openSqliteStore({ path, synchronous: 'normal', writer });
  expect(store.writer).toBe(writer);
  return {
    ...store,
    path,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function openInMemory(): SqliteStore {
  return openSqliteStore({ path: ':memory:', synchronous: 'normal' });
}

describeQualityStoreContract('sqlite (:memory:)', async () => openInMemory());
describeReviewStoreContract('sqlite (:memory:)', async () => openInMemory());
describeReviewStoreContract('sqlite (file)', async () => openOnFile());
describeQualityStoreContract('sqlite (file)', async () => openOnFile());
describeCatalogStoreContract('sqlite (:memory:)', async () => openInMemory());
describeCatalogStoreContract('sqlite (file)', async () => openOnFile());
describeDecisionStoreContract('sqlite (:memory:)', async () => openInMemory());
describeDecisionStoreContract('sqlite (file)', async () => openOnFile());
describeExperimentStoreContract('sqlite (:memory:)', async () => openInMemory());
describeEventLogWriterContract('sqlite (file)', async () => openOnFile(), async (store) => openSqliteStore({ path: store.path, synchronous: 'normal' }));
describeEventLogWriterContract('sqlite (:memory:)', async () => openInMemory());
describeStateStoreContract('sqlite (file)', async () => openOnFile());
describeStateStoreContract('sqlite (:memory:)', async () => openInMemory());
describeWorkspaceStoreContract('sqlite (file)', async () => openOnFile());
describeWorkspaceStoreContract('sqlite (:memory:)', async () => openInMemory());
describeUserStoreContract('sqlite (:memory:)', async () => openInMemory());
// The large payload spans two parts of the adapter's, plus a few bytes.
describeRecommenderModelStoreContract('sqlite (:memory:)', async () => openInMemory(), { largePayloadBytes: MODEL_PART_BYTES + 17 });
describeRecommenderModelStoreContract('sqlite (file)', async () => openOnFile());
describePredictionModelStoreContract('sqlite (:memory:)', async () => openInMemory());
describePredictionModelStoreContract('sqlite (file)', async () => openOnFile());
describeConsentSettingsStoreContract('sqlite (:memory:)', async () => openInMemory());
describePrivacyStoreContract('sqlite (:memory:)', async () => openInMemory());
describePrivacyStoreContract('sqlite (file)', async () => openOnFile());
describeAuditStoreContract('sqlite (:memory:)', async () => openInMemory());
describeAuditStoreContract('sqlite (file)', async () => openOnFile());
describeRetentionStoreContract('sqlite (:memory:)', async () => openInMemory());
describeRetentionStoreContract('sqlite (file)', async () => openOnFile());
// The appends and the state writes on the storage thread, the reads on the main connection.
describeCatalogStoreContract('sqlite (file, storage thread)', async () => openOnFile('worker'));
describeDecisionStoreContract('sqlite (file, storage thread)', async () => openOnFile('worker'));
describeExperimentStoreContract('sqlite (file, storage thread)', async () => openOnFile('worker'));
describeEventLogWriterContract('sqlite (file, storage thread)', async () => openOnFile('worker'), async (store) => openSqliteStore({ path: store.path, synchronous: 'normal', writer: 'worker' }));
describeStateStoreContract('sqlite (file, storage thread)', async () => openOnFile('worker'));
describeRecommenderModelStoreContract('sqlite (file, storage thread)', async () => openOnFile('worker'));
describeQualityStoreContract('sqlite (file, storage thread)', async () => openOnFile('worker'));
describeRankEventStoreContract('sqlite (:memory:)', async () => openInMemory());
describeRankEventStoreContract('sqlite (file)', async () => openOnFile());
describeRankEventStoreContract('sqlite (file, storage thread)', async () => openOnFile('worker'));

describe('openSqliteStore', () => {
  it('keeps committed events, profiles and workspaces when the file is closed and opened again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-store-'));
    const path = join(dir, 'attune.db');
    try {
      const first = createEngineStore(openSqliteStore({ path, synchronous: 'full' }), { maxPendingEvents: 100 });
      await first.recovered;
      await first.workspaces.createWorkspace({ id: 'ws1', name: 'Shop', createdAt: 1, identity: defaultIdentitySettings }, []);
      await first.committer.submit(1, (tx) => {
        tx.createProfile('ws1', 'p1', 1);
        tx.linkIdentity('ws1', { kind: 'user', value: 'u1' }, 'p1', 1);
        tx.appendEvent('ws1', 'p1', {
          type: 'track', messageId: 'm1', generatedMessageId: false, userId: 'u1', anonymousId: null, previousId: null, groupId: null,
          name: 'Clicked', timestamp: 1, receivedAt: 2, traits: null, properties: null, context: null, body: { event: 'Clicked' },
        });
      });
      await first.close();

      const second = openSqliteStore({ path, synchronous: 'full' });
      try {
        expect((await second.workspaces.getWorkspace('ws1'))?.name).toBe('Shop');
        expect(await second.events.count('ws1')).toBe(1);
        expect((await second.profiles.findProfile('ws1', 'u1', 5))?.recentEvents.map((e) => e.messageId)).toEqual(['m1']);
        expect(second.db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fills identity settings missing from a stored workspace with the defaults', async () => {
    const store = openInMemory();
    try {
      store.db.prepare('INSERT INTO workspaces (id, name, created_at, settings) VALUES (?, ?, ?, ?)').run('old', 'Old', 1, '{"identity":{"maxMergedProfiles":3}}');
      store.db.prepare('INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)').run('older', 'Older', 2);
      // Without `verification` (written before it existed): off, never the new workspaces' default.
      expect((await store.workspaces.getWorkspace('old'))?.identity).toEqual({ ...defaultIdentitySettings, maxMergedProfiles: 3, verification: false });
      expect((await store.workspaces.getWorkspace('older'))?.identity).toEqual({ ...defaultIdentitySettings, verification: false });
    } finally {
      await store.close();
    }
  });

  it('migrates workspaces stored before identity verification to verification off, with no secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-store-'));
    const path = join(dir, 'attune.db');
    try {
      // A database as the release before identity verification left it.
      const before = migrations.findIndex((sql) => sql.includes('identity_secret'));
      expect(before).toBeGreaterThan(0);
      const old = new Database(path);
      for (const sql of migrations.slice(0, before)) old.exec(sql);
      old.pragma(`user_version = ${before}`);
      old.prepare('INSERT INTO workspaces (id, name, created_at, settings) VALUES (?, ?, ?, ?)').run('ws_old', 'Old', 1, '{"identity":{"traitMerge":"survivor","maxMergedProfiles":50}}');
      old.close();

      const store = openSqliteStore({ path, synchronous: 'normal' });
      try {
        expect((await store.workspaces.getWorkspace('ws_old'))?.identity).toEqual({ traitMerge: 'survivor', maxMergedProfiles: 50, verification: false });
        expect(JSON.parse((store.db.prepare('SELECT settings FROM workspaces WHERE id = ?').pluck().get('ws_old') as string))).toEqual({ identity: { traitMerge: 'survivor', maxMergedProfiles: 50, verification: false } });
        expect(await store.workspaces.identitySecret('ws_old')).toBeUndefined();
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('backfills the data-quality volume tally from the log it finds, with the cap of distinct keys a day', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-store-'));
    const path = join(dir, 'attune.db');
    try {
      const before = migrations.findIndex((sql) => sql.includes("'volume'"));
      expect(before).toBeGreaterThan(0);
      const old = new Database(path);
      for (const sql of migrations.slice(0, before)) old.exec(sql);
      old.pragma(`user_version = ${before}`);
      const day = 20_400;
      const append = old.prepare('INSERT INTO events (seq, workspace_id, message_id, type, name, user_id, anonymous_id, profile_id, timestamp, received_at, body) VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)');
      const at = day * 86_400_000 + 1000;
      let seq = 0;
      const event = (ws: string, type: string, name: string | null, late: number, library: unknown) =>
        append.run(++seq, ws, `m${seq}`, type, name, 'p1', at - late, at, JSON.stringify({ type, context: library === undefined ? {} : { library: { name: library } } }));
      event('ws_a', 'track', 'Order Completed', 0, 'analytics.js');
      event('ws_a', 'track', 'Order Completed', 2 * 3_600_000, 'analytics.js');
      event('ws_a', 'page', null, 9 * 86_400_000, { v: 1 });
      event('ws_a', 'track', 'Signed Up', 0, false);
      // 501 more distinct names on the same day: the least frequent key goes to the overflow row.
      old.transaction(() => { for (let i = 0; i < 501; i++) event('ws_b', 'track', `E${String(i).padStart(3, '0')}`, 0, 'web'); })();
      event('ws_b', 'track', 'E000', 0, 'web');
      old.close();

      const store = openSqliteStore({ path, synchronous: 'normal' });
      try {
        const period = [day * 86_400_000, (day + 1) * 86_400_000] as const;
        const a = await store.quality.volume('ws_a', ...period);
        expect(a).toEqual([
          { day, type: 'page', name: null, source: '{"v":1}', count: 1, over1h: 1, over1d: 1, over7d: 1 },
          { day, type: 'track', name: 'Order Completed', source: 'analytics.js', count: 2, over1h: 1, over1d: 0, over7d: 0 },
          { day, type: 'track', name: 'Signed Up', source: '0', count: 1, over1h: 0, over1d: 0, over7d: 0 },
        ]);
        const b = await store.quality.volume('ws_b', ...period);
        expect(b).toHaveLength(501);
        expect(b.find((r) => r.name === 'E000')?.count).toBe(2);
        expect(b.filter((r) => r.overflow === true)).toEqual([{ day, type: 'track', name: null, source: null, count: 1, over1h: 0, over1d: 0, over7d: 0, overflow: true }]);
        expect(b.find((r) => r.name === 'E500')).toBeUndefined();
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps outcome counters stored before conversion value spreads readable, and merges new conversions into them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-store-'));
    const path = join(dir, 'attune.db');
    try {
      const before = migrations.findIndex((sql) => sql.includes('conversion_value_m2'));
      expect(before).toBeGreaterThan(0);
      const old = new Database(path);
      for (const sql of migrations.slice(0, before)) old.exec(sql);
      old.pragma(`user_version = ${before}`);
      old.prepare('INSERT INTO action_outcomes (workspace_id, action_id, placement_id, impressions, conversions, conversion_value) VALUES (?, ?, ?, ?, ?, ?)').run('ws_old', 'a', 'hero', 10, 2, 20);
      old.close();

      const store = openSqliteStore({ path, synchronous: 'normal' });
      try {
        expect(await store.decisions.outcomes('ws_old')).toEqual([{ actionId: 'a', placementId: 'hero', impressions: 10, clicks: 0, dismisses: 0, conversions: 2, conversionValue: 20, conversionValueM2: 0 }]);
        // Two stored values of mean 10 and M2 0, then 4 and 6 (mean 5, M2 2): Chan's merge gives 2 + 5²·2·2/4 = 27.
        await store.state.write(stateBatch({ outcomes: [{ workspaceId: 'ws_old', actionId: 'a', placementId: 'hero', impressions: 0, clicks: 0, dismisses: 0, conversions: 2, conversionValue: 10, conversionValueM2: 2 }] }));
        const [merged] = await store.decisions.outcomes('ws_old');
        expect(merged).toMatchObject({ conversions: 4, conversionValue: 30 });
        expect(merged!.conversionValueM2).toBeCloseTo(27, 12);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('numbers segments again after a state write that rolled back, so members keep their own segment', async () => {
    const store = openInMemory();
    try {
      const enter = (profileId: string, segment: string, at: number) => ({ workspaceId: 'ws1', profileId, change: { segment, kind: 'enter' as const, at } });
      // The consent change breaks a NOT NULL constraint after 'lost' got its number: the whole batch rolls back.
      const failing = stateBatch({ segmentChanges: [enter('p1', 'lost', 1)], consentChanges: [{ workspaceId: 'ws1', profileId: 'p1', change: { purpose: null as unknown as string, granted: true, source: 'context', at: 1 } }] });
      await expect(store.state.write(failing)).rejects.toThrow();
      await store.state.write(stateBatch({ segmentChanges: [enter('p2', 'kept', 2)] }));
      await store.state.write(stateBatch({ segmentChanges: [enter('p1', 'lost', 3), enter('p3', 'kept', 3)] }));
      const members = store.db.prepare('SELECT k.segment_id, m.profile_id FROM segment_members m JOIN segment_keys k ON k.id = m.segment_key ORDER BY 1, 2').all();
      expect(members).toEqual([{ segment_id: 'kept', profile_id: 'p2' }, { segment_id: 'kept', profile_id: 'p3' }, { segment_id: 'lost', profile_id: 'p1' }]);
      await store.state.write(stateBatch({ segmentChanges: [{ workspaceId: 'ws1', profileId: 'p2', change: { segment: 'kept', kind: 'leave', at: 4 } }, { workspaceId: 'ws1', profileId: 'p9', change: { segment: 'never', kind: 'leave', at: 4 } }] }));
      expect(store.db.prepare('SELECT count(*) FROM segment_members').pluck().get()).toBe(2);
      expect(store.db.prepare('SELECT count(*) FROM segment_keys').pluck().get()).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('works in WAL mode on a file, so readers on other connections do not block the writer', async () => {
    const store = openOnFile();
    try {
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      const reader = new Database(store.path, { readonly: true });
      try {
        reader.prepare('BEGIN').run();
        reader.prepare('SELECT count(*) FROM events').get();
        await store.state.write(stateBatch({ identities: [{ workspaceId: 'ws1', key: { kind: 'user', value: 'u1' }, profileId: 'p1', at: 1 }] }));
        reader.prepare('COMMIT').run();
      } finally {
        reader.close();
      }
    } finally {
      await store.close();
    }
  });
});
