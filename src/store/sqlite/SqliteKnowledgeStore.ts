import type { ConsentSettings } from '../../core/consent/ConsentState.js';
import type { FeatureDefinition } from '../../core/features/FeatureDefinition.js';
import { dataQualityView, type DataQuality, type DataQualityView } from '../../core/knowledge/dataQuality.js';
import { emptyKnowledge, type KnowledgeState } from '../../core/knowledge/KnowledgeState.js';
import type { SegmentDefinition } from '../../core/segments/SegmentDefinition.js';
import type { SegmentDayChanges } from '../../core/segments/segmentHistory.js';
import type { Statement } from 'better-sqlite3';
import type { ConsentRecord, DefinitionChange, DefinitionChangeResult, DefinitionChanges, KnowledgeConfigStore, KnowledgeReader, ProfileKnowledgeRow, SegmentEntries, SegmentMember, SegmentPairCount, StoredPredictionModel } from '../ports.js';
import { knowledgeCodec } from './knowledgeCodec.js';
import type { SqliteDatabase } from './openDatabase.js';
import { segmentKey } from './SqliteStateStore.js';
import { writeTransaction } from './writeTransaction.js';

interface KnowledgeRow {
  readonly knowledge: string;
  readonly packed: Buffer | null;
  readonly traits: string;
  readonly first_seen: number;
  readonly last_seen: number;
}

function knowledgeOf(row: KnowledgeRow) {
  const state: KnowledgeState = { ...emptyKnowledge(), ...knowledgeCodec.decode(row.knowledge, row.packed) };
  return { state, traits: JSON.parse(row.traits) as Record<string, unknown>, firstSeen: row.first_seen, lastSeen: row.last_seen };
}

/** Feature and segment definitions, and the reads of profiles' knowledge, on SQLite. */
export class SqliteKnowledgeStore implements KnowledgeConfigStore, KnowledgeReader {
  private readonly stmts;
  private readonly putTx;
  private readonly deleteTx;
  private readonly saveTx;
  private readonly predictionTx;

