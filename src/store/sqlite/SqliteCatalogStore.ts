import type { Item } from '../../core/catalog/Item.js';
import { itemSearchText, normalizeSearchText } from '../../core/catalog/itemSearch.js';
import { itemEventNames } from '../../core/catalog/productIds.js';
import type { CatalogStore, ItemListOptions, ItemPage, UnknownItem, UnknownItemsOptions } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { seqBeforeArrival } from './seqBeforeArrival.js';
import { writeTransaction } from './writeTransaction.js';

/** Largest integer JavaScript reads exactly: productIdsOf takes only those as ids. */
const maxSafeInteger = Number.MAX_SAFE_INTEGER;

/**
 * An id as productIdsOf reads it, in SQL: text as is, an integer (or a real with no fraction)
 * within JavaScript's safe range as its decimal text, anything else null.
 */
const idExpression = (value: string, type: string): string => `CASE
    WHEN ${type} = 'text' THEN nullif(${value}, '')
    WHEN ${type} IN ('integer', 'real') AND ${value} = CAST(${value} AS INTEGER) AND abs(${value}) <= ${maxSafeInteger} THEN CAST(CAST(${value} AS INTEGER) AS TEXT)
  END`;

/**
 * The catalog on SQLite: `catalog_items`, one JSON document per item beside its search text.
 * The unknown-item report reads the event log: one pass over the workspace's item events
 * (filtered on the `name` column before any JSON is read), grouped in SQL.
 */
export class SqliteCatalogStore implements CatalogStore {
  private readonly stmts;
  private readonly putTx;
  private readonly deleteTx;

  constructor(db: SqliteDatabase) {
    // Constants of the code, not input: quoted as SQL literals so the statement has named parameters only.
    const names = `(${itemEventNames.map((n) => `'${n.replaceAll("'", "''")}'`).join(', ')})`;
    this.stmts = {
      get: db.prepare('SELECT item FROM catalog_items WHERE workspace_id = ? AND id = ?').pluck(),
      getMany: db.prepare('SELECT id, item FROM catalog_items WHERE workspace_id = ? AND id IN (SELECT value FROM json_each(?))'),
      put: db.prepare('INSERT INTO catalog_items (workspace_id, id, item, search) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET item = excluded.item, search = excluded.search'),
      remove: db.prepare('DELETE FROM catalog_items WHERE workspace_id = ? AND id = ?'),
      page: db.prepare('SELECT id, item FROM catalog_items WHERE workspace_id = ? AND id > ? ORDER BY id LIMIT ?'),
      searchPage: db.prepare('SELECT id, item FROM catalog_items WHERE workspace_id = ? AND id > ? AND instr(search, ?) > 0 ORDER BY id LIMIT ?'),
      count: db.prepare('SELECT count(*) FROM catalog_items WHERE workspace_id = ?').pluck(),
      searchCount: db.prepare('SELECT count(*) FROM catalog_items WHERE workspace_id = ? AND instr(search, ?) > 0').pluck(),
      // The window is a range of the primary key (`+workspace_id` keeps SQLite from walking
      // events_profile instead, a random read per row); the properties are extracted once per
      // event (MATERIALIZED), so the two readings of ids parse them, not the whole body.
      unknown: db.prepare(`
        WITH item_events AS MATERIALIZED (
          SELECT seq, timestamp, json_extract(body, '$.properties') AS properties FROM events
            WHERE seq > @after AND +workspace_id = @ws AND type = 'track' AND name IN ${names} AND received_at >= @since
        ), named AS (
          SELECT seq, timestamp, ${idExpression("json_extract(properties, '$.product_id')", "json_type(properties, '$.product_id')")} AS item_id
            FROM item_events
          UNION
          SELECT seq, timestamp, ${idExpression("json_extract(line.value, '$.product_id')", "json_type(line.value, '$.product_id')")}
            FROM item_events, json_each(item_events.properties, '$.products') AS line
            WHERE json_type(item_events.properties, '$.products') = 'array' AND line.type = 'object'
        )
        SELECT item_id, count(*) AS events, max(timestamp) AS last_seen FROM named
          WHERE item_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM catalog_items c WHERE c.workspace_id = @ws AND c.id = named.item_id)
          GROUP BY item_id ORDER BY events DESC, last_seen DESC, item_id LIMIT @limit`),
      seqAt: db.prepare('SELECT seq, received_at FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1'),
      lastSeq: db.prepare('SELECT coalesce(max(seq), 0) FROM events').pluck(),
    };
    this.putTx = writeTransaction(db, (workspaceId: string, items: readonly Item[]) => items.map((item) => {
      const existed = this.stmts.get.get(workspaceId, item.id) !== undefined;
      this.stmts.put.run(workspaceId, item.id, JSON.stringify(item), itemSearchText(item));
      return existed ? 'updated' as const : 'created' as const;
    }));
    this.deleteTx = writeTransaction(db, (workspaceId: string, ids: readonly string[]) => ids.map((id) => this.stmts.remove.run(workspaceId, id).changes > 0));
  }

  async putItems(workspaceId: string, items: readonly Item[]): Promise<('created' | 'updated')[]> {
    return this.putTx(workspaceId, items);
  }

  async getItems(workspaceId: string, ids: readonly string[]): Promise<(Item | undefined)[]> {
    if (ids.length === 0) return [];
    const rows = this.stmts.getMany.all(workspaceId, JSON.stringify(ids)) as { id: string; item: string }[];
    const byId = new Map(rows.map((r) => [r.id, r.item]));
    // Parsed once per id found, then shared by repeats: callers treat items as read-only.
    const parsed = new Map<string, Item>();
    return ids.map((id) => {
      const json = byId.get(id);
      if (json === undefined) return undefined;
      let item = parsed.get(id);
      if (item === undefined) parsed.set(id, item = JSON.parse(json) as Item);
      return item;
    });
  }

  async deleteItems(workspaceId: string, ids: readonly string[]): Promise<boolean[]> {
    return this.deleteTx(workspaceId, ids);
  }

  async listItems(workspaceId: string, options: ItemListOptions): Promise<ItemPage> {
    const after = options.after ?? '';
    const query = normalizeSearchText(options.query ?? '');
    // One row more than asked tells whether there is a next page.
    const rows = (query.length === 0
      ? this.stmts.page.all(workspaceId, after, options.limit + 1)
      : this.stmts.searchPage.all(workspaceId, after, query, options.limit + 1)) as { id: string; item: string }[];
    const page = rows.slice(0, options.limit);
    return { items: page.map((r) => JSON.parse(r.item) as Item), next: rows.length > options.limit ? page[page.length - 1]!.id : null };
  }

  async countItems(workspaceId: string, query?: string): Promise<number> {
    const q = normalizeSearchText(query ?? '');
    return (q.length === 0 ? this.stmts.count.get(workspaceId) : this.stmts.searchCount.get(workspaceId, q)) as number;
  }

  async unknownItems(workspaceId: string, options: UnknownItemsOptions): Promise<UnknownItem[]> {
    const since = options.since ?? -Number.MAX_SAFE_INTEGER;
    // A range of the primary key instead of the whole log: the work follows the window's traffic.
    const after = options.since === undefined ? 0 : seqBeforeArrival(this.stmts.seqAt, this.stmts.lastSeq.get() as number, since);
    const rows = this.stmts.unknown.all({ ws: workspaceId, limit: options.limit, after, since }) as { item_id: string; events: number; last_seen: number }[];
    return rows.map((r) => ({ itemId: r.item_id, events: r.events, lastSeen: r.last_seen }));
  }
}
