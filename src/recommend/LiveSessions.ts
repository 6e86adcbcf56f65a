import type { JsonObject } from '../core/events/CollectedEvent.js';
import { browsingEventNames, readItemEvent } from '../core/recommend/history/itemHistory.js';
import { ItemIds } from '../core/recommend/online/ItemIds.js';
import { mapItemSpace, type GrowingItemSpace } from '../core/recommend/online/mapItemSpace.js';
import type { Recommender } from '../core/recommend/Recommender.js';
import { sessionKnnRecommender, type SessionKnnOptions } from '../core/recommend/session/sessionKnn.js';
import { createSessionModels, recordSessionClick, type SessionModels } from '../core/recommend/session/SessionModels.js';
import { sequentialRulesRecommender } from '../core/recommend/session/SequentialRules.js';
import { sessionTimeoutMs } from '../core/session/SessionState.js';
import type { Clock } from '../core/common/ports.js';
import type { AppliedItemEvent } from '../profiles/CollectTx.js';
import type { EventLogReader } from '../store/ports.js';

export interface LiveSessionSettings {
  /** Sessions kept per workspace; past it the session that started first is dropped. */
  readonly maxSessions: number;
  /** Events received longer ago than this are neither read at start nor taken from replays. */
  readonly horizonMillis: number;
}

export const defaultLiveSessionSettings: LiveSessionSettings = { maxSessions: 20_000, horizonMillis: 24 * 3_600_000 };

interface WorkspaceSessions {
  readonly ids: ItemIds;
  readonly models: SessionModels;
  /** Each profile's current session: its key and last click (unix millis). */
  readonly current: Map<string, { key: string; last: number }>;
  /** The last log position applied: a replay's events at or before it were applied already. */
  maxSeq: number;
  /** Events told while the log is read, applied after it (null once read). */
  pending: AppliedItemEvent[] | null;
  ready: Promise<void>;
}

/** A session's key: the profile and its first click (unix millis). */
export function liveSessionKey(profileId: string, start: number): string {
  return `${profileId}\u0000${start}`;
}

/**
 * Session kNN and sequential rules over each workspace's live sessions, in memory: every view
 * or cart addition the write model applies (`record`, wired with `LiveState.onItemEvent`) is
 * a click of its profile's session, so an anonymous visitor's next request finds neighbours
 * among the sessions going on now, theirs included for others.
 *
 * Sessions: a profile's clicks with no gap over 30 minutes (the session timeout of
 * core/session), keyed by the profile and the first click. Bounded: the most recent
 * `maxSessions` (by first click) per workspace; older ones leave the index and the rules.
 *
 * Nothing is persisted. On first use in a process (a click or a request for the workspace),
 * the index is rebuilt from the log's views and cart additions received in the last
 * `horizonMillis`; events told meanwhile wait and are applied after, and a replay's events
 * (recovery) are told again with positions already applied, which are skipped.
 */
