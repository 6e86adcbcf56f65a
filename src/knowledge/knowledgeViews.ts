import { builtinFeatures } from '../core/features/builtinFeatures.js';
import type { FeatureDefinition } from '../core/features/FeatureDefinition.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import type { RuleType } from '../core/rules/values.js';
import type { SegmentDefinition } from '../core/segments/SegmentDefinition.js';

/** How the administration API shows features and segments: the definitions and what compiling them found. */

export const builtinFeatureNames: ReadonlySet<string> = new Set(builtinFeatures.map((f) => f.name));

export type FeatureView = FeatureDefinition & {
  /** One of the features every workspace has (order_count, revenue, ...). */
  readonly builtin: boolean;
  /** A built-in feature that this workspace declared its own definition for. */
  readonly redefined: boolean;
  /** The type rules see at `features.<name>`. */
  readonly type: RuleType;
  /** Segments whose rules read this feature by name. */
  readonly readBy: string[];
};

/** What compiling a segment's rule in its workspace found out about it. */
export interface SegmentAnalysis {
  readonly type: RuleType;
  /** Static paths the rule reads (`features.orders_90d`, `profile.traits.plan`). */
  readonly reads: string[];
  readonly roots: string[];
  /** Segments it reads with in_segment(). */
  readonly segments: string[];
  /** Segments that read it with in_segment(). */
  readonly dependents: string[];
  readonly features: string[];
  /** It reads `features[...]` by a computed name: any feature may change it. */
  readonly allFeatures: boolean;
  readonly profile: boolean;
  readonly session: boolean;
  readonly consent: boolean;
  /** Its rule reads the request context. */
  readonly context: boolean;
  /** It changes with time alone (now(), days_since, windowed or decayed features, the session). */
  readonly clock: boolean;
  /** Memberships are stored (and counted in `size`); false when it reads the context, itself or through a segment: then it exists at decision time only. */
  readonly stored: boolean;
  /** Evaluated again whenever read (clock or context, itself or through a segment). */
  readonly dynamic: boolean;
  /** Syntax nodes in the rule: a bound on the work of one evaluation. */
  readonly cost: number;
}

export type SegmentView = SegmentDefinition & {
  /** Stored members; null for a segment evaluated only at decision time (it reads the context). */
  readonly size: number | null;
  readonly analysis: SegmentAnalysis;
};

export function featureView(definition: FeatureDefinition, model: KnowledgeModel, declared: boolean): FeatureView {
  const builtin = builtinFeatureNames.has(definition.name);
  return {
    ...definition,
    builtin,
    redefined: builtin && declared,
    type: model.schema.fields?.[`features.${definition.name}`] ?? 'any',
    readBy: model.segments.ordered.filter((s) => s.inputs.features.has(definition.name)).map((s) => s.id),
  };
}

/** The features in force: the built-ins (or their redefinitions) first, then the declared ones. */
export function featureViews(declared: readonly FeatureDefinition[], model: KnowledgeModel): FeatureView[] {
  const byName = new Map(declared.map((d) => [d.name, d]));
  return [
    ...builtinFeatures.map((b) => featureView(byName.get(b.name) ?? b, model, byName.has(b.name))),
    ...declared.filter((d) => !builtinFeatureNames.has(d.name)).map((d) => featureView(d, model, true)),
  ];
}

/** Segments that read `id` with in_segment(). */
export function dependentsOf(model: KnowledgeModel, id: string): string[] {
  return model.segments.ordered.filter((s) => s.inputs.segments.has(id)).map((s) => s.id);
}

export function segmentAnalysis(model: KnowledgeModel, id: string): SegmentAnalysis {
  const segment = model.segments.get(id);
  if (segment === undefined) throw new Error(`segment "${id}" is not in the model`);
  const { rule, inputs } = segment;
  return {
    type: rule.type,
    reads: [...rule.reads],
    roots: [...rule.roots],
    segments: [...inputs.segments].sort(),
    dependents: dependentsOf(model, id),
    features: [...inputs.features].sort(),
    allFeatures: inputs.allFeatures,
    profile: inputs.profile,
    session: inputs.session,
    consent: inputs.consent,
    context: inputs.context,
    clock: inputs.clock,
    stored: !model.segments.contextual.has(id),
    dynamic: model.segments.dynamic.has(id),
    cost: rule.cost,
  };
}
