import { addReward, createLinearModel, updateLinearModel, type LinearModel } from '../core/bandits/linear/LinearModel.js';
import type { Clock } from '../core/common/ports.js';
import type { DecisionModel } from '../core/decide/compileDecisionModel.js';
import { compileContextual, contextualWindowMillis, encodeContextual, type CompiledContextual, type ContextualModelLookup } from '../core/decide/contextual.js';
import type { Interaction } from '../core/decide/interactions.js';
import type { ScoringStrategy } from '../core/decide/scoring.js';
import type { ContextualDecision, DecisionReader } from '../store/ports.js';

export interface ContextualBanditsSettings {
  /** Recent contextual decisions kept in memory per workspace (their inputs, for learning); past it the oldest go. */
  readonly maxRecent: number;
}

export const defaultContextualBanditsSettings: ContextualBanditsSettings = { maxRecent: 200_000 };

export interface ContextualBanditsDeps {
  readonly reader: Pick<DecisionReader, 'contextualFeedback' | 'contextualDecision'>;
  readonly models: { get(workspaceId: string): Promise<DecisionModel> };
  readonly clock: Clock;
  readonly onError: (error: unknown) => void;
  readonly settings?: Partial<ContextualBanditsSettings>;
}

/** A decision being learned from: its inputs, and which of its outcomes have been learned. */
interface Recent extends ContextualDecision {
  /** Seen: the impression (A += xxᵀ) is learned; a click or conversion without a view implies it. */
  seen: boolean;
  clicked: boolean;
  converted: boolean;
}

interface WorkspaceBandits {
  /** `${placementId}\u0000${modelKey}` -> action id -> model. */
  readonly models: Map<string, Map<string, LinearModel>>;
  /** Recent contextual decisions by id, oldest first. */
  readonly recent: Map<string, Recent>;
  /** Model key -> settings, from every decision model seen (a key fingerprints the settings it learns by). */
  readonly learners: Map<string, CompiledContextual>;
  /** Placements with a contextual strategy (live, shadow or an experiment arm's): a miss on their decisions is looked up in the store. */
  placements: ReadonlySet<string>;
  /** Interactions told while the models are rebuilt, applied after (null once rebuilt). */
  pending: Interaction[] | null;
  readonly ready: Promise<void>;
  readonly lookup: ContextualModelLookup;
  readonly lookingUp: Set<string>;
}

/**
 * The learned models of contextual placements: one disjoint Bayesian ridge model per
 * (placement, model key, action), in memory, learned online and derived from the log.
 *
 * Learning: a decision's inputs are remembered when it is made (`remember`, filled by
 * DecisionService as it records). Interactions arrive on the collect path (`record`, wired
 * with `LiveState.onInteraction`, synchronously in the event's job): the first `Decision Viewed`
 * naming a decision within 24 hours adds (x, 0) to the action's model (A += xxᵀ by
 * Sherman–Morrison), the first click (or conversion, per the strategy's `reward`) adds x to b
 * only. Together they are one observation (x, 1), in either order; a click without a view
 * implies the view. A decision served and never viewed teaches nothing, as for the `thompson`
 * counters: a slot below the fold or a prefetched page is no evidence that the action failed.
 *
 * Restart: on a workspace's first use the models are rebuilt from the store, every recorded
 * contextual decision and the interaction events naming them, applied in log order as they
 * were live, so the rebuilt models are those before the restart. Interactions told meanwhile
 * (a recovery replays the log after the checkpoint) wait and are applied after; each decision's
 * outcomes are learned once, so those the rebuild read already change nothing.
 */
export class ContextualBandits {
  private readonly workspaces = new Map<string, WorkspaceBandits>();
  private readonly scanned = new WeakSet<DecisionModel>();
  private readonly settings: ContextualBanditsSettings;

  constructor(private readonly deps: ContextualBanditsDeps) {
    this.settings = { ...defaultContextualBanditsSettings, ...deps.settings };
  }

