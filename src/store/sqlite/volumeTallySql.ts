/**
 * The volume tally (core/quality/volumeTally.ts) computed from the log in SQL: for the backfill
 * of a rebuild and for taking deleted events (erasure, retention) out of it. Each expression
 * gives exactly what the collect path's `librarySource`, `latenessClass` and `volumeSubject`
 * give for the same stored event (the quality store's contract checks the two agree).
 */

/**
 * `context.library.name` as text: json_type picks the string itself, booleans as 1 and 0 (what
 * json_extract gave the log query), anything else as its JSON text. The `|| ''` drops the JSON
 * subtype, so json_array below embeds the text as a string, not as JSON.
 */
const librarySource = `(CASE json_type(body, '$.context.library.name')
  WHEN 'text' THEN json_extract(body, '$.context.library.name') WHEN 'true' THEN '1' WHEN 'false' THEN '0' WHEN 'null' THEN NULL
  ELSE body -> '$.context.library.name' END) || ''`;

const latenessClass = `CASE WHEN received_at - timestamp > 604800000 THEN '7d' WHEN received_at - timestamp > 86400000 THEN '1d'
  WHEN received_at - timestamp > 3600000 THEN '1h' ELSE '' END`;

/** The events `where` selects, grouped by workspace, arrival day, call type, name, source and lateness class (columns ws, day, type, name, source, late, n). */
function volumeGroups(where: string): string {
  return `SELECT workspace_id AS ws, received_at / 86400000 AS day, type, name, ${librarySource} AS source, ${latenessClass} AS late, count(*) AS n
    FROM events WHERE ${where} GROUP BY 1, 2, 3, 4, 5, 6`;
}

/**
 * Adds the volume counters of the events `where` selects. The `cap` most frequent keys of a
 * workspace's day are kept apart, the rest summed per call type in the overflow row, as the
 * collect path does past its cap (which keeps the first keys of the day instead: history has
 * no order of arrival to prefer).
 */
export function addVolumeFromLogSql(where: string, cap: number): string {
  return `INSERT INTO quality_counters (workspace_id, day, kind, subject, detail, variant, count)
    SELECT ws, day, 'volume', CASE WHEN rank <= ${cap} THEN json_array(type, name, source) ELSE json_array(type, NULL, NULL) END,
      late, CASE WHEN rank <= ${cap} THEN '' ELSE 'overflow' END, sum(n)
    FROM (
      SELECT *, dense_rank() OVER (PARTITION BY ws, day ORDER BY total DESC, type, name, source) AS rank
      FROM (SELECT *, sum(n) OVER (PARTITION BY ws, day, type, name, source) AS total FROM (${volumeGroups(where)}))
    ) WHERE true GROUP BY 1, 2, 4, 5, 6
    ON CONFLICT DO UPDATE SET count = count + excluded.count`;
}

/**
 * Takes the events `where` selects out of the volume counters, each under its own key; where
 * the day had counted it past its cap, the reading (volumeFromCounters) takes the shortfall
 * from the overflow row. Run it in the transaction that deletes them, before the delete.
 */
export function subtractVolumeSql(where: string): string {
  return `INSERT INTO quality_counters (workspace_id, day, kind, subject, detail, variant, count)
    SELECT ws, day, 'volume', json_array(type, name, source), late, '', -n FROM (${volumeGroups(where)}) WHERE true
    ON CONFLICT DO UPDATE SET count = count + excluded.count`;
}
