/**
 * Reading a number from an event property, one way everywhere features and metrics read
 * numbers. Segment-style clients often send amounts as strings ("12.50"); those are numbers
 * when they parse exactly. Anything else that is present is unreadable and says why, so the
 * caller can count it instead of taking it as 0.
 */

/** Why a present value is not a number: a string outside the grammar, a number too large, or another type. */
export type UnreadableReason = 'malformed_string' | 'out_of_range' | 'wrong_type';

/** What `readNumber` gives when there is no number: the value is absent, or present but unreadable. */
export type NotANumber = 'missing' | UnreadableReason;

/** Every reason a present value can be unreadable, for counters that list them all. */
export const unreadableReasons: readonly UnreadableReason[] = ['malformed_string', 'out_of_range', 'wrong_type'];

/**
 * The exact grammar of a numeric string: an optional sign, digits, an optional fraction
 * (a point and digits), an optional exponent (`e` or `E`, an optional sign, digits). No spaces,
 * no empty string, no hex, no `12,50`, no `Infinity` or `NaN`, no `.5` or `12.`.
 */
export const numericString = /^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A finite number from a JSON value; otherwise the reason (a string, never thrown and never
 * allocated, because this runs for every event a numeric feature or metric reads).
 *
 * @example readNumber(12.5) // 12.5
 * @example readNumber('12.50') // 12.5
 * @example readNumber('12,50') // 'malformed_string'
 * @example readNumber(undefined) // 'missing'
 */
export function readNumber(value: unknown): number | NotANumber {
  if (typeof value === 'number') return Number.isFinite(value) ? value : 'out_of_range';
  if (value === undefined || value === null) return 'missing';
  if (typeof value !== 'string') return 'wrong_type';
  if (!numericString.test(value)) return 'malformed_string';
  const n = Number(value);
  return Number.isFinite(n) ? n : 'out_of_range';
}

/** One value that could not be read: the dotted path in the event it was read from, and why. */
export interface UnreadableNumber {
  readonly path: string;
  readonly reason: UnreadableReason;
}

/**
 * Where readers put the values they could not read, for the caller to count. Pushing into a
 * list keeps the common case (every value readable) free of allocation.
 */
export type UnreadableSink = UnreadableNumber[];

/** Records `read` in `sink` when it is an unreadable value (not a number, not missing); gives the number or null. */
export function numberOrNote(read: number | NotANumber, path: string, sink: UnreadableSink | undefined): number | null {
  if (typeof read === 'number') return read;
  if (read !== 'missing' && sink !== undefined) sink.push({ path, reason: read });
  return null;
}
