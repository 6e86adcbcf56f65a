import type { FeatureDefinition } from '../features/FeatureDefinition.js';

/** Features derived at read time from the clock (`derivedFeatures` in features/builtinFeatures.ts). */
const clockDerivedFeatures = ['days_since_first_seen', 'days_since_last_seen', 'days_since_last_order', 'recency_days'];

/**
 * The fields whose value changes with time alone, for `SegmentSet`'s `clockFields`: the
 * session (it reads as a new, empty one 30 minutes after the last event), the derived
 * days-since features, and the workspace's windowed and decayed features (events leave a
 * window, scores decay). Segments reading them are re-evaluated on every update and when read.
 */
export function timeDependentFields(features: readonly FeatureDefinition[]): string[] {
  const moving = features.filter((f) => f.aggregate === 'decayed' || (f.window !== undefined && f.window !== 'lifetime'));
  return ['session', ...clockDerivedFeatures.map((name) => `features.${name}`), ...moving.map((f) => `features.${f.name}`)];
}