  constructor(db: SqliteDatabase) {
    this.stmts = {
      version: db.prepare('SELECT config_version FROM workspaces WHERE id = ?').pluck(),
      bump: db.prepare('UPDATE workspaces SET config_version = config_version + 1 WHERE id = ?'),
      consent: db.prepare('SELECT consent FROM workspaces WHERE id = ?').pluck(),
      setConsent: db.prepare('UPDATE workspaces SET consent = ?, config_version = config_version + 1 WHERE id = ?'),
      listFeatures: db.prepare('SELECT definition FROM feature_definitions WHERE workspace_id = ? ORDER BY created_at, name').pluck(),
      putFeature: db.prepare(
        'INSERT INTO feature_definitions (workspace_id, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at',
      ),
      featureExists: db.prepare('SELECT 1 FROM feature_definitions WHERE workspace_id = ? AND name = ?').pluck(),
      featureJson: db.prepare('SELECT definition FROM feature_definitions WHERE workspace_id = ? AND name = ?').pluck(),
      segmentJson: db.prepare('SELECT definition FROM segment_definitions WHERE workspace_id = ? AND id = ?').pluck(),
      segmentExists: db.prepare('SELECT 1 FROM segment_definitions WHERE workspace_id = ? AND id = ?').pluck(),
      deleteFeature: db.prepare('DELETE FROM feature_definitions WHERE workspace_id = ? AND name = ?'),
      listSegments: db.prepare('SELECT definition FROM segment_definitions WHERE workspace_id = ? ORDER BY created_at, id').pluck(),
      putSegment: db.prepare(
        'INSERT INTO segment_definitions (workspace_id, id, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at',
      ),
      deleteSegment: db.prepare('DELETE FROM segment_definitions WHERE workspace_id = ? AND id = ?'),
      dropMembers: db.prepare(`DELETE FROM segment_members WHERE segment_key = ${segmentKey}`),
      knowledge: db.prepare("SELECT coalesce(k.state, '{}') AS knowledge, k.packed, p.traits, p.first_seen, p.last_seen FROM profiles p LEFT JOIN profile_knowledge k ON k.workspace_id = p.workspace_id AND k.profile_id = p.id WHERE p.workspace_id = ? AND p.id = ?"),
      size: db.prepare(`SELECT count(*) FROM segment_members WHERE segment_key = ${segmentKey}`).pluck(),
      members: db.prepare(`SELECT profile_id AS profileId, entered_at AS enteredAt FROM segment_members WHERE segment_key = ${segmentKey} AND profile_id > ? ORDER BY profile_id LIMIT ?`),
      // Through the index by segment and time (migration 'segment_changes_segment').
      entries: db.prepare(
        "SELECT max(d.updated_at, ?) AS start, (SELECT count(DISTINCT c.profile_id) FROM segment_changes c WHERE c.workspace_id = d.workspace_id AND c.segment_id = d.id AND c.kind = 'enter' AND c.at > max(d.updated_at, ?)) AS entries "
        + 'FROM segment_definitions d WHERE d.workspace_id = ? AND d.id = ?',
      ),
      byDay: db.prepare(
        "SELECT (at / 86400000) * 86400000 AS day, sum(kind = 'enter') AS entries, sum(kind = 'leave') AS exits FROM segment_changes "
        + 'WHERE workspace_id = ? AND segment_id = ? AND at >= ? GROUP BY day ORDER BY day',
      ),
      // A scan of the workspace's knowledge, for an admin read: the figures live with each profile, so a rebuild restores them.
      // Through the primary key: for each member of the first segment, a lookup in the second.
      shared: db.prepare(
        `SELECT count(*) FROM segment_members x JOIN segment_members y ON y.segment_key = ${segmentKey} AND y.profile_id = x.profile_id `
        + `WHERE x.segment_key = ${segmentKey}`,
      ).pluck(),
      profileCount: db.prepare('SELECT count(*) FROM profiles WHERE workspace_id = ? AND merged_into IS NULL').pluck(),
      profileKnowledge: db.prepare(
        "SELECT p.id, coalesce(k.state, '{}') AS knowledge, k.packed, p.traits, p.first_seen, p.last_seen FROM profiles p "
        + 'LEFT JOIN profile_knowledge k ON k.workspace_id = p.workspace_id AND k.profile_id = p.id '
        + 'WHERE p.workspace_id = ? AND p.merged_into IS NULL AND p.id > ? ORDER BY p.id LIMIT ?',
      ),
      quality: db.prepare("SELECT json_extract(state, '$.q') FROM profile_knowledge WHERE workspace_id = ? AND json_extract(state, '$.q') IS NOT NULL").pluck(),
      consentChanges: db.prepare('SELECT purpose, granted, source, at FROM consent_changes WHERE workspace_id = ? AND profile_id = ? ORDER BY at DESC, rowid DESC LIMIT ?'),
      putPrediction: db.prepare('INSERT INTO prediction_models (workspace_id, version, created_at, model) VALUES (?, ?, ?, ?)'),
      latestPrediction: db.prepare('SELECT version, created_at AS createdAt, model AS json FROM prediction_models WHERE workspace_id = ? ORDER BY version DESC LIMIT 1'),
      predictionVersions: db.prepare('SELECT version, created_at AS createdAt FROM prediction_models WHERE workspace_id = ? ORDER BY version DESC'),
      prunePredictions: db.prepare('DELETE FROM prediction_models WHERE workspace_id = ? AND version NOT IN (SELECT version FROM prediction_models WHERE workspace_id = ? ORDER BY version DESC LIMIT ?)'),
    };
    this.predictionTx = writeTransaction(db, (workspaceId: string, model: StoredPredictionModel, keep: number) => {
      this.stmts.putPrediction.run(workspaceId, model.version, model.createdAt, model.json);
      this.stmts.prunePredictions.run(workspaceId, workspaceId, Math.max(1, keep));
      this.stmts.bump.run(workspaceId);
    });
    // A write and its version bump commit together, so a reader never sees one without the other.
    this.putTx = writeTransaction(db, (workspaceId: string, table: 'feature' | 'segment', key: string, json: string, at: number): boolean => {
      const existed = (table === 'feature' ? this.stmts.featureExists : this.stmts.segmentExists).get(workspaceId, key) !== undefined;
      (table === 'feature' ? this.stmts.putFeature : this.stmts.putSegment).run(workspaceId, key, json, at, at);
      this.stmts.bump.run(workspaceId);
      return !existed;
    });
    this.deleteTx = writeTransaction(db, (workspaceId: string, table: 'feature' | 'segment', key: string): boolean => {
      const deleted = (table === 'feature' ? this.stmts.deleteFeature : this.stmts.deleteSegment).run(workspaceId, key).changes > 0;
      if (table === 'segment') this.stmts.dropMembers.run(workspaceId, key);
      if (deleted) this.stmts.bump.run(workspaceId);
      return deleted;
    });
    this.saveTx = writeTransaction(db, (workspaceId: string, changes: DefinitionChanges, at: number): DefinitionChangeResult => {
      const s = this.stmts;
      const features: Record<string, DefinitionChange> = {};
      const segments: Record<string, DefinitionChange> = {};
      const put = (key: string, json: string, existing: Statement, write: Statement): DefinitionChange => {
        const before = existing.get(workspaceId, key) as string | undefined;
        if (before === json) return 'unchanged';
        write.run(workspaceId, key, json, at, at);
        return before === undefined ? 'created' : 'updated';
      };
      for (const def of changes.putFeatures ?? []) features[def.name] = put(def.name, JSON.stringify(def), s.featureJson, s.putFeature);
      for (const def of changes.putSegments ?? []) segments[def.id] = put(def.id, JSON.stringify(def), s.segmentJson, s.putSegment);
      for (const name of changes.deleteFeatures ?? []) {
        if (s.deleteFeature.run(workspaceId, name).changes > 0) features[name] = 'deleted';
      }
      for (const id of changes.deleteSegments ?? []) {
        if (s.deleteSegment.run(workspaceId, id).changes > 0) segments[id] = 'deleted';
        s.dropMembers.run(workspaceId, id);
      }
      const changed = [...Object.values(features), ...Object.values(segments)].some((c) => c !== 'unchanged');
      if (changed) s.bump.run(workspaceId);
      return { features, segments };
    });
  }

