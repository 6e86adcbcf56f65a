import { OnlineItemModels } from '../core/recommend/online/OnlineItemModels.js';
import type { CollectedEvent } from '../core/events/CollectedEvent.js';
import type { ProfileState } from '../core/identity/mergeProfileState.js';
import type { TraitState } from '../core/identity/traits.js';
import type { IdentityKey, ProfileFacts } from '../core/identity/types.js';
import type { ConsentChange } from '../core/consent/ConsentState.js';
import { emptyKnowledge, type KnowledgeState, type ProfileFacts as KnowledgeFacts } from '../core/knowledge/KnowledgeState.js';
import type { MembershipChange } from '../core/segments/compileSegments.js';
import type { Interaction } from '../core/decide/interactions.js';
import { countInteraction, emptyOutcomeCounts } from '../core/decide/outcomeCounts.js';
import type { ArmStatChange } from '../core/experiments/experimentUnits.js';
import { removePair, replacePairInPlace, type MutablePairMoments } from '../core/stats/SufficientStats.js';
import { unitContributions } from '../core/privacy/unitContributions.js';
import { utcDay } from '../core/experiments/cumulativeTimeline.js';
import { dayOf } from '../core/quality/qualityCounters.js';
import type { DecisionProfileRow, DecisionRecord, LogRecord, OutcomeDelta, StateBatch, StateStore, StoredProfile } from '../store/ports.js';
import type { AppliedItemEvent, CollectTx, InteractionListener, ItemEventListener, Preload } from './CollectTx.js';
import type { DedupeWindow } from './DedupeWindow.js';

/** One profile in memory: everything the write model and decisions read of it. */
interface LiveProfile {
  readonly workspaceId: string;
  readonly id: string;
  readonly createdAt: number;
  firstSeen: number;
  lastSeen: number;
  traits: TraitState;
  eventCounts: Record<string, number>;
  mergedCount: number;
  mergedInto: string | null;
  knowledge: KnowledgeState;
  identities: IdentityKey[];
  /** Changed since the last state write. */
  dirty: boolean;
  /** Loads and jobs in flight that need the profile in memory: never evicted while above 0. */
  pins: number;
  /** Estimated heap bytes, for the cache budget. */
  bytes: number;
  /** State writes since `bytes` was estimated. */
  writesSinceEstimate: number;
}

/**
 * A profile's size is re-estimated on every this many state writes, not on each: the estimate
 * serialises the profile, which cost as much as the state write itself, and a profile's
 * knowledge grows by bounded windows, so a few writes late is close enough for the budget.
 * The first write after a load or a creation estimates: a new profile grows most then.
 */
const writesPerEstimate = 8;

interface ArmStatsRecord {
  readonly workspaceId: string;
  readonly experimentId: string;
  readonly armId: string;
  readonly metricId: string;
  readonly moments: MutablePairMoments;
  firstAt: number;
  lastAt: number;
}

/** A row's totals now, as the snapshot of `day` (copied: the row goes on changing). */
function armDayOf(r: ArmStatsRecord, day: string): StateBatch['armDays'][number] {
  return { workspaceId: r.workspaceId, experimentId: r.experimentId, armId: r.armId, metricId: r.metricId, day, moments: { ...r.moments } };
}

/** Where a cycle stands: its appended events and decisions, and the changes made to the state. */
export interface CycleMark {
  readonly events: number;
  readonly decisions: number;
  readonly changes: number;
}

/** Thrown when a job reads what it did not preload: a bug of the caller, never bad input. */
export class NotPreloadedError extends Error {}

const profileOverheadBytes = 400;

function identityKey(workspaceId: string, key: IdentityKey): string {
  return `${workspaceId}\u0000${key.kind}\u0000${key.value}`;
}

function profileKey(workspaceId: string, id: string): string {
  return `${workspaceId}\u0000${id}`;
}

function estimateBytes(p: Pick<LiveProfile, 'traits' | 'eventCounts' | 'knowledge' | 'identities'>): number {
  // JSON length is a fair proxy of the heap the parsed objects take (about twice the bytes).
  return profileOverheadBytes + 2 * (JSON.stringify(p.knowledge).length + JSON.stringify(p.traits).length + JSON.stringify(p.eventCounts).length)
    + p.identities.reduce((n, k) => n + 60 + 2 * k.value.length, 0);
}

