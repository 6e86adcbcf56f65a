import { GrowthBook, GrowthBookClient, type Attributes, type ConditionInterface, type FeatureDefinitions, type FeatureResult } from '@growthbook/growthbook';
import type { DecisionFrame } from '../../src/core/decide/decisionSteps.js';
import { peerArms, peerRuleIds, peerRules } from './decideWorkspace.js';

/**
 * The peer of the `decide` benchmark: GrowthBook's JavaScript SDK evaluating the same
 * targeting as Attune's `peer` placement. One feature, `peer`: 20 force rules whose
 * conditions are the Attune rules of `peerRules` (first match wins, as the Attune actions'
 * distinct priorities make it), then an experiment rule splitting everyone else 50/50
 * between the two arms (hashed on the profile id; Attune draws at random among the arms'
 * equal priorities). The value is the id of the Attune action that should win.
 */

export const peerFeatureKey = 'peer';

export const peerFeatures: FeatureDefinitions = {
  [peerFeatureKey]: {
    defaultValue: null,
    rules: [
      ...peerRules.map((rule, i) => ({ id: peerRuleIds[i]!, condition: rule.growthbook as ConditionInterface, force: peerRuleIds[i]! })),
      { id: 'peer-split', key: 'peer-split', variations: [...peerArms], weights: [0.5, 0.5], hashAttribute: 'id', coverage: 1 },
    ],
  },
};

/**
 * What GrowthBook is given about a profile: its traits, the four features the rules read
 * (from Attune's rule input at decision time) and `segments`, the segments the profile is in
 * at decision time. GrowthBook receives these in memory; computing them is not timed.
 */
export function peerAttributes(frame: DecisionFrame): Attributes {
  const profile = frame.input.profile as { id: string; traits: Readonly<Record<string, unknown>> };
  const features = frame.input.features as Readonly<Record<string, unknown>>;
  return {
    ...profile.traits,
    id: profile.id,
    orders: features['order_count'] ?? null,
    spend90: features['spend_90d'] ?? null,
    views30: features['product_views_30d'] ?? null,
    lastCategory: features['last_category'] ?? null,
    segments: frame.segmentSnapshot(),
  };
}

/** The two ways to use the SDK on a server: one GrowthBook instance given each profile's attributes, and the multi-user GrowthBookClient. */
export interface PeerEvaluators {
  /** `gb.setAttributes(attributes)` (synchronous without sticky bucketing and remote evaluation), then `gb.evalFeature('peer')`. */
  readonly instance: (attributes: Attributes) => FeatureResult<string | null>;
  /** `client.evalFeature('peer', { attributes })`. */
  readonly client: (attributes: Attributes) => FeatureResult<string | null>;
  readonly version: string;
}

export function peerEvaluators(): PeerEvaluators {
  const gb = new GrowthBook({ features: peerFeatures, attributes: {} });
  const client = new GrowthBookClient({}).initSync({ payload: { features: peerFeatures } });
  return {
    instance: (attributes) => {
      void gb.setAttributes(attributes);
      return gb.evalFeature<string | null>(peerFeatureKey);
    },
    client: (attributes) => client.evalFeature<string | null>(peerFeatureKey, { attributes }),
    version: gb.version,
  };
}
