/**
 * Runtime semantics of rule values. Nothing here throws: a type mismatch or a missing value
 * gives null (for computations) or false (for tests), so a compiled rule never fails at
 * evaluation time. Member access reads own properties only, never a prototype.
 */
export type RuleValue = string | number | boolean | null | readonly RuleValue[] | { readonly [key: string]: RuleValue };

export type RuleType = 'number' | 'string' | 'boolean' | 'null' | 'list' | 'object' | 'any';

const maxDepth = 32;

/** Brings an arbitrary input value into the rule value domain (functions, undefined, NaN -> null). */
export function toRuleValue(value: unknown): RuleValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'object':
      return value as RuleValue;
    default:
      return null;
  }
}

export function isPlainObject(value: unknown): value is { readonly [key: string]: RuleValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function member(object: RuleValue, name: string): RuleValue {
  if (!isPlainObject(object) || !Object.hasOwn(object, name)) return null;
  return toRuleValue(object[name]);
}

export function index(object: RuleValue, key: RuleValue): RuleValue {
  if (Array.isArray(object) && typeof key === 'number' && Number.isInteger(key)) {
    const list = object as readonly RuleValue[];
    const i = key < 0 ? list.length + key : key;
    return i >= 0 && i < list.length ? toRuleValue(list[i]) : null;
  }
  if (typeof key === 'string') return member(object, key);
  return null;
}

export function equals(a: RuleValue, b: RuleValue, depth = 0): boolean {
  if (a === b) return true;
  if (depth > maxDepth || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    const left = a as readonly RuleValue[];
    const right = b as readonly RuleValue[];
    return left.every((item, i) => equals(item, right[i] ?? null, depth + 1));
  }
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  const bo = b as { readonly [key: string]: RuleValue };
  const ao = a as { readonly [key: string]: RuleValue };
  return aKeys.every((k) => Object.hasOwn(bo, k) && equals(ao[k] ?? null, bo[k] ?? null, depth + 1));
}

/** Order of two numbers or two strings; null when they cannot be ordered. */
export function compare(a: RuleValue, b: RuleValue): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return null;
}

export function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

const isoTime = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Milliseconds since the epoch from a number (ms) or an ISO 8601 date or date-time; null
 * otherwise. A time without an offset is UTC: Date.parse would read it in the server's time
 * zone, and a rule must not depend on where it runs.
 */
export function toMillis(value: RuleValue): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  const match = isoTime.exec(value);
  if (match === null) return null;
  const [, date, time, zone] = match;
  const ms = Date.parse(time === undefined ? `${date}T00:00Z` : `${date}T${time}${zone ?? 'Z'}`);
  return Number.isNaN(ms) ? null : ms;
}
