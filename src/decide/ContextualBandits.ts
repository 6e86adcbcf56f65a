import { addReward, createLinearModel, updateLinearModel, type LinearModel } from '../core/bandits/linear/LinearModel.js';
import type { Clock } from '../core/common/ports.js';
import { createOnlineLogistic, observeImpression, observePositive, type OnlineLogisticModel } from '../core/bandits/logistic/OnlineLogisticModel.js';
import { calibrationReport, createCalibration, mergeCalibration, recordPositive, recordPrediction, type CalibrationReport, type CalibrationState } from '../core/bandits/logistic/calibrationReport.js';
import type { DecisionModel } from '../core/decide/compileDecisionModel.js';
import { compileContextual, contextualWindowMillis, encodeContextual, type CompiledContextual, type ContextualModelLookup } from '../core/decide/contextual.js';
import { compileLearnedPropensity, learnedPropensityOf, type CompiledLearnedPropensity, type PropensityModelLookup } from '../core/decide/learnedPropensity.js';
import type { Interaction } from '../core/decide/interactions.js';
import type { ScoringStrategy } from '../core/decide/scoring.js';
import type { ContextualDecision, DecisionReader } from '../store/ports.js';

export interface ContextualBanditsSettings {
  /** Recent contextual decisions kept in memory per workspace (their inputs, for learning); past it the oldest go. */
  readonly maxRecent: number;
}

/** How long remembered decisions may wait before they go into the map of recent ones (`remember`). */
const settleMillis = 50;

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
  /** Per propensity model key: the probability it predicted at the impression, before learning it (the calibration's prediction). */
  predicted?: Map<string, number>;
}

/** A model learned from the decisions' impressions and outcomes: a contextual bandit's linear model or a learned propensity's logistic one. */
type Learner = CompiledContextual | CompiledLearnedPropensity;

/** A learned propensity of one action: the model and its calibration so far (progressive validation). */
interface PropensityState {
  readonly model: OnlineLogisticModel;
  readonly calibration: CalibrationState;
}

/** The lookups a decide call reads: the contextual models and the learned propensity models. */
export interface LearnedModelLookups {
  readonly contextual: ContextualModelLookup;
  readonly propensity: PropensityModelLookup;
}

/** The learned propensity of one of a placement's strategies, reported: calibration per action and over all of them. */
export interface PropensityReport {
  readonly role: 'live' | 'shadow';
  readonly key: string;
  readonly outcome: 'click' | 'conversion';
  readonly inputs: readonly string[];
  readonly overall: CalibrationReport;
  readonly actions: readonly ({ readonly actionId: string } & CalibrationReport)[];
}