export class LiveSessions {
  private readonly workspaces = new Map<string, WorkspaceSessions>();
  private readonly settings: LiveSessionSettings;
  /** Reads of the log under way (first use, or after `forget`): close waits for them. */
  private readonly reading = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: { readonly events: EventLogReader; readonly clock: Clock; readonly settings?: Partial<LiveSessionSettings> }) {
    this.settings = { ...defaultLiveSessionSettings, ...deps.settings };
  }

  /** The write model's listener: one applied e-commerce event (purchases are not clicks). */
  readonly record = (workspaceId: string, applied: AppliedItemEvent): void => {
    if (applied.event.kind === 'purchase') return;
    if (applied.receivedAt < this.deps.clock.now() - this.settings.horizonMillis) return;
    const sessions = this.workspaces.get(workspaceId) ?? this.start(workspaceId);
    if (sessions.pending !== null) sessions.pending.push(applied);
    else this.apply(sessions, applied);
  };

  /** Session kNN (V-SKNN) over the live sessions, in `space`'s item indices (the online item models' ids). */
  async sessionRecommender(workspaceId: string, space: GrowingItemSpace, options: SessionKnnOptions = {}): Promise<Recommender> {
    const sessions = await this.loaded(workspaceId);
    return mapItemSpace(sessionKnnRecommender(sessions.models.index, options), sessions.ids, space);
  }

  /** Sequential rules learnt from the live sessions, in `space`'s item indices. */
  async sequentialRecommender(workspaceId: string, space: GrowingItemSpace): Promise<Recommender> {
    const sessions = await this.loaded(workspaceId);
    return mapItemSpace(sequentialRulesRecommender(sessions.models.rules), sessions.ids, space);
  }

  /** The key of a profile's live session (for `RecommendQuery.session`, so it is not its own neighbour), if it has one now. */
  sessionKey(workspaceId: string, profileId: string): string | undefined {
    const current = this.workspaces.get(workspaceId)?.current.get(profileId);
    return current === undefined || this.deps.clock.now() - current.last > sessionTimeoutMs ? undefined : current.key;
  }

  /** Builds a workspace's index now (a server can warm its workspaces at start). */
  async warm(workspaceId: string): Promise<{ sessions: number; items: number }> {
    const sessions = await this.loaded(workspaceId);
    return { sessions: sessions.models.index.byKey.size, items: sessions.models.index.itemSessions.size };
  }

  /**
   * Forgets a workspace's sessions (an erasure took a person's events from the log): the next
   * use reads them again from the log, without that person's clicks.
   */
  forget(workspaceId: string): void {
    this.workspaces.delete(workspaceId);
  }

  /**
   * Stops the reads of the log under way at their next event and waits for them, so that the
   * store can close: a read left running would go on against a closed database. From then
   * on nothing reads the log; a request still answered gets what was read.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.reading]);
  }

  private loaded(workspaceId: string): Promise<WorkspaceSessions> {
    const sessions = this.workspaces.get(workspaceId) ?? this.start(workspaceId);
    return sessions.ready.then(() => sessions);
  }

  private start(workspaceId: string): WorkspaceSessions {
    const sessions: WorkspaceSessions = {
      ids: new ItemIds(), models: createSessionModels({ maxSessions: this.settings.maxSessions }), current: new Map(),
      maxSeq: 0, pending: [], ready: Promise.resolve(),
    };
    const read = this.readLog(workspaceId, sessions);
    this.reading.add(read);
    void read.then(() => this.reading.delete(read), () => this.reading.delete(read));
    sessions.ready = read.then(
      () => {
        for (const applied of sessions.pending ?? []) this.apply(sessions, applied);
        sessions.pending = null;
      },
      (error: unknown) => {
        // Read again on the next use rather than serving part of the log.
        if (this.workspaces.get(workspaceId) === sessions) this.workspaces.delete(workspaceId);
        throw error;
      },
    );
    this.workspaces.set(workspaceId, sessions);
    return sessions;
  }

  private async readLog(workspaceId: string, sessions: WorkspaceSessions): Promise<void> {
    const since = this.deps.clock.now() - this.settings.horizonMillis;
    if (this.closed) return;
    for await (const stored of this.deps.events.read({ workspaceId, names: browsingEventNames, receivedSince: since, chunkSize: 2000 })) {
      // Leaving the loop ends the log's reader before it asks the store for another chunk.
      if (this.closed) return;
      const properties = stored.body['properties'];
      const event = readItemEvent({
        type: stored.type, name: stored.name, timestamp: stored.timestamp,
        properties: typeof properties === 'object' && properties !== null && !Array.isArray(properties) ? properties as JsonObject : null,
      });
      if (event !== null) this.apply(sessions, { seq: stored.seq, profileId: stored.profileId, receivedAt: stored.receivedAt, event });
    }
  }

  private apply(sessions: WorkspaceSessions, applied: AppliedItemEvent): void {
    if (applied.seq <= sessions.maxSeq) return;
    sessions.maxSeq = applied.seq;
    const at = applied.event.timestamp;
    let current = sessions.current.get(applied.profileId);
    if (current === undefined || at - current.last > sessionTimeoutMs) {
      current = { key: liveSessionKey(applied.profileId, at), last: at };
      sessions.current.set(applied.profileId, current);
    } else current.last = Math.max(current.last, at);
    for (const id of applied.event.items) {
      const dropped = recordSessionClick(sessions.models, { session: current.key, item: sessions.ids.index(id), time: at / 1000 });
      for (const session of dropped) {
        const profileId = session.key.slice(0, session.key.indexOf('\u0000'));
        if (sessions.current.get(profileId)?.key === session.key) sessions.current.delete(profileId);
      }
    }
  }
}
