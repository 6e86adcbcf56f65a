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
