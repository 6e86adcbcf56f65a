import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { logRecord } from '../contract/eventLogWriter.contract.js';
import { stateBatch } from '../contract/shared.contract.js';
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

describe('the storage thread', () => {
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
