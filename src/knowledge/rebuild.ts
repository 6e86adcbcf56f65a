import { replayEvent } from '../profiles/applyEvent.js';
import { collectedEventFromLog } from '../profiles/collectedEventFromLog.js';
import { eventIdentityKeys } from '../core/identity/planIdentity.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import type { StoredEvent, Workspace } from '../store/ports.js';
import type { LiveStore } from '../profiles/LiveStore.js';

/** What a rebuild needs of a store: the group commit to write with and the log to read. */
export type RebuildStore = Pick<LiveStore, 'committer' | 'events' | 'resetDerived' | 'flushState'>;

export interface RebuildProgress {
  /** Events replayed so far. */
  readonly done: number;
  /** Events in the workspace's log when the rebuild started. */
  readonly total: number;
}

export interface RebuildOptions {
  /** Events replayed per commit (default 2,000): each chunk is one durable group-commit job. */
  readonly chunkSize?: number;
  /** Called after the reset (done 0) and after each committed chunk. */
  readonly onProgress?: (progress: RebuildProgress) => void;
}

export interface RebuildSummary {
  readonly workspaceId: string;
  readonly events: number;
  /** Live profiles after the rebuild (created, less those merged into others). */
  readonly profiles: number;
  readonly merges: number;
  readonly millis: number;
}

/**
 * Recomputes everything derived from a workspace's event log: deletes the derived state
 * (profiles, identities, merges, segment members and changes, consent changes), then replays
 * every event in sequence order through `replayEvent`, the same profile work as collection,
 * with the workspace's current features and segments. Profile ids are derived from
 * identities, so a replay names every profile as collection did, and a rebuild with an
 * unchanged configuration gives identical results; after a configuration change it
 * backfills the new features and segments.
 *
 * Each chunk is one job of the group commit: durable, and the event loop turns between
 * chunks. Nothing else may write to the workspace meanwhile (an event collected during the
 * rebuild would be counted twice): the CLI holds the database file exclusively. A rebuild
 * that stops half-way leaves partial derived state; running it again repairs it.
 */
export async function rebuildWorkspace(store: RebuildStore, workspace: Workspace, model: KnowledgeModel, options: RebuildOptions = {}): Promise<RebuildSummary> {
  const started = performance.now();
  const chunkSize = options.chunkSize ?? 2000;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive whole number, not ${chunkSize}`);
  const context = { id: workspace.id, identity: workspace.identity, model };
  const total = await store.events.count(workspace.id);
  await store.resetDerived(workspace.id);
  options.onProgress?.({ done: 0, total });

  let done = 0;
  let created = 0;
  let merges = 0;
  const replayChunk = async (chunk: readonly StoredEvent[]) => {
    const events = chunk.map((stored) => ({ stored, event: collectedEventFromLog(stored) }));
    const preload = { workspaceId: workspace.id, keys: events.flatMap(({ event }) => eventIdentityKeys(event)), armStats: true, counters: true };
    const counts = await store.committer.submit(events.length, (tx) => {
      let made = 0;
      let merged = 0;
      for (const { stored, event } of events) {
        try {
          const outcome = replayEvent(tx, context, event, stored);
          if (outcome.created) made++;
          if (outcome.merged) merged++;
        } catch (error) {
          throw new Error(`replaying event ${stored.seq} (messageId ${stored.messageId}) failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
      }
      return { made, merged };
    }, preload);
    created += counts.made;
    merges += counts.merged;
    done += chunk.length;
    options.onProgress?.({ done, total: Math.max(total, done) });
  };

  let chunk: StoredEvent[] = [];
  for await (const stored of store.events.read({ workspaceId: workspace.id, chunkSize })) {
    chunk.push(stored);
    if (chunk.length === chunkSize) {
      await replayChunk(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) await replayChunk(chunk);
  // A rebuild ends with its state written, as a command that rewrites the derived tables must.
  await store.flushState();
  return { workspaceId: workspace.id, events: done, profiles: created - merges, merges, millis: performance.now() - started };
}