  async savePredictionModel(workspaceId: string, model: StoredPredictionModel, keep: number): Promise<void> {
    this.predictionTx(workspaceId, model, keep);
  }

  async predictionModel(workspaceId: string): Promise<StoredPredictionModel | undefined> {
    return this.stmts.latestPrediction.get(workspaceId) as StoredPredictionModel | undefined;
  }

  async predictionModelVersions(workspaceId: string): Promise<{ version: number; createdAt: number }[]> {
    return this.stmts.predictionVersions.all(workspaceId) as { version: number; createdAt: number }[];
  }

  async consentSettings(workspaceId: string): Promise<ConsentSettings | null> {
    const json = this.stmts.consent.get(workspaceId) as string | null | undefined;
    return json == null ? null : (JSON.parse(json) as ConsentSettings);
  }

  async setConsentSettings(workspaceId: string, settings: ConsentSettings | null): Promise<void> {
    this.stmts.setConsent.run(settings === null ? null : JSON.stringify(settings), workspaceId);
  }

  async configVersion(workspaceId: string): Promise<number> {
    return (this.stmts.version.get(workspaceId) as number | undefined) ?? 0;
  }

  async listFeatures(workspaceId: string): Promise<FeatureDefinition[]> {
    return (this.stmts.listFeatures.all(workspaceId) as string[]).map((json) => JSON.parse(json) as FeatureDefinition);
  }

  async putFeature(workspaceId: string, definition: FeatureDefinition, at: number): Promise<'created' | 'updated'> {
    return this.putTx(workspaceId, 'feature', definition.name, JSON.stringify(definition), at) ? 'created' : 'updated';
  }

