import { unrecorded, type AuditRecorder } from '../core/audit/AuditRecorder.js';
import type { Clock } from '../core/common/ports.js';
import { ungated, type ChangeGate } from '../core/review/ChangeGate.js';
import type { ActionDefinition } from '../core/decide/ActionDefinition.js';
import { capRuleProblems } from '../core/decide/caps.js';
import { decisionRuleSchema, type DecisionModel } from '../core/decide/compileDecisionModel.js';
import type { PlacementDefinition } from '../core/decide/PlacementDefinition.js';
import { slotProblems } from '../core/decide/RecommendationSlot.js';
import { compilePropensityRule, propensityRulePointer, type ScoringStrategy } from '../core/decide/scoring.js';
import { contextualInputProblem } from '../core/decide/contextual.js';
import { closestName } from '../core/common/closestName.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { compileRule } from '../core/rules/compileRule.js';
import { RuleError } from '../core/rules/RuleError.js';
import { ruleErrorExtensions } from '../knowledge/checkKnowledgeConfig.js';
import type { DecisionConfigStore } from '../store/ports.js';
import type { DecisionModels } from './DecisionModels.js';

export type ActionView = ActionDefinition & { readonly problems: readonly string[] };

export interface ActionCheckOptions {
  /** Saves an action that names placements not created yet; they are listed in its problems until they exist. */
  readonly allowUnknownPlacements?: boolean;
}
export type PlacementView = PlacementDefinition & { readonly actions: readonly string[] };

function ruleInvalid(error: unknown, field: string, subject: Record<string, string>): unknown {
  if (!(error instanceof RuleError)) return error;
  return new AttuneError('ATTUNE_RULE_INVALID', { detail: error.message, field, extensions: { ...subject, ...ruleErrorExtensions(error) }, cause: error });
}

/**
 * Actions and placements: checked against the workspace's knowledge model before they are
 * saved (a rule that does not compile is refused with its position), then saved and the
 * compiled model dropped. A placement that does not exist yet is refused unless the caller
 * says it comes later. Problems that arise later (a feature an action reads is deleted, a
 * placement it names is removed) do not block anything: the action carries them in its view
 * and is skipped when deciding.
 */
export class DecisionAdmin {
  private readonly audit: AuditRecorder;

  private readonly gate: ChangeGate;

  /**
   * `audit`: where each change is recorded with its diff (the engine's audit trail); `gate`:
   * asked before each change is saved (the review policy and the change limits, src/review).
   */
  constructor(private readonly deps: { store: DecisionConfigStore; models: DecisionModels; clock: Clock; audit?: AuditRecorder; gate?: ChangeGate }) {
    this.audit = deps.audit ?? unrecorded;
    this.gate = deps.gate ?? ungated;
  }

  async listActions(workspaceId: string): Promise<ActionView[]> {
    const model = await this.deps.models.get(workspaceId);
    return [...model.actions.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((a) => ({ ...a.definition, problems: a.problems }));
  }

  async getAction(workspaceId: string, id: string): Promise<ActionView> {
    const action = (await this.deps.models.get(workspaceId)).actions.get(id);
    if (action === undefined) throw new AttuneError('ATTUNE_ACTION_NOT_FOUND', { detail: `no action has the id "${id}"` });
    return { ...action.definition, problems: action.problems };
  }

  /**
   * Refuses what can never work, and a placement that does not exist unless the caller says
   * it comes later (a typo is far likelier than a plan); returns what cannot work now (the
   * unknown placements so allowed).
   */
  async validateAction(workspaceId: string, definition: ActionDefinition, options: ActionCheckOptions = {}): Promise<readonly string[]> {
    const model = await this.deps.models.get(workspaceId);
    if (definition.rule !== undefined) {
      try {
        compileRule(definition.rule, decisionRuleSchema(model.knowledge));
      } catch (error) {
        throw ruleInvalid(error, '/rule', { action: definition.id });
      }
    }
    const caps = definition.caps === undefined ? [] : capRuleProblems(definition.caps);
    if (caps.length > 0) throw new AttuneError('ATTUNE_ACTION_INVALID', { detail: caps.join('; '), field: '/caps' });
    const slot = definition.recommend === undefined ? [] : slotProblems(definition.recommend);
    if (slot.length > 0) throw new AttuneError('ATTUNE_ACTION_INVALID', { detail: slot[0]!.message, field: `/recommend/${slot[0]!.field}` });
    const start = definition.schedule?.start === undefined ? null : Date.parse(definition.schedule.start);
    const end = definition.schedule?.end === undefined ? null : Date.parse(definition.schedule.end);
    if (start !== null && end !== null && end <= start) throw new AttuneError('ATTUNE_ACTION_INVALID', { detail: 'schedule.end is not after schedule.start', field: '/schedule' });
    const unknown = unknownPlacements(definition, model);
    if (unknown.length > 0 && options.allowUnknownPlacements !== true) throw unknownPlacementError(unknown, model);
    return unknown.map(({ id }) => `placement "${id}" does not exist (yet)`);
  }

  async putAction(workspaceId: string, definition: ActionDefinition, options: ActionCheckOptions = {}): Promise<{ status: 'created' | 'updated'; action: ActionView }> {
    await this.validateAction(workspaceId, definition, options);
    const before = (await this.deps.store.listActions(workspaceId)).find((a) => a.id === definition.id);
    await this.gate.admit({ workspaceId, kind: 'action', id: definition.id, before, after: definition });
    const status = await this.deps.store.putAction(workspaceId, definition, this.deps.clock.now());
    this.deps.models.invalidate(workspaceId);
    await this.audit.changed({ workspaceId, action: `action.${status}`, target: { kind: 'action', id: definition.id }, before, after: definition });
    return { status, action: await this.getAction(workspaceId, definition.id) };
  }

  async deleteAction(workspaceId: string, id: string): Promise<void> {
    const before = (await this.deps.store.listActions(workspaceId)).find((a) => a.id === id);
    if (before !== undefined) await this.gate.admit({ workspaceId, kind: 'action', id, before, after: undefined });
    if (!(await this.deps.store.deleteAction(workspaceId, id))) throw new AttuneError('ATTUNE_ACTION_NOT_FOUND', { detail: `no action has the id "${id}"` });
    this.deps.models.invalidate(workspaceId);
    await this.audit.changed({ workspaceId, action: 'action.deleted', target: { kind: 'action', id }, before });
  }

  async listPlacements(workspaceId: string): Promise<PlacementView[]> {
    const model = await this.deps.models.get(workspaceId);
    return [...model.placements.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((p) => ({ ...p.definition, actions: p.actions.map((a) => a.id) }));
  }

  async getPlacement(workspaceId: string, id: string): Promise<PlacementView> {
    const placement = (await this.deps.models.get(workspaceId)).placements.get(id);
    if (placement === undefined) throw new AttuneError('ATTUNE_PLACEMENT_NOT_FOUND', { detail: `no placement has the id "${id}"` });
    return { ...placement.definition, actions: placement.actions.map((a) => a.id) };
  }

  async validatePlacement(workspaceId: string, definition: PlacementDefinition): Promise<void> {
    const model = await this.deps.models.get(workspaceId);
    try {
      compilePropensityRule(definition.strategy, decisionRuleSchema(model.knowledge));
    } catch (error) {
      throw ruleInvalid(error, `/strategy${propensityRulePointer(definition.strategy)}`, { placement: definition.id });
    }
    checkContextualInputs(definition.strategy, model, '/strategy');
    const shadow = definition.shadow;
    if (shadow === undefined) return;
    // A bandit's allocation is computed for live strategies only: a thompson shadow would record equal shares, not itself.
    if (shadow.kind === 'thompson') throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'a shadow strategy cannot be thompson: it has no allocation of its own', field: 'body/shadow/kind' });
    checkContextualInputs(shadow, model, '/shadow');
    try {
      compilePropensityRule(shadow, decisionRuleSchema(model.knowledge));
    } catch (error) {
      throw ruleInvalid(error, `/shadow${propensityRulePointer(shadow)}`, { placement: definition.id });
    }
  }

