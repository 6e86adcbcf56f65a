import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from './openSqliteStore.js';

let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

/** The query plan of one prepared statement of an adapter (its private `stmts`), with dummy parameters. */
function planOf(adapter: object, name: string): string[] {
  const sql = (adapter as { stmts: Record<string, { source: string }> }).stmts[name]!.source;
  const named = Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map((m) => [m[1]!, 'x']));
  return (store!.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(named) as { detail: string }[]).map((r) => r.detail);
}

describe('query plans of the quality and fairness reports', () => {
  // The reports read a period of the log: along the primary key from its first arrival, never a
  // walk of the workspace's events by an index (a random read per row), never an index on
  // arrival time (a B-tree insert per appended event).
  it('reads the period\'s events along the primary key', () => {
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    for (const [adapter, name] of [[store.fairness, 'placementByTrait'], [store.fairness, 'placementBySegment']] as const) {
      const events = planOf(adapter, name).filter((d) => /\bevents\b/.test(d));
      expect(events, name).toEqual(['SEARCH events USING INTEGER PRIMARY KEY (rowid>?)']);
    }
  });

  // The overview's volume read a week of the log (3.9 s with 100,000 profiles): now the tally's rows of the period only.
  it('reads the volume from the counters of the period, not from the log', () => {
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    const plan = planOf(store.quality, 'volume');
    expect(plan.filter((d) => /\bevents\b/.test(d))).toEqual([]);
    expect(plan[0]).toMatch(/^SEARCH quality_counters USING PRIMARY KEY \(workspace_id=\? AND day>\? AND day<\?\)$/);
  });

  // The report's unreadable numbers over all time: the profiles that have any, from the covering index, not a parse of every profile's knowledge.
  it('reads the profiles\' data-quality figures from their covering index', () => {
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    const sql = (store.knowledge as unknown as { stmts: Record<string, { source: string }> }).stmts['quality']!.source;
    const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('ws') as { detail: string }[]).map((r) => r.detail);
    expect(plan).toEqual(['SEARCH profile_knowledge USING COVERING INDEX profile_knowledge_quality (workspace_id=?)']);
  });

  // A join of the decisions with the materialized outcomes scanned the outcomes once per decision.
  it('looks each decision\'s outcome up instead of scanning the outcomes per decision', () => {
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    for (const name of ['placementByTrait', 'placementBySegment']) {
      const plan = planOf(store.fairness, name);
      expect(plan.filter((d) => /^SCAN o\b|^SCAN outcome\b/.test(d)), name).toEqual([]);
      expect(plan.filter((d) => d.startsWith('LIST SUBQUERY')), name).toHaveLength(2);
    }
  });
});
