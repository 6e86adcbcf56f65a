import type { Clock } from '../core/common/ports.js';
import type { DecisionModel } from '../core/decide/compileDecisionModel.js';
import { placementAllocation, type BetaArmCounts } from '../core/bandits/placementAllocation.js';
import type { ActionOutcomes } from '../store/ports.js';

/** A placement's allocation: action id to its share. */
export type Allocation = ReadonlyMap<string, number>;
/** The allocations of a workspace's bandit placements, for one decide call. */
export type AllocationLookup = (placementId: string) => Allocation | undefined;

export interface BanditAllocationsDeps {
  readonly outcomes: (workspaceId: string) => Promise<readonly ActionOutcomes[]>;
  readonly clock: Clock;
  readonly onError: (error: unknown) => void;
}

interface Cached {
  readonly model: DecisionModel;
  readonly at: number;
  readonly lookup: AllocationLookup;
}

const defaultRefreshSeconds = 10;
const defaultFloor = 0.01;

/**
 * The Thompson-sampling allocations of the placements with a `thompson` strategy, computed
 * from the outcome counters (derived from the log, so they survive restarts) and refreshed on
 * the strategy's schedule. A decide call never waits for a refresh once a first allocation
 * exists: it uses the one in force and the refresh runs beside it, so the recorded
 * probabilities are those of the allocation that made the choice.
 */
export class BanditAllocations {
  private readonly cache = new Map<string, Cached>();
  private readonly refreshing = new Map<string, Promise<AllocationLookup>>();
  private readonly banditPlacements = new WeakMap<DecisionModel, readonly string[]>();

  constructor(private readonly deps: BanditAllocationsDeps) {}

  /** The lookup for one call; null when the workspace has no bandit placement. */
  async lookupFor(workspaceId: string, model: DecisionModel): Promise<AllocationLookup | null> {
    const placements = this.placementsOf(model);
    if (placements.length === 0) return null;
    const cached = this.cache.get(workspaceId);
    // A changed model (actions added, settings changed) is computed before use, not served stale.
    if (cached === undefined || cached.model !== model) return this.refresh(workspaceId, model);
    if (this.deps.clock.now() - cached.at >= refreshMillis(model, placements)) {
      this.refresh(workspaceId, model).catch(this.deps.onError);
    }
    return cached.lookup;
  }

  private placementsOf(model: DecisionModel): readonly string[] {
    let ids = this.banditPlacements.get(model);
    if (ids === undefined) {
      ids = [...model.placements.values()].filter((p) => p.definition.strategy.kind === 'thompson').map((p) => p.id);
      this.banditPlacements.set(model, ids);
    }
    return ids;
  }

  private refresh(workspaceId: string, model: DecisionModel): Promise<AllocationLookup> {
    let pending = this.refreshing.get(workspaceId);
    if (pending === undefined) {
      pending = this.compute(workspaceId, model).finally(() => this.refreshing.delete(workspaceId));
      this.refreshing.set(workspaceId, pending);
    }
    return pending;
  }

  private async compute(workspaceId: string, model: DecisionModel): Promise<AllocationLookup> {
    const at = this.deps.clock.now();
    const outcomes = await this.deps.outcomes(workspaceId);
    const byKey = new Map<string, ActionOutcomes>();
    for (const o of outcomes) byKey.set(`${o.placementId}\u0000${o.actionId}`, o);
    const allocations = new Map<string, Allocation>();
    for (const placementId of this.placementsOf(model)) {
      const placement = model.placements.get(placementId);
      if (placement === undefined || placement.definition.strategy.kind !== 'thompson') continue;
      const strategy = placement.definition.strategy;
      const reward = strategy.reward ?? 'click';
      const arms: BetaArmCounts[] = placement.actions
        .filter((a) => a.enabled && a.problems.length === 0)
        .map((a) => {
          const o = byKey.get(`${placementId}\u0000${a.id}`);
          return { id: a.id, trials: o?.impressions ?? 0, successes: o === undefined ? 0 : reward === 'click' ? o.clicks : o.conversions };
        });
      if (arms.length > 0) allocations.set(placementId, placementAllocation(arms, { minExplorationShare: strategy.minExplorationShare ?? defaultFloor }).shares);
    }
    const lookup: AllocationLookup = (id) => allocations.get(id);
    this.cache.set(workspaceId, { model, at, lookup });
    return lookup;
  }
}

function refreshMillis(model: DecisionModel, placements: readonly string[]): number {
  let seconds = Number.POSITIVE_INFINITY;
  for (const id of placements) {
    const strategy = model.placements.get(id)?.definition.strategy;
    if (strategy?.kind === 'thompson') seconds = Math.min(seconds, strategy.refreshSeconds ?? defaultRefreshSeconds);
  }
  return (Number.isFinite(seconds) ? seconds : defaultRefreshSeconds) * 1000;
}
