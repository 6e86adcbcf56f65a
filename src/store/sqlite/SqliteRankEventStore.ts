import type { RankEventChange, RankEventRecord, RankEventStore, RankModelSnapshot } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { writeTransaction } from './writeTransaction.js';

export interface RankEventRow {
  workspace_id: string;
  event_id: string;
  context: string;
  actions: string;
  excluded_actions: string;
  chosen_action_id: string;
  probabilities: string;
  ranked_at: number;
  activated_at: number | null;
  reward: number | null;
  reward_source: 'sent' | 'default' | null;
  rewarded_at: number | null;
  learned_seq: number | null;
}

/** A stored row as the port returns it. */
export const rankEventFromRow = (row: RankEventRow): RankEventRecord => ({
  workspaceId: row.workspace_id,
  eventId: row.event_id,
  context: JSON.parse(row.context) as unknown[],
  actions: JSON.parse(row.actions) as RankEventRecord['actions'],
  excludedActions: JSON.parse(row.excluded_actions) as string[],
  chosenActionId: row.chosen_action_id,
  probabilities: JSON.parse(row.probabilities) as number[],
  rankedAt: row.ranked_at,
  activatedAt: row.activated_at,
  reward: row.reward,
  rewardSource: row.reward_source,
  rewardedAt: row.rewarded_at,
  learnedSeq: row.learned_seq,
});

interface SnapshotRow {
  learned_seq: number;
  dims: number;
  ridge: number;
  observations: number;
  inverse: Buffer;
  moment: Buffer;
  theta: Buffer;
  saved_at: number;
}

const bytes = (values: Float64Array): Buffer => Buffer.from(values.buffer, values.byteOffset, values.byteLength);
// Copied into a fresh (aligned) buffer: a Float64Array cannot view an odd offset.
const numbers = (blob: Buffer): Float64Array => new Float64Array(new Uint8Array(blob).buffer);

export const rankEventColumns = 'workspace_id, event_id, context, actions, excluded_actions, chosen_action_id, probabilities, ranked_at, activated_at, reward, reward_source, rewarded_at, learned_seq';

/**
 * Rank events on SQLite: `rank_events`, one row per event, its JSON parts as text. Rewards,
 * activations and expiries are each one transaction that reads the row, changes it and, when
 * the event has become both active and rewarded, gives it the workspace's next `learned_seq`.
 */
export class SqliteRankEventStore implements RankEventStore {
  private readonly stmts;
  private readonly rewardTx;
  private readonly activateTx;
  private readonly expireTx;
  private readonly insertRanks: (events: readonly RankEventRecord[]) => boolean[];

