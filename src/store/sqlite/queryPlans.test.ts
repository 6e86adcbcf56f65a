import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from './openSqliteStore.js';

let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

interface Prepared {
  readonly source: string;
}

/** The SQL of every prepared statement an adapter keeps (its private `stmts`). */
function statementsOf(adapter: object): string[] {
  const stmts = (adapter as { stmts?: Record<string, Prepared | Prepared[]> }).stmts ?? {};
  return Object.values(stmts).flatMap((s) => (Array.isArray(s) ? s : [s])).map((s) => s.source);
}

describe('query plans of profile reads', () => {
  // Cold profile loads (decide, recovery, the admin API) run these once per profile: a plan
  // that walks every identity of the workspace made a cold load 10 ms at 100,000 profiles.
  it('looks identities up by profile or by value through an index, never by walking the workspace', () => {
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    const db = store.db;
    const identityReads = [...statementsOf(store.state), ...statementsOf(store.profiles)]
      .filter((sql) => /^\s*SELECT[\s\S]*FROM identities\b/i.test(sql));
    expect(identityReads.length).toBeGreaterThanOrEqual(3);
    for (const sql of identityReads) {
      const params = (sql.match(/\?/g) ?? []).map(() => 'x');
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail);
      const searches = plan.filter((d) => /identities/.test(d));
      expect(searches, sql).not.toHaveLength(0);
      for (const detail of searches) {
        expect(detail, sql).not.toMatch(/^SCAN/);
        expect(detail, sql).not.toMatch(/\(workspace_id=\?\)$/);
      }
    }
  });
});

describe('query plans of log reads', () => {
  // A read of one workspace's log by an index on workspace_id sorted the workspace's rows for
  // every chunk: 44 µs per event read at 400,000 events, where the key's range takes a few.
  it.each([
    [{ workspaceId: 'w' }],
    [{ workspaceId: 'w', names: ['Product Viewed', 'Product Added'] }],
    [{ names: ['Order Completed'] }],
    [{}],
  ])('reads %j along the primary key, with no sort', async (options) => {
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    const db = store.db;
    const seen: string[] = [];
    const prepare = db.prepare.bind(db);
    // Record the statement the reader prepares for these options.
    (db as { prepare: typeof db.prepare }).prepare = ((sql: string) => {
      seen.push(sql);
      return prepare(sql);
    }) as typeof db.prepare;
    const { SqliteEventLog } = await import('./SqliteEventLog.js');
    for await (const _ of new SqliteEventLog(db).read(options)) break;
    const sql = seen.find((q) => /^SELECT seq, workspace_id, /.test(q))!;
    const params = (sql.match(/\?/g) ?? []).map(() => 1);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail);
    expect(plan, sql).toEqual(['SEARCH events USING INTEGER PRIMARY KEY (rowid>?)']);
  });
});

describe('query plans of rank events', () => {
  // A reward runs several of these, and the default-reward check runs at every rank call: a
  // plan that walks the workspace's events (the next learning number was one) grows with the log.
  it('reads rank events through an index, never by walking the table', () => {
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    const db = store.db;
    const reads = statementsOf(store.rankEvents).filter((sql) => /^\s*SELECT/i.test(sql));
    expect(reads.length).toBeGreaterThanOrEqual(6);
    for (const sql of reads) {
      const plan = (sql.includes('@')
        ? db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ ws: 'x', before: 'y', limit: 1 })
        : db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(sql.match(/\?/g) ?? []).map(() => 1))) as { detail: string }[];
      for (const { detail } of plan) {
        expect(detail, sql).not.toMatch(/^SCAN/);
        // The workspace's events in index order only where a LIMIT stops the walk (the listing);
        // the snapshot table has one row per workspace.
        if (/FROM rank_events\b/.test(sql) && !/LIMIT/.test(sql)) expect(detail, sql).not.toMatch(/\(workspace_id=\?\)$/);
      }
      expect(plan.some(({ detail }) => /^SEARCH/.test(detail)), sql).toBe(true);
    }
  });
});

describe('query plans of segment members', () => {
  // Sizes, member lists, overlaps, the fairness groups and erasure reach members by the
  // segment's number (segment_keys): each must search the primary key, never walk the table.
  it('reads and deletes members through the primary key, with the segment number from its index', () => {
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    const db = store.db;
    const adapters = [store.state, store.knowledgeConfig, store.privacy, store.fairness] as object[];
    // The erasure's counts and deletes are kept beside `stmts`.
    const erasure = store.privacy as unknown as { counts: Prepared[]; deletes: Prepared[] };
    const statements = [...adapters.flatMap(statementsOf), ...[...erasure.counts, ...erasure.deletes].map((s) => s.source)]
      .filter((sql) => /\bsegment_members\b/.test(sql) && !/^\s*INSERT/i.test(sql));
    expect(statements.length).toBeGreaterThanOrEqual(10);
    const named = { ws: 'w', segment: 's', profiles: '["p"]', since: 0, until: 1, unit: '$.x.e', value: '$.x.e.v', path: '$.plan', placement: 'p', action: null, after: 0 };
    for (const sql of statements) {
      const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
      const plan = (sql.includes('@') ? stmt.all(named) : stmt.all(...(sql.match(/\?/g) ?? []).map(() => 'x'))) as { detail: string }[];
      const members = plan.map((r) => r.detail).filter((d) => /segment_members|^(SEARCH|SCAN) [mxy] /.test(d));
      expect(members, sql).not.toHaveLength(0);
      for (const detail of members) expect(detail, sql).toMatch(/USING PRIMARY KEY \(segment_key=\?/);
    }
  });
});
