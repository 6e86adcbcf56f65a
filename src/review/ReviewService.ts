import type { Actor } from '../core/audit/Actor.js';
import type { AuditRecorder } from '../core/audit/AuditRecorder.js';
import type { JsonValue } from '../core/audit/canonicalJson.js';
import { diffJson, type JsonChange } from '../core/audit/jsonDiff.js';
import type { Clock, IdGenerator } from '../core/common/ports.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { draftClosedProblem, publishRaceProblem, type ConfigVersion, type Draft, type DraftState } from '../core/review/Draft.js';
import { targetIdOf, type ReviewKind } from '../core/review/ReviewKind.js';
import { approvalsSatisfied, resolveReviewPolicy, reviewRequired, type ApprovalStatus, type ResolvedReviewPolicy, type ReviewPolicy } from '../core/review/ReviewPolicy.js';
import { runAs, systemCaller } from '../audit/callerContext.js';
import type { ReviewStore } from '../store/ports.js';
import { checkDefinition, checkInWorkspace, deletable, publishThrough, type PublishingServices } from './KindPublishers.js';
import { runPublishing } from './publishContext.js';
import { changeRateError, type ReviewGate } from './ReviewGate.js';

/** Who approves: a user, with their role and the reviewer kinds they hold. */
export interface Approver {
  readonly userId: string;
  readonly role: string;
  readonly reviewerKinds: readonly string[];
}

/** Who publishes: the actor, and whether they are an owner (only owners override change limits). */
export interface Publisher {
  readonly actor: Actor;
  readonly isOwner: boolean;
}

export interface NewDraft {
  readonly kind: ReviewKind;
  /** The definition to publish; absent: the draft deletes `id`. */
  readonly definition?: unknown;
  /** The definition's id: required for a deletion, else taken from the definition (and must agree). */
  readonly id?: string;
}

export interface PublishRequest {
  /** The draft's revision the publisher reviewed: another one is refused (version check). */
  readonly expectedRevision: number;
  /** When to publish (milliseconds); absent or not later than now: at once. */
  readonly at?: number;
  /** An owner's override of the change limits, with the reason (recorded in the audit trail). */
  readonly override?: { readonly reason: string };
}

/** A draft with where its approvals stand. */
export type DraftView = Draft & { readonly approval: ApprovalStatus };

export interface ReviewServiceDeps {
  readonly store: ReviewStore;
  readonly gate: ReviewGate;
  readonly services: PublishingServices;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly audit: AuditRecorder;
}

/**
 * Draft, review, publish (docs/review.md): drafts of features, segments, actions, placements,
 * experiments, metrics and the measurement settings; approvals against the workspace's
 * policy, cleared by every edit; publishing (at once or scheduled) through the engine service
 * of the draft's kind, so the engine serves only what was published; the version history,
 * its diffs and reverts. Direct changes meanwhile ask the gate (ReviewGate).
 */
export class ReviewService {
  constructor(private readonly deps: ReviewServiceDeps) {}

  async policy(workspaceId: string): Promise<{ policy: ReviewPolicy | null; resolved: ResolvedReviewPolicy; reviewRequired: boolean }> {
    const policy = await this.deps.store.policy(workspaceId);
    const resolved = resolveReviewPolicy(policy);
    return { policy, resolved, reviewRequired: reviewRequired(resolved) };
  }

  async setPolicy(workspaceId: string, policy: ReviewPolicy): Promise<void> {
    const before = await this.deps.store.policy(workspaceId);
    await this.deps.store.setPolicy(workspaceId, policy, this.deps.clock.now());
    await this.deps.audit.changed({ workspaceId, action: 'reviewPolicy.updated', target: { kind: 'reviewPolicy', id: workspaceId }, before: before ?? undefined, after: policy });
  }

  async listDrafts(workspaceId: string, states?: readonly DraftState[]): Promise<DraftView[]> {
    const [drafts, policy] = await Promise.all([this.deps.store.listDrafts(workspaceId, states), this.deps.gate.policy(workspaceId)]);
    return drafts.map((d) => view(policy, d));
  }

  async getDraft(workspaceId: string, id: string): Promise<DraftView> {
    return view(await this.deps.gate.policy(workspaceId), await this.draft(workspaceId, id));
  }

  /** A new draft, checked as its kind's service would check it, based on the version published now. */
  async createDraft(workspaceId: string, author: Actor, input: NewDraft, revertOf: number | null = null): Promise<DraftView> {
    const { targetId, definition } = await this.checked(workspaceId, input.kind, input.definition, input.id);
    const now = this.deps.clock.now();
    const draft: Draft = {
      id: `drf_${this.deps.ids.next()}`, workspaceId, kind: input.kind, targetId, definition, baseVersion: await this.deps.store.latestVersion(workspaceId, input.kind, targetId),
      revision: 1, state: 'open', author, approvals: [], publishAt: null, revertOf, override: null, publishedVersion: null, createdAt: now, updatedAt: now,
    };
    await this.deps.store.putDraft(draft);
    await this.deps.audit.changed({ workspaceId, action: 'draft.created', target: { kind: 'draft', id: draft.id }, after: summary(draft) });
    return this.getDraft(workspaceId, draft.id);
  }