/**
 * The profile state in memory: the write model's unit of work (`CollectTx`) over a bounded
 * cache of profiles, identities and experiment statistics, with what changed kept for the
 * next state write. Memory is the truth for every profile it holds; a profile is evicted only
 * when it has nothing left to write and nothing in flight needs it, so the state store holds
 * its latest state when it is loaded again.
 */
export class LiveState implements CollectTx {
  private readonly profiles = new Map<string, LiveProfile>();
  /** Identifier -> profile id; null: known to point nowhere. */
  private readonly identities = new Map<string, string | null>();
  private readonly armStats = new Map<string, Map<string, ArmStatsRecord>>();
  private readonly counters = new Map<string, OnlineItemModels>();
  private readonly itemListeners = new Set<ItemEventListener>();
  private readonly interactionListeners = new Set<InteractionListener>();
  private cachedBytes = 0;
  /**
   * The profile `record` found last: a job asks for the same profile several times per event,
   * and each look-up by a joined key string cost a concatenation and a hash. Forgotten
   * whenever a profile leaves the map.
   */
  private lastRecord: LiveProfile | undefined;
  /** Loads awaiting the store: what they found is pinned only at their end, so nothing is evicted meanwhile. */
  private loadsInFlight = 0;

  private dirtyProfiles = new Set<LiveProfile>();
  private pendingIdentities = new Map<string, StateBatch['identities'][number]>();
  private pendingMerges: StateBatch['merges'][number][] = [];
  private pendingSegments: StateBatch['segmentChanges'][number][] = [];
  private pendingConsent: StateBatch['consentChanges'][number][] = [];
  private pendingOutcomes = new Map<string, { -readonly [K in keyof OutcomeDelta]: OutcomeDelta[K] }>();
  private dirtyArmStats = new Set<ArmStatsRecord>();
  /** Days a row has moved past since the last write: its totals at the end of each, keyed by row and day. */
  private closedArmDays = new Map<string, StateBatch['armDays'][number]>();
  private pendingEventProfiles: StateBatch['eventProfiles'][number][] = [];

  /** Appended by jobs of the current cycle, taken by the committer. */
  private cycleEvents: LogRecord[] = [];
  private cycleDecisions: DecisionRecord[] = [];
  /** Changes made to the state by jobs (not their appends): tells a job that changed memory only. */
  private changes = 0;
  private lastSeq: number;

  constructor(
    private readonly store: StateStore,
    private readonly dedupe: DedupeWindow,
    lastSeq: number,
    private readonly budgetBytes: number,
    private readonly learnItems = true,
  ) {
    this.lastSeq = lastSeq;
  }

  /** The sequence number of the last event applied. */
  get appliedSeq(): number {
    return this.lastSeq;
  }

  /** Replay (recovery) applies events already in the log: the position moves with them. */
  setApplied(seq: number): void {
    this.lastSeq = seq;
  }

  /** Forgets everything (after a failed write: the state is recovered from the store and the log). */
  reset(lastSeq: number): void {
    this.profiles.clear();
    this.lastRecord = undefined;
    this.identities.clear();
    this.armStats.clear();
    this.counters.clear();
    this.cachedBytes = 0;
    this.takeBatch();
    this.takeCycle();
    this.lastSeq = lastSeq;
  }

  get profileCount(): number {
    return this.profiles.size;
  }

  get estimatedBytes(): number {
    return this.cachedBytes;
  }

  get hasChanges(): boolean {
    return this.dirtyProfiles.size > 0 || this.pendingIdentities.size > 0 || this.pendingMerges.length > 0 || this.pendingSegments.length > 0
      || this.pendingConsent.length > 0 || this.pendingOutcomes.size > 0 || this.dirtyArmStats.size > 0 || this.pendingEventProfiles.length > 0
      || [...this.counters.values()].some((c) => c.hasChanges);
  }

  get changedProfiles(): number {
    return this.dirtyProfiles.size;
  }

  // ---- loading -------------------------------------------------------------------------

