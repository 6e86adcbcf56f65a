import { ok, reject, type Step } from '../../common/pipeline.js';
import type { JsonObject } from '../../events/CollectedEvent.js';
import type { RawEventInput, SizedEvent } from './types.js';

/** Segment's per-event limit. */
export const MAX_EVENT_BYTES = 32 * 1024;

/** Deeper JSON is refused: serialising and reading it recurses, and no real event nests so deep. */
export const MAX_EVENT_DEPTH = 64;

/** The longest `JSON.stringify` of a finite number (`-0.0000012345678901234567`, `-1.2345678901234567e-308`). */
const MAX_NUMBER_CHARS = 25;

/** What `measure` found: a nesting deeper than the limit, or a bound on the JSON's length (null when it cannot tell). */
type Measure = { readonly tooDeep: true } | { readonly tooDeep: false; readonly maxChars: number | null };

/**
 * Whether a JSON value nests deeper than `limit`, found without recursion, and in the same walk
 * an upper bound of its `JSON.stringify` length in UTF-16 units (each string character at most
 * six: `\uXXXX`), so that an event far below the size limit is never serialised just to be
 * measured. The bound is null where the walk cannot tell what JSON.stringify would write
 * (toJSON, class instances, bigint): the caller serialises those.
 */
function measure(value: unknown, limit: number): Measure {
  let chars = 0;
  let known = true;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return { tooDeep: true };
    if (known && !plainJson(current)) known = false;
    if (Array.isArray(current)) {
      chars += 2 + current.length;
      for (const child of current as unknown[]) {
        if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
        else chars += scalarChars(child);
      }
      continue;
    }
    chars += 2;
    for (const key of Object.keys(current)) {
      const child = (current as Record<string, unknown>)[key];
      chars += 4 + 6 * key.length;
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
      else chars += scalarChars(child);
    }
  }
  return { tooDeep: false, maxChars: known ? chars : null };
}

/** A plain object or array without toJSON: what JSON.parse makes, serialised as the walk counts it. */
function plainJson(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && proto !== Array.prototype) return false;
  return typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** At least the characters JSON.stringify writes for a value that is not an object; infinite for a bigint (it throws). */
function scalarChars(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 2 + 6 * value.length;
    case 'number':
      return MAX_NUMBER_CHARS;
    case 'bigint':
      return Infinity;
    default:
      // true, false, null; undefined, functions and symbols are left out or written as null.
      return 5;
  }
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
    const measured = measure(input.raw, MAX_EVENT_DEPTH);
    if (measured.tooDeep) {
      return reject({ code: 'ATTUNE_EVENT_INVALID', field: '', message: `the event nests deeper than ${MAX_EVENT_DEPTH} levels` });
    }
    // UTF-8 takes at most three bytes per UTF-16 unit: an event whose bound is within the limit is not serialised.
    if (measured.maxChars !== null && measured.maxChars * 3 <= MAX_EVENT_BYTES) return ok({ ...input, event: input.raw });
    // Length in UTF-16 units bounds the UTF-8 size from below; encode only when it could matter.
    const json = JSON.stringify(input.raw);
    if (json.length * 3 > MAX_EVENT_BYTES && encoder.encode(json).length > MAX_EVENT_BYTES) {
      return reject({ code: 'ATTUNE_EVENT_TOO_LARGE', field: '', message: `the event is larger than ${MAX_EVENT_BYTES} bytes` });
    }
    return ok({ ...input, event: input.raw });
  },
};
