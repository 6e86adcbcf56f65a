import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Item } from '../../core/catalog/Item.js';
import { openDatabase, type SqliteDatabase } from './openDatabase.js';
import { SqliteCatalogStore } from './SqliteCatalogStore.js';
import { writeTransaction } from './writeTransaction.js';

// Connection `main` plays the server's main connection, `other` the storage thread's: a
// write committed by `other` between `main`'s first read and its first write is the race
// that failed the know benchmark's start-up (docs/ARCHITECTURE.md, the storage thread).
describe('writeTransaction', () => {
  let dir: string;
  let main: SqliteDatabase;
  let other: SqliteDatabase;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'attune-immediate-'));
    main = openDatabase({ path: join(dir, 'attune.db'), synchronous: 'normal' });
    main.exec('CREATE TABLE scratch (x INTEGER)');
    other = new Database(join(dir, 'attune.db'));
    // Refused at once rather than after 5 s when `main` holds the write lock.
    other.pragma('busy_timeout = 0');
  });

  afterEach(() => {
    other.close();
    main.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `other` commits a row; the error it met, if any. */
  const otherWrites = (): unknown => {
    try {
      other.prepare('INSERT INTO scratch (x) VALUES (1)').run();
      return undefined;
    } catch (error) {
      return error;
    }
  };
  const count = (db: SqliteDatabase): number => db.prepare('SELECT count(*) FROM scratch').pluck().get() as number;

  it('is needed: a deferred read-then-write fails with SQLITE_BUSY_SNAPSHOT when another connection commits in between', () => {
    // better-sqlite3's default, which the adapter used before; kept here to show the race is real.
    const deferred = main.transaction(() => {
      count(main);
      expect(otherWrites()).toBeUndefined();
      main.prepare('INSERT INTO scratch (x) VALUES (2)').run();
    });
    expect(() => deferred()).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY_SNAPSHOT' }));
  });

  it('holds the write lock from its start: the other writer waits, and the transaction writes on the latest commit', () => {
    let refused: unknown;
    const tx = writeTransaction(main, () => {
      const before = count(main);
      refused = otherWrites();
      main.prepare('INSERT INTO scratch (x) VALUES (2)').run();
      return before;
    });
    expect(tx()).toBe(0);
    expect(refused).toEqual(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    expect(otherWrites()).toBeUndefined();
    expect(count(main)).toBe(2);
  });

  it('nests as a savepoint inside another transaction', () => {
    const inner = writeTransaction(main, () => main.prepare('INSERT INTO scratch (x) VALUES (3)').run());
    writeTransaction(main, () => {
      inner();
      inner();
    })();
    expect(count(main)).toBe(2);
  });

  it("keeps the adapter's read-then-write transactions from failing when another connection commits (catalog put)", async () => {
    const catalog = new SqliteCatalogStore(main);
    let refused: unknown;
    const item: Item = {
      id: 'sku-1', title: 'Lamp', category: [], price: null, currency: null, attributes: {}, availability: 'in_stock', titles: {},
      createdAt: '2026-12-08T00:00:00.000Z', updatedAt: '2026-12-08T00:00:00.000Z',
    };
    // putItems reads whether the item exists, then serialises it, then writes: the
    // serialisation is where the other connection commits.
    const racing = { ...item, toJSON: () => { refused = otherWrites(); return item; } };
    expect(await catalog.putItems('ws', [racing])).toEqual(['created']);
    expect(refused).toEqual(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    expect(await catalog.getItems('ws', ['sku-1'])).toEqual([item]);
  });
});
