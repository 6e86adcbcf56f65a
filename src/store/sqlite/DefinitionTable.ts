import type { SqliteDatabase } from './openDatabase.js';
import { writeTransaction } from './writeTransaction.js';

/**
 * One table of versioned definitions (id, JSON definition, created and updated times): put and
 * delete bump the workspace's config version in the same transaction, so compiled models
 * everywhere see the change at their next version check.
 */
export class DefinitionTable<T extends { readonly id: string }> {
  private readonly listStmt;
  private readonly putTx;
  private readonly deleteTx;

  constructor(db: SqliteDatabase, table: string) {
    this.listStmt = db.prepare(`SELECT definition FROM ${table} WHERE workspace_id = ? ORDER BY id`).pluck();
    const exists = db.prepare(`SELECT 1 FROM ${table} WHERE workspace_id = ? AND id = ?`).pluck();
    const put = db.prepare(`INSERT INTO ${table} (workspace_id, id, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`);
    const remove = db.prepare(`DELETE FROM ${table} WHERE workspace_id = ? AND id = ?`);
    const bump = db.prepare('UPDATE workspaces SET config_version = config_version + 1 WHERE id = ?');
    this.putTx = writeTransaction(db, (workspaceId: string, id: string, json: string, at: number): boolean => {
      const existed = exists.get(workspaceId, id) !== undefined;
      put.run(workspaceId, id, json, at, at);
      bump.run(workspaceId);
      return !existed;
    });
    this.deleteTx = writeTransaction(db, (workspaceId: string, id: string): boolean => {
      const deleted = remove.run(workspaceId, id).changes > 0;
      if (deleted) bump.run(workspaceId);
      return deleted;
    });
  }

  list(workspaceId: string): T[] {
    return (this.listStmt.all(workspaceId) as string[]).map((json) => JSON.parse(json) as T);
  }

  put(workspaceId: string, definition: T, at: number): 'created' | 'updated' {
    return this.putTx(workspaceId, definition.id, JSON.stringify(definition), at) ? 'created' : 'updated';
  }

  delete(workspaceId: string, id: string): boolean {
    return this.deleteTx(workspaceId, id);
  }
}