  /**
   * Loads what a job or a read needs and pins it; `unpin` with the returned token when done.
   * Memory stays the truth: a profile or identifier already held is never replaced by the
   * store's (older) copy.
   */
  async load(preload: Preload): Promise<LiveProfile[]> {
    this.loadsInFlight++;
    try {
      return await this.loadPinned(preload);
    } finally {
      this.loadsInFlight--;
    }
  }

  private async loadPinned(preload: Preload): Promise<LiveProfile[]> {
    const ws = preload.workspaceId;
    // Each key's map key built once: a replay preloads the keys of thousands of events at a time.
    const keys = preload.keys ?? [];
    const ids = keys.map((k) => identityKey(ws, k));
    const unknownKeys: IdentityKey[] = [];
    const unknownIds: string[] = [];
    ids.forEach((id, i) => {
      if (this.identities.has(id)) return;
      unknownKeys.push(keys[i]!);
      unknownIds.push(id);
    });
    if (unknownKeys.length > 0) {
      const found = await this.store.findIdentities(ws, unknownKeys);
      unknownIds.forEach((id, i) => {
        if (!this.identities.has(id)) this.identities.set(id, found[i] ?? null);
      });
    }
    const wanted = new Set(preload.profileIds ?? []);
    for (const key of ids) {
      const id = this.identities.get(key);
      if (id !== undefined && id !== null) wanted.add(id);
    }
    const pinned: LiveProfile[] = [];
    let missing = [...wanted].filter((id) => !this.profiles.has(profileKey(ws, id)));
    // Follow merges: a profile id may name a profile absorbed since (at most a few hops).
    for (let hop = 0; missing.length > 0 && hop < 4; hop++) {
      const loaded = await this.store.loadProfiles(ws, missing);
      const next: string[] = [];
      for (const stored of loaded) {
        if (stored === undefined) continue;
        if (!this.profiles.has(profileKey(ws, stored.id))) this.remember(stored);
        if (stored.mergedInto !== null && !this.profiles.has(profileKey(ws, stored.mergedInto))) next.push(stored.mergedInto);
      }
      for (const id of wanted) {
        const p = this.profiles.get(profileKey(ws, id));
        if (p?.mergedInto != null && !this.profiles.has(profileKey(ws, p.mergedInto))) next.push(p.mergedInto);
      }
      missing = [...new Set(next)];
    }
    for (const id of wanted) {
      let p = this.profiles.get(profileKey(ws, id));
      for (let hop = 0; p !== undefined && hop < 8; hop++) {
        p.pins++;
        pinned.push(p);
        this.touch(p);
        if (p.mergedInto === null) break;
        p = this.profiles.get(profileKey(ws, p.mergedInto));
      }
    }
    if (preload.armStats === true && !this.armStats.has(ws)) {
      const rows = await this.store.armStats(ws);
      if (!this.armStats.has(ws)) {
        const map = new Map<string, ArmStatsRecord>();
        for (const r of rows) {
          map.set(`${r.experimentId}\u0000${r.armId}\u0000${r.metricId}`, {
            workspaceId: ws, experimentId: r.experimentId, armId: r.armId, metricId: r.metricId,
            moments: { ...r.moments }, firstAt: r.firstAt, lastAt: r.lastAt,
          });
        }
        this.armStats.set(ws, map);
      }
    }
    if (preload.counters === true && !this.counters.has(ws)) {
      const rows = await this.store.counters(ws);
      if (!this.counters.has(ws)) this.counters.set(ws, OnlineItemModels.fromCounters(rows, undefined, () => this.changes++));
    }
    return pinned;
  }

  unpin(pinned: readonly LiveProfile[]): void {
    for (const p of pinned) p.pins--;
  }

  private remember(stored: StoredProfile): LiveProfile {
    const p: LiveProfile = {
      workspaceId: stored.workspaceId, id: stored.id, createdAt: stored.createdAt, firstSeen: stored.firstSeen, lastSeen: stored.lastSeen,
      traits: stored.traits, eventCounts: { ...stored.eventCounts }, mergedCount: stored.mergedCount, mergedInto: stored.mergedInto,
      knowledge: { ...emptyKnowledge(), ...(stored.knowledge ?? {}) }, identities: [...stored.identities], dirty: false, pins: 0, bytes: 0, writesSinceEstimate: writesPerEstimate - 1,
    };
    p.bytes = estimateBytes(p);
    this.cachedBytes += p.bytes;
    this.profiles.set(profileKey(stored.workspaceId, stored.id), p);
    for (const k of p.identities) {
      const id = identityKey(stored.workspaceId, k);
      if (!this.identities.has(id) || this.identities.get(id) === null) this.identities.set(id, p.id);
    }
    return p;
  }

