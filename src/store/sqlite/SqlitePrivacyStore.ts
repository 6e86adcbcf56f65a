import type { IdentityKey, IdentityKind } from '../../core/identity/types.js';
import { outcomeContributions, withoutPart } from '../../core/privacy/outcomeContributions.js';
import type { PersonRef } from '../../core/privacy/PersonRef.js';
import type { MembershipChangeReason } from '../../core/segments/compileSegments.js';
import type {
  PersonKeys, PersonRecords, PersonRowCounts, PersonRowKind, PrivacyReceiptRecord, PrivacyStore, StoredEvent, SuppressionRecord,
} from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { decisionColumns, decisionFromRow, type DecisionRow } from './SqliteDecisionStore.js';
import { eventColumns, toStoredEvent, type EventRow } from './SqliteEventLog.js';
import { rankEventColumns, rankEventFromRow, type RankEventRow } from './SqliteRankEventStore.js';
import { profileColumns, profileFromRow, profileTables, type ProfileRow } from './SqliteStateStore.js';
import { subtractVolumeSql } from './volumeTallySql.js';
import { writeTransaction } from './writeTransaction.js';

/**
 * The person's rows of each per-person table, as SQL over JSON arrays bound as named
 * parameters: @ws, @profiles (profile ids), @users and @anons (identifier values), @needles
 * (identifier values as JSON strings, searched for in rank events). `where` selects them,
 * `count` counts them; the same clause deletes them, so what is counted is what is deleted.
 */
const personTables: readonly { readonly kind: PersonRowKind; readonly table: string; readonly where: string }[] = [
  {
    kind: 'events', table: 'events',
    where: `workspace_id = @ws AND (profile_id IN (SELECT value FROM json_each(@profiles))
      OR user_id IN (SELECT value FROM json_each(@users)) OR anonymous_id IN (SELECT value FROM json_each(@anons)))`,
  },
  { kind: 'profiles', table: 'profiles', where: 'workspace_id = @ws AND (id IN (SELECT value FROM json_each(@profiles)) OR merged_into IN (SELECT value FROM json_each(@profiles)))' },
  { kind: 'knowledge', table: 'profile_knowledge', where: 'workspace_id = @ws AND profile_id IN (SELECT value FROM json_each(@profiles))' },
  {
    kind: 'identities', table: 'identities',
    where: `workspace_id = @ws AND (profile_id IN (SELECT value FROM json_each(@profiles))
      OR (kind = 'user' AND value IN (SELECT value FROM json_each(@users))) OR (kind = 'anonymous' AND value IN (SELECT value FROM json_each(@anons))))`,
  },
  { kind: 'merges', table: 'profile_merges', where: 'workspace_id = @ws AND (survivor_id IN (SELECT value FROM json_each(@profiles)) OR absorbed_id IN (SELECT value FROM json_each(@profiles)))' },
  {
    kind: 'segmentMembers', table: 'segment_members',
    where: 'segment_key IN (SELECT id FROM segment_keys WHERE workspace_id = @ws) AND profile_id IN (SELECT value FROM json_each(@profiles))',
  },
  { kind: 'segmentChanges', table: 'segment_changes', where: 'workspace_id = @ws AND profile_id IN (SELECT value FROM json_each(@profiles))' },
  { kind: 'consentChanges', table: 'consent_changes', where: 'workspace_id = @ws AND profile_id IN (SELECT value FROM json_each(@profiles))' },
  { kind: 'decisions', table: 'decisions', where: 'workspace_id = @ws AND profile_id IN (SELECT value FROM json_each(@profiles))' },
  // Rank calls carry no person key: those whose context or actions name an identifier are the person's.
  {
    kind: 'rankEvents', table: 'rank_events',
    where: 'workspace_id = @ws AND EXISTS (SELECT 1 FROM json_each(@needles) n WHERE instr(rank_events.context, n.value) > 0 OR instr(rank_events.actions, n.value) > 0)',
  },
];

const kindsOf = (rows: readonly { kind: PersonRowKind }[]) => rows.map((r) => r.kind);

/**
 * Data-subject rights on SQLite. The connection deletes with `secure_delete` on (set for every
 * connection in openDatabase), so the rows an erasure deletes are overwritten with zeros in
 * their pages and in freed pages; `compact` then checkpoints the write-ahead log, whose frames
 * still hold the pages as they were before, and truncates it.
 */
