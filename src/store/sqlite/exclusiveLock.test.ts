import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAttuneError } from '../../core/errors/AttuneError.js';
import { isDatabaseOpenElsewhere, lockDatabaseExclusively, releaseExclusiveLock } from './exclusiveLock.js';
import { openDatabase, type SqliteDatabase } from './openDatabase.js';

describe('exclusive lock on the database file', () => {
  let dir: string;
  let path: string;
  let mine: SqliteDatabase;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'attune-lock-'));
    path = join(dir, 'attune.db');
    mine = openDatabase({ path, synchronous: 'normal' });
  });
  afterEach(() => {
    if (mine.open) mine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused, at once and with ATTUNE_STORE_UNAVAILABLE, while another connection has the file open', () => {
    const other = new Database(path);
    try {
      other.prepare('SELECT count(*) FROM events').get();
      expect(isDatabaseOpenElsewhere(mine)).toBe(true);
      const started = Date.now();
      let caught: unknown;
      try {
        lockDatabaseExclusively(mine, 'data/attune.db', 50);
      } catch (error) {
        caught = error;
      }
      expect(Date.now() - started).toBeLessThan(2000);
      expect(isAttuneError(caught) && caught.code).toBe('ATTUNE_STORE_UNAVAILABLE');
      expect((caught as Error).message).toBe('data/attune.db is in use by another process (a running attune serve, or an import): stop it first');
      // The failed attempt leaves this connection working, with its busy timeout restored.
      expect(mine.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
      expect(mine.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      other.close();
    }
  });

  it('once held, keeps other connections out until it is released', () => {
    expect(isDatabaseOpenElsewhere(mine)).toBe(false);
    lockDatabaseExclusively(mine, 'data/attune.db');
    mine.exec("INSERT INTO workspaces (id, name, created_at) VALUES ('ws', 'Shop', 1)");
    const other = new Database(path, { timeout: 50 });
    try {
      expect(() => other.prepare('SELECT count(*) FROM workspaces').get()).toThrow(/locked|busy/i);
      releaseExclusiveLock(mine);
      expect(other.prepare('SELECT count(*) FROM workspaces').pluck().get()).toBe(1);
    } finally {
      other.close();
    }
  });
});
