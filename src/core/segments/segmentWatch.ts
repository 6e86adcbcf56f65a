import type { CompiledRule } from '../rules/compileRule.js';

/**
 * What a segment's rule reads, value by value: the precise half of `SegmentSet.update`. A
 * rule's result is a function of the values at its static paths, the evaluation time (when it
 * calls now(), days_since() or hours_since()), consent and the segments it reads; when none
 * of those differs from the last evaluation, neither does the result. So a segment reading
 * the clock through a field (a 7-day window, the session's expiry) is re-evaluated only when
 * that field's value moved, not on every event.
 */
export interface SegmentWatch {
  /** `root.name` of each value the rule reads: `features.orders_90d`, `session.pages`, `profile.traits`. */
  readonly keys: readonly string[];
  /** The rule calls now(), days_since() or hours_since(): a new evaluation time may change it. */
  readonly clock: boolean;
  readonly consent: boolean;
  /**
   * The rule reads what no change set describes (a whole root such as `len(session)` or
   * `features[x]`, predictions): evaluated on every event, as before the precise update.
   */
  readonly always: boolean;
}

/**
 * What differs, value by value, between the last evaluation of a profile's segments and now
 * (`core/knowledge/changedValues.ts` builds it). Keys name values as `SegmentWatch.keys` does;
 * a key absent is a value known to be equal.
 */
export interface ChangedValues {
  readonly kind: 'values';
  readonly keys: ReadonlySet<string>;
  readonly consent: boolean;
  /** The evaluation time differs from the last one. */
  readonly clock: boolean;
}

/** The roots whose named values a change set can describe; anything else makes a segment `always`. */
const describedRoots: ReadonlySet<string> = new Set(['features', 'session', 'profile']);

export function watchOf(rule: CompiledRule): SegmentWatch {
  const keys = new Set<string>();
  let always = false;
  for (const path of rule.reads) {
    const [root, name] = path.split('.') as [string, string | undefined];
    if (name === undefined || !describedRoots.has(root)) always = true;
    else keys.add(`${root}.${name}`);
  }
  return { keys: [...keys], clock: rule.usesClock, consent: rule.usesConsent, always };
}

/**
 * The stored segments indexed by what they read, so that an event costs the values that moved
 * and the segments they touch, not a test of every segment: the segments to evaluate are
 * marked from the changed keys, and a segment that flips marks those reading it (they come
 * after it in dependency order).
 */
export class WatchIndex {
  private readonly byKey = new Map<string, number[]>();
  private readonly always: number[] = [];
  private readonly clock: number[] = [];
  private readonly consent: number[] = [];
  /** Per stored segment, the stored segments whose rule reads it with in_segment(). */
  readonly dependents: readonly (readonly number[])[];

  /** Per stored segment, the features it reads by name; null when it reads what no key names. */
  private readonly features: readonly (readonly string[] | null)[];

  constructor(stored: readonly { readonly id: string; readonly watch: SegmentWatch; readonly segments: ReadonlySet<string> }[]) {
    const position = new Map(stored.map((segment, i) => [segment.id, i]));
    this.features = stored.map(({ watch }) => (watch.always ? null : watch.keys.filter((key) => key.startsWith('features.')).map((key) => key.slice('features.'.length))));
    const dependents: number[][] = stored.map(() => []);
    stored.forEach((segment, i) => {
      const { watch } = segment;
      if (watch.always) this.always.push(i);
      if (watch.clock) this.clock.push(i);
      if (watch.consent) this.consent.push(i);
      for (const key of watch.keys) {
        const list = this.byKey.get(key);
        if (list === undefined) this.byKey.set(key, [i]);
        else list.push(i);
      }
      for (const id of segment.segments) {
        const at = position.get(id);
        if (at !== undefined) dependents[at]!.push(i);
      }
    });
    this.dependents = dependents;
    this.marks = new Uint8Array(stored.length);
  }

  private readonly marks: Uint8Array;

  /**
   * The features that the segments an update with `changed` may evaluate read: those marked,
   * and every segment reading one of them through in_segment (a flip would mark it); null when
   * one of them reads what no key names (`features[x]`), so any feature. Dependents come after
   * the segments they read, so one pass in order marks them all.
   */
  featuresRead(changed: ChangedValues): Set<string> | null {
    const marks = this.marked(changed);
    const names = new Set<string>();
    for (let i = 0; i < marks.length; i++) {
      if (marks[i] === 0) continue;
      for (const j of this.dependents[i]!) marks[j] = 1;
      const features = this.features[i]!;
      if (features === null) return null;
      for (const name of features) names.add(name);
    }
    return names;
  }

  /**
   * One mark per stored segment: 1 when what it reads changed. The array is this index's own,
   * cleared and reused on every call (an allocation per event was a tenth of an update that
   * evaluates nothing): valid until the next call, which `SegmentSet.update`, synchronous and
   * never re-entered, does not make while it reads it.
   */
  marked(changed: ChangedValues): Uint8Array {
    const marks = this.marks.fill(0);
    for (const i of this.always) marks[i] = 1;
    if (changed.clock) for (const i of this.clock) marks[i] = 1;
    if (changed.consent) for (const i of this.consent) marks[i] = 1;
    for (const key of changed.keys) {
      const list = this.byKey.get(key);
      if (list !== undefined) for (const i of list) marks[i] = 1;
    }
    return marks;
  }
}
