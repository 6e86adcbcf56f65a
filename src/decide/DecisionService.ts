import type { Collector, CollectReport } from '../collect/Collector.js';
import type { Clock, IdGenerator } from '../core/common/ports.js';
import type { Random } from '../core/common/random.js';
import { decide, personalizationAllowed, type DecideResult } from '../core/decide/decide.js';
import type { RecommendationLookup } from '../core/decide/RecommendationSlot.js';
import { slotAsks } from '../core/decide/slotAsks.js';
import { fetchSlotLists, type SlotRecommender, type SlotVisitor } from './fetchSlotLists.js';
import type { DecisionModel } from '../core/decide/compileDecisionModel.js';
import type { DecisionRequest } from '../core/decide/decisionSteps.js';
import type { FaultDetail } from '../core/errors/AttuneError.js';
import type { DecisionProfileRow, DecisionReader, DecisionRecord, Workspace } from '../store/ports.js';
import type { CollectCommitter } from '../profiles/CollectTx.js';
import { DecisionRecorder, type PendingDecisionRecord } from './DecisionRecorder.js';
import type { BanditAllocations } from './BanditAllocations.js';
import type { ContextualBandits } from './ContextualBandits.js';
import type { ContextualDecision } from '../store/ports.js';
import { profileIdFor } from '../profiles/applyEvent.js';
import { withField } from '../core/common/withField.js';
import type { WeightsInForce } from '../core/experiments/banditExperiment.js';
import { EXPOSURE_EVENT, PROBABILITY_PROPERTY, WEIGHTS_VERSION_PROPERTY, type Exposure } from '../core/experiments/experimentUnits.js';
import { trustedCaller, type CollectCaller, type IdentityCheck, type IdentityReading } from '../core/identity/identityCheck.js';

/** A decide call as the shell receives it (the HTTP body, or the Node SDK's in-process call). */
export interface DecideCall {
  readonly userId?: string | undefined;
  /** The userId's signature (identity verification); the call's events without ids of their own carry it too. */
  readonly userHash?: string | undefined;
  readonly anonymousId?: string | undefined;
  readonly placements: readonly (string | { readonly id: string; readonly count?: number | undefined; readonly items?: readonly string[] | undefined })[];
  readonly context?: Readonly<Record<string, unknown>> | undefined;
  readonly events?: readonly unknown[] | undefined;
  readonly explain?: boolean | undefined;
}

export interface DecideAnswer {
  readonly profileId: string | null;
  readonly identity: IdentityCheck;
  readonly placements: DecideResult['placements'];
  readonly events?: { readonly accepted: number; readonly duplicates: number; readonly rejected: readonly FaultDetail[] };
}

export interface DecisionObserver {
  decided(placements: number, fallbacks: Readonly<Record<string, number>>): void;
  recordFailed(error: unknown): void;
  /** A recommendation slot's list could not be fetched (the slot was skipped). */
  recommendFailed?(error: unknown): void;
  /** How the call's userId was taken (unverified ones are the ones to watch). */
  identity?(check: IdentityCheck): void;
}

export interface DecideOptions {
  readonly globalPrivacyControl?: boolean;
  /** How the userId counts (src/workspaces/checkCallIdentity.ts); default: as given, for callers inside the application. */
  readonly identity?: IdentityReading;
  /** Who sends the call's events (collectCallerFor); default trusted, for callers inside the application. */
  readonly caller?: CollectCaller;
}

export interface DecisionServiceDeps {
  readonly models: { get(workspaceId: string): Promise<DecisionModel> };
  readonly reader: DecisionReader;
  readonly committer: CollectCommitter;
  readonly collector: Collector;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly random: Random;
  /** Share of decisions recorded, from 0 to 1. */
  readonly sampleRate: number;
  /** How long a decision record may wait to share a commit with others (default 50 ms). */
  readonly recordDelayMs?: number;
  readonly observer?: DecisionObserver;
  /** Fills recommendation slots (RecommendService); without it, slots are skipped (no_recommendations). */
  readonly recommender?: SlotRecommender;
  /** The allocations of placements with a `thompson` strategy; without it they split equally. */
  readonly bandits?: BanditAllocations;
  /** The learned models of contextual placements and learned propensities; without it they rank by the prior and learn nothing. */
  readonly contextual?: ContextualBandits;
  /** The weights in force of bandit experiments (src/experiments/ExperimentBandits.ts); without it they assign by the definition's weights. */
  readonly experimentWeights?: ExperimentWeightsSource;
}