  /** Replaces the draft's definition: a new revision, without approvals, no longer scheduled. */
  async updateDraft(workspaceId: string, id: string, change: { readonly definition?: unknown; readonly expectedRevision: number }): Promise<DraftView> {
    const draft = await this.openDraft(workspaceId, id);
    if (change.expectedRevision !== draft.revision) throw raced(`the draft is at revision ${draft.revision}, not ${change.expectedRevision}`, draft);
    const { definition } = await this.checked(workspaceId, draft.kind, change.definition, draft.targetId);
    const updated: Draft = { ...draft, definition, revision: draft.revision + 1, approvals: [], state: 'open', publishAt: null, override: null, changesRequested: null, updatedAt: this.deps.clock.now() };
    await this.deps.store.putDraft(updated);
    await this.deps.audit.changed({ workspaceId, action: 'draft.updated', target: { kind: 'draft', id }, before: summary(draft), after: summary(updated) });
    return this.getDraft(workspaceId, id);
  }

  async discardDraft(workspaceId: string, id: string): Promise<DraftView> {
    const draft = await this.openDraft(workspaceId, id);
    const discarded: Draft = { ...draft, state: 'discarded', publishAt: null, updatedAt: this.deps.clock.now() };
    await this.deps.store.putDraft(discarded);
    await this.deps.audit.changed({ workspaceId, action: 'draft.discarded', target: { kind: 'draft', id }, before: summary(draft), after: summary(discarded) });
    return this.getDraft(workspaceId, id);
  }

  /** Approves the draft's current revision; its author cannot, and an approval of another revision is refused. */
  async approve(workspaceId: string, id: string, approver: Approver, revision: number): Promise<DraftView> {
    const draft = await this.openDraft(workspaceId, id);
    if (draft.author.kind === 'user' && draft.author.id === approver.userId) {
      throw new AttuneError('ATTUNE_SELF_APPROVAL', { detail: `draft ${id} was written by this user: another reviewer must approve it` });
    }
    if (revision !== draft.revision) throw raced(`the draft is at revision ${draft.revision}, not ${revision}: review the current revision`, draft);
    const approval = { userId: approver.userId, role: approver.role, reviewerKinds: [...approver.reviewerKinds], revision, at: this.deps.clock.now() };
    const approved: Draft = { ...draft, approvals: [...draft.approvals.filter((a) => a.userId !== approver.userId), approval], updatedAt: approval.at };
    await this.deps.store.putDraft(approved);
    await this.deps.audit.changed({ workspaceId, action: 'draft.approved', target: { kind: 'draft', id }, after: { revision, reviewerKinds: approval.reviewerKinds } });
    return this.getDraft(workspaceId, id);
  }

  /**
   * A reviewer asks the author for changes, with a comment: the draft goes back to `open` (a
   * scheduled publish is cancelled) and the reviewer's own approval of it is withdrawn; other
   * approvals stand. The request stays on the draft, naming its revision, until the next edit.
   */
  async requestChanges(workspaceId: string, id: string, reviewer: Approver, request: { readonly revision: number; readonly comment: string }): Promise<DraftView> {
    const draft = await this.openDraft(workspaceId, id);
    if (draft.author.kind === 'user' && draft.author.id === reviewer.userId) {
      throw new AttuneError('ATTUNE_SELF_APPROVAL', { detail: `draft ${id} was written by this user: edit it instead of asking for changes` });
    }
    if (request.revision !== draft.revision) throw raced(`the draft is at revision ${draft.revision}, not ${request.revision}: review the current revision`, draft);
    const at = this.deps.clock.now();
    const changesRequested = { by: reviewer.userId, comment: request.comment, revision: draft.revision, at };
    const reopened: Draft = { ...draft, state: 'open', publishAt: null, override: null, approvals: draft.approvals.filter((a) => a.userId !== reviewer.userId), changesRequested, updatedAt: at };
    await this.deps.store.putDraft(reopened);
    await this.deps.audit.changed({ workspaceId, action: 'draft.changesRequested', target: { kind: 'draft', id }, before: summary(draft), after: { ...summary(reopened), comment: request.comment } });
    return this.getDraft(workspaceId, id);
  }

