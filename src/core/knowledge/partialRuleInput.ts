import { hasConsent } from '../consent/ConsentState.js';
import { derivedBaseValues, derivedFeatureInputs, derivedFeatures } from '../features/builtinFeatures.js';
import type { FeatureStates } from '../features/compileFeatures.js';
import { noPredictions } from '../predict/traits/predictionsOf.js';
import type { RuleInput } from '../rules/compileRule.js';
import type { RuleValue } from '../rules/values.js';
import type { KnowledgeModel } from './KnowledgeModel.js';
import type { KnowledgeState, ProfileFacts } from './KnowledgeState.js';

/** What rules see of predictions' explanations when there are none. */
export const noExplanations = (): Readonly<Record<string, never>> => ({});

/** A feature's value now, each read once per event: `changedValues` and the rule input share them. */
export function memoisedReader(model: KnowledgeModel, states: FeatureStates, now: number): (name: string) => RuleValue {
  const read = new Map<string, RuleValue>();
  return (name) => {
    let value = read.get(name);
    if (value === undefined) {
      value = model.features.readOne(states, name, now);
      read.set(name, value);
    }
    return value;
  };
}

/**
 * The rule input of an event's precise update, with only the features the segments it may
 * evaluate read (`SegmentSet.featuresRead`): rules read features by name, so the rest is never
 * looked at. Derived values (and the first and last seen times, formatted) only when read.
 * Otherwise as `ruleInputWith`; never used with a prediction model.
 */
export function partialRuleInput(state: KnowledgeState, profile: ProfileFacts, model: KnowledgeModel, now: number, parts: { read: ReadonlySet<string>; readNow: (name: string) => RuleValue; session: Record<string, unknown> }): RuleInput {
  const values: Record<string, RuleValue> = {};
  let derived: Record<string, RuleValue> | undefined;
  const derive = () => (derived ??= derivedFeatures(derivedBaseValues(parts.readNow), profile, now));
  // A defined feature of a derived name reads as the derived value (ruleInputWith assigns those last).
  for (const name of parts.read) values[name] = Object.hasOwn(derivedFeatureInputs, name) ? derive()[name] ?? null : parts.readNow(name);
  const times = model.valueWatch.profileTimes ? derive() : null;
  return {
    now,
    profile: { id: profile.id, traits: profile.traits, first_seen: times?.['first_seen'], last_seen: times?.['last_seen'] },
    features: values,
    session: parts.session,
    predictions: noPredictions,
    explainPredictions: noExplanations,
    hasConsent: (purpose) => hasConsent(state.c, purpose, model.consent),
  };
}