  /**
   * The models a decide call reads, once they are rebuilt; null when the decision model has no
   * contextual strategy (nothing is loaded for such workspaces).
   */
  async lookupFor(workspaceId: string, model: DecisionModel): Promise<ContextualModelLookup | null> {
    if (!this.scanned.has(model)) {
      this.scanned.add(model);
      const learners = contextualStrategiesOf(model);
      if (learners.strategies.length > 0 || this.workspaces.has(workspaceId)) {
        const state = this.workspaces.get(workspaceId) ?? this.start(workspaceId, learners);
        for (const s of learners.strategies) state.learners.set(s.key, s);
        state.placements = learners.placements;
      }
    }
    const state = this.workspaces.get(workspaceId);
    if (state === undefined || state.placements.size === 0) return null;
    await state.ready;
    return state.lookup;
  }

  /** Keeps the inputs of decisions just made, for the interactions to come. */
  remember(workspaceId: string, decisions: readonly ContextualDecision[]): void {
    const state = this.workspaces.get(workspaceId);
    if (state === undefined) return;
    for (const d of decisions) state.recent.set(d.decisionId, { ...d, seen: false, clicked: false, converted: false });
    this.prune(state);
  }

  /** The write model's listener: one decision interaction counted, live or replayed. */
  readonly record = (workspaceId: string, interaction: Interaction): void => {
    if (interaction.kind === 'dismiss') return;
    const state = this.workspaces.get(workspaceId) ?? this.start(workspaceId, null);
    if (state.pending !== null) {
      state.pending.push(interaction);
      return;
    }
    const recent = state.recent.get(interaction.decisionId);
    if (recent !== undefined) this.learn(state, recent, interaction);
    else if (state.placements.has(interaction.placementId)) this.lookUp(workspaceId, state, interaction);
  };

  /** The model of one action of a placement's strategy (for reports and tests); undefined: nothing learned yet. */
  async modelOf(workspaceId: string, placementId: string, key: string, actionId: string): Promise<LinearModel | undefined> {
    const state = this.workspaces.get(workspaceId);
    if (state === undefined) return undefined;
    await state.ready;
    return state.models.get(`${placementId}\u0000${key}`)?.get(actionId);
  }

  private start(workspaceId: string, known: ReturnType<typeof contextualStrategiesOf> | null): WorkspaceBandits {
    const models = new Map<string, Map<string, LinearModel>>();
    let release: () => void = () => undefined;
    const state: WorkspaceBandits = {
      models, recent: new Map(), learners: new Map(), placements: new Set(), pending: [],
      ready: new Promise<void>((resolve) => { release = resolve; }),
      lookup: (placementId, key) => models.get(`${placementId}\u0000${key}`),
      lookingUp: new Set(),
    };
    if (known !== null) {
      for (const s of known.strategies) state.learners.set(s.key, s);
      state.placements = known.placements;
    }
    this.workspaces.set(workspaceId, state);
    this.rebuild(workspaceId, state, known === null).catch(this.deps.onError).finally(() => {
      // Whatever became of the rebuild, learning goes on with what arrives from now.
      const pending = state.pending ?? [];
      state.pending = null;
      for (const interaction of pending) this.record(workspaceId, interaction);
      release();
    });
    return state;
  }

  private async rebuild(workspaceId: string, state: WorkspaceBandits, scan: boolean): Promise<void> {
    if (scan) {
      const model = await this.deps.models.get(workspaceId);
      this.scanned.add(model);
      const known = contextualStrategiesOf(model);
      for (const s of known.strategies) state.learners.set(s.key, s);
      state.placements = known.placements;
    }
    if (state.learners.size === 0) return;
    const feedback = await this.deps.reader.contextualFeedback(workspaceId);
    const byId = new Map<string, Recent>();
    for (const d of feedback.decisions) if (!state.recent.has(d.decisionId)) byId.set(d.decisionId, { ...d, seen: false, clicked: false, converted: false });
    for (const interaction of feedback.interactions) {
      if (interaction.kind === 'dismiss') continue;
      const recent = byId.get(interaction.decisionId);
      if (recent !== undefined) this.learn(state, recent, interaction);
    }
    // Decisions still inside their window may see more outcomes: kept, with what was learned of them.
    const horizon = this.deps.clock.now() - contextualWindowMillis;
    for (const recent of byId.values()) if (recent.at >= horizon) state.recent.set(recent.decisionId, recent);
    this.prune(state);
  }