  /**
   * Publishes the draft through its kind's engine service, at once or at `at`. Refused when the
   * revision is not the one reviewed or the published version moved (409 version check), when
   * approvals are missing, or past a change limit unless an owner overrides it.
   */
  async publish(workspaceId: string, id: string, publisher: Publisher, request: PublishRequest): Promise<DraftView> {
    const draft = await this.openDraft(workspaceId, id);
    if (request.override !== undefined && !publisher.isOwner) {
      throw new AttuneError('ATTUNE_FORBIDDEN', { detail: 'only an owner may override the change limits', field: '/override' });
    }
    const override = request.override === undefined ? null : { reason: request.override.reason, by: publisher.actor.id };
    await this.checkPublishable(draft, request.expectedRevision, override !== null);
    const now = this.deps.clock.now();
    if (request.at !== undefined && request.at > now) {
      const scheduled: Draft = { ...draft, state: 'scheduled', publishAt: request.at, override, updatedAt: now };
      await this.deps.store.putDraft(scheduled);
      await this.deps.audit.changed({ workspaceId, action: 'draft.scheduled', target: { kind: 'draft', id }, before: summary(draft), after: summary(scheduled) });
      return this.getDraft(workspaceId, id);
    }
    await this.apply(draft, override);
    return this.getDraft(workspaceId, id);
  }

  /**
   * Publishes the scheduled drafts that are due (the serve loop calls it every few seconds;
   * tests after advancing the clock), as the system. A draft that can no longer be published
   * (approvals reset, the version moved, a limit reached) goes back to open, with the reason
   * in the audit trail. Returns what happened to each.
   */
  async publishDue(): Promise<{ readonly published: string[]; readonly failed: { readonly id: string; readonly reason: string }[] }> {
    const published: string[] = [];
    const failed: { id: string; reason: string }[] = [];
    for (const due of await this.deps.store.dueDrafts(this.deps.clock.now())) {
      await runAs(systemCaller, async () => {
        try {
          await this.checkPublishable(due, due.revision, due.override !== null);
          await this.apply(due, due.override);
          published.push(due.id);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          const reopened: Draft = { ...due, state: 'open', publishAt: null, override: null, updatedAt: this.deps.clock.now() };
          await this.deps.store.putDraft(reopened);
          await this.deps.audit.changed({ workspaceId: due.workspaceId, action: 'draft.publishFailed', target: { kind: 'draft', id: due.id }, before: summary(due), after: { ...summary(reopened), reason } });
          failed.push({ id: due.id, reason });
        }
      });
    }
    return { published, failed };
  }

  async versions(workspaceId: string, kind: ReviewKind, targetId: string): Promise<ConfigVersion[]> {
    return this.deps.store.versions(workspaceId, kind, targetId);
  }

  async version(workspaceId: string, kind: ReviewKind, targetId: string, version: number): Promise<ConfigVersion> {
    const found = await this.deps.store.version(workspaceId, kind, targetId, version);
    if (found === null) throw new AttuneError('ATTUNE_VERSION_NOT_FOUND', { detail: `${kind} "${targetId}" has no version ${version}` });
    return found;
  }

  /** The changes from version `from` to version `to` (default: the one before `to`, and the newest). */
  async diff(workspaceId: string, kind: ReviewKind, targetId: string, range: { from?: number; to?: number }): Promise<{ from: number; to: number; changes: JsonChange[] }> {
    const to = range.to ?? await this.deps.store.latestVersion(workspaceId, kind, targetId);
    if (to === 0) throw new AttuneError('ATTUNE_VERSION_NOT_FOUND', { detail: `${kind} "${targetId}" has no published version` });
    const from = range.from ?? to - 1;
    const after = await this.version(workspaceId, kind, targetId, to);
    const before = from === 0 ? null : await this.version(workspaceId, kind, targetId, from);
    return { from, to, changes: diffJson(asJson(before?.definition), asJson(after.definition)) };
  }

  /**
   * Reverts to an earlier version: a draft with exactly that version's definition, which goes
   * through the same approvals; published at once when the workspace requires none.
   */
  async revert(workspaceId: string, kind: ReviewKind, targetId: string, version: number, publisher: Publisher, override?: { readonly reason: string }): Promise<DraftView> {
    const earlier = await this.version(workspaceId, kind, targetId, version);
    const input = earlier.definition === null ? { kind, id: targetId } : { kind, id: targetId, definition: earlier.definition };
    const draft = await this.createDraft(workspaceId, publisher.actor, input, version);
    if (reviewRequired(await this.deps.gate.policy(workspaceId))) return draft;
    return this.publish(workspaceId, draft.id, publisher, { expectedRevision: draft.revision, ...(override === undefined ? {} : { override }) });
  }

  private async draft(workspaceId: string, id: string): Promise<Draft> {
    const draft = await this.deps.store.draft(workspaceId, id);
    if (draft === null) throw new AttuneError('ATTUNE_DRAFT_NOT_FOUND', { detail: `no draft has the id "${id}"` });
    return draft;
  }

