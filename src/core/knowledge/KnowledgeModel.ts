import { defaultConsentSettings, standardPurposes, type ConsentSettings } from '../consent/ConsentState.js';
import { builtinFeatureFields, withBuiltinFeatures } from '../features/builtinFeatures.js';
import { compileFeatures, type FeatureSet } from '../features/compileFeatures.js';
import type { FeatureDefinition } from '../features/FeatureDefinition.js';
import type { RuleSchema } from '../rules/compileRule.js';
import type { RuleType } from '../rules/values.js';
import { SegmentSet } from '../segments/compileSegments.js';
import { timeDependentFields } from '../segments/timeDependentFields.js';
import type { SegmentDefinition } from '../segments/SegmentDefinition.js';
import { valueWatchPlan, type ValueWatchPlan } from './changedValues.js';
import { sessionFields } from '../session/SessionState.js';
import { compileExperimentModel, type ExperimentConfig, type ExperimentModel } from '../experiments/ExperimentModel.js';
import { predictionFields, type PredictionModel } from '../predict/traits/PredictionModel.js';

/** A workspace's configuration of what Attune knows about each customer, compiled. */
export interface KnowledgeModel {
  readonly features: FeatureSet;
  readonly segments: SegmentSet;
  /** How an event tells which of the values the segments read moved since their last evaluation. */
  readonly valueWatch: ValueWatchPlan;
  readonly consent: ConsentSettings;
  /** What rules may read in this workspace; used to check segment and action rules. */
  readonly schema: RuleSchema;
  /** Experiments, metrics and the holdout: assigned by decide, aggregated as events arrive. */
  readonly experiments: ExperimentModel;
  /** The workspace's trained prediction model (`predictions.*` in rules); null before the first training. */
  readonly predictions: PredictionModel | null;
  /** A fingerprint of the configuration, so caches know when to recompile. */
  readonly version: string;
}

export interface KnowledgeConfig {
  readonly features: readonly FeatureDefinition[];
  readonly segments: readonly SegmentDefinition[];
  readonly consent?: ConsentSettings;
  /** Absent: no experiments and no holdout (a model built without a workspace's measurement settings). */
  readonly experiments?: ExperimentConfig;
  readonly predictions?: PredictionModel | null;
  readonly version?: string;
}

const featureTypes: Readonly<Record<FeatureDefinition['aggregate'], RuleType>> = {
  count: 'number', sum: 'number', min: 'number', max: 'number', first: 'any', last: 'any', distinct_count: 'number', decayed: 'object',
};

/** The rule schema of a workspace: its features, the built-in session fields and the predictions are closed; traits and context are open. */
export function ruleSchemaFor(features: readonly FeatureDefinition[], consent: ConsentSettings): RuleSchema {
  const fields: Record<string, RuleType> = { ...builtinFeatureFields, ...sessionFields, ...predictionFields };
  for (const f of features) fields[`features.${f.name}`] = featureTypes[f.aggregate];
  return {
    fields,
    closedRoots: ['features', 'session', 'predictions'],
    consentPurposes: [...new Set([...standardPurposes, ...Object.keys(consent.defaults), ...Object.values(consent.categoryMap)])],
  };
}

/**
 * Compiles a workspace's features (with the built-ins), segments (checked against the
 * features) and consent settings. Throws FeatureDefinitionError or SegmentDefinitionError.
 */
export function compileKnowledgeModel(config: KnowledgeConfig): KnowledgeModel {
  const consent = config.consent ?? defaultConsentSettings;
  const definitions = withBuiltinFeatures(config.features);
  const schema = ruleSchemaFor(definitions, consent);
  const clockFields = timeDependentFields(definitions);
  const segments = new SegmentSet(config.segments, schema, { clockFields });
  // Features whose value changes with time alone (windowed, decayed, derived from the clock).
  const clockFeatures = new Set(clockFields.filter((field) => field.startsWith('features.')).map((field) => field.slice('features.'.length)));
  return {
    features: compileFeatures(definitions),
    segments,
    valueWatch: valueWatchPlan(segments.watchedKeys, clockFeatures),
    consent,
    schema,
    experiments: compileExperimentModel({ ...(config.experiments ?? { experiments: [], metrics: [], measurement: { holdoutShare: 0 }, workspaceId: '' }), schema }),
    predictions: config.predictions ?? null,
    version: config.version ?? '0',
  };
}