  /** The profile a read asks for, following merges; undefined when there is none (load first). */
  resolve(workspaceId: string, profileId: string): LiveProfile | undefined {
    let p = this.profiles.get(profileKey(workspaceId, profileId));
    for (let hop = 0; p?.mergedInto != null && hop < 8; hop++) p = this.profiles.get(profileKey(workspaceId, p.mergedInto));
    if (p?.mergedInto !== null) return undefined;
    this.touch(p);
    return p;
  }

  /**
   * Marks a profile as just used: the map's insertion order is the recency order that
   * `evict` walks, so moving a profile to its end makes the cache least-recently-used.
   */
  private touch(p: LiveProfile): void {
    const key = profileKey(p.workspaceId, p.id);
    this.profiles.delete(key);
    this.profiles.set(key, p);
  }

  /** The profile an identifier points at (load first). */
  profileOf(workspaceId: string, key: IdentityKey): LiveProfile | undefined {
    const id = this.identities.get(identityKey(workspaceId, key));
    return id === undefined || id === null ? undefined : this.resolve(workspaceId, id);
  }

  /** A profile as a decision reads it. The knowledge is shared, not copied: decisions only read it. */
  decisionRow(p: LiveProfile): DecisionProfileRow {
    return { id: p.id, traits: p.traits.values, firstSeen: p.firstSeen, lastSeen: p.lastSeen, knowledge: p.knowledge };
  }

  hasUserId(p: LiveProfile): boolean {
    return p.identities.some((k) => k.kind === 'user');
  }

  // ---- CollectTx -----------------------------------------------------------------------

  hasMessage(workspaceId: string, messageId: string): boolean {
    return this.dedupe.has(workspaceId, messageId);
  }

  findProfile(workspaceId: string, key: IdentityKey): ProfileFacts | undefined {
    const id = this.identities.get(identityKey(workspaceId, key));
    if (id === undefined) throw new NotPreloadedError(`identity ${key.kind}:${key.value} of workspace ${workspaceId} was not loaded before the job`);
    if (id === null) return undefined;
    const p = this.record(workspaceId, id);
    return { id: p.id, mergedCount: p.mergedCount, userIds: p.identities.filter((k) => k.kind === 'user').map((k) => k.value) };
  }

  createProfile(workspaceId: string, profileId: string, at: number): void {
    this.changes++;
    if (this.profiles.has(profileKey(workspaceId, profileId))) throw new Error(`profile ${profileId} exists already in workspace ${workspaceId}`);
    const p = this.remember({
      workspaceId, id: profileId, createdAt: at, firstSeen: at, lastSeen: at, traits: { values: {}, updatedAt: {} }, eventCounts: {},
      mergedCount: 0, mergedInto: null, knowledge: null, identities: [],
    });
    this.markDirty(p);
  }

  linkIdentity(workspaceId: string, key: IdentityKey, profileId: string, at: number): void {
    this.changes++;
    const id = identityKey(workspaceId, key);
    const previous = this.identities.get(id);
    if (previous !== undefined && previous !== null && previous !== profileId) {
      const old = this.profiles.get(profileKey(workspaceId, previous));
      if (old !== undefined) {
        old.identities = old.identities.filter((k) => k.kind !== key.kind || k.value !== key.value);
        this.markDirty(old);
      }
    }
    const p = this.record(workspaceId, profileId);
    if (!p.identities.some((k) => k.kind === key.kind && k.value === key.value)) p.identities.push(key);
    this.identities.set(id, profileId);
    this.pendingIdentities.set(id, { workspaceId, key, profileId, at });
    this.markDirty(p);
  }

  hasProfile(workspaceId: string, profileId: string): boolean {
    return this.profiles.has(profileKey(workspaceId, profileId));
  }

  loadProfileState(workspaceId: string, profileId: string): ProfileState {
    const r = this.record(workspaceId, profileId);
    return { id: r.id, firstSeen: r.firstSeen, lastSeen: r.lastSeen, traits: r.traits, eventCounts: { ...r.eventCounts }, mergedCount: r.mergedCount };
  }

