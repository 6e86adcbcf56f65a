import type { FeatureStates } from '../core/features/compileFeatures.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import type { ChosenInputs, ProfileInputValues } from '../core/predict/inputs/ProfileInputs.js';

/** A profile's chosen inputs now: its features read at `now`, its traits. */
export function currentInputs(knowledge: KnowledgeModel, chosen: ChosenInputs, states: FeatureStates, traits: Readonly<Record<string, unknown>>, now: number): ProfileInputValues {
  const features: Record<string, unknown> = {};
  for (const name of chosen.features) features[name] = knowledge.features.readOne(states, name, now);
  const picked: Record<string, unknown> = {};
  for (const name of chosen.traits) if (Object.hasOwn(traits, name)) picked[name] = traits[name];
  return { features, traits: picked };
}
