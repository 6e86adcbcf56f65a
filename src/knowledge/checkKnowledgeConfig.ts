import { AttuneError } from '../core/errors/AttuneError.js';
import { builtinFeatureFields, builtinFeatures } from '../core/features/builtinFeatures.js';
import { FeatureDefinitionError } from '../core/features/compileFeatures.js';
import { compileKnowledgeModel, type KnowledgeConfig, type KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import type { RuleError } from '../core/rules/RuleError.js';
import { SegmentDefinitionError } from '../core/segments/compileSegments.js';

/** The definition a change is about: its faults are the client's (400), others' faults are conflicts (409). */
export type ChangeTarget =
  | { readonly kind: 'feature'; readonly name: string }
  | { readonly kind: 'segment'; readonly id: string }
  | { readonly kind: 'none' };

const builtinNames = new Set(builtinFeatures.map((f) => f.name));

/**
 * Values computed from the built-in features when read (frequency, recency_days, ...): a
 * declared feature of one of these names would be silently overwritten by the derived value.
 */
export const derivedFeatureNames: readonly string[] = Object.keys(builtinFeatureFields)
  .map((field) => field.slice('features.'.length))
  .filter((name) => !builtinNames.has(name));

/** Where a rule fault is, for problem+json: the position, the caret drawing and the kind. */
export function ruleErrorExtensions(error: RuleError): Record<string, unknown> {
  return { ruleErrorKind: error.kind, line: error.line, column: error.column, caret: error.caret };
}

/**
 * Compiles a workspace's whole configuration as it would be after a change, so that no
 * change is saved that breaks another definition. Every fault becomes an AttuneError:
 * ATTUNE_FEATURE_INVALID, ATTUNE_RULE_INVALID and ATTUNE_SEGMENT_INVALID for the definition
 * being changed (`target`), ATTUNE_CONFLICT for a saved segment the change would break.
 *
 * @example checkKnowledgeConfig({ features, segments: [...segments, created] }, { kind: 'segment', id: created.id })
 */
export function checkKnowledgeConfig(config: KnowledgeConfig, target: ChangeTarget): KnowledgeModel {
  for (const feature of config.features) {
    if (derivedFeatureNames.includes(feature.name)) {
      throw new AttuneError('ATTUNE_FEATURE_INVALID', {
        detail: `feature "${feature.name}": name: "${feature.name}" is derived from the built-in features when read; choose another name`,
        field: '/name',
        extensions: { feature: feature.name },
      });
    }
  }
  try {
    return compileKnowledgeModel(config);
  } catch (error) {
    throw toKnowledgeError(error, target);
  }
}

/** Maps a compile fault to its answer (see checkKnowledgeConfig); anything else is returned as is. */
export function toKnowledgeError(error: unknown, target: ChangeTarget): unknown {
  if (error instanceof FeatureDefinitionError) {
    return new AttuneError('ATTUNE_FEATURE_INVALID', {
      detail: error.message,
      field: `/${error.field}`,
      extensions: { feature: error.feature, ...(error.rule === undefined ? {} : ruleErrorExtensions(error.rule)) },
      cause: error,
    });
  }
  if (!(error instanceof SegmentDefinitionError)) return error;
  const own = target.kind === 'segment' && target.id === error.segment;
  if (error.rule !== undefined && !own) {
    // Only a feature change can break another segment's rule (a type changed, a name went away).
    return new AttuneError('ATTUNE_CONFLICT', {
      detail: `the saved segment "${error.segment}" would no longer compile: ${error.rule.message}`,
      extensions: { segments: [error.segment], ...ruleErrorExtensions(error.rule) },
      cause: error,
    });
  }
  if (error.rule !== undefined) {
    return new AttuneError('ATTUNE_RULE_INVALID', {
      detail: error.message,
      field: '/rule',
      extensions: { segment: error.segment, ...ruleErrorExtensions(error.rule) },
      cause: error,
    });
  }
  // No rule error: a cycle between segments (field "rule") or a duplicate id (field "id").
  return new AttuneError('ATTUNE_SEGMENT_INVALID', { detail: error.message, field: `/${error.field}`, extensions: { segment: error.segment }, cause: error });
}
