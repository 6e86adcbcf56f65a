import type { Actor, ActorKind, ActorOrigin } from '../../core/audit/Actor.js';
import type { AuditDraft, AuditEntry, ChainHead } from '../../core/audit/AuditEntry.js';
import { canonicalJson } from '../../core/audit/canonicalJson.js';
import { chainEntry, type HashText } from '../../core/audit/hashChain.js';
import type { JsonChange } from '../../core/audit/jsonDiff.js';
import type { AuditPurge, AuditQuery, AuditStore, NewPersonKey } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { writeTransaction } from './writeTransaction.js';

interface EntryRow {
  workspace_id: string;
  seq: number;
  at: number;
  actor_kind: string;
  actor_id: string;
  action: string;
  target_kind: string;
  target_id: string;
  detail: string;
  prev_hash: string | null;
  hash: string;
}

/** The fields of an entry that have no column of their own. */
interface Detail {
  readonly role?: string;
  readonly origin: ActorOrigin;
  readonly changes?: readonly JsonChange[];
  readonly subject?: string;
}

const columns = 'workspace_id, seq, at, actor_kind, actor_id, action, target_kind, target_id, detail, prev_hash, hash';

/**
 * Rebuilt from every column as stored, so that whatever was edited in the file is what
 * verification hashes (nothing is taken from a second copy).
 */
