import type { CollectedEvent } from '../core/events/CollectedEvent.js';
import type { IdentityKey, IdentitySettings } from '../core/identity/types.js';
import type { TraitState } from '../core/identity/traits.js';
import type { ConsentChange } from '../core/consent/ConsentState.js';
import type { FeatureDefinition } from '../core/features/FeatureDefinition.js';
import type { QualityCounter, CounterKind } from '../core/quality/qualityCounters.js';
import type { VolumeRow } from '../core/quality/qualityReport.js';
import type { TrackingPlan } from '../core/quality/TrackingPlan.js';
import type { FairnessSettings } from '../core/fairness/FairnessSettings.js';
import type { GroupBy } from '../core/fairness/groupBy.js';
import type { DataQualityView } from '../core/knowledge/dataQuality.js';
import type { KnowledgeState } from '../core/knowledge/KnowledgeState.js';
import type { MembershipChange, MembershipChangeReason } from '../core/segments/compileSegments.js';
import type { SegmentDefinition } from '../core/segments/SegmentDefinition.js';
import type { SegmentDayChanges } from '../core/segments/segmentHistory.js';
import type { ActionDefinition } from '../core/decide/ActionDefinition.js';
import type { OutcomeCounts } from '../core/decide/outcomeCounts.js';
import type { PlacementDefinition } from '../core/decide/PlacementDefinition.js';
import type { ContextualRecord } from '../core/decide/contextual.js';
import type { Interaction } from '../core/decide/interactions.js';
import type { ActivityHours } from '../core/sendTime/ActivityHours.js';
import type { ExperimentDefinition } from '../core/experiments/ExperimentDefinition.js';
import type { MetricDefinition } from '../core/experiments/MetricDefinition.js';
import type { ConsentSettings } from '../core/consent/ConsentState.js';
import type { MeasurementSettings } from '../core/experiments/MeasurementSettings.js';
import type { PairMoments } from '../core/stats/SufficientStats.js';
import type { Item } from '../core/catalog/Item.js';
import type { PersonRef } from '../core/privacy/PersonRef.js';
import type { ActorKind } from '../core/audit/Actor.js';
import type { AuditDraft, AuditEntry, ChainHead } from '../core/audit/AuditEntry.js';
import type { RetentionCutOffs, RetentionPolicy } from '../core/retention/RetentionPolicy.js';
import type { Role, SecretKeyScope } from '../core/access/accessMatrix.js';
import type { ConfigVersion, Draft, DraftState } from '../core/review/Draft.js';
import type { ReviewKind } from '../core/review/ReviewKind.js';
import type { ReviewPolicy } from '../core/review/ReviewPolicy.js';

/**
 * Storage ports: narrow, Promise-based interfaces. src/store/sqlite implements them on one
 * file, and src/store/contract runs one suite per port against every adapter. Nothing here is
 * SQLite-specific: the profile state lives in memory above these ports (src/profiles), which
 * read cold profiles through `StateStore` and write the log and the state behind through
 * `EventLogWriter` and `StateStore.write`.
 */

/** One event to append: the engine assigns its sequence number and its profile. */
export interface LogRecord {
  readonly seq: number;
  readonly workspaceId: string;
  readonly profileId: string;
  readonly event: CollectedEvent;
}

/** A recently collected message id: the de-duplication window is loaded from these at start-up. */
export interface RecentMessage {
  readonly workspaceId: string;
  readonly messageId: string;
  readonly receivedAt: number;
}

/**
 * Appends to the event log. `append` settles once the events (and the decision records that
 * came with them) are durable. Appends are applied in the order they were called. An append
 * is all or nothing: when it rejects, none of its events or decisions are in the log, and
 * later appends are applied as usual (the engine recovers its memory from the log before it
 * appends again). The log does not de-duplicate: that is the engine's (DedupeWindow).
 */
export interface EventLogWriter {
  append(events: readonly LogRecord[], decisions: readonly DecisionRecord[]): Promise<void>;
  /** The highest sequence number in the log (0 when empty). */
  lastSeq(): Promise<number>;
  /** Message ids received within `windowMillis` of the last event's arrival, newest first. */
  recentMessages(windowMillis: number): Promise<RecentMessage[]>;
}

/** A profile as the state store keeps it. `knowledge` null: none stored (or dropped by a merge). */
export interface StoredProfile {
  readonly workspaceId: string;
  readonly id: string;
  readonly createdAt: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly traits: TraitState;
  readonly eventCounts: Readonly<Record<string, number>>;
  readonly mergedCount: number;
  /** The profile that absorbed this one, or null. */
  readonly mergedInto: string | null;
  readonly knowledge: KnowledgeState | null;
  /** The identifiers that point at this profile, as loaded (a batch writes them in `StateBatch.identities`). */
  readonly identities: readonly IdentityKey[];
}

/** Everything derived that changed since the last write, coalesced: one entry per profile. */
export interface StateBatch {
  /** The state is complete up to this log position once the batch is written. */
  readonly checkpoint: number;
  readonly profiles: readonly StoredProfile[];
  /** Identifiers pointed (or re-pointed) at a profile, applied in order: the last entry for a key wins. */
  readonly identities: readonly { readonly workspaceId: string; readonly key: IdentityKey; readonly profileId: string; readonly at: number }[];
  readonly merges: readonly { readonly workspaceId: string; readonly survivorId: string; readonly absorbedId: string; readonly at: number }[];
  /** Entries into and exits from segments, in the order they happened. */
  readonly segmentChanges: readonly { readonly workspaceId: string; readonly profileId: string; readonly change: MembershipChange }[];
  readonly consentChanges: readonly { readonly workspaceId: string; readonly profileId: string; readonly change: ConsentChange }[];
  /** Increments of the outcome counters. */
  readonly outcomes: readonly OutcomeDelta[];
  /** Arm statistics, whole rows. */
  readonly armStats: readonly (ArmStatsRow & { readonly workspaceId: string })[];
  /** Arm statistics as of the end of a UTC day, whole rows, written in the same commit as `armStats`: the latest for a key wins. */
  readonly armDays: readonly (ArmDayRow & { readonly workspaceId: string })[];
  /** Counters of the workspace's online models (item popularity, co-occurrence), whole values: the latest replaces the stored one. */
  readonly counters: readonly (CounterRow & { readonly workspaceId: string })[];
  /** Rebuild: events the replay resolved to another profile than the one stored. */
  readonly eventProfiles: readonly { readonly workspaceId: string; readonly seq: number; readonly profileId: string }[];
}

/** Increments of one action's outcome counters on one placement. */
export type OutcomeDelta = ActionOutcomes & { readonly workspaceId: string };

/**
 * Derived profile state behind the in-memory state: cold profiles are read from it, and
 * changed state is written to it in batches with a checkpoint. A `write` is applied after every
 * append submitted before it (the state never runs ahead of the log on disk).
 */
