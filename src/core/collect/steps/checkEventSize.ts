import { ok, reject, type Step } from '../../common/pipeline.js';
import type { JsonObject } from '../../events/CollectedEvent.js';
import type { RawEventInput, SizedEvent } from './types.js';

/** Segment's per-event limit. */
export const MAX_EVENT_BYTES = 32 * 1024;

const encoder = new TextEncoder();

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rejects anything that is not a JSON object, or is larger than 32 KB once serialised. */
export const checkEventSize: Step<RawEventInput, SizedEvent> = {
  name: 'checkEventSize',
  run(input) {
    if (!isPlainObject(input.raw)) {
      return reject({ code: 'ATTUNE_EVENT_INVALID', field: '', message: 'an event must be a JSON object' });
    }
    // Length in UTF-16 units bounds the UTF-8 size from below; encode only when it could matter.
    const json = JSON.stringify(input.raw);
    if (json.length * 3 > MAX_EVENT_BYTES && encoder.encode(json).length > MAX_EVENT_BYTES) {
      return reject({ code: 'ATTUNE_EVENT_TOO_LARGE', field: '', message: `the event is larger than ${MAX_EVENT_BYTES} bytes` });
    }
    return ok({ ...input, event: input.raw });
  },
};