function entryOf(row: EntryRow): AuditEntry {
  const detail = JSON.parse(row.detail) as Detail;
  const actor: Actor = { kind: row.actor_kind as ActorKind, id: row.actor_id, ...(detail.role === undefined ? {} : { role: detail.role }) };
  return {
    workspaceId: row.workspace_id, seq: row.seq, at: row.at, actor, origin: detail.origin, action: row.action,
    target: { kind: row.target_kind, id: row.target_id },
    ...(detail.changes === undefined ? {} : { changes: detail.changes }),
    ...(detail.subject === undefined ? {} : { subject: detail.subject }),
    prevHash: row.prev_hash, hash: row.hash,
  };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The audit trail on SQLite (`audit_entries`, `audit_heads`, `audit_keys`). An append is one
 * immediate transaction (it takes the write lock before it reads the head), so a server and a
 * CLI on the same file never number two entries alike.
 */
export class SqliteAuditStore implements AuditStore {
  private readonly stmts;
  private readonly appendTx;
  private readonly personKeyTx;
  private readonly purgeTx;

  constructor(private readonly db: SqliteDatabase, hash: HashText) {
    this.stmts = {
      head: db.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM audit_heads WHERE workspace_id = ?'),
      insert: db.prepare(`INSERT INTO audit_entries (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      firstHead: db.prepare('INSERT INTO audit_heads (workspace_id, seq, hash) VALUES (?, ?, ?)'),
      moveHead: db.prepare('UPDATE audit_heads SET seq = ?, hash = ? WHERE workspace_id = ?'),
      page: db.prepare<[string, number, number], EntryRow>(`SELECT ${columns} FROM audit_entries WHERE workspace_id = ? AND seq > ? ORDER BY seq LIMIT ?`),
      insertKey: db.prepare('INSERT OR IGNORE INTO audit_keys (workspace_id, secret, created_at) VALUES (?, ?, ?)'),
      key: db.prepare<[string], string>('SELECT secret FROM audit_keys WHERE workspace_id = ?').pluck(),
      anchor: db.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM audit_anchors WHERE workspace_id = ?'),
      firstKept: db.prepare<[string, number], number | null>('SELECT min(seq) FROM audit_entries WHERE workspace_id = ? AND at >= ?').pluck(),
      hashAt: db.prepare<[string, number], string>('SELECT hash FROM audit_entries WHERE workspace_id = ? AND seq = ?').pluck(),
      countUpTo: db.prepare<[string, number], number>('SELECT count(*) FROM audit_entries WHERE workspace_id = ? AND seq <= ?').pluck(),
      oldestAfter: db.prepare<[string, number], number | null>('SELECT min(at) FROM audit_entries WHERE workspace_id = ? AND seq > ?').pluck(),
      setAnchor: db.prepare('INSERT INTO audit_anchors (workspace_id, seq, hash, at) VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at'),
      deleteUpTo: db.prepare('DELETE FROM audit_entries WHERE workspace_id = ? AND seq <= ?'),
    };
    this.appendTx = writeTransaction(db, (draft: AuditDraft): AuditEntry => {
      const head = this.stmts.head.get(draft.workspaceId);
      const entry = chainEntry(head, draft, hash);
      const detail: Detail = { role: entry.actor.role, origin: entry.origin, changes: entry.changes, subject: entry.subject };
      this.stmts.insert.run(
        entry.workspaceId, entry.seq, entry.at, entry.actor.kind, entry.actor.id, entry.action, entry.target.kind, entry.target.id,
        canonicalJson(detail), entry.prevHash, entry.hash,
      );
      if (head === undefined) this.stmts.firstHead.run(entry.workspaceId, entry.seq, entry.hash);
      else this.stmts.moveHead.run(entry.seq, entry.hash, entry.workspaceId);
      return entry;
    });
    this.personKeyTx = writeTransaction(db, (workspaceId: string, create: () => NewPersonKey): string => {
      const stored = this.stmts.key.get(workspaceId);
      if (stored !== undefined) return stored;
      const made = create();
      this.stmts.insertKey.run(workspaceId, made.key, made.createdAt);
      return this.stmts.key.get(workspaceId)!;
    });
    this.purgeTx = writeTransaction(db, (workspaceId: string, before: number | null, at: number, dryRun: boolean, record: (purged: AuditPurge) => AuditDraft | null): AuditPurge => {
      const s = this.stmts;
      const anchored = s.anchor.get(workspaceId) ?? null;
      const head = s.head.get(workspaceId);
      // The prefix: every entry before the first one at or after the cut-off (all of them when none is).
      const firstKept = before === null ? null : s.firstKept.get(workspaceId, before) ?? null;
      const last = before === null || head === undefined ? 0 : firstKept === null ? head.seq : firstKept - 1;
      let purged: AuditPurge;
      if (last > (anchored?.seq ?? 0)) {
        const anchor = { seq: last, hash: s.hashAt.get(workspaceId, last)! };
        let removed: number;
        if (dryRun) removed = s.countUpTo.get(workspaceId, last)!;
        else {
          // The anchor first: the trigger lets only entries up to it be deleted.
          s.setAnchor.run(workspaceId, anchor.seq, anchor.hash, at);
          removed = s.deleteUpTo.run(workspaceId, last).changes;
        }
        purged = { removed, anchor, oldestKept: s.oldestAfter.get(workspaceId, last) ?? null };
      } else {
        purged = { removed: 0, anchor: anchored, oldestKept: s.oldestAfter.get(workspaceId, anchored?.seq ?? 0) ?? null };
      }
      const entry = dryRun ? null : record(purged);
      if (entry !== null) this.appendTx(entry);
      return purged;
    });
  }

  async append(draft: AuditDraft): Promise<AuditEntry> {
    return this.appendTx(draft);
  }

  async query(workspaceId: string, query: AuditQuery): Promise<AuditEntry[]> {
    const where = ['workspace_id = ?', 'seq > ?'];
    const params: (string | number)[] = [workspaceId, query.after ?? 0];
    if (query.actorKind !== undefined) { where.push('actor_kind = ?'); params.push(query.actorKind); }
    if (query.actorId !== undefined) { where.push('actor_id = ?'); params.push(query.actorId); }
    if (query.action !== undefined) {
      if (query.action.endsWith('.')) { where.push("action LIKE ? ESCAPE '\\'"); params.push(`${escapeLike(query.action)}%`); }
      else { where.push('action = ?'); params.push(query.action); }
    }
    if (query.targetKind !== undefined) { where.push('target_kind = ?'); params.push(query.targetKind); }
    if (query.targetId !== undefined) { where.push('target_id = ?'); params.push(query.targetId); }
    if (query.since !== undefined) { where.push('at >= ?'); params.push(query.since); }
    if (query.until !== undefined) { where.push('at < ?'); params.push(query.until); }
    params.push(query.limit);
    const rows = this.db.prepare<(string | number)[], EntryRow>(`SELECT ${columns} FROM audit_entries WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`).all(...params);
    return rows.map(entryOf);
  }

  async entries(workspaceId: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
    return this.stmts.page.all(workspaceId, afterSeq, limit).map(entryOf);
  }

  async head(workspaceId: string): Promise<ChainHead | null> {
    return this.stmts.head.get(workspaceId) ?? null;
  }

  async personKey(workspaceId: string, create: () => NewPersonKey): Promise<string> {
    return this.personKeyTx(workspaceId, create);
  }

  async anchor(workspaceId: string): Promise<ChainHead | null> {
    return this.stmts.anchor.get(workspaceId) ?? null;
  }

  /** Deleted with `secure_delete` on (openDatabase); the caller folds the write-ahead log back (`PrivacyStore.compact`). */
  async purge(workspaceId: string, before: number | null, options: { readonly at: number; readonly dryRun: boolean; readonly record: (purged: AuditPurge) => AuditDraft | null }): Promise<AuditPurge> {
    return this.purgeTx(workspaceId, before, options.at, options.dryRun, options.record);
  }
}