  knowledgeFacts(workspaceId: string, profileId: string): KnowledgeFacts {
    const r = this.record(workspaceId, profileId);
    return { id: r.id, traits: r.traits.values, firstSeen: r.firstSeen, lastSeen: r.lastSeen };
  }

  absorbProfile(workspaceId: string, merged: ProfileState, absorbedId: string, at: number): void {
    this.changes++;
    const survivor = this.record(workspaceId, merged.id);
    const absorbed = this.record(workspaceId, absorbedId);
    Object.assign(survivor, { firstSeen: merged.firstSeen, lastSeen: merged.lastSeen, traits: merged.traits, eventCounts: { ...merged.eventCounts }, mergedCount: merged.mergedCount });
    for (const key of absorbed.identities) {
      const id = identityKey(workspaceId, key);
      this.identities.set(id, survivor.id);
      this.pendingIdentities.set(id, { workspaceId, key, profileId: survivor.id, at });
      if (!survivor.identities.some((k) => k.kind === key.kind && k.value === key.value)) survivor.identities.push(key);
    }
    // The absorbed profile leaves its segments; the survivor's are re-evaluated by the caller.
    for (const segment of Object.keys(absorbed.knowledge.m).sort()) {
      this.pendingSegments.push({ workspaceId, profileId: absorbed.id, change: { segment, kind: 'leave', at } });
    }
    absorbed.identities = [];
    absorbed.knowledge = emptyKnowledge();
    absorbed.mergedInto = survivor.id;
    this.pendingMerges.push({ workspaceId, survivorId: survivor.id, absorbedId, at });
    this.markDirty(survivor);
    this.markDirty(absorbed);
  }

  writeTraits(workspaceId: string, profileId: string, traits: TraitState): void {
    this.changes++;
    const r = this.record(workspaceId, profileId);
    r.traits = traits;
    this.markDirty(r);
  }

  touchProfile(workspaceId: string, profileId: string, type: string, timestamp: number): void {
    this.changes++;
    const r = this.record(workspaceId, profileId);
    if (timestamp < r.firstSeen) r.firstSeen = timestamp;
    if (timestamp > r.lastSeen) r.lastSeen = timestamp;
    r.eventCounts[type] = (r.eventCounts[type] ?? 0) + 1;
    this.markDirty(r);
  }

  appendEvent(workspaceId: string, profileId: string, event: CollectedEvent): number {
    const seq = ++this.lastSeq;
    this.cycleEvents.push({ seq, workspaceId, profileId, event });
    this.dedupe.add(workspaceId, event.messageId, event.receivedAt);
    return seq;
  }

  setEventProfile(workspaceId: string, seq: number, profileId: string): void {
    this.changes++;
    this.pendingEventProfiles.push({ workspaceId, seq, profileId });
  }

  loadKnowledge(workspaceId: string, profileId: string): KnowledgeState {
    return this.record(workspaceId, profileId).knowledge;
  }

  saveKnowledge(workspaceId: string, profileId: string, state: KnowledgeState): void {
    this.changes++;
    const r = this.record(workspaceId, profileId);
    r.knowledge = state;
    this.markDirty(r);
  }

  recordSegmentChanges(workspaceId: string, profileId: string, changes: readonly MembershipChange[]): void {
    this.changes++;
    for (const change of changes) this.pendingSegments.push({ workspaceId, profileId, change });
  }

  recordConsentChanges(workspaceId: string, profileId: string, changes: readonly ConsentChange[]): void {
    this.changes++;
    for (const change of changes) this.pendingConsent.push({ workspaceId, profileId, change });
  }

  recordDecisions(records: readonly DecisionRecord[]): void {
    for (const r of records) this.cycleDecisions.push(r);
  }

  countOutcome(workspaceId: string, interaction: Interaction): void {
    this.changes++;
    const key = `${workspaceId}\u0000${interaction.actionId}\u0000${interaction.placementId}`;
    let d = this.pendingOutcomes.get(key);
    if (d === undefined) {
      d = { workspaceId, ...emptyOutcomeCounts(interaction.actionId, interaction.placementId) };
      this.pendingOutcomes.set(key, d);
    }
    countInteraction(d, interaction);
    for (const listener of this.interactionListeners) {
      try {
        listener(workspaceId, interaction);
      } catch {
        // As for item listeners: the event is the log's, a listener's fault must not fail its job.
      }
    }
  }

