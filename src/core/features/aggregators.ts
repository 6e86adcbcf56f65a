import type { RuleValue } from '../rules/values.js';

/**
 * The state of one feature for one profile: small, JSON-serialisable, and updated in place.
 * Windowed numeric aggregates keep sparse time buckets `[bucket, value, ...]`, so a window
 * expires as time passes without any stored event being read again.
 */
export type FeatureState =
  | { v: number }                                   // lifetime count, sum, min, max
  | { b: number[] }                                 // windowed count, sum, min, max: [bucket, value]*
  | { s: RuleValue; t: number }                     // lifetime first, last: value and its time
  | { e: [number, RuleValue, number][] }            // windowed first, last: [bucket, value, time]*
  | { d: [string, number][] }                       // distinct_count: [key, last seen]*
  | { k: [string, number, number][] };              // decayed: [key, score, as of]*

export interface Aggregator {
  /** Adds one event's value (already extracted and checked) at time `t`; returns the (possibly new) state. */
  add(state: FeatureState | undefined, value: RuleValue, weight: number, t: number): FeatureState;
  read(state: FeatureState | undefined, now: number): RuleValue;
  /** Combines the states of two profiles that merge. */
  merge(a: FeatureState, b: FeatureState): FeatureState;
}

type Combine = (a: number, b: number) => number;
const combines: Readonly<Record<'count' | 'sum' | 'min' | 'max', Combine>> = {
  count: (a, b) => a + b,
  sum: (a, b) => a + b,
  min: Math.min,
  max: Math.max,
};

/** Lifetime count, sum, min, max: one number. */
export function lifetimeNumeric(kind: keyof typeof combines): Aggregator {
  const combine = combines[kind];
  const empty = kind === 'count' || kind === 'sum' ? 0 : null;
  return {
    add: (state, value) => ({ v: state !== undefined && 'v' in state ? combine(state.v, value as number) : (value as number) }),
    read: (state) => (state !== undefined && 'v' in state ? state.v : empty),
    merge: (a, b) => ('v' in a && 'v' in b ? { v: combine(a.v, b.v) } : a),
  };
}

/**
 * Windowed count, sum, min, max over sparse buckets of `windowMs / 24`. An event counts from
 * when it happens until its bucket ends plus the window: a 7-day window drops an event between
 * 7 days and 7 days 7 hours after it. Buckets that can no longer be read are removed on write.
 */
export function windowedNumeric(kind: keyof typeof combines, windowMs: number): Aggregator {
  const combine = combines[kind];
  const bucketMs = windowMs / 24;
  const empty = kind === 'count' || kind === 'sum' ? 0 : null;
  const live = (bucket: number, now: number) => (bucket + 1) * bucketMs > now - windowMs;
  return {
    add(state, value, _weight, t) {
      const buckets = state !== undefined && 'b' in state ? state.b : [];
      const bucket = Math.floor(t / bucketMs);
      const newest = buckets.length > 0 ? Math.max(buckets[buckets.length - 2]!, bucket) : bucket;
      const horizon = newest * bucketMs;
      if (!live(bucket, horizon)) return state ?? { b: buckets };
      let i = 0;
      while (i < buckets.length && buckets[i]! < bucket) i += 2;
      if (buckets[i] === bucket) buckets[i + 1] = combine(buckets[i + 1]!, value as number);
      else buckets.splice(i, 0, bucket, value as number);
      let drop = 0;
      while (drop < buckets.length && !live(buckets[drop]!, horizon)) drop += 2;
      if (drop > 0) buckets.splice(0, drop);
      return { b: buckets };
    },
    read(state, now) {
      if (state === undefined || !('b' in state)) return empty;
      let result: number | null = null;
      for (let i = 0; i < state.b.length; i += 2) {
        if (!live(state.b[i]!, now)) continue;
        result = result === null ? state.b[i + 1]! : combine(result, state.b[i + 1]!);
      }
      return result ?? empty;
    },
    merge(a, b) {
      if (!('b' in a) || !('b' in b)) return a;
      let merged: FeatureState = { b: [...a.b] };
      for (let i = 0; i < b.b.length; i += 2) merged = this.add(merged, b.b[i + 1]!, 1, b.b[i]! * bucketMs);
      return merged;
    },
  };
}

/** Lifetime first or last value, by event time. */
export function lifetimeEdge(kind: 'first' | 'last'): Aggregator {
  const better = kind === 'first' ? (t: number, than: number) => t < than : (t: number, than: number) => t >= than;
  return {
    add: (state, value, _w, t) => (state !== undefined && 's' in state && !better(t, state.t) ? state : { s: value, t }),
    read: (state) => (state !== undefined && 's' in state ? state.s : null),
    merge: (a, b) => ('s' in a && 's' in b ? (better(b.t, a.t) ? b : a) : a),
  };
}

