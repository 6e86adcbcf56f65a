import type { Clock } from '../core/common/ports.js';
import type { Random } from '../core/common/random.js';
import type { DecisionModel } from '../core/decide/compileDecisionModel.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { countWins, defaultTargetStandardError, drawsFor, fromWins, type MonteCarloPrecision } from '../core/bandits/monteCarloBest.js';
import { placementAllocation } from '../core/bandits/placementAllocation.js';
import { revenueAllocationFrom, revenuePosteriors, revenueSampler, type RevenueArmCounts, type RevenueAllocation, type RevenuePosterior } from '../core/bandits/revenueAllocation.js';
import type { ActionOutcomes } from '../store/ports.js';

/** A placement's allocation: action id to its share. */
export type Allocation = ReadonlyMap<string, number>;
/** The allocations of a workspace's bandit placements, for one decide call. */
export type AllocationLookup = (placementId: string) => Allocation | undefined;

/** A placement's allocation in force, as the arms report shows it. */
export interface AllocationDetail {
  readonly reward: 'click' | 'conversion' | 'revenue';
  /** When it was computed (epoch ms). */
  readonly computedAt: number;
  readonly shares: Allocation;
  readonly bestProbabilities: ReadonlyMap<string, number>;
  /** Revenue arms only: each action's posterior of revenue per impression. */
  readonly posteriors: ReadonlyMap<string, RevenuePosterior> | null;
  /** Null: exact (Beta arms by quadrature, or a single arm); else the Monte Carlo draws and largest standard error. */
  readonly monteCarlo: MonteCarloPrecision | null;
}

export interface BanditAllocationsDeps {
  readonly outcomes: (workspaceId: string) => Promise<readonly ActionOutcomes[]>;
  readonly clock: Clock;
  /** For the Monte Carlo P(best) of revenue arms. */
  readonly random: Random;
  readonly onError: (error: unknown) => void;
}

interface Cached {
  readonly model: DecisionModel;
  readonly at: number;
  readonly lookup: AllocationLookup;
  readonly details: ReadonlyMap<string, AllocationDetail>;
}

const defaultRefreshSeconds = 10;
const defaultFloor = 0.01;
// Monte Carlo arm draws per turn of the event loop: about 8 ms, so decisions are not held up.
const armDrawsPerTurn = 5000;

/**
 * The Thompson-sampling allocations of the placements with a `thompson` strategy, computed
 * from the outcome counters (derived from the log, so they survive restarts) and refreshed on
 * the strategy's schedule: Beta arms (click, conversion) exactly, revenue arms by Monte Carlo
 * with the engine's random generator. A decide call never waits for a refresh once a first allocation
 * exists: it uses the one in force and the refresh runs beside it, so the recorded
 * probabilities are those of the allocation that made the choice.
 */
export class BanditAllocations {
  private readonly cache = new Map<string, Cached>();
  private readonly refreshing = new Map<string, Promise<Cached>>();
  private readonly banditPlacements = new WeakMap<DecisionModel, readonly string[]>();

  constructor(private readonly deps: BanditAllocationsDeps) {}

  /** The lookup for one call; null when the workspace has no bandit placement. */
  async lookupFor(workspaceId: string, model: DecisionModel): Promise<AllocationLookup | null> {
    return (await this.inForce(workspaceId, model))?.lookup ?? null;
  }

  /** The allocation in force for a placement, with how it was computed; undefined when it is no bandit. */
  async detailFor(workspaceId: string, model: DecisionModel, placementId: string): Promise<AllocationDetail | undefined> {
    return (await this.inForce(workspaceId, model))?.details.get(placementId);
  }

  private async inForce(workspaceId: string, model: DecisionModel): Promise<Cached | null> {
    const placements = this.placementsOf(model);
    if (placements.length === 0) return null;
    const cached = this.cache.get(workspaceId);
    // A changed model (actions added, settings changed) is computed before use, not served stale.
    if (cached === undefined || cached.model !== model) return this.refresh(workspaceId, model);
    if (this.deps.clock.now() - cached.at >= refreshMillis(model, placements)) {
      this.refresh(workspaceId, model).catch(this.deps.onError);
    }
    return cached;
  }

