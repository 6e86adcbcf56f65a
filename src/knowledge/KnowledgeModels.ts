import type { Clock } from '../core/common/ports.js';
import { compileKnowledgeModel, type KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { parsePredictionModel } from '../core/predict/traits/PredictionModel.js';
import type { ExperimentStore, KnowledgeConfigStore } from '../store/ports.js';
import { KeyedSingleFlight } from './KeyedSingleFlight.js';

interface Cached {
  readonly model: KnowledgeModel;
  readonly version: number;
  checkedAt: number;
}

/**
 * Compiled knowledge models per workspace. A model is recompiled when the workspace's
 * config version changes; the version is checked at most once per `recheckMillis`, which
 * bounds how long another process's change takes to apply here (this process's own changes
 * apply at once through `invalidate`).
 */
export class KnowledgeModels {
  private readonly cache = new Map<string, Cached>();
  private readonly loading = new KeyedSingleFlight<KnowledgeModel>();
  /** Bumped by invalidate: a load that began before it must not cache what it read. */
  private readonly generations = new Map<string, number>();

  private readonly recheckMillis: number;
  private readonly experiments: ExperimentStore | null;

  /**
   * Without `experiments` the models have no experiments and no holdout (tools that only
   * collect); the engine, import and rebuild pass it, so that events aggregate into them.
   */
  constructor(private readonly store: KnowledgeConfigStore, private readonly clock: Clock, options: { experiments?: ExperimentStore; recheckMillis?: number } = {}) {
    this.recheckMillis = options.recheckMillis ?? 1000;
    this.experiments = options.experiments ?? null;
  }

  async get(workspaceId: string): Promise<KnowledgeModel> {
    const cached = this.cache.get(workspaceId);
    const now = this.clock.now();
    if (cached !== undefined && now - cached.checkedAt < this.recheckMillis) return cached.model;
    const version = await this.store.configVersion(workspaceId);
    if (cached !== undefined && cached.version === version) {
      cached.checkedAt = now;
      return cached.model;
    }
    return this.loading.run(workspaceId, () => this.load(workspaceId, version));
  }

  invalidate(workspaceId: string): void {
    this.cache.delete(workspaceId);
    this.loading.forget(workspaceId);
    this.generations.set(workspaceId, (this.generations.get(workspaceId) ?? 0) + 1);
  }

  private async load(workspaceId: string, version: number): Promise<KnowledgeModel> {
    const generation = this.generations.get(workspaceId) ?? 0;
    const x = this.experiments;
    const [features, segments, predictions, consent, experiments, metrics, measurement] = await Promise.all([
      this.store.listFeatures(workspaceId), this.store.listSegments(workspaceId), this.store.predictionModel(workspaceId), this.store.consentSettings(workspaceId),
      x?.listExperiments(workspaceId), x?.listMetrics(workspaceId), x?.measurement(workspaceId),
    ]);
    const model = compileKnowledgeModel({
      features, segments, version: String(version), ...(consent === null ? {} : { consent }),
      predictions: predictions === undefined ? null : parsePredictionModel(predictions.json),
      ...(experiments === undefined ? {} : { experiments: { experiments, metrics: metrics ?? [], measurement: measurement ?? null, workspaceId } }),
    });
    if ((this.generations.get(workspaceId) ?? 0) === generation) this.cache.set(workspaceId, { model, version, checkedAt: this.clock.now() });
    return model;
  }
}
