import type { OnlineItemModels } from '../core/recommend/online/OnlineItemModels.js';
import type { ItemEvent } from '../core/recommend/history/itemHistory.js';
import type { CollectedEvent } from '../core/events/CollectedEvent.js';
import type { ProfileState } from '../core/identity/mergeProfileState.js';
import type { TraitState } from '../core/identity/traits.js';
import type { IdentityKey, ProfileFacts } from '../core/identity/types.js';
import type { ConsentChange } from '../core/consent/ConsentState.js';
import type { KnowledgeState, ProfileFacts as KnowledgeFacts } from '../core/knowledge/KnowledgeState.js';
import type { MembershipChange } from '../core/segments/compileSegments.js';
import type { Interaction } from '../core/decide/interactions.js';
import type { ArmStatChange } from '../core/experiments/experimentUnits.js';
import type { DecisionRecord } from '../store/ports.js';

/**
 * The unit of work of the write model, over the in-memory profile state (LiveState). It is
 * synchronous on purpose: a job runs from its duplicate check to its append without another
 * request interleaving. Everything a job reads was loaded before it ran (`Preload`); reading
 * anything else is a programming error and throws.
 */
export interface CollectTx {
  hasMessage(workspaceId: string, messageId: string): boolean;
  findProfile(workspaceId: string, key: IdentityKey): ProfileFacts | undefined;
  createProfile(workspaceId: string, profileId: string, at: number): void;
  /** Points an identifier at a profile, moving it if it pointed elsewhere. */
  linkIdentity(workspaceId: string, key: IdentityKey, profileId: string, at: number): void;
  /**
   * Whether the profile is held (loaded or created). A walk over profile ids read before its
   * job ran skips those that are not: an erasure deleted them meanwhile.
   */
  hasProfile(workspaceId: string, profileId: string): boolean;
  loadProfileState(workspaceId: string, profileId: string): ProfileState;
  /** What rules and derived features read of a profile, on every event: its traits are shared, not copied (read only). */
  knowledgeFacts(workspaceId: string, profileId: string): KnowledgeFacts;
  /** Writes the survivor's merged state and folds `absorbedId` (and whatever it had absorbed) into it. */
  absorbProfile(workspaceId: string, merged: ProfileState, absorbedId: string, at: number): void;
  writeTraits(workspaceId: string, profileId: string, traits: TraitState): void;
  /** Counts the event on its profile and widens first/last seen. */
  touchProfile(workspaceId: string, profileId: string, type: string, timestamp: number): void;
  /** Appends to the log (durable when the job's promise settles); returns the event's sequence number. */
  appendEvent(workspaceId: string, profileId: string, event: CollectedEvent): number;
  /** Rebuild: points a stored event at the profile a replay resolved it to. */
  setEventProfile(workspaceId: string, seq: number, profileId: string): void;
  loadKnowledge(workspaceId: string, profileId: string): KnowledgeState;
  saveKnowledge(workspaceId: string, profileId: string, state: KnowledgeState): void;
  /** Records entries and exits (history) and keeps the current member lists. */
  recordSegmentChanges(workspaceId: string, profileId: string, changes: readonly MembershipChange[]): void;
  recordConsentChanges(workspaceId: string, profileId: string, changes: readonly ConsentChange[]): void;
  /** Writes decisions as made (already sampled) with this job's events. */
  recordDecisions(records: readonly DecisionRecord[]): void;
  /** Counts an interaction (impression, click, dismiss, conversion) on its action and placement. */
  countOutcome(workspaceId: string, interaction: Interaction): void;
  /** Applies changes to experiment arms' statistics (the unit's value before and after), at an event's time. */
  updateExperimentStats(workspaceId: string, changes: readonly ArmStatChange[], at: number): void;
  /** The workspace's online item models (preloaded with `counters: true`); null where events do not teach them. */
  itemModels(workspaceId: string): OnlineItemModels | null;
  /** Tells listeners outside the state (the live session index) of an e-commerce event applied, live or replayed. */
  itemEventApplied(workspaceId: string, applied: AppliedItemEvent): void;
}

/** An e-commerce event as the write model applied it: its log position, profile and items. */
export interface AppliedItemEvent {
  readonly seq: number;
  readonly profileId: string;
  readonly receivedAt: number;
  readonly event: ItemEvent;
}

/**
 * Told synchronously inside the event's job, before its append is durable; a replay (recovery,
 * rebuild) tells again events already told, with the same `seq`. Must not throw.
 */
export type ItemEventListener = (workspaceId: string, applied: AppliedItemEvent) => void;

/**
 * Told synchronously inside the event's job of each decision interaction counted (impression,
 * click, dismiss, conversion), live or replayed: a replay tells again interactions already
 * told, so a listener de-duplicates by decision. Must not throw.
 */
export type InteractionListener = (workspaceId: string, interaction: Interaction) => void;

/** What a job reads: loaded into memory before it runs. */
export interface Preload {
  readonly workspaceId: string;
  readonly keys?: readonly IdentityKey[];
  readonly profileIds?: readonly string[];
  /** The job changes experiment statistics (collect, replay): load the workspace's. */
  readonly armStats?: boolean;
  /** The job changes the online item models (collect, replay): load the workspace's counters. */
  readonly counters?: boolean;
}

/** Runs jobs in cycles: many jobs, one durable append, then every promise settles. */
export interface CollectCommitter {
  /** Queues a job of `eventCount` events; settles once the events it appended are durable. */
  submit<R>(eventCount: number, job: (tx: CollectTx) => R, preload?: Preload): Promise<R>;
  /** Events queued and not yet durable. */
  readonly pendingEvents: number;
  /** Runs whatever is queued now and waits until it is durable. */
  flush(): Promise<void>;
}