export class SqlitePrivacyStore implements PrivacyStore {
  private readonly stmts;
  private readonly counts;
  private readonly deletes;

  constructor(private readonly db: SqliteDatabase) {
    this.stmts = {
      secret: db.prepare('SELECT secret FROM privacy_keys WHERE workspace_id = ?').pluck(),
      saveSecret: db.prepare('INSERT INTO privacy_keys (workspace_id, secret, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      identity: db.prepare('SELECT profile_id FROM identities WHERE workspace_id = ? AND kind = ? AND value = ?').pluck(),
      survivor: db.prepare('SELECT coalesce(merged_into, id) FROM profiles WHERE workspace_id = ? AND id = ?').pluck(),
      mergedInto: db.prepare('SELECT id FROM profiles WHERE workspace_id = ? AND merged_into = ? ORDER BY id').pluck(),
      identitiesOf: db.prepare('SELECT DISTINCT kind, value FROM identities WHERE workspace_id = ? AND profile_id IN (SELECT value FROM json_each(?)) ORDER BY kind DESC, value'),
      events: db.prepare(`SELECT ${eventColumns} FROM events WHERE ${personTables[0]!.where} ORDER BY seq`),
      profiles: db.prepare(`SELECT ${profileColumns} FROM ${profileTables} WHERE p.workspace_id = ? AND p.id IN (SELECT value FROM json_each(?)) ORDER BY p.merged_into IS NOT NULL, p.id`),
      identities: db.prepare('SELECT kind, value, profile_id, linked_at FROM identities WHERE workspace_id = ? AND profile_id IN (SELECT value FROM json_each(?)) ORDER BY linked_at, kind, value'),
      merges: db.prepare(`SELECT survivor_id, absorbed_id, merged_at FROM profile_merges WHERE ${personTables.find((t) => t.kind === 'merges')!.where} ORDER BY merged_at`),
      members: db.prepare(
        'SELECT k.segment_id, m.profile_id, m.entered_at FROM segment_keys k JOIN segment_members m ON m.segment_key = k.id '
        + 'WHERE k.workspace_id = ? AND m.profile_id IN (SELECT value FROM json_each(?)) ORDER BY k.segment_id',
      ),
      segmentChanges: db.prepare('SELECT segment_id, profile_id, kind, at, reason FROM segment_changes WHERE workspace_id = ? AND profile_id IN (SELECT value FROM json_each(?)) ORDER BY at, rowid'),
      consent: db.prepare('SELECT profile_id, purpose, granted, source, at FROM consent_changes WHERE workspace_id = ? AND profile_id IN (SELECT value FROM json_each(?)) ORDER BY at, rowid'),
      decisions: db.prepare(`SELECT ${decisionColumns} FROM decisions WHERE workspace_id = ? AND profile_id IN (SELECT value FROM json_each(?)) ORDER BY at, rowid`),
      rankEvents: db.prepare(`SELECT ${rankEventColumns} FROM rank_events WHERE ${personTables.find((t) => t.kind === 'rankEvents')!.where} ORDER BY id`),
      // The data-quality volume counts the events the log stores: erased ones leave it too.
      subtractVolume: db.prepare(subtractVolumeSql(personTables[0]!.where)),
      logEnd: db.prepare('INSERT INTO log_end (id, seq) SELECT 1, coalesce(max(seq), 0) FROM events WHERE true ON CONFLICT (id) DO UPDATE SET seq = max(seq, excluded.seq)'),
      outcome: db.prepare('SELECT conversions, conversion_value, conversion_value_m2 FROM action_outcomes WHERE workspace_id = ? AND action_id = ? AND placement_id = ?'),
      subtractOutcome: db.prepare(
        `UPDATE action_outcomes SET impressions = max(0, impressions - ?), clicks = max(0, clicks - ?), dismisses = max(0, dismisses - ?),
           conversions = ?, conversion_value = ?, conversion_value_m2 = ? WHERE workspace_id = ? AND action_id = ? AND placement_id = ?`,
      ),
      suppress: db.prepare('INSERT INTO suppressions (workspace_id, hash, kind, since) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      unsuppress: db.prepare('DELETE FROM suppressions WHERE workspace_id = ? AND hash = ?'),
      suppressions: db.prepare('SELECT hash, kind, since, dropped, last_dropped_at FROM suppressions WHERE workspace_id = ? ORDER BY since, hash'),
      countDropped: db.prepare('UPDATE suppressions SET dropped = dropped + ?, last_dropped_at = ? WHERE workspace_id = ? AND hash = ?'),
      saveReceipt: db.prepare('INSERT INTO privacy_receipts (workspace_id, id, kind, at, receipt) VALUES (?, ?, ?, ?, ?)'),
      receipts: db.prepare('SELECT id, kind, at, receipt FROM privacy_receipts WHERE workspace_id = ? ORDER BY at DESC, id DESC LIMIT ?'),
    };
    this.counts = personTables.map((t) => db.prepare(`SELECT count(*) FROM ${t.table} WHERE ${t.where}`).pluck());
    this.deletes = personTables.map((t) => db.prepare(`DELETE FROM ${t.table} WHERE ${t.where}`));
  }

  async secret(workspaceId: string, create: () => string, at: number): Promise<string> {
    const stored = this.stmts.secret.get(workspaceId) as string | undefined;
    if (stored !== undefined) return stored;
    this.stmts.saveSecret.run(workspaceId, create(), at);
    return this.stmts.secret.get(workspaceId) as string;
  }

  async survivorOf(workspaceId: string, ref: PersonRef): Promise<string | undefined> {
    const profileId = ref.kind === 'profile' ? ref.value : this.stmts.identity.get(workspaceId, ref.kind, ref.value) as string | undefined;
    return profileId === undefined ? undefined : this.stmts.survivor.get(workspaceId, profileId) as string | undefined;
  }

  async mergedInto(workspaceId: string, profileId: string): Promise<string[]> {
    return this.stmts.mergedInto.all(workspaceId, profileId) as string[];
  }

  async identitiesOf(workspaceId: string, profileIds: readonly string[]): Promise<IdentityKey[]> {
    return (this.stmts.identitiesOf.all(workspaceId, JSON.stringify(profileIds)) as { kind: IdentityKind; value: string }[]).map((r) => ({ kind: r.kind, value: r.value }));
  }

  async records(workspaceId: string, person: PersonKeys): Promise<PersonRecords> {
    const s = this.stmts;
    const ids = JSON.stringify(person.profileIds);
    const params = this.params(workspaceId, person);
    return {
      events: (s.events.all(params) as EventRow[]).map(toStoredEvent),
      profiles: (s.profiles.all(workspaceId, ids) as ProfileRow[]).map((r) => profileFromRow(workspaceId, r)),
      identities: (s.identities.all(workspaceId, ids) as { kind: IdentityKind; value: string; profile_id: string; linked_at: number }[])
        .map((r) => ({ key: { kind: r.kind, value: r.value }, profileId: r.profile_id, linkedAt: r.linked_at })),
      merges: (s.merges.all({ ws: params.ws, profiles: params.profiles }) as { survivor_id: string; absorbed_id: string; merged_at: number }[])
        .map((r) => ({ survivorId: r.survivor_id, absorbedId: r.absorbed_id, at: r.merged_at })),
      segmentMembers: (s.members.all(workspaceId, ids) as { segment_id: string; profile_id: string; entered_at: number }[])
        .map((r) => ({ segmentId: r.segment_id, profileId: r.profile_id, enteredAt: r.entered_at })),
      segmentChanges: (s.segmentChanges.all(workspaceId, ids) as { segment_id: string; profile_id: string; kind: 'enter' | 'leave'; at: number; reason: MembershipChangeReason | null }[])
        .map((r) => ({ segmentId: r.segment_id, profileId: r.profile_id, kind: r.kind, at: r.at, ...(r.reason === null ? {} : { reason: r.reason }) })),
      consentChanges: (s.consent.all(workspaceId, ids) as { profile_id: string; purpose: string; granted: number; source: string; at: number }[])
        .map((r) => ({ profileId: r.profile_id, purpose: r.purpose, granted: r.granted === 1, source: r.source, at: r.at })),
      decisions: (s.decisions.all(workspaceId, ids) as DecisionRow[]).map((r) => decisionFromRow(workspaceId, r)),
      rankEvents: (s.rankEvents.all(params) as RankEventRow[]).map(rankEventFromRow),
    };
  }

  async erase(workspaceId: string, person: PersonKeys): Promise<{ rows: PersonRowCounts; interactions: number }> {
    const params = this.params(workspaceId, person);
    return writeTransaction(this.db, () => {
      // Before the delete: the log's end stays where it was, whichever events go.
      this.stmts.logEnd.run();
      const interactions = this.subtractOutcomes(workspaceId, (this.stmts.events.all(params) as EventRow[]).map(toStoredEvent));
      this.stmts.subtractVolume.run(params);
      const rows = Object.fromEntries(kindsOf(personTables).map((kind, i) => [kind, this.deletes[i]!.run(params).changes])) as PersonRowCounts;
      return { rows, interactions };
    })();
  }

  /** Takes what these events added out of the outcome counters (exactly: counts, sums and M2); the interactions taken out. */
  private subtractOutcomes(workspaceId: string, events: readonly StoredEvent[]): number {
    let interactions = 0;
    for (const c of outcomeContributions(events)) {
      const row = this.stmts.outcome.get(workspaceId, c.actionId, c.placementId) as { conversions: number; conversion_value: number; conversion_value_m2: number } | undefined;
      if (row === undefined) continue;
      const rest = withoutPart({ n: row.conversions, sum: row.conversion_value, m2: row.conversion_value_m2 }, { n: c.conversions, sum: c.conversionValue, m2: c.conversionValueM2 });
      this.stmts.subtractOutcome.run(c.impressions, c.clicks, c.dismisses, rest.n, rest.sum, rest.m2, workspaceId, c.actionId, c.placementId);
      interactions += c.impressions + c.clicks + c.dismisses + c.conversions;
    }
    return interactions;
  }

  async remaining(workspaceId: string, person: PersonKeys): Promise<PersonRowCounts> {
    const params = this.params(workspaceId, person);
    return Object.fromEntries(kindsOf(personTables).map((kind, i) => [kind, this.counts[i]!.get(params) as number])) as PersonRowCounts;
  }

  async compact(): Promise<void> {
    // TRUNCATE waits for readers (busy_timeout) and reports busy when one still holds an old
    // snapshot: the frames would survive, so it is tried again rather than taken as done.
    for (let attempt = 0; ; attempt++) {
      const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
      if (result === undefined || result.busy === 0) return;
      if (attempt >= 20) throw new Error('the write-ahead log could not be checkpointed: another connection keeps reading');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async suppress(workspaceId: string, entries: readonly { readonly hash: string; readonly kind: string }[], at: number): Promise<number> {
    return writeTransaction(this.db, () => entries.reduce((n, e) => n + this.stmts.suppress.run(workspaceId, e.hash, e.kind, at).changes, 0))();
  }

  async unsuppress(workspaceId: string, hashes: readonly string[]): Promise<number> {
    return writeTransaction(this.db, () => hashes.reduce((n, h) => n + this.stmts.unsuppress.run(workspaceId, h).changes, 0))();
  }

  async suppressions(workspaceId: string): Promise<SuppressionRecord[]> {
    return (this.stmts.suppressions.all(workspaceId) as { hash: string; kind: string; since: number; dropped: number; last_dropped_at: number | null }[])
      .map((r) => ({ hash: r.hash, kind: r.kind, since: r.since, dropped: r.dropped, lastDroppedAt: r.last_dropped_at }));
  }

  async countDropped(workspaceId: string, dropped: ReadonlyMap<string, number>, at: number): Promise<void> {
    writeTransaction(this.db, () => {
      for (const [hash, n] of dropped) this.stmts.countDropped.run(n, at, workspaceId, hash);
    })();
  }

  async saveReceipt(workspaceId: string, receipt: PrivacyReceiptRecord): Promise<void> {
    this.stmts.saveReceipt.run(workspaceId, receipt.id, receipt.kind, receipt.at, JSON.stringify(receipt.receipt));
  }

  async receipts(workspaceId: string, limit: number): Promise<PrivacyReceiptRecord[]> {
    return (this.stmts.receipts.all(workspaceId, limit) as { id: string; kind: string; at: number; receipt: string }[])
      .map((r) => ({ id: r.id, kind: r.kind, at: r.at, receipt: JSON.parse(r.receipt) as Record<string, unknown> }));
  }

  private params(workspaceId: string, person: PersonKeys) {
    const values = (kind: IdentityKind) => JSON.stringify(person.identities.filter((k) => k.kind === kind).map((k) => k.value));
    return {
      ws: workspaceId,
      profiles: JSON.stringify(person.profileIds),
      users: values('user'),
      anons: values('anonymous'),
      needles: JSON.stringify(person.identities.map((k) => JSON.stringify(k.value))),
    };
  }
}
