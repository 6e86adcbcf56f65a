import type { QueuePersistence } from '../shared/EventQueue.js';
import { isSegmentEvent, type SegmentEvent } from '../shared/SegmentEvent.js';
import type { StorageLike } from './BrowserEnvironment.js';

/**
 * Keeps the event queue in localStorage, so that events queued when the page is reloaded
 * or closed go out with the next page. Never in a cookie: the queue can be large and a
 * cookie goes with every request. Without localStorage the queue lives in memory only.
 * Tabs of one site share the key; each writes its own view, and an event both send is
 * stored once (messageId).
 */
export function localQueuePersistence(storage: StorageLike | null, key: string): QueuePersistence | null {
  if (storage === null) return null;
  return {
    load: (): SegmentEvent[] => {
      try {
        const parsed: unknown = JSON.parse(storage.getItem(key) ?? '[]');
        return Array.isArray(parsed) ? parsed.filter(isSegmentEvent) : [];
      } catch {
        return [];
      }
    },
    save: (events) => {
      try {
        if (events.length === 0) storage.removeItem(key);
        else storage.setItem(key, JSON.stringify(events));
      } catch {
        // Over quota: the queue still holds the events in memory and sends them.
      }
    },
  };
}