  async putPlacement(workspaceId: string, definition: PlacementDefinition): Promise<{ status: 'created' | 'updated'; placement: PlacementView }> {
    await this.validatePlacement(workspaceId, definition);
    const before = (await this.deps.store.listPlacements(workspaceId)).find((p) => p.id === definition.id);
    await this.gate.admit({ workspaceId, kind: 'placement', id: definition.id, before, after: definition });
    const status = await this.deps.store.putPlacement(workspaceId, definition, this.deps.clock.now());
    this.deps.models.invalidate(workspaceId);
    await this.audit.changed({ workspaceId, action: `placement.${status}`, target: { kind: 'placement', id: definition.id }, before, after: definition });
    return { status, placement: await this.getPlacement(workspaceId, definition.id) };
  }

  async deletePlacement(workspaceId: string, id: string): Promise<void> {
    const before = (await this.deps.store.listPlacements(workspaceId)).find((p) => p.id === id);
    if (before !== undefined) await this.gate.admit({ workspaceId, kind: 'placement', id, before, after: undefined });
    if (!(await this.deps.store.deletePlacement(workspaceId, id))) throw new AttuneError('ATTUNE_PLACEMENT_NOT_FOUND', { detail: `no placement has the id "${id}"` });
    this.deps.models.invalidate(workspaceId);
    await this.audit.changed({ workspaceId, action: 'placement.deleted', target: { kind: 'placement', id }, before });
  }
}

function unknownPlacements(definition: ActionDefinition, model: DecisionModel): { id: string; index: number }[] {
  return definition.placements.flatMap((id, index) => (model.placements.has(id) ? [] : [{ id, index }]));
}

/** A 400 naming each unknown placement by its index, with the nearest existing id as a hint. */
function unknownPlacementError(unknown: readonly { id: string; index: number }[], model: DecisionModel): AttuneError {
  const errors = unknown.map(({ id, index }) => {
    const hint = closestName(id, model.placements.keys());
    return {
      code: 'ATTUNE_ACTION_INVALID' as const,
      field: `/placements/${index}`,
      message: `placement "${id}" does not exist${hint === null ? '' : ` (did you mean "${hint}"?)`}`,
      ...(hint === null ? {} : { suggestion: hint }),
    };
  });
  const first = errors[0]!;
  return new AttuneError('ATTUNE_ACTION_INVALID', {
    detail: `${first.message}${errors.length > 1 ? `, and ${errors.length - 1} more unknown placement${errors.length > 2 ? 's' : ''}` : ''}. To name a placement you will create later, send the action with ?allowUnknownPlacements=true`,
    field: first.field,
    errors: errors.map(({ code, field, message }) => ({ code, field, message })),
    ...(first.suggestion === undefined ? {} : { extensions: { suggestion: first.suggestion } }),
  });
}

/** A contextual strategy's inputs checked against the workspace (`contextualInputProblem`), refused with the field at fault. */
function checkContextualInputs(strategy: ScoringStrategy, model: DecisionModel, at: string): void {
  const problem = contextualInputProblem(strategy, decisionRuleSchema(model.knowledge));
  if (problem !== null) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: problem.detail, field: `${at}${problem.field}`, ...(problem.suggestion === undefined ? {} : { extensions: { suggestion: problem.suggestion } }) });
  }
}
