import { readItemEvent } from '../core/recommend/history/itemHistory.js';
import type { InteractionData } from '../core/recommend/Recommender.js';
import { InteractionBuilder } from '../core/recommend/trained/InteractionBuilder.js';
import type { EventLogReader } from '../store/ports.js';

export interface LogInteractions {
  readonly data: InteractionData;
  /** The log position read up to (0: no events). */
  readonly lastSeq: number;
  /** Events read, and those about items. */
  readonly events: number;
  readonly itemEvents: number;
}

/**
 * A workspace's item interactions from its event log, read in chunks: `Product Viewed`,
 * `Product Clicked`, `Product Added` (and to wishlist), `Order Completed` with their product
 * ids, as the live item history reads them (`readItemEvent`). The user is the profile id each
 * event was stored with: a visitor later merged into another profile counts as two training
 * users, which costs a little signal and nothing else (serving reads the survivor's live history).
 */
export async function logInteractions(events: EventLogReader, workspaceId: string, onProgress: (read: number, total: number) => void = () => undefined): Promise<LogInteractions> {
  const total = await events.count(workspaceId);
  const builder = new InteractionBuilder();
  let read = 0;
  let itemEvents = 0;
  let lastSeq = 0;
  for await (const event of events.read({ workspaceId, chunkSize: 5_000 })) {
    read++;
    lastSeq = event.seq;
    const properties = event.body.properties;
    const item = readItemEvent({
      type: event.type, name: event.name, timestamp: event.timestamp,
      properties: typeof properties === 'object' && properties !== null && !Array.isArray(properties) ? properties as Record<string, unknown> : null,
    });
    if (item !== null) {
      itemEvents++;
      builder.add(event.profileId, item);
    }
    if (read % 5_000 === 0) onProgress(read, total);
  }
  onProgress(read, total);
  return { data: builder.data(), lastSeq, events: read, itemEvents };
}
