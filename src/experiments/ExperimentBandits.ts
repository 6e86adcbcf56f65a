import type { Clock } from '../core/common/ports.js';
import type { Random } from '../core/common/random.js';
import type { DecisionModel } from '../core/decide/compileDecisionModel.js';
import { banditWeights, weightsInForce, type BanditArmStats, type WeightsInForce } from '../core/experiments/banditExperiment.js';
import { banditSettingsOf, type ExperimentDefinition } from '../core/experiments/ExperimentDefinition.js';
import { UNITS_METRIC, type CompiledExperiment } from '../core/experiments/ExperimentModel.js';
import { ipwMetricId } from '../core/experiments/experimentUnits.js';
import type { ExperimentWeightsLookup, ExperimentWeightsSource } from '../decide/DecisionService.js';
import type { BanditWeightsRecord, ExperimentStore } from '../store/ports.js';

export interface ExperimentBanditsDeps {
  readonly store: ExperimentStore;
  readonly clock: Clock;
  /** For the Monte Carlo P(best) of mean and count metrics. */
  readonly random: Random;
  readonly onError: (error: unknown) => void;
}

const MINUTE_MS = 60_000;

function running(definition: ExperimentDefinition, now: number): boolean {
  return !(definition.start !== undefined && now < Date.parse(definition.start)) && !(definition.stop !== undefined && now >= Date.parse(definition.stop));
}

/** Whether a version's weights are for exactly these arms (a changed arm list starts again from the definition's weights). */
function sameArms(record: BanditWeightsRecord, definition: ExperimentDefinition): boolean {
  const ids = Object.keys(record.weights);
  return ids.length === definition.arms.length && definition.arms.every((arm) => Object.hasOwn(record.weights, arm.id));
}


/**
 * The weights of a workspace's bandit experiments: version 1 is the definition's own weights,
 * stored at the experiment's first decision; every `updateEveryMinutes` while it runs, a decision
 * that finds the weights due starts the next version (Thompson sampling on the primary metric's
 * arm statistics, `banditWeights`) and is answered with the version in force: a decision never
 * waits for an update, so the probability it records is that of the weights it was assigned by.
 * Versions are stored (`experiment_weights`), so a restart goes on from the last one.
 */
export class ExperimentBandits implements ExperimentWeightsSource {
  /** Workspace, then experiment id, to its latest version. */
  private readonly latest = new Map<string, Map<string, BanditWeightsRecord>>();
  /** Each version's weights in force, for the definition they were counted for (coverage and hash version change the probabilities). */
  private readonly inForce = new WeakMap<BanditWeightsRecord, { readonly definition: ExperimentDefinition; readonly value: WeightsInForce }>();
  private readonly pending = new Map<string, Promise<void>>();
  /** Each compiled model's bandit experiments (most workspaces have none: decide then gets no lookup). */
  private readonly banditsOf = new WeakMap<DecisionModel, readonly CompiledExperiment[]>();

  constructor(private readonly deps: ExperimentBanditsDeps) {}

  /** The lookup for one decide call; null when the workspace runs no bandit experiment. */
  async lookupFor(workspaceId: string, model: DecisionModel): Promise<ExperimentWeightsLookup | null> {
    let bandits = this.banditsOf.get(model);
    if (bandits === undefined) this.banditsOf.set(model, (bandits = [...model.knowledge.experiments.experiments.values()].filter((e) => e.bandit)));
    if (bandits.length === 0) return null;
    const now = this.deps.clock.now();
    const byId = new Map<string, WeightsInForce>();
    for (const e of bandits) {
      const definition = e.definition!;
      if (!running(definition, now)) continue;
      const record = await this.current(workspaceId, definition);
      byId.set(e.id, this.inForceOf(record, definition));
      const settings = banditSettingsOf(definition)!;
      if (now - record.computedAt >= settings.updateEveryMinutes * MINUTE_MS) this.update(workspaceId, e, record);
    }
    return (id) => byId.get(id);
  }

