import { fnv1a32 } from '../../experiments/hash.js';

/** A feature value as requests and profiles carry it; null and undefined are absent. */
export type FeatureValue = number | string | boolean | null | undefined;
/** Named features, flat (nested request objects are flattened by `flattenFeatures`). */
export type Features = Readonly<Record<string, FeatureValue>>;

/**
 * Features into a fixed-length vector by the hashing trick (Weinberger et al. 2009), so that a
 * model has a fixed size whatever names callers send and no vocabulary has to be kept:
 * - index 0 is a constant 1 (the intercept);
 * - a number goes to bucket hash(name) with its value, a boolean as 1 or 0;
 * - a string goes to bucket hash(name=value) with 1 (one-hot without a vocabulary);
 * - with `cross`, every pair of a context and an action feature also gets a bucket, so a shared
 *   model can learn that an action suits some contexts (the interaction terms).
 * A second hash bit gives each bucket a sign so that collisions cancel in expectation rather
 * than add up. `namespace` keeps context and action names apart.
 *
 * @example encodeFeatures([{ namespace: 'c', features: { device: 'mobile', visits: 3 } }], 64)
 */
export function encodeFeatures(groups: readonly { readonly namespace: string; readonly features: Features }[], dims: number, cross = false): Float64Array {
  return encodeKeyed(groups.map(({ namespace, features }) => featureKeys(namespace, features)), dims, cross);
}

/** A feature hashed: its bucket's hash (from the namespace, the name and, for a string, the value) and its value. */
export interface KeyedFeature {
  readonly hash: number;
  readonly value: number;
}

/**
 * `encodeFeatures` from groups already hashed (`featureKeys`): a rank call hashes its context
 * once and crosses it with each action's keys, rather than hashing the context per action.
 * The same groups give the same vector as `encodeFeatures`.
 *
 * @example encodeKeyed([featureKeys('c', { device: 'mobile' }), featureKeys('a', { '#id': 'news' })], 256, true)
 */
export function encodeKeyed(keyed: readonly (readonly KeyedFeature[])[], dims: number, cross = false): Float64Array {
  const vector = new Float64Array(dims);
  vector[0] = 1;
  for (const group of keyed) for (const { hash, value } of group) add(vector, hash, value);
  if (cross && keyed.length >= 2) {
    const [first, ...rest] = keyed;
    for (const other of rest) {
      for (const a of first!) for (const b of other) add(vector, crossHash(a.hash, b.hash), a.value * b.value);
    }
  }
  return vector;
}

/** The non-zero entries of a hashed vector, indices ascending (`SparseVector` in LinearModel.ts has this shape). */
export interface SparseEntries {
  readonly indices: readonly number[];
  readonly values: readonly number[];
}

/**
 * Scratch vectors of `encodeKeyedSparse`, one per dims (a bucket is the hash modulo dims − 1),
 * left all zeros after each call: a decision encodes into one instead of allocating a
 * dims-long Float64Array (off the V8 heap past 64 bytes, so dearer than its size) only to list
 * its non-zero entries. Nothing in them outlives a call (JavaScript runs one at a time).
 */
const scratch = new Map<number, Float64Array>();

/**
 * `sparseOf(encodeKeyed(keyed, dims))` without the dense vector: the same buckets filled by the
 * same additions in the same order, so the same entries bit for bit (no crosses: a contextual
 * strategy's vector has one group).
 *
 * @example encodeKeyedSparse([featureKeysOf('x', ['device'], { device: 'mobile' })], 64) // { indices: [0, b], values: [1, ±1] }
 */
export function encodeKeyedSparse(keyed: readonly (readonly KeyedFeature[])[], dims: number): SparseEntries {
  let vector = scratch.get(dims);
  if (vector === undefined) scratch.set(dims, vector = new Float64Array(dims));
  const touched = [0];
  vector[0] = 1;
  for (const group of keyed) {
    for (const { hash, value } of group) {
      const index = add(vector, hash, value);
      if (!touched.includes(index)) touched.push(index);
    }
  }
  // A few entries (one per input): an insertion sort, no comparator calls.
  for (let j = 1; j < touched.length; j++) {
    const t = touched[j]!;
    let at = j;
    for (; at > 0 && touched[at - 1]! > t; at--) touched[at] = touched[at - 1]!;
    touched[at] = t;
  }
  const indices: number[] = [];
  const values: number[] = [];
  for (const index of touched) {
    const value = vector[index]!;
    vector[index] = 0;
    // Entries that cancelled (a collision of opposite signs) are left out, as `sparseOf` does.
    if (value !== 0) {
      indices.push(index);
      values.push(value);
    }
  }
  return { indices, values };
}

