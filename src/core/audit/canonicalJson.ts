/**
 * A JSON value as the audit trail stores and hashes it. `undefined` stands for "absent" (a
 * field that is not there, a definition that did not exist yet) and is never serialised.
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

/**
 * The one text of a JSON value that every process computes alike, so a hash of it can be
 * checked later: object keys sorted by UTF-16 code units, no whitespace, fields whose value
 * is `undefined` left out, numbers and strings as `JSON.stringify` writes them. That is the
 * JSON Canonicalization Scheme (RFC 8785) for the values Attune stores (finite numbers only).
 * Throws on what JSON cannot hold (a non-finite number, `undefined` inside an array, a
 * function), since a hash of a lossy text would verify content that was never stored.
 *
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no ${String(value)}`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object':
      if (Array.isArray(value)) {
        return `[${value.map((item: unknown) => {
          if (item === undefined) throw new TypeError('canonical JSON has no undefined inside an array');
          return canonicalJson(item);
        }).join(',')}]`;
      }
      return `{${Object.keys(value).sort().flatMap((key) => {
        const field = (value as Record<string, unknown>)[key];
        return field === undefined ? [] : [`${JSON.stringify(key)}:${canonicalJson(field)}`];
      }).join(',')}}`;
    default:
      throw new TypeError(`canonical JSON has no ${typeof value}`);
  }
}