  /** Listens to the decision interactions jobs count (see InteractionListener); returns the function that stops it. */
  onInteraction(listener: InteractionListener): () => void {
    this.interactionListeners.add(listener);
    return () => this.interactionListeners.delete(listener);
  }

  updateExperimentStats(workspaceId: string, changes: readonly ArmStatChange[], at: number): void {
    this.changes++;
    const byKey = this.armStats.get(workspaceId);
    if (byKey === undefined) throw new NotPreloadedError(`the experiment statistics of workspace ${workspaceId} were not loaded before the job`);
    for (const c of changes) {
      const key = `${c.experimentId}\u0000${c.armId}\u0000${c.metricId}`;
      let r = byKey.get(key);
      if (r === undefined) {
        r = { workspaceId, experimentId: c.experimentId, armId: c.armId, metricId: c.metricId, moments: { n: 0, meanX: 0, meanY: 0, m2X: 0, m2Y: 0, cXY: 0 }, firstAt: at, lastAt: at };
        byKey.set(key, r);
      }
      // A change on a later UTC day closes the row's day first: its totals then are that
      // day's end. Days follow lastAt (the latest event time), so a late event counts on the
      // latest day the row has reached, and a replay of the log gives the same days.
      if (dayOf(at) > dayOf(r.lastAt)) {
        const day = utcDay(r.lastAt);
        this.closedArmDays.set(`${key}\u0000${day}`, armDayOf(r, day));
      }
      replacePairInPlace(r.moments, c.before, c.after);
      if (at < r.firstAt) r.firstAt = at;
      if (at > r.lastAt) r.lastAt = at;
      this.dirtyArmStats.add(r);
    }
  }

  /** The workspace's online item models; the job's preload asked for them (`counters: true`). Null: events do not teach them. */
  itemModels(workspaceId: string): OnlineItemModels | null {
    if (!this.learnItems) return null;
    const c = this.counters.get(workspaceId);
    if (c === undefined) throw new NotPreloadedError(`the item models of workspace ${workspaceId} were not loaded before the job`);
    return c;
  }

  /** Listens to the e-commerce events jobs apply (see ItemEventListener); returns the function that stops it. */
  onItemEvent(listener: ItemEventListener): () => void {
    this.itemListeners.add(listener);
    return () => this.itemListeners.delete(listener);
  }

  itemEventApplied(workspaceId: string, applied: AppliedItemEvent): void {
    // Off with the item models (to measure what learning from items costs): sessions learn nothing either.
    if (!this.learnItems) return;
    for (const listener of this.itemListeners) {
      try {
        listener(workspaceId, applied);
      } catch {
        // A listener's fault must not fail the event's job: the event is the log's, not the listener's.
      }
    }
  }

  /** The workspace's item models if they are in memory (readers outside jobs). */
  loadedItemModels(workspaceId: string): OnlineItemModels | undefined {
    return this.counters.get(workspaceId);
  }

  // ---- cycles and state writes -----------------------------------------------------------

  /**
   * Where the cycle's appends and the state's changes stand: a job that throws is cut off from
   * the log at its mark, and the difference of two marks says what a job did.
   */
  cycleMark(): CycleMark {
    return { events: this.cycleEvents.length, decisions: this.cycleDecisions.length, changes: this.changes };
  }

  /**
   * Cuts what was appended after `mark` from the cycle. The cut events' message ids are
   * forgotten by the de-duplication window: they are not in the log, so a retry is not a duplicate.
   */
  truncateCycle(mark: CycleMark): void {
    for (const { workspaceId, event } of this.cycleEvents.slice(mark.events)) this.dedupe.delete(workspaceId, event.messageId);
    this.cycleEvents.length = mark.events;
    this.cycleDecisions.length = mark.decisions;
  }

  /** The events and decisions the jobs of this cycle appended, to write to the log. */
  takeCycle(): { events: LogRecord[]; decisions: DecisionRecord[] } {
    const cycle = { events: this.cycleEvents, decisions: this.cycleDecisions };
    this.cycleEvents = [];
    this.cycleDecisions = [];
    return cycle;
  }