interface WorkspaceBandits {
  /** `${placementId}\u0000${modelKey}` -> action id -> model. */
  readonly models: Map<string, Map<string, LinearModel>>;
  /** `${placementId}\u0000${modelKey}` -> action id -> learned propensity. */
  readonly propensities: Map<string, Map<string, PropensityState>>;
  /** The same models alone, as decisions read them. */
  readonly propensityModels: Map<string, Map<string, OnlineLogisticModel>>;
  /** Recent contextual decisions by id, oldest first. */
  readonly recent: Map<string, Recent>;
  /**
   * Decisions remembered since `recent` was last brought up to date, in decision order: they go
   * into the map off the decide calls, `settleMillis` later or before any read of the map,
   * whichever comes first (`settle`).
   */
  readonly fresh: ContextualDecision[];
  /** A settle timer is set (one at a time). */
  settling: boolean;
  /** Model key -> settings, from every decision model seen (a key fingerprints the settings it learns by). */
  readonly learners: Map<string, Learner>;
  /** Placements with a contextual strategy (live, shadow or an experiment arm's): a miss on their decisions is looked up in the store. */
  placements: ReadonlySet<string>;
  /** Interactions told while the models are rebuilt, applied after (null once rebuilt). */
  pending: Interaction[] | null;
  readonly ready: Promise<void>;
  readonly lookup: LearnedModelLookups;
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
  async lookupFor(workspaceId: string, model: DecisionModel): Promise<LearnedModelLookups | null> {
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

  /**
   * Keeps the inputs of decisions just made, for the interactions to come. Called inside the
   * decide call, so it only appends: a set in a map of many thousand decisions (and the prune)
   * missed the caches at every contextual decision, about a tenth of its own cost (issue 14).
   * The map is brought up to date by a timer, or earlier by any read of it; the same entries in
   * the same order as inserting them here. A timer a few times a second, not an immediate per
   * turn: scheduling one cost about as much as the set it spared (a CPU profile of the bench).
   */
  remember(workspaceId: string, decisions: readonly ContextualDecision[]): void {
    const state = this.workspaces.get(workspaceId);
    if (state === undefined) return;
    for (const d of decisions) state.fresh.push(d);
    if (!state.settling) {
      state.settling = true;
      // One timer at a time, whatever reads settle meanwhile.
      setTimeout(() => {
        state.settling = false;
        this.settle(state);
      }, settleMillis).unref();
    }
  }

  /** The write model's listener: one decision interaction counted, live or replayed. */
  readonly record = (workspaceId: string, interaction: Interaction): void => {
    if (interaction.kind === 'dismiss') return;
    const state = this.workspaces.get(workspaceId) ?? this.start(workspaceId, null);
    if (state.pending !== null) {
      state.pending.push(interaction);
      return;
    }
    this.settle(state);
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

  /**
   * The calibration of a placement's learned propensities (live, then shadow), per action and
   * over all, from the impressions learned so far; empty when it has none.
   */
  async propensityReport(workspaceId: string, model: DecisionModel, placementId: string): Promise<PropensityReport[]> {
    const placement = model.placements.get(placementId);
    if (placement === undefined) return [];
    await this.lookupFor(workspaceId, model);
    const state = this.workspaces.get(workspaceId);
    const reports: PropensityReport[] = [];
    for (const [role, strategy] of [['live', placement.definition.strategy], ['shadow', placement.definition.shadow]] as const) {
      const source = learnedPropensityOf(strategy);
      if (source === null) continue;
      const learner = compileLearnedPropensity(source);
      const learned = [...(state?.propensities.get(`${placementId}\u0000${learner.key}`) ?? new Map<string, PropensityState>())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const overall = createCalibration();
      for (const [, p] of learned) mergeCalibration(overall, p.calibration);
      reports.push({
        role, key: learner.key, outcome: learner.reward, inputs: learner.names, overall: calibrationReport(overall),
        actions: learned.map(([actionId, p]) => ({ actionId, ...calibrationReport(p.calibration) })),
      });
    }
    return reports;
  }

  private start(workspaceId: string, known: ReturnType<typeof contextualStrategiesOf> | null): WorkspaceBandits {
    const models = new Map<string, Map<string, LinearModel>>();
    const propensities = new Map<string, Map<string, PropensityState>>();
    const propensityModels = new Map<string, Map<string, OnlineLogisticModel>>();
    const modelIds = new ModelIds();
    let release: () => void = () => undefined;
    const state: WorkspaceBandits = {
      models, propensities, propensityModels, recent: new Map(), fresh: [], settling: false, learners: new Map(), placements: new Set(), pending: [],
      ready: new Promise<void>((resolve) => { release = resolve; }),
      lookup: {
        contextual: (placementId, key) => models.get(modelIds.of(placementId, key)),
        propensity: (placementId, key) => propensityModels.get(modelIds.of(placementId, key)),
      },
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
    this.settle(state);
    const byId = new Map<string, Recent>();
    for (const d of feedback.decisions) if (!state.recent.has(d.decisionId)) byId.set(d.decisionId, unlearned(d));
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
        this.settle(state);
        let recent = state.recent.get(found.decisionId);
        if (recent === undefined) {
          recent = unlearned(found);
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
      if (learner.model === 'logistic') {
        this.learnPropensity(state, recent, learner, x, wasSeen, rewarded);
        continue;
      }
      const model = this.modelFor(state, recent.placementId, learner, recent.actionId);
      if (!wasSeen) updateLinearModel(model, x, 0);
      if (rewarded) addReward(model, x, 1);
    }
  }

  /**
   * A learned propensity: the impression's step (its prediction, made before the step, goes
   * into the calibration as a negative), then the positive's step, which turns that
   * prediction's outcome into a positive. The same two steps in the same order live and in a
   * rebuild, so the rebuilt models and calibration are those before the restart.
   */
  private learnPropensity(state: WorkspaceBandits, recent: Recent, learner: CompiledLearnedPropensity, x: Float64Array, wasSeen: boolean, rewarded: boolean): void {
    const id = `${recent.placementId}\u0000${learner.key}`;
    let actions = state.propensities.get(id);
    if (actions === undefined) state.propensities.set(id, actions = new Map());
    let learned = actions.get(recent.actionId);
    if (learned === undefined) {
      actions.set(recent.actionId, learned = { model: createOnlineLogistic(learner.dims, learner.settings), calibration: createCalibration() });
      let models = state.propensityModels.get(id);
      if (models === undefined) state.propensityModels.set(id, models = new Map());
      models.set(recent.actionId, learned.model);
    }
    if (!wasSeen) {
      const p = observeImpression(learned.model, x);
      recordPrediction(learned.calibration, p);
      (recent.predicted ??= new Map()).set(learner.key, p);
    }
    if (rewarded) {
      observePositive(learned.model, x);
      const p = recent.predicted?.get(learner.key);
      if (p !== undefined) recordPositive(learned.calibration, p);
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

  /** The decisions remembered since, into the map (then pruned). */
  private settle(state: WorkspaceBandits): void {
    if (state.fresh.length === 0) return;
    for (const d of state.fresh) state.recent.set(d.decisionId, unlearned(d));
    state.fresh.length = 0;
    this.prune(state);
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

/**
 * The map key of a (placement, model key) pair, each built once: a decide call looks its
 * models up by the placement's and the strategy's own strings, whose hashes V8 keeps, where a
 * key concatenated per call would be flattened and hashed again at every decision.
 */
class ModelIds {
  private readonly ids = new Map<string, Map<string, string>>();

  of(placementId: string, key: string): string {
    let byKey = this.ids.get(placementId);
    if (byKey === undefined) this.ids.set(placementId, byKey = new Map());
    let id = byKey.get(key);
    if (id === undefined) byKey.set(key, id = `${placementId}\u0000${key}`);
    return id;
  }
}

/** A decision nothing is learned of yet. Its fields are named, not spread (see core/common/withField.ts): this runs at every contextual decision. */
function unlearned(d: ContextualDecision): Recent {
  return { decisionId: d.decisionId, placementId: d.placementId, actionId: d.actionId, at: d.at, contextual: d.contextual, seen: false, clicked: false, converted: false };
}

/** The learning strategies of a decision model (contextual, learned propensity; live, shadow, experiment arms) and the placements that have one. */
function contextualStrategiesOf(model: DecisionModel): { strategies: Learner[]; placements: ReadonlySet<string> } {
  const strategies: Learner[] = [];
  const placements = new Set<string>();
  const add = (placementId: string, strategy: ScoringStrategy | undefined) => {
    const learned = learnedPropensityOf(strategy);
    if (learned !== null) strategies.push(compileLearnedPropensity(learned));
    else if (strategy?.kind === 'contextual') strategies.push(compileContextual(strategy));
    else return;
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
