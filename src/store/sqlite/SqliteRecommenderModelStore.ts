import type { NewRecommenderModel, RecommenderModelInfo, RecommenderModelStore, StoredRecommenderModel } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { writeTransaction } from './writeTransaction.js';

/** Payloads are stored in parts of this size: SQLite's largest value is 1 GB (SQLITE_MAX_LENGTH). */
export const MODEL_PART_BYTES = 64 * 1024 * 1024;

interface ModelRow {
  version: number;
  kind: string;
  created_at: number;
  trained_from_seq: number;
  metrics: string;
  payload_bytes: number;
  active: number;
}

const info = (row: ModelRow): RecommenderModelInfo => ({
  version: row.version, kind: row.kind, createdAt: row.created_at, trainedFromSeq: row.trained_from_seq,
  metrics: JSON.parse(row.metrics) as Record<string, unknown>, payloadBytes: row.payload_bytes, active: row.active === 1,
});

/**
 * Trained recommender models on SQLite: `recommender_models` (one row per version, listed
 * without touching payloads) and `recommender_model_parts` (the payload in 64 MB parts).
 * Saving, activating and deleting are each one transaction.
 */
export class SqliteRecommenderModelStore implements RecommenderModelStore {
  private readonly stmts;
  private readonly saveTx;
  private readonly activateTx;
  private readonly deleteTx;

  constructor(db: SqliteDatabase) {
    const columns = 'version, kind, created_at, trained_from_seq, metrics, payload_bytes, active';
    this.stmts = {
      insert: db.prepare('INSERT INTO recommender_models (workspace_id, version, kind, created_at, trained_from_seq, metrics, payload_bytes, active) VALUES (?, ?, ?, ?, ?, ?, ?, 0)'),
      insertPart: db.prepare('INSERT INTO recommender_model_parts (workspace_id, version, part, bytes) VALUES (?, ?, ?, ?)'),
      list: db.prepare(`SELECT ${columns} FROM recommender_models WHERE workspace_id = ? ORDER BY version DESC`),
      get: db.prepare(`SELECT ${columns} FROM recommender_models WHERE workspace_id = ? AND version = ?`),
      active: db.prepare(`SELECT ${columns} FROM recommender_models WHERE workspace_id = ? AND active = 1`),
      activeVersion: db.prepare('SELECT version FROM recommender_models WHERE workspace_id = ? AND active = 1').pluck(),
      parts: db.prepare('SELECT bytes FROM recommender_model_parts WHERE workspace_id = ? AND version = ? ORDER BY part').pluck(),
      deactivate: db.prepare('UPDATE recommender_models SET active = 0 WHERE workspace_id = ? AND active = 1'),
      setActive: db.prepare('UPDATE recommender_models SET active = 1 WHERE workspace_id = ? AND version = ?'),
      old: db.prepare('SELECT version FROM recommender_models WHERE workspace_id = ? AND active = 0 AND version NOT IN (SELECT version FROM recommender_models WHERE workspace_id = ? ORDER BY version DESC LIMIT ?) ORDER BY version DESC').pluck(),
      remove: db.prepare('DELETE FROM recommender_models WHERE workspace_id = ? AND version = ?'),
      removeParts: db.prepare('DELETE FROM recommender_model_parts WHERE workspace_id = ? AND version = ?'),
    };
    this.saveTx = writeTransaction(db, (workspaceId: string, model: NewRecommenderModel) => {
      const { payload } = model;
      this.stmts.insert.run(workspaceId, model.version, model.kind, model.createdAt, model.trainedFromSeq, JSON.stringify(model.metrics), payload.byteLength);
      for (let part = 0, at = 0; at < payload.byteLength || part === 0; part++, at += MODEL_PART_BYTES) {
        const bytes = payload.subarray(at, Math.min(payload.byteLength, at + MODEL_PART_BYTES));
        this.stmts.insertPart.run(workspaceId, model.version, part, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      }
    });
    this.activateTx = writeTransaction(db, (workspaceId: string, version: number) => {
      if (this.stmts.get.get(workspaceId, version) === undefined) return false;
      this.stmts.deactivate.run(workspaceId);
      this.stmts.setActive.run(workspaceId, version);
      return true;
    });
    this.deleteTx = writeTransaction(db, (workspaceId: string, keep: number) => {
      const versions = this.stmts.old.all(workspaceId, workspaceId, Math.max(0, keep)) as number[];
      for (const version of versions) {
        this.stmts.removeParts.run(workspaceId, version);
        this.stmts.remove.run(workspaceId, version);
      }
      return versions;
    });
  }

  async saveModel(workspaceId: string, model: NewRecommenderModel): Promise<void> {
    this.saveTx(workspaceId, model);
  }

  async listModels(workspaceId: string): Promise<RecommenderModelInfo[]> {
    return (this.stmts.list.all(workspaceId) as ModelRow[]).map(info);
  }

  async activeVersion(workspaceId: string): Promise<number | null> {
    return (this.stmts.activeVersion.get(workspaceId) as number | undefined) ?? null;
  }

  async activeModel(workspaceId: string): Promise<StoredRecommenderModel | undefined> {
    return this.withPayload(workspaceId, this.stmts.active.get(workspaceId) as ModelRow | undefined);
  }

  async getModel(workspaceId: string, version: number): Promise<StoredRecommenderModel | undefined> {
    return this.withPayload(workspaceId, this.stmts.get.get(workspaceId, version) as ModelRow | undefined);
  }

  async activate(workspaceId: string, version: number): Promise<boolean> {
    return this.activateTx(workspaceId, version);
  }

  async deleteOldModels(workspaceId: string, keep: number): Promise<number[]> {
    return this.deleteTx(workspaceId, keep);
  }

  private withPayload(workspaceId: string, row: ModelRow | undefined): StoredRecommenderModel | undefined {
    if (row === undefined) return undefined;
    const parts = this.stmts.parts.all(workspaceId, row.version) as Buffer[];
    // One part (any model under 64 MB) is returned as read; several are joined once.
    const payload = parts.length === 1 ? new Uint8Array(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.byteLength) : new Uint8Array(Buffer.concat(parts));
    return { ...info(row), payload };
  }
}
