import type { Clock, IdGenerator } from '../core/common/ports.js';
import type { UnreadableReason } from '../core/common/readNumber.js';
import { createPrepareEvent } from '../core/collect/prepareEvent.js';
import { rejectReservedExposure, type ExposurePolicy } from '../core/collect/steps/rejectReservedExposure.js';
import type { CallType } from '../core/events/callTypes.js';
import type { CollectedEvent, JsonObject } from '../core/events/CollectedEvent.js';
import type { ExperimentModel } from '../core/experiments/ExperimentModel.js';
import type { FaultDetail } from '../core/errors/AttuneError.js';
import type { Workspace } from '../store/ports.js';
import type { CollectCommitter } from '../profiles/CollectTx.js';
import type { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { applyEvent, type CommitOutcome } from '../profiles/applyEvent.js';
import { eventIdentityKeys } from '../core/identity/planIdentity.js';
import { checkEventUserId, type CollectCaller } from '../core/identity/identityCheck.js';

export interface CollectRequest {
  readonly events: readonly unknown[];
  /**
   * Who sends the events: `trustedCaller` (secret key, imports, in-process) takes userIds as
   * given; a public caller (the write key) has each event's userId checked against its own
   * `userHash` where the workspace verifies identities. No default: a route must say.
   */
  readonly caller: CollectCaller;
  readonly routeType: CallType | null;
  readonly batchSentAt?: string | null;
  readonly batchContext?: JsonObject | null;
  readonly batchIntegrations?: JsonObject | null;
  /** The request carried `Sec-GPC: 1`. */
  readonly globalPrivacyControl?: boolean;
  /**
   * `Experiment Viewed` events for Attune's own experiments (and the program): 'reject' (the
   * default, for anything public: each is rejected as ATTUNE_EVENT_RESERVED) or 'accept' (trusted
   * callers only: the decide step's exposure log, the in-process SDK, an admin's import).
   */
  readonly exposures?: ExposurePolicy;
}

export interface CollectReport {
  readonly accepted: number;
  readonly duplicates: number;
  /** Valid events dropped because they name a suppressed person (neither stored nor rejected). */
  readonly suppressed: number;
  readonly rejected: readonly FaultDetail[];
  /** Per valid event, in input order: its index and what the commit made of it. */
  readonly outcomes: readonly { readonly index: number; readonly outcome: CommitOutcome }[];
}

/**
 * The suppression list as collection reads it (src/privacy/SuppressionList.ts): which events
 * name a person who asked to be forgotten. It counts what it finds; the collector drops them.
 */
export interface SuppressionFilter {
  /** The positions in `events` of those that name a suppressed identifier. */
  suppressed(workspaceId: string, events: readonly CollectedEvent[]): Promise<ReadonlySet<number>>;
}

/** Hooks for metrics; the collector itself knows nothing of Prometheus. */
export interface CollectObserver {
  accepted(count: number): void;
  duplicate(count: number): void;
  rejected(code: string, step: string): void;
  merged(count: number, skipped: Readonly<Record<string, number>>): void;
  /** Numeric values that features or metrics could not read, by reason (one per event and property path). */
  unreadableNumbers(byReason: Readonly<Partial<Record<UnreadableReason, number>>>): void;
}

/**
 * Per-workspace tallies of what collection saw, for the data-quality report (src/quality).
 * Called on the collect path, after the pure steps and after the commit: an implementation
 * keeps counts in memory and writes them behind, and never throws.
 */
export interface CollectTally {
  rejected(workspaceId: string, receivedAt: number, code: string, step: string): void;
  /** One valid event and what the commit made of it (a duplicate included). */
  committed(workspaceId: string, event: CollectedEvent, outcome: CommitOutcome): void;
}

/**
 * Collection, end to end: the pure prepare pipeline per event, then one job in the next
 * group commit for all the valid events of the request. Used by the HTTP routes and by
 * the importers alike, so both validate and de-duplicate the same way.
 */
export class Collector {
  private readonly prepare;

  constructor(
    private readonly deps: { committer: CollectCommitter; clock: Clock; ids: IdGenerator; models: KnowledgeModels; observer?: CollectObserver; tally?: CollectTally; suppression?: SuppressionFilter },
  ) {
    this.prepare = createPrepareEvent(deps.ids);
  }

  async collect(workspace: Workspace, request: CollectRequest): Promise<CollectReport> {
    const receivedAt = this.deps.clock.now();
    const rejected: FaultDetail[] = [];
    const valid: { index: number; event: CollectedEvent }[] = [];
    request.events.forEach((raw, index) => {
      const result = this.prepareSafely({
        raw,
        routeType: request.routeType,
        batchSentAt: request.batchSentAt ?? null,
        batchContext: request.batchContext ?? null,
        batchIntegrations: request.batchIntegrations ?? null,
        receivedAt,
        globalPrivacyControl: request.globalPrivacyControl === true,
      });
      if (result.ok) valid.push({ index, event: this.withUserIdCheck(result.value, raw, request.caller, workspace.identity.verification) });
      else {
        rejected.push({ index, ...result.fault });
        this.deps.observer?.rejected(result.fault.code, result.step);
        this.deps.tally?.rejected(workspace.id, receivedAt, result.fault.code, result.step);
      }
    });

    if (valid.length === 0) return this.report([], rejected);
    const model = await this.deps.models.get(workspace.id);
    const exposed = request.exposures === 'accept' ? valid : this.withoutReservedExposures(workspace.id, receivedAt, valid, model.experiments, rejected);
    const allowed = await this.withoutSuppressed(workspace.id, exposed);
    const suppressed = exposed.length - allowed.length;
    if (allowed.length === 0) return this.report([], rejected, suppressed);
    const context = { id: workspace.id, identity: workspace.identity, model };
    const preload = { workspaceId: workspace.id, keys: allowed.flatMap(({ event }) => eventIdentityKeys(event)), armStats: true, counters: true };
    const outcomes = await this.deps.committer.submit(allowed.length, (tx) =>
      allowed.map(({ index, event }) => ({ index, outcome: applyEvent(tx, context, event) })), preload);
    const tally = this.deps.tally;
    if (tally !== undefined) outcomes.forEach(({ outcome }, i) => tally.committed(workspace.id, allowed[i]!.event, outcome));
    return this.report(outcomes, rejected, suppressed);
  }

  /** The events but those naming a suppressed person: dropped, not rejected (the sender did nothing wrong). */
  private async withoutSuppressed(workspaceId: string, events: { index: number; event: CollectedEvent }[]): Promise<{ index: number; event: CollectedEvent }[]> {
    if (this.deps.suppression === undefined || events.length === 0) return events;
    const dropped = await this.deps.suppression.suppressed(workspaceId, events.map((e) => e.event));
    return dropped.size === 0 ? events : events.filter((_, i) => !dropped.has(i));
  }

  /**
   * The event with how its userId counts, in the typed field planIdentity reads and in the
   * body the log keeps (a replay reads it back); the userHash itself is not stored.
   */
  private withUserIdCheck(event: CollectedEvent, raw: unknown, caller: CollectCaller, verification: boolean): CollectedEvent {
    const given = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['userHash'] : undefined;
    const userIdCheck = checkEventUserId(event.userId, typeof given === 'string' ? given : undefined, caller, verification);
    if (userIdCheck === null) return event;
    return { ...event, userIdCheck, body: { ...event.body, userIdCheck } };
  }

  /**
   * The valid events but exposures to the workspace's experiments, which it adds to `rejected`
   * (kept in index order): only Attune logs those (see CollectRequest.exposures).
   */
  private withoutReservedExposures(workspaceId: string, receivedAt: number, valid: { index: number; event: CollectedEvent }[], experiments: ExperimentModel, rejected: FaultDetail[]): { index: number; event: CollectedEvent }[] {
    const step = rejectReservedExposure((id) => id === experiments.program.id || experiments.experiments.has(id));
    const kept = valid.filter(({ index, event }) => {
      const result = step.run(event);
      if (result.ok) return true;
      rejected.push({ index, ...result.fault });
      this.deps.observer?.rejected(result.fault.code, step.name);
      this.deps.tally?.rejected(workspaceId, receivedAt, result.fault.code, step.name);
      return false;
    });
    if (kept.length < valid.length) rejected.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return kept;
  }

  /**
   * The pipeline returns rejections as values; anything it throws is a fault of that one event
   * (input no step foresaw), reported by index, so the other events of the request are kept.
   */
  private prepareSafely(input: Parameters<Collector['prepare']>[0]): ReturnType<Collector['prepare']> {
    try {
      return this.prepare(input);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, step: 'prepare', fault: { code: 'ATTUNE_EVENT_INVALID', field: '', message: `the event could not be read: ${message}` } };
    }
  }

  private report(outcomes: CollectReport['outcomes'], rejected: FaultDetail[], suppressed = 0): CollectReport {
    let accepted = 0;
    let duplicates = 0;
    let merges = 0;
    const skipped: Record<string, number> = {};
    const unreadable: Partial<Record<UnreadableReason, number>> = {};
    let anyUnreadable = false;
    for (const { outcome } of outcomes) {
      if (outcome.kind === 'duplicate') {
        duplicates++;
        continue;
      }
      accepted++;
      if (outcome.mergedProfileId !== null) merges++;
      if (outcome.mergeSkipped !== null) skipped[outcome.mergeSkipped] = (skipped[outcome.mergeSkipped] ?? 0) + 1;
      for (const { reason } of outcome.unreadable) {
        unreadable[reason] = (unreadable[reason] ?? 0) + 1;
        anyUnreadable = true;
      }
    }
    const observer = this.deps.observer;
    if (observer !== undefined) {
      if (accepted > 0) observer.accepted(accepted);
      if (duplicates > 0) observer.duplicate(duplicates);
      if (merges > 0 || Object.keys(skipped).length > 0) observer.merged(merges, skipped);
      if (anyUnreadable) observer.unreadableNumbers(unreadable);
    }
    return { accepted, duplicates, suppressed, rejected, outcomes };
  }
}
