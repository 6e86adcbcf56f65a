import { ok, reject, type Step } from '../../common/pipeline.js';
import type { JsonObject } from '../../events/CollectedEvent.js';
import type { RawEventInput, SizedEvent } from './types.js';

/** Segment's per-event limit. */
export const MAX_EVENT_BYTES = 32 * 1024;

/** Deeper JSON is refused: serialising and reading it recurses, and no real event nests so deep. */
export const MAX_EVENT_DEPTH = 64;

/** Whether a JSON value nests deeper than `limit`, found without recursion. */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

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
    if (deeperThan(input.raw, MAX_EVENT_DEPTH)) {
      return reject({ code: 'ATTUNE_EVENT_INVALID', field: '', message: `the event nests deeper than ${MAX_EVENT_DEPTH} levels` });
    }
    // Length in UTF-16 units bounds the UTF-8 size from below; encode only when it could matter.
    const json = JSON.stringify(input.raw);
    if (json.length * 3 > MAX_EVENT_BYTES && encoder.encode(json).length > MAX_EVENT_BYTES) {
      return reject({ code: 'ATTUNE_EVENT_TOO_LARGE', field: '', message: `the event is larger than ${MAX_EVENT_BYTES} bytes` });
    }
    return ok({ ...input, event: input.raw });
  },
};