  private async openDraft(workspaceId: string, id: string): Promise<Draft> {
    const draft = await this.draft(workspaceId, id);
    const closed = draftClosedProblem(draft);
    if (closed !== null) throw new AttuneError('ATTUNE_DRAFT_CLOSED', { detail: closed });
    return draft;
  }

  /** The definition checked against its kind's schema and its workspace, and the id it is known by. */
  private async checked(workspaceId: string, kind: ReviewKind, given: unknown, id: string | undefined): Promise<{ targetId: string; definition: unknown }> {
    if (given === undefined) {
      if (id === undefined) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'a draft has a definition, or the id of the definition it deletes', field: '/id' });
      if (!deletable(kind)) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `a ${kind} cannot be deleted: give its definition`, field: '/definition' });
      return { targetId: id, definition: null };
    }
    const definition = checkDefinition(kind, given);
    const targetId = targetIdOf(kind, definition, workspaceId)!;
    if (id !== undefined && id !== targetId) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the definition's id "${targetId}" differs from "${id}"`, field: '/id' });
    await checkInWorkspace(this.deps.services, workspaceId, kind, definition);
    return { targetId, definition };
  }

  private async checkPublishable(draft: Draft, expectedRevision: number, overridden: boolean): Promise<void> {
    const latest = await this.deps.store.latestVersion(draft.workspaceId, draft.kind, draft.targetId);
    const race = publishRaceProblem(draft, expectedRevision, latest);
    if (race !== null) throw raced(race, draft, latest);
    const policy = await this.deps.gate.policy(draft.workspaceId);
    if (reviewRequired(policy)) {
      const status = approvalsSatisfied(policy, { kind: draft.kind, definition: draft.definition, authorId: draft.author.id, revision: draft.revision }, draft.approvals);
      if (!status.satisfied) throw new AttuneError('ATTUNE_APPROVALS_MISSING', { detail: `draft ${draft.id} needs ${status.missing.join('; ')}`, extensions: { missing: status.missing } });
    }
    if (overridden) return;
    const before = latest === 0 ? undefined : (await this.deps.store.version(draft.workspaceId, draft.kind, draft.targetId, latest))?.definition ?? undefined;
    const excess = await this.deps.gate.rateExcess(draft.workspaceId, policy, draft.kind, draft.targetId, before, draft.definition ?? undefined);
    if (excess !== null) throw changeRateError(excess);
  }

  /** Publishes through the kind's service, as this draft's publishing (the gate lets it through), then marks the draft. */
  private async apply(draft: Draft, override: Draft['override']): Promise<void> {
    const { workspaceId, kind, targetId } = draft;
    await runPublishing({ workspaceId, kind, targetId, draftId: draft.id }, () => publishThrough(this.deps.services, workspaceId, kind, targetId, draft.definition));
    const version = await this.deps.store.latestVersion(workspaceId, kind, targetId);
    const published: Draft = { ...draft, state: 'published', publishedVersion: version, override, updatedAt: this.deps.clock.now() };
    await this.deps.store.putDraft(published);
    await this.deps.audit.changed({
      workspaceId, action: 'draft.published', target: { kind: 'draft', id: draft.id }, before: summary(draft),
      after: { ...summary(published), ...(override === null ? {} : { override }) },
    });
  }
}

function view(policy: ResolvedReviewPolicy, draft: Draft): DraftView {
  const approval = reviewRequired(policy)
    ? approvalsSatisfied(policy, { kind: draft.kind, definition: draft.definition, authorId: draft.author.id, revision: draft.revision }, draft.approvals)
    : { satisfied: true, missing: [] };
  return { ...draft, changesRequested: draft.changesRequested ?? null, approval };
}

function raced(detail: string, draft: Draft, latestVersion?: number): AttuneError {
  return new AttuneError('ATTUNE_VERSION_CONFLICT', {
    detail, extensions: { revision: draft.revision, baseVersion: draft.baseVersion, ...(latestVersion === undefined ? {} : { latestVersion }) },
  });
}

/** What the audit trail keeps of a draft: its state, not who approved when (their own entries say that). */
function summary(draft: Draft): Record<string, unknown> {
  return {
    kind: draft.kind, id: draft.targetId, state: draft.state, revision: draft.revision, baseVersion: draft.baseVersion, definition: draft.definition,
    ...(draft.publishAt === null ? {} : { publishAt: draft.publishAt }), ...(draft.revertOf === null ? {} : { revertOf: draft.revertOf }),
    ...(draft.publishedVersion === null ? {} : { publishedVersion: draft.publishedVersion }),
  };
}

function asJson(value: unknown): JsonValue | undefined {
  return value === null || value === undefined ? undefined : value as JsonValue;
}
