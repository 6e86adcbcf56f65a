import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { logRecord } from '../contract/eventLogWriter.contract.js';
import { stateBatch } from '../contract/shared.contract.js';
import type { KnowledgeState } from '../../core/knowledge/KnowledgeState.js';
import { openDatabase } from './openDatabase.js';
import { openSqliteStore, type SqliteStore } from './openSqliteStore.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openThreaded(): { store: SqliteStore; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'attune-thread-'));
  dirs.push(dir);
  const path = join(dir, 'attune.db');
  return { store: openSqliteStore({ path, synchronous: 'full', writer: 'worker' }), path };
}

const T0 = Date.parse('2026-12-08T00:00:00Z');

/** The derived tables and the log of a database file, every column, in storage order (rowid or primary key). */
function dump(path: string): Record<string, unknown[]> {
  const db = openDatabase({ path, synchronous: 'normal' });
  try {
    const tables = ['events', 'profiles', 'profile_knowledge', 'identities', 'profile_merges', 'segment_keys', 'segment_members', 'segment_changes', 'consent_changes', 'state_checkpoint'];
    return Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM ${table}`).all()]));
  } finally {
    db.close();
  }
}

describe('the storage thread', () => {
  it('stores the same bytes as the inline writer: log rows, profiles, packed knowledge, identities, memberships, consent', async () => {
    const knowledge = {
      f: { order_count: { v: 6 }, category_affinity: { k: [['Footwear', 17.9998266887, T0]] } },
      c: { analytics: [true, T0, 'context'] },
      m: { buyer: T0 },
      h: { t: T0, h: { web: Array.from({ length: 24 }, (_, i) => (i === 17 ? 33 : 0)) } },
      x: { exp1: { a: 'b', t: T0 } },
    } as unknown as KnowledgeState;
    const profile = (id: string, over: object = {}) => ({
      workspaceId: 'ws', id, createdAt: T0, firstSeen: T0, lastSeen: T0 + 5, traits: { values: { plan: 'pro', ünï: 'cödé' }, updatedAt: { plan: T0 } },
      eventCounts: { track: 2 }, mergedCount: 0, mergedInto: null, knowledge, identities: [], ...over,
    });
    const batches = [
      stateBatch({
        checkpoint: 2,
        profiles: [profile('p1'), profile('p2', { knowledge: null })],
        identities: [{ workspaceId: 'ws', key: { kind: 'user', value: 'u1' }, profileId: 'p1', at: T0 }],
        segmentChanges: [
          { workspaceId: 'ws', profileId: 'p1', change: { segment: 'buyers', kind: 'enter', at: T0 } },
          { workspaceId: 'ws', profileId: 'p2', change: { segment: 'buyers', kind: 'enter', at: T0 } },
        ],
        consentChanges: [{ workspaceId: 'ws', profileId: 'p1', change: { purpose: 'analytics', granted: true, at: T0, source: 'context' } }],
      }),
      stateBatch({
        checkpoint: 3,
        profiles: [profile('p1', { mergedCount: 1 }), profile('p2', { mergedInto: 'p1', knowledge: null })],
        merges: [{ workspaceId: 'ws', survivorId: 'p1', absorbedId: 'p2', at: T0 + 1 }],
        segmentChanges: [
          { workspaceId: 'ws', profileId: 'p2', change: { segment: 'buyers', kind: 'leave', at: T0 + 1, reason: 'consent' } },
          { workspaceId: 'ws', profileId: 'p1', change: { segment: 'never_entered', kind: 'leave', at: T0 + 1 } },
        ],
        consentChanges: [{ workspaceId: 'ws', profileId: 'p1', change: { purpose: 'analytics', granted: false, at: T0 + 1, source: 'gpc' } }],
      }),
    ];
    const paths: string[] = [];
    for (const writer of ['inline', 'worker'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'attune-thread-'));
      dirs.push(dir);
      const path = join(dir, 'attune.db');
      paths.push(path);
      const store = openSqliteStore({ path, synchronous: 'full', writer });
      try {
        await store.log.append([logRecord(1, 'ws', 'm1'), logRecord(2, 'ws', 'm2')], []);
        for (const batch of batches) await store.state.write(batch);
        await store.log.append([logRecord(3, 'ws', 'm3')], []);
      } finally {
        await store.close();
      }
    }
    const [inline, worker] = paths.map(dump);
    expect(inline!['profile_knowledge']).toHaveLength(1);
    expect(worker).toEqual(inline);
  });

  it('commits appends and state writes in call order, and close waits for the pending ones', async () => {
    const { store, path } = openThreaded();
    const writes = [
      store.log.append([logRecord(1, 'ws', 'm1')], []),
      store.state.write(stateBatch({ checkpoint: 1 })),
      store.log.append([logRecord(2, 'ws', 'm2')], []),
      store.state.write(stateBatch({ checkpoint: 2 })),
    ];
    // Not awaited: close lets them commit first.
    await store.close();
    await Promise.all(writes);
    const again = openSqliteStore({ path, synchronous: 'full' });
    try {
      expect(await again.log.lastSeq()).toBe(2);
      expect(await again.state.checkpoint()).toBe(2);
    } finally {
      await again.close();
    }
    await expect(store.log.append([logRecord(3, 'ws', 'm3')], [])).rejects.toMatchObject({ code: 'ATTUNE_STORE_UNAVAILABLE' });
  });

  it('commits the quality counters on the thread: the main connection is never a second writer', async () => {
    const { store } = openThreaded();
    try {
      // The main connection holds the write lock: an add on the thread waits for it (busy_timeout), the main thread does not.
      store.db.prepare('BEGIN IMMEDIATE').run();
      let settled = false;
      const added = store.quality.addCounters([{ workspaceId: 'ws', day: 20_000, kind: 'received', subject: 'accepted', detail: '', variant: '', count: 3 }]).finally(() => { settled = true; });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(settled).toBe(false);
      store.db.prepare('COMMIT').run();
      await added;
      expect(await store.quality.counters('ws', 20_000, 20_001)).toEqual([{ day: 20_000, kind: 'received', subject: 'accepted', detail: '', variant: '', count: 3 }]);
    } finally {
      await store.close();
    }
  });

  it('runs pragmas on its own connection, not the main one', async () => {
    const { store } = openThreaded();
    try {
      await store.writerPragma('cache_size = -1234');
      expect(await store.writerPragma('cache_size')).toEqual([{ cache_size: -1234 }]);
      expect(store.db.pragma('cache_size', { simple: true })).not.toBe(-1234);
    } finally {
      await store.close();
    }
  });

  it('a failed append rejects with the SQLite error, and later appends commit', async () => {
    const { store } = openThreaded();
    try {
      await store.log.append([logRecord(1, 'ws', 'm1')], []);
      await expect(store.log.append([logRecord(1, 'ws', 'again')], [])).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
      await store.log.append([logRecord(2, 'ws', 'm2')], []);
      expect(await store.log.lastSeq()).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('a thread that stops fails the pending writes with ATTUNE_STORE_UNAVAILABLE; the next write starts a new thread', async () => {
    const { store } = openThreaded();
    try {
      await store.log.append([logRecord(1, 'ws', 'm1')], []);
      const threadOf = store as unknown as { log: { thread: { terminate(): Promise<void> } } };
      const pending = store.log.append([logRecord(2, 'ws', 'm2')], []);
      await threadOf.log.thread.terminate();
      await expect(pending).rejects.toMatchObject({ code: 'ATTUNE_STORE_UNAVAILABLE' });
      // Whatever became of the lost write, the log holds whole appends only.
      const last = await store.log.lastSeq();
      expect([1, 2]).toContain(last);
      await store.log.append([logRecord(last + 1, 'ws', 'm3')], []);
      expect(await store.log.lastSeq()).toBe(last + 1);
    } finally {
      await store.close();
    }
  });

  it('does not keep a process alive that leaves its store open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-thread-'));
    dirs.push(dir);
    const module = fileURLToPath(new URL('./openSqliteStore.ts', import.meta.url));
    const script = `const { openSqliteStore } = await import(${JSON.stringify(module)});
      const store = openSqliteStore({ path: ${JSON.stringify(join(dir, 'attune.db'))}, synchronous: 'full', writer: 'worker' });
      await store.state.write({ checkpoint: 5, profiles: [], identities: [], merges: [], segmentChanges: [], consentChanges: [], outcomes: [], armStats: [], armDays: [], counters: [], eventProfiles: [] });
      console.log(await store.state.checkpoint());`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 15_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('5');
    expect(child.status).toBe(0);
  });
});
