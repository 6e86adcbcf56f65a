import { compileDecisionModel, type DecisionModel } from '../core/decide/compileDecisionModel.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import type { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { KeyedSingleFlight } from '../knowledge/KeyedSingleFlight.js';
import type { DecisionConfigStore } from '../store/ports.js';

interface Cached {
  readonly knowledge: KnowledgeModel;
  readonly model: DecisionModel;
}

/**
 * Compiled decision models per workspace. Actions and placements share the workspace's
 * config version with features and segments (action rules read them), so a decision model
 * is recompiled whenever KnowledgeModels hands out a new knowledge model: one version check,
 * at most once a second, for both.
 */
export class DecisionModels {
  private readonly cache = new Map<string, Cached>();
  private readonly loading = new KeyedSingleFlight<DecisionModel>();

  constructor(private readonly knowledge: KnowledgeModels, private readonly store: DecisionConfigStore) {}

  async get(workspaceId: string): Promise<DecisionModel> {
    const knowledge = await this.knowledge.get(workspaceId);
    const cached = this.cache.get(workspaceId);
    if (cached !== undefined && cached.knowledge === knowledge) return cached.model;
    return this.loading.run(workspaceId, () => this.load(workspaceId, knowledge));
  }

  /** Drops a workspace's model (this process changed its definitions); the knowledge model must be invalidated too. */
  invalidate(workspaceId: string): void {
    this.cache.delete(workspaceId);
    this.loading.forget(workspaceId);
    this.knowledge.invalidate(workspaceId);
  }

  private async load(workspaceId: string, knowledge: KnowledgeModel): Promise<DecisionModel> {
    const [actions, placements] = await Promise.all([this.store.listActions(workspaceId), this.store.listPlacements(workspaceId)]);
    const model = compileDecisionModel({ actions, placements }, knowledge);
    // Cache only if no newer knowledge model appeared while loading.
    if ((await this.knowledge.get(workspaceId)) === knowledge) this.cache.set(workspaceId, { knowledge, model });
    return model;
  }
}