  private placementsOf(model: DecisionModel): readonly string[] {
    let ids = this.banditPlacements.get(model);
    if (ids === undefined) {
      ids = [...model.placements.values()].filter((p) => p.definition.strategy.kind === 'thompson').map((p) => p.id);
      this.banditPlacements.set(model, ids);
    }
    return ids;
  }

  private refresh(workspaceId: string, model: DecisionModel): Promise<Cached> {
    let pending = this.refreshing.get(workspaceId);
    if (pending === undefined) {
      pending = this.compute(workspaceId, model).finally(() => this.refreshing.delete(workspaceId));
      this.refreshing.set(workspaceId, pending);
    }
    return pending;
  }

  private async compute(workspaceId: string, model: DecisionModel): Promise<Cached> {
    const at = this.deps.clock.now();
    const outcomes = await this.deps.outcomes(workspaceId);
    const byKey = new Map<string, ActionOutcomes>();
    for (const o of outcomes) byKey.set(`${o.placementId}\u0000${o.actionId}`, o);
    const details = new Map<string, AllocationDetail>();
    for (const placementId of this.placementsOf(model)) {
      const placement = model.placements.get(placementId);
      if (placement === undefined || placement.definition.strategy.kind !== 'thompson') continue;
      const strategy = placement.definition.strategy;
      const reward = strategy.reward ?? 'click';
      const minExplorationShare = strategy.minExplorationShare ?? defaultFloor;
      const counts = placement.actions
        .filter((a) => a.enabled && a.problems.length === 0)
        .map((a) => ({ id: a.id, o: byKey.get(`${placementId}\u0000${a.id}`) }));
      if (counts.length === 0) continue;
      if (reward === 'revenue') {
        const allocation = await this.revenue(counts.map(({ id, o }) => ({
          id, impressions: o?.impressions ?? 0, conversions: o?.conversions ?? 0, revenue: o?.conversionValue ?? 0, revenueM2: o?.conversionValueM2 ?? 0,
        })), minExplorationShare);
        details.set(placementId, { reward, computedAt: at, ...allocation });
      } else {
        const allocation = placementAllocation(counts.map(({ id, o }) => ({
          id, trials: o?.impressions ?? 0, successes: o === undefined ? 0 : reward === 'click' ? o.clicks : o.conversions,
        })), { minExplorationShare });
        details.set(placementId, { reward, computedAt: at, ...allocation, posteriors: null, monteCarlo: null });
      }
    }
    const lookup: AllocationLookup = (id) => details.get(id)?.shares;
    const cached: Cached = { model, at, lookup, details };
    this.cache.set(workspaceId, cached);
    return cached;
  }

  /**
   * `revenueAllocation`, with its Monte Carlo draws in slices that give the event loop a turn
   * between them: 10,000 draws of 20 arms take about 300 ms, which decisions must not wait for.
   */
  private async revenue(arms: readonly RevenueArmCounts[], minExplorationShare: number): Promise<RevenueAllocation> {
    const posteriors = revenuePosteriors(arms);
    if (arms.length < 2) return revenueAllocationFrom(arms, posteriors, null, minExplorationShare);
    const samplers = arms.map((arm) => revenueSampler(posteriors.get(arm.id)!));
    const draws = drawsFor(defaultTargetStandardError);
    const slice = Math.max(1, Math.floor(armDrawsPerTurn / arms.length));
    const wins = new Array<number>(arms.length).fill(0);
    for (let done = 0; done < draws; done += slice) {
      if (done > 0) await nextTurn();
      countWins(samplers, Math.min(slice, draws - done), this.deps.random, wins);
    }
    return revenueAllocationFrom(arms, posteriors, fromWins(wins), minExplorationShare);
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