/** A bandit experiment's weights in force, by experiment id, for one decide call. */
export type ExperimentWeightsLookup = (experimentId: string) => WeightsInForce | undefined;

/** Where decide gets bandit experiments' weights from (the experiments layer keeps them). */
export interface ExperimentWeightsSource {
  lookupFor(workspaceId: string, model: DecisionModel): Promise<ExperimentWeightsLookup | null>;
}

const budgetRecheckMillis = 1000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deciding, end to end: apply the events the call carries (one round trip for a page), load
 * the profile, run the pure pipeline (src/core/decide), and record the decisions. The
 * answer does not wait for the record: records are written in batches (DecisionRecorder),
 * and a failure to write them is counted and logged, never shown to the visitor.
 */
export class DecisionService {
  private readonly budgets = new Map<string, { readonly at: number; readonly used: ReadonlyMap<string, number> }>();
  private readonly budgetRefreshes = new Map<string, Promise<ReadonlyMap<string, number>>>();
  private readonly budgeted = new WeakMap<DecisionModel, boolean>();
  private readonly slotted = new WeakMap<DecisionModel, boolean>();

  private readonly recorder: DecisionRecorder;
  /** Exposure events on their way to the log: a flush waits for them too. */
  private readonly exposing = new Set<Promise<unknown>>();

  constructor(private readonly deps: DecisionServiceDeps) {
    this.recorder = new DecisionRecorder(deps.committer, {
      ...(deps.recordDelayMs === undefined ? {} : { delayMs: deps.recordDelayMs }),
      onError: (error) => deps.observer?.recordFailed(error),
    });
  }

  /** Writes the decision records still waiting for their batch (before a shutdown, or a read that must see them). */
  async flushRecords(): Promise<void> {
    await Promise.all([...this.exposing]);
    await this.recorder.flush();
  }

  async decide(workspace: Workspace, call: DecideCall, options: DecideOptions = {}): Promise<DecideAnswer> {
    const identity = options.identity ?? { check: call.userId === undefined ? 'anonymous' : 'trusted', read: 'as-given' };
    this.deps.observer?.identity?.(identity.check);
    // The events carry the userId as given (they are stored whatever), each checked like any
    // collected event; the reads use it only when it counts.
    const userId = call.userId ?? null;
    const anonymousId = call.anonymousId ?? null;
    let report: CollectReport | null = null;
    if (call.events !== undefined && call.events.length > 0) {
      // An event without ids of its own is the call's: it takes the call's ids and userHash.
      const events = call.events.map((event) => (isObject(event) && event['userId'] === undefined && event['anonymousId'] === undefined
        ? {
          ...event,
          ...(userId === null ? {} : { userId, ...(call.userHash === undefined || event['userHash'] !== undefined ? {} : { userHash: call.userHash }) }),
          ...(anonymousId === null ? {} : { anonymousId }),
        }
        : event));
      report = await this.deps.collector.collect(workspace, { events, routeType: null, caller: options.caller ?? trustedCaller, globalPrivacyControl: options.globalPrivacyControl === true });
    }
    const [model, found] = await Promise.all([this.deps.models.get(workspace.id), this.findProfile(workspace.id, identity, userId, anonymousId)]);
    const row = found.profile;
    const readUserId = identity.read === 'as-given' ? userId : null;
    const request: DecisionRequest = {
      placements: call.placements.map((p) => (typeof p === 'string' ? { id: p } : p)),
      context: call.context ?? {},
      explain: call.explain === true,
    };
    const [budgets, bandits, learnedModels, experimentWeights] = await Promise.all([
      this.budgetsFor(workspace.id, model), this.deps.bandits?.lookupFor(workspace.id, model) ?? null, this.deps.contextual?.lookupFor(workspace.id, model) ?? null,
      this.deps.experimentWeights?.lookupFor(workspace.id, model) ?? null,
    ]);
    // A visitor not seen yet: the id their first stored event will give them, as the collect
    // path derives it. A withheld profile (a user's, asked about anonymously) is no unit at all.
    const unitId = row !== undefined ? row.id
      : found.withheld ? null
        : readUserId !== null ? profileIdFor(workspace.id, { kind: 'user', value: readUserId })
          : anonymousId !== null ? profileIdFor(workspace.id, { kind: 'anonymous', value: anonymousId }) : null;
    const now = this.deps.clock.now();
    const recommendations = await this.slotLists(workspace, model, request, row, { userId, anonymousId, identity }, now);
    const result = decide(
      model,
      row === undefined ? null : { facts: { id: row.id, traits: row.traits, firstSeen: row.firstSeen, lastSeen: row.lastSeen }, knowledge: row.knowledge },
      request,
      {
        now,
        random: this.deps.random,
        // Time first: records are inserted in id order, at the end of the index, not all over it.
        newDecisionId: () => `d_${now.toString(36)}_${this.deps.ids.next()}`,
        budgetUsed: (id) => budgets?.get(id) ?? 0,
        unitId,
        ...(recommendations === undefined ? {} : { recommendations }),
        ...(bandits === null ? {} : { banditWeights: bandits }),
        ...(experimentWeights === null ? {} : { experimentWeights }),
        ...(learnedModels === null ? {} : { contextualModels: learnedModels.contextual, propensityModels: learnedModels.propensity }),
      },
    );
    this.record(workspace.id, row?.id ?? null, result, now);
    if (result.exposures.length > 0 && unitId !== null) this.expose(workspace, { userId: readUserId, anonymousId }, unitId, result.exposures, now, options.globalPrivacyControl === true);
    return {
      profileId: row?.id ?? null,
      identity: identity.check,
      placements: result.placements,
      ...(report === null ? {} : { events: { accepted: report.accepted, duplicates: report.duplicates, rejected: report.rejected } }),
    };
  }

