import { replayEvent } from '../profiles/applyEvent.js';
import { isCallType } from '../core/events/callTypes.js';
import type { CollectedEvent, JsonObject } from '../core/events/CollectedEvent.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import type { AttuneStore, StoredEvent, Workspace } from '../store/ports.js';

/** What a rebuild needs of a store: the group commit to write with and the log to read. */
export type RebuildStore = Pick<AttuneStore, 'committer' | 'events'>;

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

function idOf(value: unknown): string | null {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function objectOf(value: unknown): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

/**
 * The CollectedEvent that collection made of a stored event. The log keeps the normalised
 * call (`body`: ids, traits, properties, the batch context merged under the event's own) and
 * the resolved columns (type, name, ids, corrected times), so this reads the same values
 * normalizeEvent produced. `generatedMessageId` is not stored; Attune's own ids start with
 * `attune-`, and nothing after the commit reads it.
 */
export function collectedEventFromLog(stored: StoredEvent): CollectedEvent {
  if (!isCallType(stored.type)) throw new Error(`event ${stored.seq} of the log has an unknown type "${stored.type}"`);
  const body = stored.body;
  const context = objectOf(body['context']);
  return {
    type: stored.type,
    messageId: stored.messageId,
    generatedMessageId: stored.messageId.startsWith('attune-'),
    userId: stored.userId,
    anonymousId: stored.anonymousId,
    previousId: stored.type === 'alias' ? idOf(body['previousId']) : null,
    groupId: idOf(body['groupId']),
    name: stored.name,
    timestamp: stored.timestamp,
    receivedAt: stored.receivedAt,
    traits: objectOf(body['traits']) ?? objectOf(context?.['traits']),
    properties: objectOf(body['properties']),
    context,
    body,
  };
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
  await store.committer.submit(0, (tx) => tx.resetDerivedState(workspace.id));
  options.onProgress?.({ done: 0, total });

  let done = 0;
  let created = 0;
  let merges = 0;
  const replayChunk = async (chunk: readonly StoredEvent[]) => {
    const events = chunk.map((stored) => ({ stored, event: collectedEventFromLog(stored) }));
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
    });
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
  return { workspaceId: workspace.id, events: done, profiles: created - merges, merges, millis: performance.now() - started };
}