  async deleteFeature(workspaceId: string, name: string): Promise<boolean> {
    return this.deleteTx(workspaceId, 'feature', name);
  }

  async listSegments(workspaceId: string): Promise<SegmentDefinition[]> {
    return (this.stmts.listSegments.all(workspaceId) as string[]).map((json) => JSON.parse(json) as SegmentDefinition);
  }

  async putSegment(workspaceId: string, definition: SegmentDefinition, at: number): Promise<'created' | 'updated'> {
    return this.putTx(workspaceId, 'segment', definition.id, JSON.stringify(definition), at) ? 'created' : 'updated';
  }

  async deleteSegment(workspaceId: string, id: string): Promise<boolean> {
    return this.deleteTx(workspaceId, 'segment', id);
  }

  async saveDefinitions(workspaceId: string, changes: DefinitionChanges, at: number): Promise<DefinitionChangeResult> {
    return this.saveTx(workspaceId, changes, at);
  }

  async knowledge(workspaceId: string, profileId: string) {
    const row = this.stmts.knowledge.get(workspaceId, profileId) as KnowledgeRow | undefined;
    return row === undefined ? undefined : knowledgeOf(row);
  }

  async profileKnowledge(workspaceId: string, afterProfileId: string, limit: number): Promise<ProfileKnowledgeRow[]> {
    return (this.stmts.profileKnowledge.all(workspaceId, afterProfileId, limit) as (KnowledgeRow & { id: string })[])
      .map((row) => ({ profileId: row.id, ...knowledgeOf(row) }));
  }

  async profileCount(workspaceId: string): Promise<number> {
    return this.stmts.profileCount.get(workspaceId) as number;
  }

  async segmentPairCounts(workspaceId: string, segmentIds: readonly string[]): Promise<SegmentPairCount[]> {
    const sizes = new Map(segmentIds.map((id) => [id, this.stmts.size.get(workspaceId, id) as number]));
    const pairs: SegmentPairCount[] = [];
    for (let i = 0; i < segmentIds.length; i += 1) {
      for (let j = i + 1; j < segmentIds.length; j += 1) {
        const [a, b] = [segmentIds[i]!, segmentIds[j]!];
        // Walk the smaller segment's members and look each up in the larger one.
        const [small, large] = sizes.get(a)! <= sizes.get(b)! ? [a, b] : [b, a];
        pairs.push({ a, b, both: this.stmts.shared.get(workspaceId, large, workspaceId, small) as number });
      }
    }
    return pairs;
  }

  async segmentSize(workspaceId: string, segmentId: string): Promise<number> {
    return this.stmts.size.get(workspaceId, segmentId) as number;
  }

  async segmentMembers(workspaceId: string, segmentId: string, afterProfileId: string, limit: number): Promise<SegmentMember[]> {
    return this.stmts.members.all(workspaceId, segmentId, afterProfileId, limit) as SegmentMember[];
  }

  async segmentEntries(workspaceId: string, segmentId: string, since: number): Promise<SegmentEntries | undefined> {
    const row = this.stmts.entries.get(since, since, workspaceId, segmentId) as { start: number; entries: number } | undefined;
    return row === undefined ? undefined : { entries: row.entries, from: row.start };
  }

  async segmentChangesByDay(workspaceId: string, segmentId: string, since: number): Promise<SegmentDayChanges[]> {
    return this.stmts.byDay.all(workspaceId, segmentId, since) as SegmentDayChanges[];
  }

  async dataQuality(workspaceId: string): Promise<DataQualityView> {
    const rows = this.stmts.quality.iterate(workspaceId) as IterableIterator<string>;
    return dataQualityView((function* () {
      for (const json of rows) yield JSON.parse(json) as DataQuality;
    })());
  }

  async consentHistory(workspaceId: string, profileId: string, limit: number): Promise<ConsentRecord[]> {
    return (this.stmts.consentChanges.all(workspaceId, profileId, limit) as { purpose: string; granted: number; source: string; at: number }[])
      .map((r) => ({ purpose: r.purpose, granted: r.granted === 1, source: r.source, at: r.at }));
  }
}
