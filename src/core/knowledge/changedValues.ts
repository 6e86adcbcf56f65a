import { derivedBaseValues, derivedFeatureInputs, orderDerivedFeatures, type OrderDerivedFeatures } from '../features/builtinFeatures.js';
import type { FeatureSet, FeatureStates } from '../features/compileFeatures.js';
import { equals, toRuleValue, type RuleValue } from '../rules/values.js';
import type { ChangedInputs } from '../segments/compileSegments.js';
import type { ChangedValues } from '../segments/segmentWatch.js';

/**
 * How to tell, for each value the stored segments read (`SegmentSet.watchedKeys`), whether it
 * moved: compiled once per definitions version (`KnowledgeModel.valueWatch`), so an event
 * parses no key.
 */
export interface ValueWatchPlan {
  readonly features: readonly FeatureCheck[];
  readonly session: readonly { readonly key: string; readonly field: string }[];
  /** The key of the traits (`profile.traits`), when a segment reads them. */
  readonly traits: string | null;
  /** Keys counted as changed on every event (first and last seen, which change with events and are not kept). */
  readonly always: readonly string[];
  /** Whether a segment reads `profile.first_seen` or `profile.last_seen` (formatted for the rule input only then). */
  readonly profileTimes: boolean;
}

type FeatureCheck =
  /** A lifetime feature: its value moves only with its state, so only when the event updated it. */
  | { readonly kind: 'state'; readonly key: string; readonly name: string }
  /** Windowed or decayed: also moves with time alone, so it is read at both times. */
  | { readonly kind: 'clock'; readonly key: string; readonly name: string }
  /** Derived from order features and the time (`orderDerivedFeatures`): recomputed at both times. */
  | { readonly kind: 'derived'; readonly key: string; readonly name: keyof OrderDerivedFeatures; readonly inputs: readonly string[] };

export function valueWatchPlan(keys: Iterable<string>, clockFeatures: ReadonlySet<string>): ValueWatchPlan {
  const features: FeatureCheck[] = [];
  const session: { key: string; field: string }[] = [];
  const always: string[] = [];
  let traits: string | null = null;
  for (const key of keys) {
    const dot = key.indexOf('.');
    const [root, name] = [key.slice(0, dot), key.slice(dot + 1)];
    if (root === 'features') {
      if (!Object.hasOwn(derivedFeatureInputs, name)) features.push({ kind: clockFeatures.has(name) ? 'clock' : 'state', key, name });
      else {
        const inputs = derivedFeatureInputs[name]!;
        if (inputs === null) always.push(key);
        else features.push({ kind: 'derived', key, name: name as keyof OrderDerivedFeatures, inputs });
      }
    } else if (root === 'session') session.push({ key, field: name });
    else if (key === 'profile.traits') traits = key;
    // The profile's id changes only in a merge, which evaluates every segment; its other fields
    // but first and last seen do not exist (always null).
    else if (root !== 'profile' || name === 'first_seen' || name === 'last_seen') always.push(key);
  }
  return { features, session, traits, always, profileTimes: always.some((key) => key.startsWith('profile.')) };
}

/** What `changedValues` compares: the profile's values at the last evaluation of its segments and now. */
export interface ValuesSince {
  /** When the segments were last evaluated (`KnowledgeState.e`). */
  readonly since: number;
  readonly now: number;
  /** Feature states after the event; those the event did not update are as they were at `since`. */
  readonly states: FeatureStates;
  /** Features the event updated. */
  readonly updated: ReadonlySet<string>;
  /** A defined feature as it reads now (memoised by the caller: the rule input takes the same values). */
  readonly readNow: (name: string) => RuleValue;
  /** The session as read at `since` before the event, and as read now after it. */
  readonly sessionBefore: Readonly<Record<string, unknown>>;
  readonly sessionNow: Readonly<Record<string, unknown>>;
  readonly traitsChanged: boolean;
  readonly consentChanged: boolean;
}

/**
 * The watched values that differ between the last evaluation of a profile's segments and now,
 * for `SegmentSet.update`. Exact by construction: a value counts as unchanged only when it is
 * shown equal. A feature the event updated has changed; one it did not keeps its state, so it
 * is unchanged if it does not move with time, and otherwise read at both times and compared;
 * a derived value is recomputed at both times when the event updated none of its inputs. The
 * session's fields are compared as read before the event at `since` and after it now.
 */
export function changedValues(plan: ValueWatchPlan, features: FeatureSet, v: ValuesSince): ChangedValues {
  const keys = new Set<string>(plan.always);
  let before: OrderDerivedFeatures | undefined;
  let after: OrderDerivedFeatures | undefined;
  for (const check of plan.features) {
    let changed: boolean;
    if (check.kind === 'state') changed = v.updated.has(check.name);
    else if (check.kind === 'clock') changed = v.updated.has(check.name) || !equals(features.readOne(v.states, check.name, v.since), v.readNow(check.name));
    else if (check.inputs.some((input) => v.updated.has(input))) changed = true;
    else {
      before ??= orderDerivedFeatures(derivedBaseValues((name) => features.readOne(v.states, name, v.since)), v.since);
      after ??= orderDerivedFeatures(derivedBaseValues(v.readNow), v.now);
      changed = !equals(before[check.name], after[check.name]);
    }
    if (changed) keys.add(check.key);
  }
  for (const { key, field } of plan.session) if (!equals(valueOf(v.sessionBefore, field), valueOf(v.sessionNow, field))) keys.add(key);
  if (plan.traits !== null && v.traitsChanged) keys.add(plan.traits);
  return { kind: 'values', keys, consent: v.consentChanged, clock: v.since !== v.now };
}

function valueOf(record: Readonly<Record<string, unknown>>, key: string): RuleValue {
  return Object.hasOwn(record, key) ? toRuleValue(record[key]) : null;
}

/**
 * What an event changed, by kind of input, for a state that does not say when its segments
 * were last evaluated (stored before `e` was kept): every segment reading the clock, the
 * session or the profile (its first and last seen times move with events) is evaluated, and
 * a derived feature changed with its inputs (the first event of such a profile; later ones
 * are precise).
 */
export function coarseChanges(updated: ReadonlySet<string>, consent: boolean): ChangedInputs {
  const features = new Set(updated);
  for (const [name, inputs] of Object.entries(derivedFeatureInputs)) if (inputs === null || inputs.some((input) => updated.has(input))) features.add(name);
  return { features, profile: true, session: true, consent };
}