export interface StateStore {
  /** The profile each identifier points at (undefined: none), in the order of `keys`. */
  findIdentities(workspaceId: string, keys: readonly IdentityKey[]): Promise<(string | undefined)[]>;
  /** Profiles by id, in the order of `ids` (undefined: none). */
  loadProfiles(workspaceId: string, ids: readonly string[]): Promise<(StoredProfile | undefined)[]>;
  /**
   * Writes a batch in one commit, with its checkpoint. The batch is serialised before `write`
   * returns (callers go on changing the objects it refers to), and applied after every append
   * submitted before it.
   */
  write(batch: StateBatch): Promise<void>;
  /** The statistics of every experiment of the workspace. */
  armStats(workspaceId: string): Promise<ArmStatsRow[]>;
  /** Every counter of the workspace's online models, in key order. */
  counters(workspaceId: string): Promise<CounterRow[]>;
  /** The log position up to which the stored state is complete. */
  checkpoint(): Promise<number>;
  /** Live (not merged) profile ids of the workspace in id order, after `afterId`. */
  profileIds(workspaceId: string, afterId: string, limit: number): Promise<string[]>;
  /** Deletes everything of the workspace derived from its log (rebuild); the log and the definitions stay. */
  resetDerived(workspaceId: string): Promise<void>;
}

/** One event as the log returns it. */
export interface StoredEvent {
  readonly seq: number;
  readonly workspaceId: string;
  readonly profileId: string;
  readonly messageId: string;
  readonly type: string;
  readonly name: string | null;
  readonly userId: string | null;
  readonly anonymousId: string | null;
  readonly timestamp: number;
  readonly receivedAt: number;
  readonly body: Record<string, unknown>;
}

export interface EventLogReadOptions {
  readonly workspaceId?: string;
  /** Read events with a sequence number above this (exclusive). */
  readonly afterSeq?: number;
  /** Rows fetched per round; the reader is lazy and holds no more than this in memory. */
  readonly chunkSize?: number;
  /** Only track events of these names (the adapter filters before it parses a body). */
  readonly names?: readonly string[];
  /**
   * Only events received at or after this time (unix millis). The log is in arrival order,
   * so the adapter starts at the first such event instead of scanning up to it.
   */
  readonly receivedSince?: number;
}

/** The event log as a stream, in sequence order: replays, rebuilds and jobs read it. */
export interface EventLogReader {
  read(options?: EventLogReadOptions): AsyncIterable<StoredEvent>;
  count(workspaceId: string): Promise<number>;
}

/** A profile as the admin API shows it. */
export interface ProfileView {
  readonly id: string;
  readonly identities: readonly IdentityKey[];
  readonly mergedProfileIds: readonly string[];
  readonly traits: Readonly<Record<string, unknown>>;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly eventCounts: Readonly<Record<string, number>>;
  readonly recentEvents: readonly StoredEvent[];
}

/** A live profile whose trait matched a search. */
export interface TraitMatch {
  readonly profileId: string;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

export interface ProfileReader {
  /** Finds a profile by a user id, an anonymous id, or its own id; follows merges. */
  findProfile(workspaceId: string, id: string, recentEventLimit: number): Promise<ProfileView | undefined>;
  /**
   * Live profiles whose trait `name` (a top-level trait) is the string `value`, ASCII case
   * ignored, or the number `value` spells, in profile id order after `afterProfileId`.
   * A walk of the workspace's profiles: for an operator's lookup, not for serving.
   */
  findByTrait(workspaceId: string, name: string, value: string, afterProfileId: string, limit: number): Promise<TraitMatch[]>;
}

export interface Workspace {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly identity: IdentitySettings;
}

export type KeyKind = 'write' | 'secret';

export interface ApiKeyRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly kind: KeyKind;
  /** What a secret key may do (docs/access.md); null for a write key, whose rights are fixed. */
  readonly scope: SecretKeyScope | null;
  /** The first characters of the key, shown to help people tell keys apart. */
  readonly prefix: string;
  readonly createdAt: number;
  /** When the key stops working (rotation with a grace period, or revocation); null: never. */
  readonly expiresAt: number | null;
}

export interface NewApiKey {
  readonly record: ApiKeyRecord;
  readonly hash: string;
}

/** A workspace's identity-verification secret (kept as is: the server computes HMACs with it). */
export interface IdentitySecret {
  readonly secret: string;
  readonly createdAt: number;
}

/** Workspaces and their API keys. Keys are stored as hashes only. */
export interface WorkspaceStore {
  /** Creates the workspace with its keys and, when given, its identity secret, together or not at all. */
  createWorkspace(workspace: Workspace, keys: readonly NewApiKey[], identitySecret?: IdentitySecret): Promise<void>;
  getWorkspace(id: string): Promise<Workspace | undefined>;
  listWorkspaces(): Promise<readonly Workspace[]>;
  addKey(key: NewApiKey): Promise<void>;
  listKeys(workspaceId: string): Promise<readonly ApiKeyRecord[]>;
  getKey(workspaceId: string, keyId: string): Promise<ApiKeyRecord | undefined>;
  /** The key with this hash, whatever its state; the caller checks expiry and revocation. */
  findKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /** Sets when a key stops working (rotation with a grace period, or revocation at once). */
  expireKey(workspaceId: string, keyId: string, at: number): Promise<void>;
  /** Replaces the workspace's identity settings (verification on or off, trait merging). */
  setIdentitySettings(workspaceId: string, identity: IdentitySettings): Promise<void>;
  /** The identity secret, or undefined when the workspace has none (stored before verification existed). */
  identitySecret(workspaceId: string): Promise<IdentitySecret | undefined>;
  /** Sets or replaces the identity secret: hashes made with the old one stop matching at once. */
  setIdentitySecret(workspaceId: string, secret: IdentitySecret): Promise<void>;
}

/** A person of a workspace. Someone in two workspaces is two users (each workspace its own island). */
export interface UserRecord {
  readonly id: string;
  readonly workspaceId: string;
  /** Normalized (trimmed, lower case): unique within the workspace. */
  readonly email: string;
  readonly role: Role;
  /** What this user signs off as a reviewer (brand, legal, ...): approvals later require kinds. */
  readonly reviewerKinds: readonly string[];
  /** `invited` until the invitation is accepted with a password. */
  readonly status: 'invited' | 'active';
  readonly createdAt: number;
}

/** A user to add, with the hash of their invitation token. */
export interface NewUser {
  readonly record: UserRecord;
  readonly invitationHash: string;
  readonly invitationExpiresAt: number;
}

/** A personal API token: acts as its user (their role now, not the role when it was made). */
export interface PersonalTokenRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly userId: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: number;
  /** When it stops working (expiry or revocation); null: never. */
  readonly expiresAt: number | null;
}