  /** Everything changed since the last batch, coalesced per profile, complete up to `appliedSeq`. */
  takeBatch(): StateBatch {
    const profiles: StoredProfile[] = [];
    for (const p of this.dirtyProfiles) {
      p.dirty = false;
      if (++p.writesSinceEstimate >= writesPerEstimate) {
        p.writesSinceEstimate = 0;
        const bytes = estimateBytes(p);
        this.cachedBytes += bytes - p.bytes;
        p.bytes = bytes;
      }
      profiles.push({
        workspaceId: p.workspaceId, id: p.id, createdAt: p.createdAt, firstSeen: p.firstSeen, lastSeen: p.lastSeen, traits: p.traits,
        eventCounts: { ...p.eventCounts }, mergedCount: p.mergedCount, mergedInto: p.mergedInto,
        // Not copied: StateStore.write serialises the batch before it returns.
        knowledge: p.mergedInto === null ? p.knowledge : null, identities: [...p.identities],
      });
    }
    const batch: StateBatch = {
      checkpoint: this.lastSeq,
      profiles,
      identities: [...this.pendingIdentities.values()],
      merges: this.pendingMerges,
      segmentChanges: this.pendingSegments,
      consentChanges: this.pendingConsent,
      outcomes: [...this.pendingOutcomes.values()],
      armStats: [...this.dirtyArmStats].map((r) => ({ workspaceId: r.workspaceId, experimentId: r.experimentId, armId: r.armId, metricId: r.metricId, moments: { ...r.moments }, firstAt: r.firstAt, lastAt: r.lastAt })),
      armDays: [...this.closedArmDays.values(), ...[...this.dirtyArmStats].map((r) => armDayOf(r, utcDay(r.lastAt)))],
      counters: [...this.counters].flatMap(([workspaceId, c]) => (c.hasChanges ? c.take().map((row) => ({ workspaceId, ...row })) : [])),
      eventProfiles: this.pendingEventProfiles,
    };
    this.dirtyProfiles = new Set();
    this.pendingIdentities = new Map();
    this.pendingMerges = [];
    this.pendingSegments = [];
    this.pendingConsent = [];
    this.pendingOutcomes = new Map();
    this.dirtyArmStats = new Set();
    this.closedArmDays = new Map();
    this.pendingEventProfiles = [];
    return batch;
  }

  /**
   * Drops clean, unpinned profiles, least recently used first (a load or a read moves a profile
   * to the end of the map), until the cache is within its
   * budget; then identifiers known to point nowhere. Call only once the last state write has
   * completed, so that the store holds what is dropped.
   */
  evict(): number {
    if (this.cachedBytes <= this.budgetBytes || this.loadsInFlight > 0) return 0;
    let evicted = 0;
    for (const [key, p] of this.profiles) {
      if (this.cachedBytes <= this.budgetBytes * 0.9) break;
      if (p.dirty || p.pins > 0) continue;
      this.profiles.delete(key);
      if (p === this.lastRecord) this.lastRecord = undefined;
      this.cachedBytes -= p.bytes;
      for (const k of p.identities) this.identities.delete(identityKey(p.workspaceId, k));
      evicted++;
    }
    for (const [key, id] of this.identities) if (id === null) this.identities.delete(key);
    return evicted;
  }

  /** Forgets an experiment's statistics (the experiment was deleted). */
  dropArmStats(workspaceId: string, experimentId: string): void {
    const byKey = this.armStats.get(workspaceId);
    if (byKey === undefined) return;
    for (const [key, r] of byKey) {
      if (r.experimentId !== experimentId) continue;
      byKey.delete(key);
      this.dirtyArmStats.delete(r);
    }
    for (const [key, d] of this.closedArmDays) if (d.workspaceId === workspaceId && d.experimentId === experimentId) this.closedArmDays.delete(key);
  }

