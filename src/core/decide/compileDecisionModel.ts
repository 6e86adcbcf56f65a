import type { KnowledgeModel } from '../knowledge/KnowledgeModel.js';
import { compileRule, type CompiledRule, type RuleSchema } from '../rules/compileRule.js';
import { RuleError } from '../rules/RuleError.js';
import type { ActionDefinition } from './ActionDefinition.js';
import { capRuleProblems, type CapRules } from './caps.js';
import type { PlacementDefinition } from './PlacementDefinition.js';
import { slotProblems } from './RecommendationSlot.js';
import { compilePropensityRule, type ScoringStrategy } from './scoring.js';
import { fnv1a32 } from '../experiments/hash.js';

/** An action ready to decide with: its rule compiled, its schedule parsed. */
export interface CompiledAction {
  readonly id: string;
  readonly definition: ActionDefinition;
  /** null: everyone is eligible. */
  readonly rule: CompiledRule | null;
  /** Schedule bounds in ms; null when open. */
  readonly start: number | null;
  readonly end: number | null;
  readonly caps: CapRules | null;
  readonly enabled: boolean;
  /** Why the action cannot be chosen now (a rule that no longer compiles, ...): it is skipped with this reason. */
  readonly problems: readonly string[];
}

export interface CompiledPlacement {
  readonly id: string;
  readonly definition: PlacementDefinition;
  /** The actions that name this placement (and fit its channel), in id order. */
  readonly actions: readonly CompiledAction[];
  /** The expected-value strategy's propensity rule; null for the other strategies or a constant. */
  readonly propensity: CompiledRule | null;
  /** Why the placement cannot personalise (a propensity rule that no longer compiles): it answers with its default content. */
  readonly problems: readonly string[];
  /** The shadow strategy, if any; null also when its propensity rule no longer compiles (the live strategy is not held back by it). */
  readonly shadow: CompiledShadow | null;
}

/** A placement's shadow strategy, ready to score with. */
export interface CompiledShadow {
  readonly strategy: ScoringStrategy;
  readonly propensity: CompiledRule | null;
  /**
   * A fingerprint of the shadow's definition, recorded with each decision: an evaluation
   * reads only the decisions of the shadow as it is now, not those of an earlier one.
   */
  readonly key: string;
}

/** The shadow's fingerprint: FNV-1a of its JSON, in hex. */
export function shadowKey(strategy: ScoringStrategy): string {
  return fnv1a32(JSON.stringify(strategy)).toString(16).padStart(8, '0');
}

function compileShadow(strategy: ScoringStrategy | undefined, schema: RuleSchema): CompiledShadow | null {
  if (strategy === undefined) return null;
  try {
    return { strategy, propensity: compilePropensityRule(strategy, schema), key: shadowKey(strategy) };
  } catch {
    return null;
  }
}

/** A workspace's actions and placements, compiled against its knowledge model. */
export interface DecisionModel {
  readonly placements: ReadonlyMap<string, CompiledPlacement>;
  readonly actions: ReadonlyMap<string, CompiledAction>;
  readonly knowledge: KnowledgeModel;
}

export interface DecisionConfig {
  readonly actions: readonly ActionDefinition[];
  readonly placements: readonly PlacementDefinition[];
}

/** The rules of actions may read everything segments may, and ask for any segment. */
export function decisionRuleSchema(knowledge: KnowledgeModel): RuleSchema {
  return { ...knowledge.schema, segments: knowledge.segments.ordered.map((s) => s.id) };
}

function ruleProblem(error: unknown, what: string): string {
  if (error instanceof RuleError) return `${what} does not compile: ${error.message}\n${error.caret}`;
  return `${what} does not compile: ${error instanceof Error ? error.message : String(error)}`;
}

function time(value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Compiles one action. Never throws: what is wrong with it (a rule that no longer compiles
 * after a feature was deleted, an unreadable schedule, caps beyond their limits) becomes a
 * problem, and an action with problems is skipped, never chosen half-checked.
 */
export function compileAction(definition: ActionDefinition, schema: RuleSchema, placements?: ReadonlyMap<string, string>): CompiledAction {
  const problems: string[] = [];
  let rule: CompiledRule | null = null;
  if (definition.rule !== undefined) {
    try {
      rule = compileRule(definition.rule, schema);
    } catch (error) {
      problems.push(ruleProblem(error, 'rule'));
    }
  }
  const start = time(definition.schedule?.start);
  const end = time(definition.schedule?.end);
  if (definition.schedule?.start !== undefined && start === null) problems.push(`schedule.start ${definition.schedule.start} is not a date`);
  if (definition.schedule?.end !== undefined && end === null) problems.push(`schedule.end ${definition.schedule.end} is not a date`);
  if (start !== null && end !== null && end <= start) problems.push('schedule.end is not after schedule.start');
  if (definition.caps !== undefined) problems.push(...capRuleProblems(definition.caps).map((p) => `caps.${p}`));
  if (definition.recommend !== undefined) problems.push(...slotProblems(definition.recommend).map((p) => p.message));
  if (placements !== undefined) {
    const known = definition.placements.filter((p) => placements.has(p));
    if (known.length === 0) problems.push(`none of its placements exists (${definition.placements.join(', ')})`);
    else if (definition.channel !== undefined && !known.some((p) => placements.get(p) === definition.channel)) {
      problems.push(`channel ${definition.channel}: none of its placements is on that channel (${known.map((p) => `${p}: ${placements.get(p)!}`).join(', ')})`);
    }
  }
  return { id: definition.id, definition, rule, start, end, caps: definition.caps ?? null, enabled: definition.enabled !== false, problems };
}

/** Problems of a placement definition against the knowledge model (its propensity rule). */
function compilePlacement(definition: PlacementDefinition, actions: readonly CompiledAction[], schema: RuleSchema): CompiledPlacement {
  const problems: string[] = [];
  let propensity: CompiledRule | null = null;
  try {
    propensity = compilePropensityRule(definition.strategy, schema);
  } catch (error) {
    problems.push(ruleProblem(error, 'strategy.propensity.rule'));
  }
  const fits = actions
    .filter((a) => a.definition.placements.includes(definition.id) && (a.definition.channel === undefined || a.definition.channel === definition.channel))
    .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return { id: definition.id, definition, actions: fits, propensity, problems, shadow: compileShadow(definition.shadow, schema) };
}

/**
 * Compiles a workspace's actions and placements against its knowledge model. Never throws:
 * broken definitions carry their problems (shown by the admin API) and are skipped when
 * deciding, so that one bad action cannot take a page down.
 */
export function compileDecisionModel(config: DecisionConfig, knowledge: KnowledgeModel): DecisionModel {
  const schema = decisionRuleSchema(knowledge);
  const placementChannels = new Map(config.placements.map((p) => [p.id, p.channel]));
  const actions = new Map<string, CompiledAction>();
  for (const definition of config.actions) actions.set(definition.id, compileAction(definition, schema, placementChannels));
  const list = [...actions.values()];
  const placements = new Map<string, CompiledPlacement>();
  for (const definition of config.placements) placements.set(definition.id, compilePlacement(definition, list, schema));
  return { placements, actions, knowledge };
}