/** A browser session: the cookie's and the CSRF token's hashes, never the values. */
export interface SessionRecord {
  readonly workspaceId: string;
  readonly userId: string;
  readonly csrfHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/**
 * Users, their invitations, personal tokens and browser sessions (src/access). Secrets are
 * stored as hashes only: SHA-256 of 32 random bytes for tokens, sessions and invitations, a
 * scrypt string for passwords. Removing a user removes their tokens and sessions with them.
 */
export interface UserStore {
  /** Adds an invited user; refuses (rejects) a second user with the same email in the workspace. */
  addUser(user: NewUser): Promise<void>;
  getUser(workspaceId: string, userId: string): Promise<UserRecord | undefined>;
  listUsers(workspaceId: string): Promise<readonly UserRecord[]>;
  /** The user with this email and their password hash (null until they accept their invitation). */
  findUserByEmail(workspaceId: string, email: string): Promise<{ readonly user: UserRecord; readonly passwordHash: string | null } | undefined>;
  /** The invited user whose invitation has this hash, and when it expires. */
  findInvitation(hash: string): Promise<{ readonly user: UserRecord; readonly expiresAt: number } | undefined>;
  /** Sets the password hash and ends the invitation: the user is active. */
  activateUser(workspaceId: string, userId: string, passwordHash: string): Promise<void>;
  setPasswordHash(workspaceId: string, userId: string, passwordHash: string): Promise<void>;
  updateUser(workspaceId: string, userId: string, change: { readonly role: Role; readonly reviewerKinds: readonly string[] }): Promise<void>;
  /** Removes the user, their invitation, tokens and sessions, together. */
  removeUser(workspaceId: string, userId: string): Promise<void>;
  addToken(token: PersonalTokenRecord, hash: string): Promise<void>;
  listTokens(workspaceId: string, userId: string): Promise<readonly PersonalTokenRecord[]>;
  /** The token with this hash and its user, whatever the token's state; the caller checks expiry. */
  findToken(hash: string): Promise<{ readonly token: PersonalTokenRecord; readonly user: UserRecord } | undefined>;
  expireToken(workspaceId: string, userId: string, tokenId: string, at: number): Promise<void>;
  addSession(session: SessionRecord, hash: string): Promise<void>;
  /** The session with this hash and its user, whatever its expiry; the caller checks it. */
  findSession(hash: string): Promise<{ readonly session: SessionRecord; readonly user: UserRecord } | undefined>;
  deleteSession(hash: string): Promise<void>;
  /** Ends every session of a user (a password change, a role taken away). */
  deleteSessionsOf(workspaceId: string, userId: string): Promise<void>;
}

/** Definitions to write and to delete together (a file loaded with the CLI, a bulk change). */
export interface DefinitionChanges {
  readonly putFeatures?: readonly FeatureDefinition[];
  readonly deleteFeatures?: readonly string[];
  readonly putSegments?: readonly SegmentDefinition[];
  readonly deleteSegments?: readonly string[];
}

/** What became of each definition named in a change; a definition written as it was stored is `unchanged`. */
export type DefinitionChange = 'created' | 'updated' | 'unchanged' | 'deleted';

export interface DefinitionChangeResult {
  readonly features: Readonly<Record<string, DefinitionChange>>;
  readonly segments: Readonly<Record<string, DefinitionChange>>;
}

/** A workspace's feature and segment definitions, versioned so caches know when to reload. */
/** A trained prediction model as stored: its JSON (`core/predict/traits/PredictionModel.ts`). */
export interface StoredPredictionModel {
  readonly version: number;
  readonly createdAt: number;
  readonly json: string;
}

export interface KnowledgeConfigStore {
  configVersion(workspaceId: string): Promise<number>;
  /**
   * Stores a trained prediction model as the workspace's newest and bumps the config version in
   * the same commit (rules read `predictions.*`, so the knowledge model recompiles with it).
   * Keeps the newest `keep` versions. Rejects a version the workspace has already.
   */
  savePredictionModel(workspaceId: string, model: StoredPredictionModel, keep: number): Promise<void>;
  /** The newest prediction model, or undefined before the first training. */
  predictionModel(workspaceId: string): Promise<StoredPredictionModel | undefined>;
  /** The stored versions, newest first, without their JSON. */
  predictionModelVersions(workspaceId: string): Promise<{ version: number; createdAt: number }[]>;
  listFeatures(workspaceId: string): Promise<FeatureDefinition[]>;
  putFeature(workspaceId: string, definition: FeatureDefinition, at: number): Promise<'created' | 'updated'>;
  deleteFeature(workspaceId: string, name: string): Promise<boolean>;
  listSegments(workspaceId: string): Promise<SegmentDefinition[]>;
  putSegment(workspaceId: string, definition: SegmentDefinition, at: number): Promise<'created' | 'updated'>;
  deleteSegment(workspaceId: string, id: string): Promise<boolean>;
  /**
   * Writes and deletes several definitions in one commit with one version bump, so that no
   * reader compiles a half-applied change (a segment put before the segment it reads).
   * A definition equal to the stored one is left alone (`unchanged`; no version bump when
   * nothing changed). Deleting a definition that does not exist is not an error and is not reported.
   */
  saveDefinitions(workspaceId: string, changes: DefinitionChanges, at: number): Promise<DefinitionChangeResult>;
  /** The workspace's consent settings as saved; null: never set (the built-in opt-out settings apply). */
  consentSettings(workspaceId: string): Promise<ConsentSettings | null>;
  /** Replaces the consent settings (null: back to the built-in ones) and bumps the config version in the same commit. */
  setConsentSettings(workspaceId: string, settings: ConsentSettings | null): Promise<void>;
}

export interface SegmentEntries {
  readonly entries: number;
  /** The start of the window the entries were counted in. */
  readonly from: number;
}

export interface SegmentMember {
  readonly profileId: string;
  readonly enteredAt: number;
}

/** A live profile's stored knowledge with the facts its rules read. */
export interface ProfileKnowledgeRow {
  readonly profileId: string;
  readonly state: KnowledgeState;
  readonly traits: Record<string, unknown>;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

/** Members two segments share now. */
export interface SegmentPairCount {
  readonly a: string;
  readonly b: string;
  readonly both: number;
}

export interface ConsentRecord {
  readonly purpose: string;
  readonly granted: boolean;
  readonly source: string;
  readonly at: number;
}

/** What the profile API and the segment API read about profiles' knowledge. */
export interface KnowledgeReader {
  knowledge(workspaceId: string, profileId: string): Promise<{ state: KnowledgeState; traits: Record<string, unknown>; firstSeen: number; lastSeen: number } | undefined>;
  segmentSize(workspaceId: string, segmentId: string): Promise<number>;
  /** Members in profile id order, after `afterProfileId`. */
  segmentMembers(workspaceId: string, segmentId: string, afterProfileId: string, limit: number): Promise<SegmentMember[]>;
  /**
   * Profiles that entered a segment after `since` (distinct), and the start of the window
   * counted: `since`, or the segment's last definition change if later. Entries at that change
   * are left out: they are the re-evaluation of every profile, not profiles arriving. Undefined
   * for an unknown segment.
   */
  segmentEntries(workspaceId: string, segmentId: string, since: number): Promise<SegmentEntries | undefined>;
  /** Entries and exits of a segment per UTC day, for the days starting at or after `since` (a UTC midnight) that have any, in day order. */
  segmentChangesByDay(workspaceId: string, segmentId: string, since: number): Promise<SegmentDayChanges[]>;
  /**
   * Every unordered pair of `segmentIds` (a before b in the order given) with the members
   * both have now; a pair sharing none has 0, and an unknown segment has no members.
   */
  segmentPairCounts(workspaceId: string, segmentIds: readonly string[]): Promise<SegmentPairCount[]>;
  /** Live (not merged) profiles of the workspace. */
  profileCount(workspaceId: string): Promise<number>;
  /**
   * Live profiles' knowledge with their facts, in profile id order after `afterProfileId`.
   * Profile ids are hashes of an identifier, so any run of them is a random sample.
   */
  profileKnowledge(workspaceId: string, afterProfileId: string, limit: number): Promise<ProfileKnowledgeRow[]>;
  consentHistory(workspaceId: string, profileId: string, limit: number): Promise<ConsentRecord[]>;
  /** The workspace's unreadable numeric values: the sum of its profiles' data-quality figures. */
  dataQuality(workspaceId: string): Promise<DataQualityView>;
}

/** A decision as recorded, for audit, data-subject export and off-policy evaluation. */
export interface DecisionRecord {
  readonly workspaceId: string;
  readonly decisionId: string;
  readonly profileId: string | null;
  readonly placementId: string;
  readonly actionId: string | null;
  readonly variant: string | null;
  readonly score: number | null;
  /** The probability with which the action was chosen (the propensity for off-policy evaluation). */
  readonly probability: number;
  readonly fallback: string | null;
  /** The profile's segments at decision time. */
  readonly segments: readonly string[];
  readonly reasons: unknown;
  readonly at: number;
}

/** One action's outcome counters on one placement (`core/decide/outcomeCounts.ts`). */
export type ActionOutcomes = OutcomeCounts;

/** A profile as a decision needs it: facts for rules and templates, and its knowledge (features, session, consent, segments, caps). */
export interface DecisionProfileRow {
  readonly id: string;
  readonly traits: Record<string, unknown>;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly knowledge: KnowledgeState;
}

/** A workspace's actions and placements; changes bump the same config version as features and segments. */
export interface DecisionConfigStore {
  listActions(workspaceId: string): Promise<ActionDefinition[]>;
  putAction(workspaceId: string, definition: ActionDefinition, at: number): Promise<'created' | 'updated'>;
  deleteAction(workspaceId: string, id: string): Promise<boolean>;
  listPlacements(workspaceId: string): Promise<PlacementDefinition[]>;
  putPlacement(workspaceId: string, definition: PlacementDefinition, at: number): Promise<'created' | 'updated'>;
  deletePlacement(workspaceId: string, id: string): Promise<boolean>;
}

/** What deciding reads: the profile behind an identity, outcome counters, recorded decisions. */
export interface DecisionReader {
  /** The profile a user id (first) or an anonymous id points to; undefined for a visitor Attune has not seen. */
  findDecisionProfile(workspaceId: string, userId: string | null, anonymousId: string | null): Promise<DecisionProfileRow | undefined>;
  /**
   * The profile an anonymous id points to, only while no user id points to it too: what a
   * caller whose userId is not verified may read. (Events can link an anonymous id to any
   * user's profile; reading through it must not reveal that user.) `withheld` says that the
   * id does point to a profile, one that a user id points to as well.
   */
  findAnonymousDecisionProfile(workspaceId: string, anonymousId: string): Promise<{ readonly profile: DecisionProfileRow | undefined; readonly withheld: boolean }>;
  /** The profile with this id (following merges). */
  decisionProfile(workspaceId: string, profileId: string): Promise<DecisionProfileRow | undefined>;
  outcomes(workspaceId: string): Promise<ActionOutcomes[]>;
  /** Every profile's engagement hours (best send time): for the workspace's histogram. */
  activityHours(workspaceId: string): Promise<ActivityHours[]>;
  /** Recorded decisions of these profiles (a profile and those merged into it), newest first. */
  decisionsOf(workspaceId: string, profileIds: readonly string[], limit: number): Promise<DecisionRecord[]>;
  /**
   * Per action of a placement, its recorded decisions joined with the `Decision Clicked` and
   * `Decision Converted` events that name them: the sums an inverse-propensity estimate needs.
   * Reads every decision of the placement and the workspace's click and conversion events: an
   * admin report, not a hot path.
   */
  armWeights(workspaceId: string, placementId: string): Promise<ArmWeights[]>;
  /**
   * The recorded decisions of a placement made in [since, until), oldest first (at most
   * `limit`), each with whether an outcome event of `outcome` naming its decisionId arrived
   * within `windowMillis` after it (event timestamp in [at, at + window]): the logged bandit
   * feedback off-policy evaluation reads. Reads the workspace's outcome events: an admin
   * report, not a hot path.
   */
  loggedDecisions(workspaceId: string, placementId: string, query: LoggedDecisionQuery): Promise<LoggedDecision[]>;
  /**
   * What contextual placements learn from, to rebuild their models on start: every recorded
   * decision with `reasons.contextual`, oldest first, and every interaction event naming a
   * decision (as `readInteraction` reads it), in log order. Reads all of both: once per
   * workspace and process, not a hot path.
   */
  contextualFeedback(workspaceId: string): Promise<ContextualFeedback>;
  /** One recorded decision with `reasons.contextual`, by id (a point read); undefined for another or none. */
  contextualDecision(workspaceId: string, decisionId: string): Promise<ContextualDecision | undefined>;
}

/** A recorded decision of a contextual placement: what its models learn from. */
export interface ContextualDecision {
  readonly decisionId: string;
  readonly placementId: string;
  readonly actionId: string;
  readonly at: number;
  readonly contextual: ContextualRecord;
}

export interface ContextualFeedback {
  readonly decisions: readonly ContextualDecision[];
  readonly interactions: readonly Interaction[];
}

export interface LoggedDecisionQuery {
  readonly since: number;
  readonly until: number;
  /** The interaction event that counts as the reward. */
  readonly outcome: 'Decision Clicked' | 'Decision Converted';
  readonly windowMillis: number;
  readonly limit: number;
}

/**
 * One recorded decision as logged bandit feedback. The record keeps the chosen action and
 * its probability, and, where the placement has a shadow strategy, the shadow's probability
 * of each candidate; not the other eligible actions' probabilities under the live strategy.
 */
export interface LoggedDecision {
  readonly decisionId: string;
  readonly profileId: string | null;
  /** Null when the placement showed its default content (a fallback). */
  readonly actionId: string | null;
  /** The probability the logging policy chose this action with (the propensity). */
  readonly probability: number;
  readonly at: number;
  /** Whether the outcome event came within the window. */
  readonly rewarded: boolean;
  /** The placement's shadow strategy at this decision (its shadowKey and first-pick probabilities); null without one. */
  readonly shadow: LoggedShadow | null;
}

export interface LoggedShadow {
  readonly key: string;
  readonly probabilities: Readonly<Record<string, number>>;
}

/** One action's recorded decisions in a placement and the clicks on them, weighted by 1 / the probability recorded. */
export interface ArmWeights {
  readonly actionId: string;
  readonly decisions: number;
  /** Decisions of this action that were clicked (at least once). */
  readonly clicked: number;
  /** Σ 1/p over the clicked decisions. */
  readonly weightedClicks: number;
  /** Σ 1/p² over the clicked decisions (for the estimate's variance). */
  readonly weightedClicksSquared: number;
  /** Decisions of this action with at least one conversion. */
  readonly converted: number;
  /** Σ r/p over the decisions, r the decision's revenue (the values of the conversions naming it, read as counting reads them). */
  readonly weightedRevenue: number;
  /** Σ (r/p)² over the decisions. */
  readonly weightedRevenueSquared: number;
}

/** One row of an experiment's statistics: centred moments of (x, y) over an arm's units for one metric. */
/**
 * One number of a workspace's online model state, with the time it is as of (a decayed
 * score's reference time, or the last change of a count). Keys are namespaced by the model
 * that owns them (`src/recommend`); the store does not read them.
 */
export interface CounterRow {
  readonly key: string;
  readonly value: number;
  readonly at: number;
}

export interface ArmStatsRow {
  readonly experimentId: string;
  readonly armId: string;
  readonly metricId: string;
  readonly moments: PairMoments;
  /** The earliest and latest event time that changed the row (ms). */
  readonly firstAt: number;
  readonly lastAt: number;
}

/**
 * An arm statistics row (`ArmStatsRow`) as it stood at the end of a UTC day: the day of a
 * change is the UTC day of the row's `lastAt` after it (the latest event time that changed the
 * row), so a late event counts on the latest day the row has reached.
 */
export interface ArmDayRow {
  readonly experimentId: string;
  readonly armId: string;
  readonly metricId: string;
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string;
  readonly moments: PairMoments;
}

/** One version of a bandit experiment's weights, as computed (`core/experiments/banditExperiment.ts`). */
export interface BanditWeightsRecord {
  /** 1: the definition's own weights; each update adds one. */
  readonly version: number;
  /** When it came into force (ms). */
  readonly computedAt: number;
  /** Arm id to weight. */
  readonly weights: Readonly<Record<string, number>>;
  /** Arm id to P(best) behind the weights; null for the definition's own. */
  readonly bestProbabilities: Readonly<Record<string, number>> | null;
  /** Units per arm the weights were computed from (null for the definition's own). */
  readonly units: Readonly<Record<string, number>> | null;
  /** Null when exact; else the Monte Carlo draws and the largest standard error of a P(best). */
  readonly monteCarlo: { readonly draws: number; readonly standardError: number } | null;
}

/** Experiments, metrics and measurement settings (versioned with the other definitions), and the statistics the engine writes behind (`StateBatch.armStats`). */
export interface ExperimentStore {
  listExperiments(workspaceId: string): Promise<ExperimentDefinition[]>;
  putExperiment(workspaceId: string, definition: ExperimentDefinition, at: number): Promise<'created' | 'updated'>;
  /** Deletes the definition and its statistics (daily ones too), and retires the id (see `isRetired`). */
  deleteExperiment(workspaceId: string, id: string, at: number): Promise<boolean>;
  /** Whether the id belonged to a deleted experiment: profiles still carry its arms, so it is never reused. */
  isRetired(workspaceId: string, id: string): Promise<boolean>;
  listMetrics(workspaceId: string): Promise<MetricDefinition[]>;
  putMetric(workspaceId: string, definition: MetricDefinition, at: number): Promise<'created' | 'updated'>;
  deleteMetric(workspaceId: string, id: string): Promise<boolean>;
  /** Null: never set (the defaults apply). */
  measurement(workspaceId: string): Promise<MeasurementSettings | null>;
  setMeasurement(workspaceId: string, settings: MeasurementSettings): Promise<void>;
  /** The statistics of these experiments (every arm and metric). */
  armStats(workspaceId: string, experimentIds: readonly string[]): Promise<ArmStatsRow[]>;
  /** One experiment's daily statistics (see `ArmDayRow`): only the days a row changed, by day, arm and metric. */
  armDays(workspaceId: string, experimentId: string): Promise<ArmDayRow[]>;
  /** Drops an experiment's statistics, daily ones included (the experiment was deleted). */
  dropArmStats(workspaceId: string, experimentId: string): Promise<void>;
  /**
   * Adds a version of a bandit experiment's weights; false (nothing written) when that version
   * exists already. Versions are kept with the experiment and deleted with it.
   */
  addBanditWeights(workspaceId: string, experimentId: string, record: BanditWeightsRecord): Promise<boolean>;
  /** A bandit experiment's weight versions, oldest first. */
  banditWeights(workspaceId: string, experimentId: string): Promise<BanditWeightsRecord[]>;
}

export interface ItemListOptions {
  /** Items with an id after this one (the previous page's `next`); default: from the first. */
  readonly after?: string;
  readonly limit: number;
  /** Only items that `matchesItemSearch` (src/core/catalog/itemSearch.ts) finds for this query. */
  readonly query?: string;
}

export interface ItemPage {
  /** In id order (the UTF-8 bytes of the ids). */
  readonly items: Item[];
  /** The id to pass as `after` for the next page; null on the last page. */
  readonly next: string | null;
}

export interface UnknownItemsOptions {
  readonly limit: number;
  /** Events received at or after this time (ms); default: the whole log. */
  readonly since?: number;
}

/** An item id that events name and the catalog lacks. */
export interface UnknownItem {
  readonly itemId: string;
  /** Events that named it (an event naming it twice counts once). */
  readonly events: number;
  /** The latest of those events' times (ms). */
  readonly lastSeen: number;
}

/**
 * A workspace's catalog. Items are data, not definitions: writing them bumps no config
 * version. Every method is one statement or one commit.
 */
export interface CatalogStore {
  /** Writes whole items, created or replaced, in one commit; what became of each, in order. */
  putItems(workspaceId: string, items: readonly Item[]): Promise<('created' | 'updated')[]>;
  /** Items by id, in the order of `ids` (undefined: none). */
  getItems(workspaceId: string, ids: readonly string[]): Promise<(Item | undefined)[]>;
  /** Deletes items in one commit; whether each existed, in order. */
  deleteItems(workspaceId: string, ids: readonly string[]): Promise<boolean[]>;
  listItems(workspaceId: string, options: ItemListOptions): Promise<ItemPage>;
  /** Items, or those a query finds. */
  countItems(workspaceId: string, query?: string): Promise<number>;
  /**
   * Item ids that the workspace's `itemEventNames` events name (as `productIdsOf` reads them,
   * src/core/catalog/productIds.ts) and the catalog does not hold, most events first (then
   * latest first, then id), at most `limit`. Read from the event log, so it is exact and needs
   * no state: only events received at or after `since` (ms), which bounds the work.
   */
  unknownItems(workspaceId: string, options: UnknownItemsOptions): Promise<UnknownItem[]>;
}

/** A trained recommender model version as listed: everything but its payload. */
export interface RecommenderModelInfo {
  /** 1, 2, 3 ... per workspace, in order of training; never reused. */
  readonly version: number;
  /** The kind of model (`ease-norm`, `item-knn`): what the payload holds. */
  readonly kind: string;
  readonly createdAt: number;
  /** The event log position the training read up to. */
  readonly trainedFromSeq: number;
  /** Holdout figures and the training's own (items, users, seconds), as JSON. */
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly payloadBytes: number;
  readonly active: boolean;
}

export interface StoredRecommenderModel extends RecommenderModelInfo {
  readonly payload: Uint8Array;
}

export interface NewRecommenderModel {
  readonly version: number;
  readonly kind: string;
  readonly createdAt: number;
  readonly trainedFromSeq: number;
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly payload: Uint8Array;
}

/**
 * A workspace's trained recommender models, versioned; at most one is active (the one
 * recommendations serve). Payloads are opaque bytes (`src/core/recommend/trained/modelPayload.ts`)
 * and may be large (a 20,000-item EASE model is 1.6 GB): listing never reads them.
 */
export interface RecommenderModelStore {
  /** Stores a version, inactive; rejects when the workspace has that version already. */
  saveModel(workspaceId: string, model: NewRecommenderModel): Promise<void>;
  /** Every version, newest first, without payloads. */
  listModels(workspaceId: string): Promise<RecommenderModelInfo[]>;
  /** The active version's number, or null: cheap, for caches that check whether to reload. */
  activeVersion(workspaceId: string): Promise<number | null>;
  /** The active version with its payload, or undefined when none is active. */
  activeModel(workspaceId: string): Promise<StoredRecommenderModel | undefined>;
  /** A version with its payload. */
  getModel(workspaceId: string, version: number): Promise<StoredRecommenderModel | undefined>;
  /** Makes a version the active one (and no other) in one commit; false when there is no such version. */
  activate(workspaceId: string, version: number): Promise<boolean>;
  /** Deletes all but the newest `keep` versions, never the active one; the versions deleted, newest first. */
  deleteOldModels(workspaceId: string, keep: number): Promise<number[]>;
}

/**
 * One rank call of the Personalizer-compatible API (src/learn), as logged: the context and the
 * candidate actions as sent, the action chosen and every action's probability (the propensity
 * off-policy evaluation weights by), and what became of it. These records are primary data, not
 * state derived from the event log: the model is derived from them (`learnedEvents`).
 */
export interface RankEventRecord {
  readonly workspaceId: string;
  readonly eventId: string;
  /** `contextFeatures` as sent (a list of objects). */
  readonly context: readonly unknown[];
  /** The candidate actions as sent, excluded ones included (with probability 0). */
  readonly actions: readonly { readonly id: string; readonly features: readonly unknown[] }[];
  readonly excludedActions: readonly string[];
  readonly chosenActionId: string;
  /** Each action's probability of being chosen, in the order of `actions`; they sum to 1. */
  readonly probabilities: readonly number[];
  readonly rankedAt: number;
  /** When the event was activated; null: deferred and not activated (it teaches nothing). */
  readonly activatedAt: number | null;
  /** The reward that counts (the earliest), or null: none yet. */
  readonly reward: number | null;
  /** `sent`: a reward call; `default`: none arrived within the wait time after activation. */
  readonly rewardSource: 'sent' | 'default' | null;
  readonly rewardedAt: number | null;
  /** The event's position in the order the model learned it (1, 2, ... per workspace); null: not learned yet. */
  readonly learnedSeq: number | null;
}

/** What a reward or an activation did: the event learned now (both activated and rewarded), if any. */
export type RankEventChange =
  | { readonly kind: 'unknown' }
  /** A reward for an event that has one already (the earliest counts), or an activation of an active event. */
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'changed'; readonly learned: RankEventRecord | null };

/**
 * A workspace's rank model as it was after learning the events up to `learnedSeq`: a cache of
 * derived state that spares a start the replay of every event (the events after it are
 * replayed). Deleting it loses nothing.
 */
export interface RankModelSnapshot {
  readonly learnedSeq: number;
  /** The settings it was learned with: a snapshot of other settings is not used. */
  readonly dims: number;
  readonly ridge: number;
  readonly observations: number;
  readonly inverse: Float64Array;
  readonly moment: Float64Array;
  readonly theta: Float64Array;
  readonly savedAt: number;
}

/**
 * The rank events of the Personalizer-compatible API. Every method is one transaction, so an
 * event is learned exactly once, at the moment it is both activated and rewarded, and
 * `learnedSeq` numbers the events in the order they were learned: replaying `learnedEvents`
 * rebuilds the model exactly as it was updated online.
 */
export interface RankEventStore {
  /** Stores a new event (its outcome fields as given); false when the workspace has this event id already. */
  recordRank(event: RankEventRecord): Promise<boolean>;
  /** Stores several events in one transaction (one commit); each true when stored, false when its id was taken already. */
  recordRanks(events: readonly RankEventRecord[]): Promise<boolean[]>;
  /** Records the event's reward unless it has one (the earliest counts); learns it if it is active. */
  reward(workspaceId: string, eventId: string, value: number, at: number): Promise<RankEventChange>;
  /** Activates a deferred event; learns it if it has a reward already. */
  activate(workspaceId: string, eventId: string, at: number): Promise<RankEventChange>;
  /**
   * Gives `value` (the default reward) to every event activated at or before `activatedBy` that
   * has no reward, and learns them, in activation order; returns them as learned.
   */
  expire(workspaceId: string, activatedBy: number, value: number, at: number): Promise<RankEventRecord[]>;
  /** Learned events with `learnedSeq` above `afterSeq`, in learning order, at most `limit`. */
  learnedEvents(workspaceId: string, afterSeq: number, limit: number): Promise<RankEventRecord[]>;
  /** Events ranked before `before` (an event id from the previous page; none: the newest), newest first. */
  listEvents(workspaceId: string, limit: number, before?: string): Promise<RankEventRecord[]>;
  getEvent(workspaceId: string, eventId: string): Promise<RankEventRecord | undefined>;
  /** Replaces the workspace's snapshot. */
  saveSnapshot(workspaceId: string, snapshot: RankModelSnapshot): Promise<void>;
  /** The workspace's snapshot, numbers exactly as saved; undefined: none. */
  loadSnapshot(workspaceId: string): Promise<RankModelSnapshot | undefined>;
}

/** A person's profiles and identifiers in one workspace: what an export reads and an erasure deletes. */
export interface PersonKeys {
  /** The surviving profile and every profile merged into it. */
  readonly profileIds: readonly string[];
  readonly identities: readonly IdentityKey[];
}

/** Everything stored about a person, as rows (an export's raw material). */
export interface PersonRecords {
  readonly events: readonly StoredEvent[];
  readonly profiles: readonly (Omit<StoredProfile, 'identities'>)[];
  readonly identities: readonly { readonly key: IdentityKey; readonly profileId: string; readonly linkedAt: number }[];
  readonly merges: readonly { readonly survivorId: string; readonly absorbedId: string; readonly at: number }[];
  readonly segmentMembers: readonly { readonly segmentId: string; readonly profileId: string; readonly enteredAt: number }[];
  readonly segmentChanges: readonly { readonly segmentId: string; readonly profileId: string; readonly kind: 'enter' | 'leave'; readonly at: number; readonly reason?: MembershipChangeReason }[];
  readonly consentChanges: readonly (ConsentRecord & { readonly profileId: string })[];
  readonly decisions: readonly DecisionRecord[];
  /** Rank events of the Personalizer-compatible API whose context or actions name one of the person's identifiers. */
  readonly rankEvents: readonly RankEventRecord[];
}

/** Rows per kind: what an erasure deleted, or what a verification still found. */
export type PersonRowCounts = Readonly<Record<PersonRowKind, number>>;

export type PersonRowKind = 'events' | 'profiles' | 'knowledge' | 'identities' | 'merges' | 'segmentMembers' | 'segmentChanges' | 'consentChanges' | 'decisions' | 'rankEvents';

/** One suppressed identifier, by its keyed hash (never the identifier). */
export interface SuppressionRecord {
  readonly hash: string;
  /** `user`, `anonymous` or `profile`: which kind of identifier was hashed. */
  readonly kind: string;
  readonly since: number;
  /** Events dropped at collection because they named it. */
  readonly dropped: number;
  readonly lastDroppedAt: number | null;
}

/** A stored privacy receipt (an erasure's): JSON that holds hashes of identifiers only. */
export interface PrivacyReceiptRecord {
  readonly id: string;
  readonly kind: string;
  readonly at: number;
  readonly receipt: Readonly<Record<string, unknown>>;
}

/**
 * Data-subject rights (src/privacy): a person's rows across every per-person table, their
 * deletion in one commit, the suppression list and the receipts, and the workspace's secret
 * that keys the hashes those two keep. Deletions leave no copy in free space: the adapter
 * overwrites freed bytes and folds its write-ahead log back into the file (`compact`).
 */
export interface PrivacyStore {
  /** The workspace's hashing secret, created with `create()` on first use. */
  secret(workspaceId: string, create: () => string, at: number): Promise<string>;
  /** The live profile an identifier (or a profile id, merged or not) leads to; undefined: none. */
  survivorOf(workspaceId: string, ref: PersonRef): Promise<string | undefined>;
  /** The profiles merged into `profileId` (not itself). */
  mergedInto(workspaceId: string, profileId: string): Promise<string[]>;
  /** Every identifier that points at one of these profiles. */
  identitiesOf(workspaceId: string, profileIds: readonly string[]): Promise<IdentityKey[]>;
  records(workspaceId: string, person: PersonKeys): Promise<PersonRecords>;
  /**
   * Deletes the person's rows in one commit, and takes their interaction events out of the
   * outcome counters in it: rows deleted per kind, and the interactions taken out.
   */
  erase(workspaceId: string, person: PersonKeys): Promise<{ readonly rows: PersonRowCounts; readonly interactions: number }>;
  /** Rows still found per kind (a verification after `erase`: all zero). */
  remaining(workspaceId: string, person: PersonKeys): Promise<PersonRowCounts>;
  /** Makes deleted bytes unrecoverable from the store's files (the write-ahead log folded in and truncated). */
  compact(): Promise<void>;
  /** Adds hashes to the suppression list (those listed already keep their counts); how many were new. */
  suppress(workspaceId: string, entries: readonly { readonly hash: string; readonly kind: string }[], at: number): Promise<number>;
  /** Removes hashes from the suppression list; how many were listed. */
  unsuppress(workspaceId: string, hashes: readonly string[]): Promise<number>;
  suppressions(workspaceId: string): Promise<SuppressionRecord[]>;
  /** Counts events dropped because they named these hashes. */
  countDropped(workspaceId: string, dropped: ReadonlyMap<string, number>, at: number): Promise<void>;
  saveReceipt(workspaceId: string, receipt: PrivacyReceiptRecord): Promise<void>;
  /** Receipts, newest first. */
  receipts(workspaceId: string, limit: number): Promise<PrivacyReceiptRecord[]>;
}

/** Everything the server needs from a store, opened together and closed together. */
/**
 * Filters of an audit query; every one given must hold. `action` is one action
 * (`segment.updated`) or, ending with a dot, every action that starts so (`segment.`).
 * `since` is inclusive and `until` exclusive (milliseconds); `after` is the cursor, a sequence
 * number.
 */
export interface AuditQuery {
  readonly actorKind?: ActorKind;
  readonly actorId?: string;
  readonly action?: string;
  readonly targetKind?: string;
  readonly targetId?: string;
  readonly since?: number;
  readonly until?: number;
  readonly after?: number;
  readonly limit: number;
}

/**
 * The audit trail: one hash chain per workspace (`core/audit/hashChain.ts`), so a
 * workspace's export verifies alone. Append-only: no method changes or removes an entry.
 */
export interface AuditStore {
  /**
   * Numbers the entry, links it to the workspace's head and stores both, atomically: two
   * appends to one workspace, from two processes on one store included, never take the same
   * number. The head moves only here, so removing entries at the chain's end is detected.
   */
  append(draft: AuditDraft): Promise<AuditEntry>;
  /** Entries that match, in sequence order. */
  query(workspaceId: string, query: AuditQuery): Promise<AuditEntry[]>;
  /** Up to `limit` entries after `afterSeq` in sequence order, whatever is stored: export and verification read the chain page by page. */
  entries(workspaceId: string, afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /** The last entry's number and hash as recorded at its append; null before the first. */
  head(workspaceId: string): Promise<ChainHead | null>;
  /**
   * The workspace's key for the keyed hash of a person's identifier in `AuditDraft.subject`:
   * the stored one, or `create()`'s, stored first (concurrent callers get the same key).
   */
  personKey(workspaceId: string, create: () => NewPersonKey): Promise<string>;
  /** The last entry a retention purge removed (the chain verifies from it); null while none was. */
  anchor(workspaceId: string): Promise<ChainHead | null>;
  /**
   * Retention: removes the longest prefix of the workspace's chain whose entries are all older
   * than `before` (null: none), moving the anchor to the last one removed, and appends the
   * entry `record` makes of the outcome (null: none, allowed only when nothing was removed),
   * all in one transaction, so the anchor never moves without a chained entry that records it.
   * `dryRun` counts only and appends nothing.
   */
  purge(workspaceId: string, before: number | null, options: { readonly at: number; readonly dryRun: boolean; readonly record: (purged: AuditPurge) => AuditDraft | null }): Promise<AuditPurge>;
}

/** What an audit purge removed, and the anchor after it. */
export interface AuditPurge {
  readonly removed: number;
  readonly anchor: ChainHead | null;
  /** The time of the oldest entry kept (null: none). */
  readonly oldestKept: number | null;
}

/** Events removed per event name (track), per call type (the others), and for lack of the `analytics` purpose. */
export interface EventPurgeCounts {
  readonly removed: number;
  readonly byEvent: Readonly<Record<string, number>>;
  readonly byType: Readonly<Record<string, number>>;
  /** Removed because the person has not given `analytics` (and the event was within its own period). */
  readonly withoutAnalytics: number;
}

/** One pass over a part of the log (`afterSeq`, `limit` events of the workspace). */
export interface EventPurgeStep extends EventPurgeCounts {
  /** The last sequence number looked at; null once the workspace's log is read to its end. */
  readonly lastSeq: number | null;
}

/**
 * Retention (src/retention, docs/retention.md): each workspace's policy, and the purges it
 * drives. Deletions keep the log's end (`EventLogWriter.lastSeq` does not move back) and
 * leave no copy in free space, as an erasure's do (`PrivacyStore.compact` afterwards).
 */
export interface RetentionStore {
  policy(workspaceId: string): Promise<{ readonly policy: RetentionPolicy; readonly updatedAt: number } | null>;
  setPolicy(workspaceId: string, policy: RetentionPolicy, at: number): Promise<void>;
  /**
   * Removes (`dryRun`: counts) the workspace's events after `afterSeq`, `limit` of them at most,
   * that the cut-offs remove (`eventVerdict`, aged by `eventAge`); a person's `analytics`
   * consent is read from the stored knowledge of the profile the event belongs to (its
   * survivor after a merge), `analyticsDefault` where the person decided nothing.
   */
  purgeEvents(workspaceId: string, cutOffs: RetentionCutOffs, options: { readonly analyticsDefault: boolean; readonly dryRun: boolean; readonly afterSeq: number; readonly limit: number }): Promise<EventPurgeStep>;
  /** Removes (`dryRun`: counts) the workspace's decision records made before `before`. */
  purgeDecisions(workspaceId: string, before: number, dryRun: boolean): Promise<number>;
  /** The age (`eventAge`) of the workspace's oldest event, and the time of its oldest decision record (null: none). */
  oldest(workspaceId: string): Promise<{ readonly event: number | null; readonly decision: number | null }>;
}

/** A workspace's new key for the keyed hash of people in audit entries. */
export interface NewPersonKey {
  readonly key: string;
  readonly createdAt: number;
}

/** A counter of one workspace, as the collect path adds it (see core/quality/qualityCounters.ts). */
export interface WorkspaceQualityCounter extends QualityCounter {
  readonly workspaceId: string;
}

/**
 * Data quality (src/quality): the collect-path counters, written behind and summed; what the
 * log and the merge history say about a period; the workspace's tracking plan.
 */
export interface QualityStore {
  /** Adds each row's count to its counter (created at 0), in one transaction. */
  addCounters(rows: readonly WorkspaceQualityCounter[]): Promise<void>;
  /** The workspace's counters of the days in [fromDay, untilDay). */
  counters(workspaceId: string, fromDay: number, untilDay: number, kinds?: readonly CounterKind[]): Promise<QualityCounter[]>;
  /**
   * Events stored, received in the days [since, until) cover, by UTC day, call type, name and
   * `context.library.name`, with how many arrived late: the `volume` counters (the collect path
   * adds them), folded by core/quality/volumeTally.ts `volumeFromCounters`.
   */
  volume(workspaceId: string, since: number, until: number): Promise<VolumeRow[]>;
  /** Replaces the workspace's `volume` counters by the tally of its log as it is (a rebuild, while nothing collects: counts still in a collector's memory would be added twice). */
  recountVolume(workspaceId: string): Promise<void>;
  /** Merges in [since, until) per UTC day. */
  merges(workspaceId: string, since: number, until: number): Promise<{ day: number; count: number }[]>;
  /** Live profiles, and those that absorbed as many profiles as the merge limit allows. */
  identityHealth(workspaceId: string, maxMergedProfiles: number): Promise<{ profiles: number; atMergeCap: number }>;
  trackingPlan(workspaceId: string): Promise<{ plan: TrackingPlan; updatedAt: number } | null>;
  /** Saves the plan, or removes it (null). */
  setTrackingPlan(workspaceId: string, plan: TrackingPlan | null, at: number): Promise<void>;
}

/** One group of a placement's fairness report: profiles decided in the period and what they got. */
export interface PlacementGroupRow {
  readonly group: string;
  /** Profiles with a recorded decision of the placement in the period. */
  readonly units: number;
  /** Of them, those served an action (the given one, when asked), not the default content. */
  readonly exposed: number;
  /** Of the exposed, those who clicked or converted on such a decision. */
  readonly clicked: number;
  readonly converted: number;
}

/** One group and arm of an experiment's fairness report. */
export interface ExperimentGroupRow {
  readonly group: string;
  readonly arm: string;
  /** Units first exposed in the period. */
  readonly units: number;
  /** Of them, those whose value of the metric is above 0 (a ratio metric: its numerator). */
  readonly converted: number;
}

/** Fairness (src/fairness): the workspace's settings and the grouped counts the report compares. */
export interface FairnessStore {
  settings(workspaceId: string): Promise<FairnessSettings | null>;
  setSettings(workspaceId: string, settings: FairnessSettings, at: number): Promise<void>;
  placementGroups(workspaceId: string, query: { placementId: string; actionId: string | null; by: GroupBy; since: number; until: number }): Promise<PlacementGroupRow[]>;
  experimentGroups(workspaceId: string, query: { experimentId: string; metricId: string; by: GroupBy; since: number; until: number }): Promise<ExperimentGroupRow[]>;
}

/**
 * Drafts, published versions and the review policy (src/review). Versions are numbered from 1
 * per definition by the store, in the order they are appended; a draft is stored whole (its
 * approvals with it) and replaced on every change.
 */
export interface ReviewStore {
  policy(workspaceId: string): Promise<ReviewPolicy | null>;
  setPolicy(workspaceId: string, policy: ReviewPolicy, at: number): Promise<void>;
  /** Inserts the draft, or replaces the one of the same workspace and id. */
  putDraft(draft: Draft): Promise<void>;
  draft(workspaceId: string, id: string): Promise<Draft | null>;
  /** Newest first; only those in `states` when given. */
  listDrafts(workspaceId: string, states?: readonly DraftState[]): Promise<Draft[]>;
  /** Scheduled drafts of every workspace due at `now`, earliest first. */
  dueDrafts(now: number): Promise<Draft[]>;
  /** Appends the next version of the definition (the last one's number + 1) and returns it. */
  appendVersion(version: Omit<ConfigVersion, 'version'>): Promise<ConfigVersion>;
  /** Every version of one definition, oldest first. */
  versions(workspaceId: string, kind: ReviewKind, targetId: string): Promise<ConfigVersion[]>;
  version(workspaceId: string, kind: ReviewKind, targetId: string, version: number): Promise<ConfigVersion | null>;
  /** The newest version's number; 0 when none was recorded. */
  latestVersion(workspaceId: string, kind: ReviewKind, targetId: string): Promise<number>;
  /** Versions of any definition of the workspace published at or after `since` (for the change limits). */
  versionsSince(workspaceId: string, since: number): Promise<ConfigVersion[]>;
}

export interface AttuneStore {
  readonly log: EventLogWriter;
  readonly state: StateStore;
  readonly events: EventLogReader;
  readonly profiles: ProfileReader;
  readonly workspaces: WorkspaceStore;
  readonly users: UserStore;
  readonly knowledgeConfig: KnowledgeConfigStore;
  readonly knowledge: KnowledgeReader;
  readonly decisionConfig: DecisionConfigStore;
  readonly decisions: DecisionReader;
  readonly experiments: ExperimentStore;
  readonly catalog: CatalogStore;
  readonly recommenderModels: RecommenderModelStore;
  readonly rankEvents: RankEventStore;
  readonly privacy: PrivacyStore;
  readonly audit: AuditStore;
  readonly quality: QualityStore;
  readonly fairness: FairnessStore;
  readonly review: ReviewStore;
  readonly retention: RetentionStore;
  /** Releases the store; every append and state write that has settled is kept. */
  close(): Promise<void>;
}