  /**
   * Logs first exposures as `Experiment Viewed` events, without making the answer wait: the
   * collect commit assigns the unit for good and starts its metrics. The message id is the
   * experiment and the unit's id, so a second call before the first is stored adds nothing.
   */
  private expose(workspace: Workspace, who: { userId: string | null; anonymousId: string | null }, unitId: string, exposures: readonly Exposure[], now: number, globalPrivacyControl: boolean): void {
    const ids = { ...(who.userId === null ? {} : { userId: who.userId }), ...(who.anonymousId === null ? {} : { anonymousId: who.anonymousId }) };
    const timestamp = new Date(now).toISOString();
    const events = exposures.map((e) => ({
      type: 'track', event: EXPOSURE_EVENT, ...ids, timestamp,
      messageId: `exposure:${e.experimentId}:${unitId}`,
      properties: {
        experiment_id: e.experimentId, variation_id: e.armId,
        ...(e.probability === undefined ? {} : { [PROBABILITY_PROPERTY]: e.probability, [WEIGHTS_VERSION_PROPERTY]: e.weightsVersion ?? 1 }),
      },
    }));
    // The one writer of exposures to Attune's experiments: the public routes may not send them.
    const pending = this.deps.collector.collect(workspace, { events, routeType: null, caller: trustedCaller, globalPrivacyControl, exposures: 'accept' })
      .catch((error: unknown) => this.deps.observer?.recordFailed(error))
      .finally(() => this.exposing.delete(pending));
    this.exposing.add(pending);
  }

  /**
   * The lists of the recommendation slots the call may show, fetched before the pure pipeline.
   * Without consent to personalise (as decide will judge it, the request's own context
   * included) they are asked for without the visitor's ids, so no history goes into them.
   */
  private async slotLists(workspace: Workspace, model: DecisionModel, request: DecisionRequest, row: DecisionProfileRow | undefined, visitor: NonNullable<SlotVisitor>, now: number): Promise<RecommendationLookup | undefined> {
    const recommender = this.deps.recommender;
    if (recommender === undefined) return undefined;
    let slotted = this.slotted.get(model);
    if (slotted === undefined) {
      // Once per compiled model: most workspaces have no slot, and their calls skip this.
      slotted = [...model.actions.values()].some((action) => action.definition.recommend !== undefined);
      this.slotted.set(model, slotted);
    }
    if (!slotted) return undefined;
    const asks = slotAsks(model, request, now);
    if (asks.length === 0) return undefined;
    const personal = personalizationAllowed(model.knowledge, row?.knowledge ?? null, request.context, now);
    const locale = request.context['locale'];
    return fetchSlotLists(recommender, workspace, asks, personal ? visitor : null, typeof locale === 'string' ? locale : undefined, (error) => this.deps.observer?.recommendFailed?.(error));
  }

