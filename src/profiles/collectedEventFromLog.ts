import { isCallType } from '../core/events/callTypes.js';
import type { CollectedEvent, JsonObject } from '../core/events/CollectedEvent.js';
import { isUserIdCheck } from '../core/identity/identityCheck.js';
import type { StoredEvent } from '../store/ports.js';

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
 * normalizeEvent produced, and `userIdCheck` the collector added. `generatedMessageId` is not stored; Attune's own ids start with
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
    // As collection checked it: a replay re-links nothing that collection refused to link.
    ...(isUserIdCheck(body['userIdCheck']) ? { userIdCheck: body['userIdCheck'] } : {}),
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
