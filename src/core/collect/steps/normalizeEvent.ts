import type { IdGenerator } from '../../common/ports.js';
import { ok, type Step } from '../../common/pipeline.js';
import type { CollectedEvent, JsonObject } from '../../events/CollectedEvent.js';
import { correctClockSkew } from '../../events/correctClockSkew.js';
import type { TimedEvent } from './types.js';

function idOf(value: unknown): string | null {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function objectOf(value: unknown): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

function mergeObjects(batchLevel: JsonObject | null, eventLevel: JsonObject | null): JsonObject | null {
  if (batchLevel === null) return eventLevel;
  return eventLevel === null ? batchLevel : { ...batchLevel, ...eventLevel };
}

/**
 * `new Date(ms).toISOString()`, remembering the last time formatted: the events of a batch share
 * their receivedAt and mostly their sentAt, so each is formatted once per request.
 */
function isoFormatter(): (ms: number) => string {
  let last = Number.NaN;
  let text = '';
  return (ms) => {
    if (ms !== last) {
      text = new Date(ms).toISOString();
      last = ms;
    }
    return text;
  };
}

/**
 * Builds the stored form: string ids, a messageId (made when missing), batch-level
 * context merged under the event's own, and all four times kept (Segment's names).
 * The write key is dropped: it is a credential, not event data; so is the userHash (it opens
 * the user's profile to whoever holds it). A `userIdCheck` sent in is dropped too: only the
 * collector writes it (src/core/identity/identityCheck.ts), and a replay believes it.
 */
export function normalizeEvent(ids: IdGenerator): Step<TimedEvent, CollectedEvent> {
  const timestampIso = isoFormatter();
  const originalIso = isoFormatter();
  const sentIso = isoFormatter();
  const receivedIso = isoFormatter();
  return {
    name: 'normalizeEvent',
    run(input) {
      const e = input.event;
      const givenId = typeof e['messageId'] === 'string' && e['messageId'].length > 0 ? e['messageId'] : null;
      const messageId = givenId ?? `attune-${ids.next()}`;
      const timestamp = correctClockSkew({ originalTimestamp: input.originalTimestamp, sentAt: input.sentAt, receivedAt: input.receivedAt });
      const merged = mergeObjects(input.batchContext, objectOf(e['context']));
      // Kept in the stored event, so that a replay of the log records the same consent.
      const context = input.globalPrivacyControl === true ? { ...merged, globalPrivacyControl: true } : merged;
      const integrations = mergeObjects(input.batchIntegrations, objectOf(e['integrations']));
      const { writeKey: _writeKey, userHash: _userHash, userIdCheck: _userIdCheck, ...rest } = e;
      const body: JsonObject = {
        ...rest,
        type: input.type,
        messageId,
        timestamp: timestampIso(timestamp),
        originalTimestamp: input.originalTimestamp === null ? null : originalIso(input.originalTimestamp),
        sentAt: input.sentAt === null ? null : sentIso(input.sentAt),
        receivedAt: receivedIso(input.receivedAt),
      };
      if (context !== null) body['context'] = context;
      if (integrations !== null) body['integrations'] = integrations;
      const name = input.type === 'track' ? idOf(e['event']) : typeof e['name'] === 'string' ? e['name'] : null;
      return ok({
        type: input.type,
        messageId,
        generatedMessageId: givenId === null,
        userId: idOf(e['userId']),
        anonymousId: idOf(e['anonymousId']),
        // Only an alias call links ids explicitly; a stray previousId elsewhere means nothing.
        previousId: input.type === 'alias' ? idOf(e['previousId']) : null,
        groupId: idOf(e['groupId']),
        name,
        timestamp,
        receivedAt: input.receivedAt,
        traits: objectOf(e['traits']) ?? objectOf(context?.['traits']),
        properties: objectOf(e['properties']),
        context,
        body,
      });
    },
  };
}
