import Database from 'better-sqlite3';

/**
 * What the SQLite file holds after the state was written behind, from dbstat (the pages of
 * each table and index). The profile state is one row per profile and identifier, its
 * knowledge, its segment memberships (with the numbers of the segments they name) and merges; the history tables (segment and consent
 * changes) grow with events, not with profiles, and are counted apart; the log (events) and
 * the definitions are not state.
 */

/** Tables (and their indexes) of the profile state: the figure compared with the goal. */
const profileStateTables = ['profiles', 'identities', 'profile_knowledge', 'segment_members', 'segment_keys', 'profile_merges'] as const;
/** History rows written behind with the state. */
const historyTables = ['segment_changes', 'consent_changes'] as const;

export interface StoredFigures {
  /** Bytes of pages per table, indexes included (index pages are added to their table). */
  readonly tableBytes: Readonly<Record<string, number>>;
  readonly profileStateBytes: number;
  readonly historyBytes: number;
  readonly logBytes: number;
  readonly fileBytes: number;
  readonly liveProfiles: number;
  readonly events: number;
  readonly distinctMessageIds: number;
  readonly checkpoint: number;
}

export function storedFigures(file: string): StoredFigures {
  const db = new Database(file, { readonly: true });
  const one = (sql: string) => (db.prepare(sql).pluck().get() as number | null) ?? 0;
  try {
    const rows = db.prepare("SELECT coalesce(m.tbl_name, d.name) AS tbl, sum(d.pgsize) AS bytes FROM dbstat d LEFT JOIN sqlite_schema m ON m.name = d.name GROUP BY tbl").all() as { tbl: string; bytes: number }[];
    const tableBytes = Object.fromEntries(rows.map((r) => [r.tbl, r.bytes]));
    const sum = (tables: readonly string[]) => tables.reduce((total, t) => total + (tableBytes[t] ?? 0), 0);
    return {
      tableBytes,
      profileStateBytes: sum(profileStateTables),
      historyBytes: sum(historyTables),
      logBytes: tableBytes['events'] ?? 0,
      fileBytes: one('SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()'),
      liveProfiles: one('SELECT count(*) FROM profiles WHERE merged_into IS NULL'),
      events: one('SELECT count(*) FROM events'),
      distinctMessageIds: one('SELECT count(DISTINCT message_id) FROM events'),
      checkpoint: one('SELECT max(seq) FROM state_checkpoint'),
    };
  } finally {
    db.close();
  }
}