  constructor(db: SqliteDatabase) {
    this.stmts = {
      insert: db.prepare(`INSERT INTO rank_events (${rankEventColumns}) VALUES (@workspace_id, @event_id, @context, @actions, @excluded_actions, @chosen_action_id, @probabilities, @ranked_at, @activated_at, @reward, @reward_source, @rewarded_at, @learned_seq) ON CONFLICT DO NOTHING`),
      get: db.prepare(`SELECT ${rankEventColumns} FROM rank_events WHERE workspace_id = ? AND event_id = ?`),
      nextSeq: db.prepare('SELECT coalesce(max(learned_seq), 0) + 1 FROM rank_events WHERE workspace_id = ? AND learned_seq IS NOT NULL').pluck(),
      setReward: db.prepare('UPDATE rank_events SET reward = ?, reward_source = ?, rewarded_at = ? WHERE workspace_id = ? AND event_id = ?'),
      setActive: db.prepare('UPDATE rank_events SET activated_at = ? WHERE workspace_id = ? AND event_id = ?'),
      setLearned: db.prepare('UPDATE rank_events SET learned_seq = ? WHERE workspace_id = ? AND event_id = ?'),
      waiting: db.prepare(`SELECT event_id FROM rank_events WHERE workspace_id = ? AND learned_seq IS NULL AND reward IS NULL AND activated_at IS NOT NULL AND activated_at <= ? ORDER BY activated_at, id`).pluck(),
      learned: db.prepare(`SELECT ${rankEventColumns} FROM rank_events WHERE workspace_id = ? AND learned_seq > ? ORDER BY learned_seq LIMIT ?`),
      newest: db.prepare(`SELECT ${rankEventColumns} FROM rank_events WHERE workspace_id = ? ORDER BY id DESC LIMIT ?`),
      saveSnapshot: db.prepare('INSERT OR REPLACE INTO rank_model_snapshots (workspace_id, learned_seq, dims, ridge, observations, inverse, moment, theta, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      loadSnapshot: db.prepare('SELECT learned_seq, dims, ridge, observations, inverse, moment, theta, saved_at FROM rank_model_snapshots WHERE workspace_id = ?'),
      before: db.prepare(`SELECT ${rankEventColumns} FROM rank_events WHERE workspace_id = @ws AND id < (SELECT id FROM rank_events WHERE workspace_id = @ws AND event_id = @before) ORDER BY id DESC LIMIT @limit`),
    };
    /** Learns the event if it is both active and rewarded and not learned yet; the row as it is then. */
    const learnIfReady = (workspaceId: string, eventId: string): RankEventRecord | null => {
      const row = this.stmts.get.get(workspaceId, eventId) as RankEventRow;
      if (row.activated_at === null || row.reward === null || row.learned_seq !== null) return null;
      const seq = this.stmts.nextSeq.get(workspaceId) as number;
      this.stmts.setLearned.run(seq, workspaceId, eventId);
      return rankEventFromRow({ ...row, learned_seq: seq });
    };
    this.rewardTx = writeTransaction(db, (workspaceId: string, eventId: string, value: number, at: number): RankEventChange => {
      const row = this.stmts.get.get(workspaceId, eventId) as RankEventRow | undefined;
      if (row === undefined) return { kind: 'unknown' };
      if (row.reward !== null) return { kind: 'unchanged' };
      this.stmts.setReward.run(value, 'sent', at, workspaceId, eventId);
      return { kind: 'changed', learned: learnIfReady(workspaceId, eventId) };
    });
    this.activateTx = writeTransaction(db, (workspaceId: string, eventId: string, at: number): RankEventChange => {
      const row = this.stmts.get.get(workspaceId, eventId) as RankEventRow | undefined;
      if (row === undefined) return { kind: 'unknown' };
      if (row.activated_at !== null) return { kind: 'unchanged' };
      this.stmts.setActive.run(at, workspaceId, eventId);
      return { kind: 'changed', learned: learnIfReady(workspaceId, eventId) };
    });
    this.insertRanks = writeTransaction(db, (events: readonly RankEventRecord[]) => events.map((event) => this.insertRank(event)));
    this.expireTx = writeTransaction(db, (workspaceId: string, activatedBy: number, value: number, at: number): RankEventRecord[] => {
      const ids = this.stmts.waiting.all(workspaceId, activatedBy) as string[];
      return ids.map((eventId) => {
        this.stmts.setReward.run(value, 'default', at, workspaceId, eventId);
        return learnIfReady(workspaceId, eventId)!;
      });
    });
  }

  async recordRank(event: RankEventRecord): Promise<boolean> {
    return this.insertRank(event);
  }

  async recordRanks(events: readonly RankEventRecord[]): Promise<boolean[]> {
    return this.insertRanks(events);
  }

  private insertRank(event: RankEventRecord): boolean {
    const result = this.stmts.insert.run({
      workspace_id: event.workspaceId,
      event_id: event.eventId,
      context: JSON.stringify(event.context),
      actions: JSON.stringify(event.actions),
      excluded_actions: JSON.stringify(event.excludedActions),
      chosen_action_id: event.chosenActionId,
      probabilities: JSON.stringify(event.probabilities),
      ranked_at: event.rankedAt,
      activated_at: event.activatedAt,
      reward: event.reward,
      reward_source: event.rewardSource,
      rewarded_at: event.rewardedAt,
      learned_seq: event.learnedSeq,
    });
    return result.changes > 0;
  }

  async reward(workspaceId: string, eventId: string, value: number, at: number): Promise<RankEventChange> {
    return this.rewardTx(workspaceId, eventId, value, at);
  }

  async activate(workspaceId: string, eventId: string, at: number): Promise<RankEventChange> {
    return this.activateTx(workspaceId, eventId, at);
  }

  async expire(workspaceId: string, activatedBy: number, value: number, at: number): Promise<RankEventRecord[]> {
    return this.expireTx(workspaceId, activatedBy, value, at);
  }

  async learnedEvents(workspaceId: string, afterSeq: number, limit: number): Promise<RankEventRecord[]> {
    return (this.stmts.learned.all(workspaceId, afterSeq, limit) as RankEventRow[]).map(rankEventFromRow);
  }

  async listEvents(workspaceId: string, limit: number, before?: string): Promise<RankEventRecord[]> {
    const rows = before === undefined ? this.stmts.newest.all(workspaceId, limit) : this.stmts.before.all({ ws: workspaceId, before, limit });
    return (rows as RankEventRow[]).map(rankEventFromRow);
  }

  async getEvent(workspaceId: string, eventId: string): Promise<RankEventRecord | undefined> {
    const row = this.stmts.get.get(workspaceId, eventId) as RankEventRow | undefined;
    return row === undefined ? undefined : rankEventFromRow(row);
  }

  async saveSnapshot(workspaceId: string, snapshot: RankModelSnapshot): Promise<void> {
    this.stmts.saveSnapshot.run(workspaceId, snapshot.learnedSeq, snapshot.dims, snapshot.ridge, snapshot.observations, bytes(snapshot.inverse), bytes(snapshot.moment), bytes(snapshot.theta), snapshot.savedAt);
  }

  async loadSnapshot(workspaceId: string): Promise<RankModelSnapshot | undefined> {
    const row = this.stmts.loadSnapshot.get(workspaceId) as SnapshotRow | undefined;
    if (row === undefined) return undefined;
    return {
      learnedSeq: row.learned_seq, dims: row.dims, ridge: row.ridge, observations: row.observations,
      inverse: numbers(row.inverse), moment: numbers(row.moment), theta: numbers(row.theta), savedAt: row.saved_at,
    };
  }
}