  private inForceOf(record: BanditWeightsRecord, definition: ExperimentDefinition): WeightsInForce {
    const found = this.inForce.get(record);
    if (found !== undefined && found.definition === definition) return found.value;
    const value = weightsInForce(definition, record.version, definition.arms.map((arm) => record.weights[arm.id] ?? 0));
    this.inForce.set(record, { definition, value });
    return value;
  }

  /** The versions of one experiment's weights, oldest first, once any update under way is stored. */
  async history(workspaceId: string, experimentId: string): Promise<BanditWeightsRecord[]> {
    await this.pending.get(`${workspaceId}\u0000${experimentId}`);
    return this.deps.store.banditWeights(workspaceId, experimentId);
  }

  /** The latest version, loaded from the store; version 1 (the definition's weights) is stored on first use. */
  private async current(workspaceId: string, definition: ExperimentDefinition): Promise<BanditWeightsRecord> {
    let byExperiment = this.latest.get(workspaceId);
    if (byExperiment === undefined) this.latest.set(workspaceId, (byExperiment = new Map()));
    const cached = byExperiment.get(definition.id);
    if (cached !== undefined && sameArms(cached, definition)) return cached;
    const stored = cached ?? (await this.deps.store.banditWeights(workspaceId, definition.id)).at(-1);
    if (stored !== undefined && sameArms(stored, definition)) {
      byExperiment.set(definition.id, stored);
      return stored;
    }
    const record: BanditWeightsRecord = {
      version: (stored?.version ?? 0) + 1, computedAt: this.deps.clock.now(),
      weights: Object.fromEntries(definition.arms.map((arm) => [arm.id, arm.weight])), bestProbabilities: null, units: null, monteCarlo: null,
    };
    await this.deps.store.addBanditWeights(workspaceId, definition.id, record);
    byExperiment.set(definition.id, record);
    return record;
  }

  /** Starts the next version of one experiment's weights, unless one is under way. */
  private update(workspaceId: string, experiment: CompiledExperiment, previous: BanditWeightsRecord): void {
    const key = `${workspaceId}\u0000${experiment.id}`;
    if (this.pending.has(key)) return;
    const work = this.compute(workspaceId, experiment, previous)
      .catch(this.deps.onError)
      .finally(() => this.pending.delete(key));
    this.pending.set(key, work);
  }

  private async compute(workspaceId: string, experiment: CompiledExperiment, previous: BanditWeightsRecord): Promise<void> {
    const definition = experiment.definition!;
    const metric = experiment.metrics.find((m) => m.id === definition.primaryMetric);
    if (metric === undefined || metric.kind === 'ratio') return;
    const rows = await this.deps.store.armStats(workspaceId, [experiment.id]);
    const row = (armId: string, metricId: string) => rows.find((r) => r.armId === armId && r.metricId === metricId)?.moments ?? null;
    const arms: BanditArmStats[] = definition.arms.map((arm) => ({
      armId: arm.id, units: row(arm.id, UNITS_METRIC)?.n ?? 0, value: row(arm.id, metric.id), ipw: row(arm.id, ipwMetricId(metric.id)),
    }));
    const next = banditWeights(metric.kind, arms, banditSettingsOf(definition)!.minExplorationShare, this.deps.random);
    const record: BanditWeightsRecord = {
      version: previous.version + 1, computedAt: this.deps.clock.now(),
      weights: Object.fromEntries(arms.map((arm, i) => [arm.armId, next.weights[i]!])),
      bestProbabilities: Object.fromEntries(arms.map((arm, i) => [arm.armId, next.bestProbabilities[i]!])),
      units: Object.fromEntries(arms.map((arm) => [arm.armId, arm.units])),
      monteCarlo: next.monteCarlo,
    };
    if (await this.deps.store.addBanditWeights(workspaceId, experiment.id, record)) this.latest.get(workspaceId)?.set(experiment.id, record);
  }
}