  /** The profile the call may read (see IdentityReading): a userId that does not count is not looked up. */
  private async findProfile(workspaceId: string, identity: IdentityReading, userId: string | null, anonymousId: string | null): Promise<{ profile: DecisionProfileRow | undefined; withheld: boolean }> {
    if (identity.read === 'anonymous-only') {
      return anonymousId === null ? { profile: undefined, withheld: false } : this.deps.reader.findAnonymousDecisionProfile(workspaceId, anonymousId);
    }
    if (userId === null && anonymousId === null) return { profile: undefined, withheld: false };
    return { profile: await this.deps.reader.findDecisionProfile(workspaceId, userId, anonymousId), withheld: false };
  }

  /** Impressions per action across all profiles, when some action has a budget; refreshed once a second. */
  private async budgetsFor(workspaceId: string, model: DecisionModel): Promise<ReadonlyMap<string, number> | null> {
    let budgeted = this.budgeted.get(model);
    if (budgeted === undefined) {
      // Once per compiled model, not per call.
      budgeted = [...model.actions.values()].some((action) => action.caps?.budget !== undefined);
      this.budgeted.set(model, budgeted);
    }
    if (!budgeted) return null;
    const now = this.deps.clock.now();
    const cached = this.budgets.get(workspaceId);
    if (cached !== undefined && now - cached.at < budgetRecheckMillis) return cached.used;
    // One refresh at a time per workspace: it writes the state behind first, and every decide
    // arriving meanwhile would otherwise start its own.
    let refresh = this.budgetRefreshes.get(workspaceId);
    if (refresh === undefined) {
      refresh = (async () => {
        const used = new Map<string, number>();
        for (const o of await this.deps.reader.outcomes(workspaceId)) used.set(o.actionId, (used.get(o.actionId) ?? 0) + o.impressions);
        this.budgets.set(workspaceId, { at: now, used });
        return used;
      })().finally(() => this.budgetRefreshes.delete(workspaceId));
      this.budgetRefreshes.set(workspaceId, refresh);
    }
    return refresh;
  }

  private record(workspaceId: string, profileId: string | null, result: DecideResult, at: number): void {
    const records: PendingDecisionRecord[] = [];
    // One snapshot for all the call's records, taken now: the profile's state lives in memory
    // and moves on with its next event, before the records are written.
    let snapshot: readonly string[] | null = null;
    const segments = () => (snapshot ??= result.segments());
    const fallbacks: Record<string, number> = {};
    let count = 0;
    const learning: ContextualDecision[] = [];
    for (const placement of result.placements) {
      if (placement.error !== undefined) continue;
      count++;
      if (placement.fallback !== null) fallbacks[placement.fallback] = (fallbacks[placement.fallback] ?? 0) + 1;
      for (const d of placement.decisions) {
        const contextual = d.actionId === null ? undefined : d.contextual;
        // A contextual decision is always recorded: its model is derived from the records, and a rebuild must learn what live learning did.
        if (contextual === undefined && this.deps.sampleRate < 1 && this.deps.random.next() >= this.deps.sampleRate) continue;
        if (contextual !== undefined) learning.push({ decisionId: d.decisionId, placementId: placement.placement, actionId: d.actionId!, at, contextual });
        // The shadow and the contextual inputs are recorded with the reasons, and answered only as the steps chose.
        let reasons: DecisionRecord['reasons'] = d.reasons;
        if (d.shadow !== undefined || contextual !== undefined) {
          const shadowed = d.shadow === undefined ? d.reasons : withField(d.reasons, 'shadow', d.shadow);
          reasons = contextual === undefined ? shadowed : withField(shadowed, 'contextual', contextual);
        }
        records.push({
          workspaceId, decisionId: d.decisionId, profileId, placementId: placement.placement, actionId: d.actionId, variant: d.variant,
          score: d.score, probability: d.probability, fallback: placement.fallback, segments, reasons, at,
        });
      }
    }
    if (learning.length > 0) this.deps.contextual?.remember(workspaceId, learning);
    this.deps.observer?.decided(count, fallbacks);
    if (records.length > 0) {
      snapshot = result.segments();
      this.recorder.add(records);
    }
  }
}
