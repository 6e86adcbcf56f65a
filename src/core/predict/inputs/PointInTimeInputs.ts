import type { CollectedEvent } from '../../events/CollectedEvent.js';
import type { FeatureSet, FeatureStates } from '../../features/compileFeatures.js';
import { applyTraits, emptyTraits, type TraitState } from '../../identity/traits.js';
import type { ChosenInputs, ProfileInputValues } from './ProfileInputs.js';

/** What the replay needs of a logged event (a CollectedEvent has it). */
export type InputEvent = Pick<CollectedEvent, 'type' | 'name' | 'timestamp' | 'body' | 'traits'>;

/**
 * The chosen features and traits of every profile as they were at a cut-off, rebuilt from the
 * event log. A propensity model learns "bought in the window after the cut-off" from inputs
 * as of the cut-off; reading today's feature values instead would let the window's own
 * events leak into the inputs (a `views_30d` that counts the visits of the purchase), and the
 * model would look better in training than it is when it scores. This is the point-in-time
 * join of a feature store, computed by the same feature code as collection.
 *
 * Events are applied in log order, as collection applied them; events after the cut-off (by
 * event time) are skipped. The caller names each event's profile as it is now (after
 * merges), so a profile's inputs gather the events of every profile merged into it.
 *
 * @example const pit = new PointInTimeInputs(model.features, cutoffMillis, chosen); for (const e of log) pit.apply(profileOf(e), e)
 */
export class PointInTimeInputs {
  private readonly profiles = new Map<string, { features: FeatureStates; traits: TraitState }>();

  constructor(private readonly features: FeatureSet, readonly cutoff: number, private readonly chosen: ChosenInputs) {}

  apply(profileId: string, event: InputEvent): void {
    if (event.timestamp > this.cutoff) return;
    let profile = this.profiles.get(profileId);
    if (profile === undefined) this.profiles.set(profileId, profile = { features: {}, traits: emptyTraits });
    if (this.chosen.features.length > 0) this.features.update(profile.features, event);
    if (event.type === 'identify' && event.traits !== null && this.chosen.traits.length > 0) profile.traits = applyTraits(profile.traits, event.traits, event.timestamp);
  }

  /** The profile's chosen inputs at the cut-off; undefined when it had no event by then. */
  valuesOf(profileId: string): ProfileInputValues | undefined {
    const profile = this.profiles.get(profileId);
    if (profile === undefined) return undefined;
    const features: Record<string, unknown> = {};
    for (const name of this.chosen.features) features[name] = this.features.readOne(profile.features, name, this.cutoff);
    const traits: Record<string, unknown> = {};
    for (const name of this.chosen.traits) if (Object.hasOwn(profile.traits.values, name)) traits[name] = profile.traits.values[name];
    return { features, traits };
  }

  get size(): number {
    return this.profiles.size;
  }
}
