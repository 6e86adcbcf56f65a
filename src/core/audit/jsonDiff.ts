import type { JsonValue } from './canonicalJson.js';
import { canonicalJson } from './canonicalJson.js';

/**
 * One change between two JSON documents, in the spirit of a JSON Patch (RFC 6902) operation:
 * `path` is a JSON Pointer (RFC 6901; '' is the whole document), `value` what is there after,
 * `was` what was there before. Unlike a JSON Patch it keeps the old value, so an entry of
 * the audit trail reads as "from this to that" without the definition it applied to.
 */
export type JsonChange =
  | { readonly op: 'add'; readonly path: string; readonly value: JsonValue }
  | { readonly op: 'remove'; readonly path: string; readonly was: JsonValue }
  | { readonly op: 'replace'; readonly path: string; readonly was: JsonValue; readonly value: JsonValue };

function pointerToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function isObject(value: JsonValue | undefined): value is { readonly [key: string]: JsonValue | undefined } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function same(a: JsonValue, b: JsonValue): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * The changes that turn `before` into `after` (`undefined`: absent, so a creation is one
 * `add` at '' and a deletion one `remove`). Objects are compared field by field in sorted key
 * order; arrays element by element by index (then the tail added or removed, last first, as
 * a patch would apply it); anything else that differs, or a change of type, is one `replace`.
 * Fields whose value is `undefined` count as absent, as in canonical JSON.
 *
 * @example diffJson({ rule: 'a', tags: ['x'] }, { rule: 'b', tags: ['x', 'y'] })
 * // [{ op: 'replace', path: '/rule', was: 'a', value: 'b' }, { op: 'add', path: '/tags/1', value: 'y' }]
 */
export function diffJson(before: JsonValue | undefined, after: JsonValue | undefined): JsonChange[] {
  const changes: JsonChange[] = [];
  walk(before, after, '', changes);
  return changes;
}

function walk(before: JsonValue | undefined, after: JsonValue | undefined, path: string, out: JsonChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    out.push({ op: 'add', path, value: after! });
    return;
  }
  if (after === undefined) {
    out.push({ op: 'remove', path, was: before });
    return;
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) walk(before[key], after[key], `${path}/${pointerToken(key)}`, out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const a = before as readonly JsonValue[];
    const b = after as readonly JsonValue[];
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) walk(a[i], b[i], `${path}/${i}`, out);
    for (let i = common; i < b.length; i++) out.push({ op: 'add', path: `${path}/${i}`, value: b[i]! });
    for (let i = a.length - 1; i >= common; i--) out.push({ op: 'remove', path: `${path}/${i}`, was: a[i]! });
    return;
  }
  if (!same(before, after)) out.push({ op: 'replace', path, was: before, value: after });
}