/** Windowed first or last value: per bucket the edge value, read over the live buckets. */
export function windowedEdge(kind: 'first' | 'last', windowMs: number): Aggregator {
  const bucketMs = windowMs / 24;
  const better = kind === 'first' ? (t: number, than: number) => t < than : (t: number, than: number) => t >= than;
  const live = (bucket: number, now: number) => (bucket + 1) * bucketMs > now - windowMs;
  return {
    add(state, value, _w, t) {
      const entries = state !== undefined && 'e' in state ? state.e : [];
      const bucket = Math.floor(t / bucketMs);
      const newest = Math.max(bucket, ...entries.map((e) => e[0]));
      if (!live(bucket, newest * bucketMs)) return state ?? { e: entries };
      const existing = entries.find((e) => e[0] === bucket);
      if (existing === undefined) entries.push([bucket, value, t]);
      else if (better(t, existing[2])) [existing[1], existing[2]] = [value, t];
      return { e: entries.filter((e) => live(e[0], newest * bucketMs)).sort((x, y) => x[0] - y[0]) };
    },
    read(state, now) {
      if (state === undefined || !('e' in state)) return null;
      let best: [number, RuleValue, number] | null = null;
      for (const entry of state.e) if (live(entry[0], now) && (best === null || better(entry[2], best[2]))) best = entry;
      return best === null ? null : best[1];
    },
    merge(a, b) {
      if (!('e' in a) || !('e' in b)) return a;
      let merged: FeatureState = { e: a.e.map((e) => [...e] as [number, RuleValue, number]) };
      for (const [, value, t] of b.e) merged = this.add(merged, value, 1, t);
      return merged;
    },
  };
}

/** Distinct values (as strings), each with when it was last seen; at most `maxKeys`, the oldest dropped first. */
export function distinctCount(windowMs: number | null, maxKeys: number): Aggregator {
  return {
    add(state, value, _w, t) {
      const keys = state !== undefined && 'd' in state ? state.d : [];
      const key = String(value).slice(0, 200);
      const existing = keys.find((k) => k[0] === key);
      if (existing !== undefined) existing[1] = Math.max(existing[1], t);
      else keys.push([key, t]);
      if (keys.length > maxKeys) {
        keys.sort((x, y) => y[1] - x[1]);
        keys.length = maxKeys;
      }
      return { d: keys };
    },
    read(state, now) {
      if (state === undefined || !('d' in state)) return 0;
      if (windowMs === null) return state.d.length;
      // Counted, not filtered into a new array: every event reads every feature.
      let live = 0;
      for (const k of state.d) if (k[1] > now - windowMs) live++;
      return live;
    },
    merge(a, b) {
      if (!('d' in a) || !('d' in b)) return a;
      let merged: FeatureState = { d: a.d.map((k) => [...k] as [string, number]) };
      for (const [key, t] of b.d) merged = this.add(merged, key, 1, t);
      return merged;
    },
  };
}

/**
 * Exponentially decayed scores by key (category affinity): each event adds its weight, and
 * every score halves each `halfLifeMs`. Read as an object `{key: score now}`. At most
 * `maxKeys` keys are kept; the lowest score is dropped first.
 */
/**
 * Scores are kept to 12 significant digits: an affinity needs no more, and the shorter
 * numbers keep the stored state small (each key's score is written with every event).
 */
function compact(score: number): number {
  return Number(score.toPrecision(12));
}

export function decayedScore(halfLifeMs: number, maxKeys: number): Aggregator {
  const decay = (score: number, from: number, to: number) => score * Math.pow(2, -(to - from) / halfLifeMs);
  const add = (keys: [string, number, number][], key: string, weight: number, t: number) => {
    const existing = keys.find((k) => k[0] === key);
    if (existing === undefined) keys.push([key, compact(weight), t]);
    else if (t >= existing[2]) [existing[1], existing[2]] = [compact(decay(existing[1], existing[2], t) + weight), t];
    else existing[1] = compact(existing[1] + decay(weight, t, existing[2]));
    if (keys.length > maxKeys) {
      const asOf = Math.max(...keys.map((k) => k[2]));
      keys.sort((x, y) => decay(y[1], y[2], asOf) - decay(x[1], x[2], asOf));
      keys.length = maxKeys;
    }
  };
  return {
    add(state, value, weight, t) {
      const keys = state !== undefined && 'k' in state ? state.k : [];
      add(keys, String(value).slice(0, 200), weight, t);
      return { k: keys };
    },
    read(state, now) {
      if (state === undefined || !('k' in state)) return {};
      // As Object.fromEntries would build it (own data properties, the last of equal keys
      // wins), without its cost on every event. Keys come from events: `__proto__` must
      // become an own property, not the prototype.
      const scores: Record<string, number> = {};
      for (const [key, score, t] of state.k) {
        const value = decay(score, t, now);
        if (key === '__proto__') Object.defineProperty(scores, key, { value, writable: true, enumerable: true, configurable: true });
        else scores[key] = value;
      }
      return scores;
    },
    merge(a, b) {
      if (!('k' in a) || !('k' in b)) return a;
      const keys = a.k.map((k) => [...k] as [string, number, number]);
      for (const [key, score, t] of b.k) add(keys, key, score, t);
      return { k: keys };
    },
  };
}