  /**
   * A decision that is not in memory (more of them inside the window than `maxRecent`, or
   * made by another process): its record is read off the event's path, then learned as usual.
   * What was learned of it before it left memory is not known, so a second view of an evicted
   * decision would count again: `maxRecent` is sized to make that rare.
   */
  private lookUp(workspaceId: string, state: WorkspaceBandits, interaction: Interaction): void {
    if (state.lookingUp.has(interaction.decisionId)) return;
    state.lookingUp.add(interaction.decisionId);
    this.deps.reader.contextualDecision(workspaceId, interaction.decisionId)
      .then((found) => {
        if (found === undefined) return;
        let recent = state.recent.get(found.decisionId);
        if (recent === undefined) {
          recent = { ...found, seen: false, clicked: false, converted: false };
          state.recent.set(found.decisionId, recent);
        }
        this.learn(state, recent, interaction);
      })
      .catch(this.deps.onError)
      .finally(() => state.lookingUp.delete(interaction.decisionId));
  }

  /** One interaction of a decision: the impression once, each reward kind once, within the window. */
  private learn(state: WorkspaceBandits, recent: Recent, interaction: Interaction): void {
    if (interaction.at > recent.at + contextualWindowMillis) return;
    // An event naming a decision of another action or placement is not about this decision.
    if (interaction.actionId !== recent.actionId || interaction.placementId !== recent.placementId) return;
    const firstClick = interaction.kind === 'click' && !recent.clicked;
    const firstConversion = interaction.kind === 'conversion' && !recent.converted;
    if (recent.seen && !firstClick && !firstConversion) return;
    const wasSeen = recent.seen;
    recent.seen = true;
    if (firstClick) recent.clicked = true;
    if (firstConversion) recent.converted = true;
    for (const key of recent.contextual.models) {
      const learner = state.learners.get(key);
      if (learner === undefined) continue;
      const rewarded = (learner.reward === 'click' && firstClick) || (learner.reward === 'conversion' && firstConversion);
      if (wasSeen && !rewarded) continue;
      const x = encodeContextual(learner, recent.contextual.inputs);
      const model = this.modelFor(state, recent.placementId, learner, recent.actionId);
      if (!wasSeen) updateLinearModel(model, x, 0);
      if (rewarded) addReward(model, x, 1);
    }
  }

  private modelFor(state: WorkspaceBandits, placementId: string, learner: CompiledContextual, actionId: string): LinearModel {
    const id = `${placementId}\u0000${learner.key}`;
    let actions = state.models.get(id);
    if (actions === undefined) state.models.set(id, actions = new Map());
    let model = actions.get(actionId);
    if (model === undefined) actions.set(actionId, model = createLinearModel(learner.dims, learner.ridge));
    return model;
  }

  /** Drops decisions past their window, then the oldest beyond `maxRecent` (the map is in decision order). */
  private prune(state: WorkspaceBandits): void {
    const horizon = this.deps.clock.now() - contextualWindowMillis;
    for (const [id, recent] of state.recent) {
      if (recent.at >= horizon && state.recent.size <= this.settings.maxRecent) break;
      state.recent.delete(id);
    }
  }
}

/** The contextual strategies of a decision model (live, shadow, experiment arms) and the placements that have one. */
function contextualStrategiesOf(model: DecisionModel): { strategies: CompiledContextual[]; placements: ReadonlySet<string> } {
  const strategies: CompiledContextual[] = [];
  const placements = new Set<string>();
  const add = (placementId: string, strategy: ScoringStrategy | undefined) => {
    if (strategy?.kind !== 'contextual') return;
    strategies.push(compileContextual(strategy));
    placements.add(placementId);
  };
  for (const placement of model.placements.values()) {
    add(placement.id, placement.definition.strategy);
    add(placement.id, placement.definition.shadow);
    for (const experiment of model.knowledge.experiments.byPlacement.get(placement.id) ?? []) {
      for (const arm of experiment.arms.values()) if (arm.serve.kind === 'strategy') add(placement.id, arm.serve.strategy);
    }
  }
  return { strategies, placements };
}