  /**
   * Forgets a person (an erasure): their profiles and identifiers, written or not, and every
   * pending change that names them, so the write-behind cannot bring them back; the experiment
   * units of their live profile leave the arm statistics (written with the next batch). Load
   * the profiles and the workspace's statistics first. Returns the units taken out.
   */
  erasePerson(workspaceId: string, profileIds: readonly string[], keys: readonly IdentityKey[]): number {
    this.changes++;
    const stats = this.armStats.get(workspaceId);
    let units = 0;
    for (const id of profileIds) {
      const key = profileKey(workspaceId, id);
      const p = this.profiles.get(key);
      if (p === undefined) continue;
      if (p === this.lastRecord) this.lastRecord = undefined;
      // An absorbed profile's knowledge was emptied by the merge: only the live one holds units.
      for (const c of p.mergedInto === null ? unitContributions(p.knowledge.x) : []) {
        const r = stats?.get(`${c.experimentId}\u0000${c.armId}\u0000${c.metricId}`);
        if (r === undefined) continue;
        Object.assign(r.moments, removePair(r.moments, c.pair[0], c.pair[1]));
        this.dirtyArmStats.add(r);
        if (c.metricId === '_units') units++;
      }
      this.profiles.delete(key);
      this.cachedBytes -= p.bytes;
      this.dirtyProfiles.delete(p);
      for (const k of p.identities) this.identities.delete(identityKey(workspaceId, k));
    }
    const ids = new Set(profileIds);
    const gone = new Set(keys.map((k) => identityKey(workspaceId, k)));
    for (const k of gone) this.identities.delete(k);
    for (const [key, v] of this.pendingIdentities) if (gone.has(key) || (v.workspaceId === workspaceId && ids.has(v.profileId))) this.pendingIdentities.delete(key);
    const theirs = (m: { workspaceId: string; profileId: string }) => m.workspaceId === workspaceId && ids.has(m.profileId);
    this.pendingMerges = this.pendingMerges.filter((m) => m.workspaceId !== workspaceId || (!ids.has(m.survivorId) && !ids.has(m.absorbedId)));
    this.pendingSegments = this.pendingSegments.filter((m) => !theirs(m));
    this.pendingConsent = this.pendingConsent.filter((m) => !theirs(m));
    this.pendingEventProfiles = this.pendingEventProfiles.filter((m) => !theirs(m));
    return units;
  }

  /** Forgets everything of a workspace, written or not (rebuild: the store's copy is reset too). */
  dropWorkspace(workspaceId: string): void {
    for (const [key, p] of this.profiles) {
      if (p.workspaceId !== workspaceId) continue;
      this.profiles.delete(key);
      if (p === this.lastRecord) this.lastRecord = undefined;
      this.cachedBytes -= p.bytes;
      this.dirtyProfiles.delete(p);
    }
    const prefix = `${workspaceId}\u0000`;
    for (const key of this.identities.keys()) if (key.startsWith(prefix)) this.identities.delete(key);
    for (const [key, v] of this.pendingIdentities) if (v.workspaceId === workspaceId) this.pendingIdentities.delete(key);
    this.pendingMerges = this.pendingMerges.filter((m) => m.workspaceId !== workspaceId);
    this.pendingSegments = this.pendingSegments.filter((m) => m.workspaceId !== workspaceId);
    this.pendingConsent = this.pendingConsent.filter((m) => m.workspaceId !== workspaceId);
    for (const [key, v] of this.pendingOutcomes) if (v.workspaceId === workspaceId) this.pendingOutcomes.delete(key);
    for (const r of this.dirtyArmStats) if (r.workspaceId === workspaceId) this.dirtyArmStats.delete(r);
    for (const [key, d] of this.closedArmDays) if (d.workspaceId === workspaceId) this.closedArmDays.delete(key);
    this.armStats.delete(workspaceId);
    this.counters.delete(workspaceId);
    this.pendingEventProfiles = this.pendingEventProfiles.filter((m) => m.workspaceId !== workspaceId);
  }

  private record(workspaceId: string, profileId: string): LiveProfile {
    const last = this.lastRecord;
    if (last !== undefined && last.id === profileId && last.workspaceId === workspaceId) return last;
    const p = this.profiles.get(profileKey(workspaceId, profileId));
    if (p === undefined) throw new NotPreloadedError(`profile ${profileId} of workspace ${workspaceId} was not loaded before the job`);
    this.lastRecord = p;
    return p;
  }

  private markDirty(p: LiveProfile): void {
    if (p.dirty) return;
    p.dirty = true;
    this.dirtyProfiles.add(p);
  }
}