/** A pair's bucket from its two keys' hashes (no string is built: crosses are most of the work). */
function crossHash(a: number, b: number): number {
  let h = Math.imul(a ^ (b >>> 16), 0x85ebca6b) ^ Math.imul(b, 0xc2b2ae35);
  h ^= h >>> 13;
  h = Math.imul(h, 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One group's features hashed, names sorted, absent, false and zero values left out. */
export function featureKeys(namespace: string, features: Features): KeyedFeature[] {
  return featureKeysOf(namespace, Object.keys(features).sort(), features);
}

/**
 * `featureKeys` over the given names, in their order (a name missing from `features` is
 * absent): a caller whose names are known and sorted ahead (a contextual strategy's) skips
 * listing and sorting the keys at every call. With `Object.keys(features).sort()` it is `featureKeys`.
 *
 * @example featureKeysOf('x', ['device', 'plan'], { device: 'mobile' }) // featureKeys('x', { device: 'mobile' })
 */
export function featureKeysOf(namespace: string, names: readonly string[], features: Features): KeyedFeature[] {
  const keys: KeyedFeature[] = [];
  for (const name of names) {
    const raw = features[name];
    if (raw === null || raw === undefined) continue;
    if (typeof raw === 'number') {
      if (Number.isFinite(raw) && raw !== 0) keys.push({ hash: fnv1a32(`${namespace}:${name}`), value: raw });
    } else if (typeof raw === 'boolean') {
      if (raw) keys.push({ hash: fnv1a32(`${namespace}:${name}`), value: 1 });
    } else {
      keys.push({ hash: fnv1a32(`${namespace}:${name}=${raw}`), value: 1 });
    }
  }
  return keys;
}

/**
 * `featureKeysOf` for one namespace and names fixed ahead (a contextual strategy's), keeping the
 * key of each string or true value once made: a placement's decisions read the same few values
 * (a segment, a device, a plan) again and again, and building `x:context.device=mobile` and
 * hashing it was most of their encoding. At most `perName` values are kept per name (past it,
 * keys are made as `featureKeysOf` makes them), so odd values cannot grow it without bound.
 * The same keys in the same order as `featureKeysOf(namespace, names, features)`.
 *
 * @example featureKeysCached('x', ['device'])({ device: 'mobile' }) // featureKeysOf('x', ['device'], { device: 'mobile' })
 */
export function featureKeysCached(namespace: string, names: readonly string[], perName = 1_000): (features: Features) => KeyedFeature[] {
  const bare = names.map((name) => fnv1a32(`${namespace}:${name}`));
  const yes = bare.map((hash): KeyedFeature => ({ hash, value: 1 }));
  const byValue = names.map(() => new Map<string, KeyedFeature>());
  return (features) => {
    const keys: KeyedFeature[] = [];
    for (let i = 0; i < names.length; i++) {
      const raw = features[names[i]!];
      if (raw === null || raw === undefined) continue;
      if (typeof raw === 'number') {
        if (Number.isFinite(raw) && raw !== 0) keys.push({ hash: bare[i]!, value: raw });
      } else if (typeof raw === 'boolean') {
        if (raw) keys.push(yes[i]!);
      } else {
        const known = byValue[i]!;
        let key = known.get(raw);
        if (key === undefined) {
          key = { hash: fnv1a32(`${namespace}:${names[i]!}=${raw}`), value: 1 };
          if (known.size < perName) known.set(raw, key);
        }
        keys.push(key);
      }
    }
    return keys;
  };
}

/** Adds a feature to its bucket; returns the bucket. */
function add(vector: Float64Array, h: number, value: number): number {
  // Bucket 0 is the intercept's own.
  const index = 1 + (h % (vector.length - 1));
  const sign = (h >>> 31) === 0 ? 1 : -1;
  vector[index] = vector[index]! + sign * value;
  return index;
}

/**
 * Nested objects to dotted names and arrays of objects (Personalizer's `contextFeatures` is a
 * list of objects) merged, so any JSON the caller sends becomes `Features`.
 *
 * @example flattenFeatures([{ user: { tier: 'gold' } }, { device: 'mobile' }]) // { 'user.tier': 'gold', device: 'mobile' }
 */
export function flattenFeatures(value: unknown, prefix = '', into: Record<string, FeatureValue> = {}): Record<string, FeatureValue> {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      if (item !== null && typeof item === 'object') flattenFeatures(item, prefix, into);
      else flattenFeatures(item, prefix === '' ? String(index) : `${prefix}.${index}`, into);
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) flattenFeatures(item, prefix === '' ? key : `${prefix}.${key}`, into);
  } else if (prefix !== '' && (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')) {
    into[prefix] = value;
  }
  return into;
}
