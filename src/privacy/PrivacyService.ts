import type { AuditRecorder } from '../core/audit/AuditRecorder.js';
import type { Clock, IdGenerator } from '../core/common/ports.js';
import type { IdentityKey } from '../core/identity/types.js';
import { emptyKnowledge } from '../core/knowledge/KnowledgeState.js';
import type { PersonRef } from '../core/privacy/PersonRef.js';
import type { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { profileKnowledgeView } from '../knowledge/profileKnowledgeView.js';
import type { PredictionService } from '../predict/PredictionService.js';
import type { LiveStore } from '../profiles/LiveStore.js';
import type { LiveSessions } from '../recommend/LiveSessions.js';
import type { PersonKeys, PersonRowCounts } from '../store/ports.js';
import { identifierHash } from './identifierHash.js';
import { personExport } from './personExport.js';
import type { SuppressionList } from './SuppressionList.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** A hashed identifier: what receipts and the suppression list keep. */
export interface HashedIdentifier {
  readonly kind: string;
  readonly hash: string;
}

/**
 * How an aggregate statistic treats an erased person: `removed` (their contribution taken
 * out now), `kept-until-rebuild` (a count with no identifier that `attune rebuild` recounts
 * from the log, which no longer holds their events), `kept-until-retrained` (a trained model).
 */
export interface AggregateHandling {
  readonly statistic: string;
  readonly handling: 'removed' | 'kept-until-rebuild' | 'kept-until-retrained';
  readonly count?: number;
}

export interface ErasureReceipt {
  readonly id: string;
  readonly kind: 'erasure';
  readonly workspaceId: string;
  readonly at: string;
  readonly subject: HashedIdentifier;
  /** Whether anything was known of the person. */
  readonly found: boolean;
  /** Every identifier of the person that was erased and suppressed, hashed. */
  readonly identifiers: readonly HashedIdentifier[];
  /** Rows deleted per kind. */
  readonly removed: PersonRowCounts;
  readonly aggregates: readonly AggregateHandling[];
  /** Identifiers added to the suppression list by this erasure. */
  readonly suppressed: number;
  readonly verification: {
    readonly at: string;
    /** Rows of the person each store still holds (all 0 once erased). */
    readonly remaining: PersonRowCounts;
    /** Identifiers and profile ids the engine's memory still resolves to a profile. */
    readonly inMemory: number;
    readonly clean: boolean;
  };
}

export interface SuppressionChange {
  readonly subject: HashedIdentifier;
  /** Identifiers listed or unlisted by this request. */
  readonly changed: number;
  readonly identifiers: readonly HashedIdentifier[];
}

export interface PrivacyServiceDeps {
  readonly store: LiveStore;
  readonly models: KnowledgeModels;
  readonly predictions: PredictionService;
  readonly sessions: LiveSessions;
  readonly suppression: SuppressionList;
  /** Writes the decision records and rank events waiting for their batch (DecisionService.flushRecords, PersonalizerService.flushEvents), so an export holds them and none of the person's lands after the erasure. */
  readonly flushDecisionRecords: () => Promise<void>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** The audit trail: each request is recorded for the caller in progress, the person only as a keyed hash. */
  readonly audit: AuditRecorder;
}

/** How many times an erasure is run again when its verification still finds rows (an event raced it). */
const erasureAttempts = 3;

/**
 * Data-subject rights, the one path for them (the admin API, the CLI): export everything held
 * about a person, erase it everywhere with a receipt and a verification, and suppress or
 * unsuppress their identifiers, all within one workspace. See docs/privacy.md.
 */
export class PrivacyService {
  constructor(private readonly deps: PrivacyServiceDeps) {}

  /** Everything held about the person, as one JSON document (identifiers included: it is theirs). */
  async export(workspaceId: string, ref: PersonRef) {
    const { store, models, clock } = this.deps;
    const { survivor, keys } = await this.person(workspaceId, ref);
    // Records written behind (decisions, rank events) are theirs too: written first, so the export holds them.
    await this.deps.flushDecisionRecords();
    const records = await store.privacy.records(workspaceId, keys);
    const now = clock.now();
    const survivorRow = records.profiles.find((p) => p.id === survivor);
    const knowledge = survivor === undefined || survivorRow === undefined ? null : profileKnowledgeView(
      await models.get(workspaceId), survivor,
      { state: survivorRow.knowledge ?? emptyKnowledge(), traits: survivorRow.traits.values, firstSeen: survivorRow.firstSeen, lastSeen: survivorRow.lastSeen },
      records.consentChanges.filter((c) => c.profileId === survivor).reverse(), now,
    );
    const predictions = survivor === undefined ? null : await this.deps.predictions.forProfile(workspaceId, survivor).catch(() => null);
    const exported = personExport({ workspaceId, ref, now, survivor, keys, records, knowledge, predictions });
    // A read of one person's data: the trail keeps the keyed hash of their profile (or, for
    // nobody found, of the identifier asked about).
    await this.deps.audit.read(survivor === undefined
      ? { workspaceId, action: 'person.exported', target: { kind: 'person', id: await this.subjectHash(workspaceId, ref) } }
      : { workspaceId, action: 'profile.exported', profileId: survivor });
    return exported;
  }

  /**
   * Erases the person everywhere: the log, the derived state and its history, decisions,
   * merged profiles and identity links, the memory (written behind or not) and the live
   * sessions; takes their experiment units out of the arm statistics; makes the freed bytes
   * unrecoverable; suppresses their identifiers first, so events arriving meanwhile are
   * dropped; and verifies by reading every store again. The stored receipt holds hashes only.
   */
  async erase(workspaceId: string, ref: PersonRef): Promise<ErasureReceipt> {
    const { store, suppression, clock } = this.deps;
    const { survivor, keys } = await this.person(workspaceId, ref);
    const secret = await suppression.secret(workspaceId);
    const identifiers = hashedIdentifiers(secret, keys);
    const suppressed = await store.privacy.suppress(workspaceId, identifiers, clock.now());
    suppression.changed(workspaceId);

    const removed = emptyCounts();
    let experimentUnits = 0;
    let interactions = 0;
    let remaining = emptyCounts();
    let inMemory = 0;
    for (let attempt = 0; attempt < erasureAttempts; attempt++) {
      await this.deps.flushDecisionRecords();
      const erased = await store.erasePerson(workspaceId, keys);
      for (const kind of rowKinds) removed[kind] += erased.rows[kind];
      experimentUnits += erased.experimentUnits;
      interactions += erased.interactions;
      remaining = await store.privacy.remaining(workspaceId, keys);
      inMemory = await this.resolvable(workspaceId, keys);
      if (inMemory === 0 && rowKinds.every((kind) => remaining[kind] === 0)) break;
    }
    this.deps.sessions.forget(workspaceId);
    await store.privacy.compact();

    const at = clock.now();
    const receipt: ErasureReceipt = {
      id: this.deps.ids.next(),
      kind: 'erasure',
      workspaceId,
      at: iso(at),
      subject: { kind: ref.kind, hash: identifierHash(secret, ref.kind, ref.value) },
      found: survivor !== undefined || rowKinds.some((kind) => removed[kind] > 0),
      identifiers,
      removed,
      aggregates: [
        { statistic: 'experimentStats', handling: 'removed', count: experimentUnits },
        // Past days hold no per-person values to subtract: the erasure reaches only the last day (the running totals).
        { statistic: 'experimentDaily', handling: 'kept-until-rebuild' },
        { statistic: 'actionOutcomes', handling: 'removed', count: interactions },
        { statistic: 'itemModels', handling: 'kept-until-rebuild' },
        { statistic: 'recommenderModels', handling: 'kept-until-retrained' },
        { statistic: 'predictionModels', handling: 'kept-until-retrained' },
        { statistic: 'personalizerModel', handling: 'kept-until-retrained' },
      ],
      suppressed,
      verification: { at: iso(at), remaining, inMemory, clean: inMemory === 0 && rowKinds.every((kind) => remaining[kind] === 0) },
    };
    await store.privacy.saveReceipt(workspaceId, { id: receipt.id, kind: receipt.kind, at, receipt: { ...receipt } });
    await this.deps.audit.changed({
      workspaceId, action: 'person.erased', target: { kind: 'person', id: receipt.subject.hash },
      after: { receiptId: receipt.id, found: receipt.found, removed: receipt.removed, suppressed: receipt.suppressed, clean: receipt.verification.clean },
    });
    return receipt;
  }

  /** Adds the person's identifiers (those known, and the one named) to the suppression list. */
  async suppress(workspaceId: string, ref: PersonRef): Promise<SuppressionChange> {
    const { keys } = await this.person(workspaceId, ref);
    const secret = await this.deps.suppression.secret(workspaceId);
    const identifiers = hashedIdentifiers(secret, keys);
    const changed = await this.deps.store.privacy.suppress(workspaceId, identifiers, this.deps.clock.now());
    this.deps.suppression.changed(workspaceId);
    return this.recorded(workspaceId, 'person.suppressed', { subject: { kind: ref.kind, hash: identifierHash(secret, ref.kind, ref.value) }, changed, identifiers });
  }

  /**
   * Lifts the suppression of the identifier named and of the identifiers still known for the
   * person (after an erasure none is: only the one named is lifted).
   */
  async unsuppress(workspaceId: string, ref: PersonRef): Promise<SuppressionChange> {
    const { keys } = await this.person(workspaceId, ref);
    const secret = await this.deps.suppression.secret(workspaceId);
    const identifiers = hashedIdentifiers(secret, keys);
    const changed = await this.deps.store.privacy.unsuppress(workspaceId, identifiers.map((i) => i.hash));
    this.deps.suppression.changed(workspaceId);
    return this.recorded(workspaceId, 'person.unsuppressed', { subject: { kind: ref.kind, hash: identifierHash(secret, ref.kind, ref.value) }, changed, identifiers });
  }

  /** Records a suppression change (hashes only) and returns it. */
  private async recorded(workspaceId: string, action: string, change: SuppressionChange): Promise<SuppressionChange> {
    await this.deps.audit.changed({ workspaceId, action, target: { kind: 'person', id: change.subject.hash }, after: { changed: change.changed, identifiers: change.identifiers } });
    return change;
  }

  /** The suppression list with its dropped-event counts, and the latest erasure receipts. */
  async report(workspaceId: string, receiptLimit = 20) {
    const [suppressions, receipts] = await Promise.all([
      this.deps.store.privacy.suppressions(workspaceId),
      this.deps.store.privacy.receipts(workspaceId, receiptLimit),
    ]);
    return {
      suppressedIdentifiers: suppressions.length,
      droppedEvents: suppressions.reduce((n, s) => n + s.dropped, 0),
      suppressions: suppressions.map((s) => ({ kind: s.kind, hash: s.hash, since: iso(s.since), dropped: s.dropped, lastDroppedAt: s.lastDroppedAt === null ? null : iso(s.lastDroppedAt) })),
      receipts: receipts.map((r) => r.receipt),
    };
  }

  /**
   * The person's profiles (the live one and those merged into it) and identifiers, with the
   * identifier named in the request even when nothing is known by it (an erasure still
   * suppresses it, and deletes any event that names it).
   */
  private async person(workspaceId: string, ref: PersonRef): Promise<{ survivor: string | undefined; keys: PersonKeys }> {
    const privacy = this.deps.store.privacy;
    const survivor = await privacy.survivorOf(workspaceId, ref);
    const profileIds = survivor === undefined ? (ref.kind === 'profile' ? [ref.value] : []) : [survivor, ...await privacy.mergedInto(workspaceId, survivor)];
    const identities = profileIds.length === 0 ? [] : await privacy.identitiesOf(workspaceId, profileIds);
    if (ref.kind !== 'profile' && !identities.some((k) => k.kind === ref.kind && k.value === ref.value)) identities.push({ kind: ref.kind, value: ref.value });
    return { survivor, keys: { profileIds, identities } };
  }

  /** Identifiers and profile ids that still lead to a profile in the engine (memory, then the store). */
  private async resolvable(workspaceId: string, keys: PersonKeys): Promise<number> {
    const decisions = this.deps.store.decisions;
    let found = 0;
    for (const key of keys.identities) {
      const p = await decisions.findDecisionProfile(workspaceId, key.kind === 'user' ? key.value : null, key.kind === 'anonymous' ? key.value : null);
      if (p !== undefined) found++;
    }
    for (const id of keys.profileIds) if (await decisions.decisionProfile(workspaceId, id) !== undefined) found++;
    return found;
  }

  private async subjectHash(workspaceId: string, ref: PersonRef): Promise<string> {
    return identifierHash(await this.deps.suppression.secret(workspaceId), ref.kind, ref.value);
  }
}

const rowKinds = ['events', 'profiles', 'knowledge', 'identities', 'merges', 'segmentMembers', 'segmentChanges', 'consentChanges', 'decisions', 'rankEvents'] as const satisfies readonly (keyof PersonRowCounts)[];

function emptyCounts(): Record<keyof PersonRowCounts, number> {
  return Object.fromEntries(rowKinds.map((kind) => [kind, 0])) as Record<keyof PersonRowCounts, number>;
}

function hashedIdentifiers(secret: string, keys: PersonKeys): HashedIdentifier[] {
  return [
    ...keys.identities.map((k: IdentityKey) => ({ kind: k.kind, hash: identifierHash(secret, k.kind, k.value) })),
    ...keys.profileIds.map((id) => ({ kind: 'profile', hash: identifierHash(secret, 'profile', id) })),
  ];
}
