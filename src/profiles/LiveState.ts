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
import { IdentityIndex } from './IdentityIndex.js';
import { RecencyTable } from './RecencyTable.js';
import { packBody, packedSize, unpackBody, type ProfileBody } from './packBody.js';

/**
 * One profile in memory: everything the write model and decisions read of it. Its body (traits,
 * counters, knowledge) is decoded while the profile is in use and packed while it is idle:
 * read it only through `LiveState.warmUp`.
 */
interface LiveProfile {
  readonly workspaceId: string;
  readonly id: string;
  mergedInto: string | null;
  identities: IdentityKey[];
  /** The state, decoded; null while the profile is idle and only `packed` holds it. */
  body: ProfileBody | null;
  /** `body` packed (packBody), as long as nothing has changed it since: idling then only drops `body`. */
  packed: string | null;
  /** Changed since the last state write. */
  dirty: boolean;
  /** Loads and jobs in flight that need the profile in memory: never evicted while above 0. */
  pins: number;
  /** Estimated heap bytes, for the cache budget. */
  bytes: number;
  /** When last used (RecencyTable). */
  used: number;
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

/** A profile whose body is decoded; `LiveState.warmUp` makes one. */
type WarmProfile = LiveProfile & { body: ProfileBody };

const profileOverheadBytes = 400;

/**
 * Heap bytes of a decoded body per byte of its packed form (MessagePack), measured on
 * `npm run bench -- memory`'s profiles (20 features, 50 segments): a body of about 1,160
 * packed bytes takes about 6,000 bytes decoded when a thousand bodies are (small objects, boxed
 * numbers, hidden classes shared by few bodies), about 5,300 when seven thousand are.
 */
const decodedBytesPerPackedByte = 5;

/**
 * Profiles kept decoded by default (see `LiveState`'s `hotProfiles`): all of them. Packing
 * saves about two thirds of a profile's heap but costs a decode on its next use (about 20 µs
 * on the decide benchmark's profiles) and a re-encode after a change: at 100,000 profiles with
 * a thousand hot, the warm decide p99 rose from 217 to 283 µs and events with knowledge went
 * from about 6,100 to 3,700 a second (docs/BENCHMARKS.md). So it is a setting to turn on
 * (`ATTUNE_HOT_PROFILES`) where memory counts more than CPU.
 */
export const defaultHotProfiles = Number.POSITIVE_INFINITY;

/** Idle profiles packed per turn of the event loop: about a millisecond of work, so requests interleave. */
const packsPerTurn = 64;

function identityKey(workspaceId: string, key: IdentityKey): string {
  return `${workspaceId}\u0000${key.kind}\u0000${key.value}`;
}

/**
 * The heap a profile takes: its shell and identifiers, its packed body when it keeps one, and
 * its decoded body when it has one, estimated from the packed length (`packedLength`: the
 * packed body's, or the body's packed now).
 */
function estimateBytes(p: LiveProfile, packedLength: number): number {
  return profileOverheadBytes + p.identities.reduce((n, k) => n + 60 + 2 * k.value.length, 0)
    + (p.packed === null ? 0 : 16 + p.packed.length) + (p.body === null ? 0 : decodedBytesPerPackedByte * packedLength);
}

/**
 * The profile state in memory: the write model's unit of work (`CollectTx`) over a bounded
 * cache of profiles, identities and experiment statistics, with what changed kept for the
 * next state write. Memory is the truth for every profile it holds; a profile is evicted only
 * when it has nothing left to write and nothing in flight needs it, so the state store holds
 * its latest state when it is loaded again.
 *
 * Of the profiles held, the `hotProfiles` used last (by default all) keep their bodies decoded; the others are
 * packed (MessagePack, about a fifth of the heap) once idle: neither changed since the last
 * state write nor pinned. Using one again decodes it (`warmUp`); idle ones beyond the hot set
 * are packed again a few at a time between turns of the event loop (`scheduleCooling`), never
 * on a request's path.
 */
export class LiveState implements CollectTx {
  private readonly profiles = new RecencyTable<LiveProfile>();
  /** Profiles with a decoded body and no unwritten change, least recently used first: what cooling packs. */
  private readonly warm = new Set<LiveProfile>();
  /** Whether idle profiles beyond the hot set are packed; off (every profile decoded), `warm` stays empty. */
  private readonly packing: boolean;
  private coolingScheduled = false;
  private readonly identities = new IdentityIndex();
  private readonly armStats = new Map<string, Map<string, ArmStatsRecord>>();
  private readonly counters = new Map<string, OnlineItemModels>();
  private readonly itemListeners = new Set<ItemEventListener>();
  private readonly interactionListeners = new Set<InteractionListener>();
  private cachedBytes = 0;
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
    private readonly hotProfiles = defaultHotProfiles,
  ) {
    this.lastSeq = lastSeq;
    this.packing = Number.isFinite(hotProfiles);
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
    this.warm.clear();
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

  /** Profiles held with a decoded body (the hot set, pinned and changed ones, and those cooling has not reached yet). */
  get decodedProfiles(): number {
    let n = 0;
    for (const p of this.profiles.byRecency()) if (p.body !== null) n++;
    return n;
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
    const keys = (preload.keys ?? []).filter((k) => !this.identities.has(ws, k));
    if (keys.length > 0) {
      const found = await this.store.findIdentities(ws, keys);
      keys.forEach((k, i) => {
        if (!this.identities.has(ws, k)) this.identities.set(ws, k, found[i] ?? null);
      });
    }
    const wanted = new Set(preload.profileIds ?? []);
    for (const k of preload.keys ?? []) {
      const id = this.identities.get(ws, k);
      if (id !== undefined && id !== null) wanted.add(id);
    }
    const pinned: LiveProfile[] = [];
    let missing = [...wanted].filter((id) => !this.profiles.has(ws, id));
    // Follow merges: a profile id may name a profile absorbed since (at most a few hops).
    for (let hop = 0; missing.length > 0 && hop < 4; hop++) {
      const loaded = await this.store.loadProfiles(ws, missing);
      const next: string[] = [];
      for (const stored of loaded) {
        if (stored === undefined) continue;
        if (!this.profiles.has(ws, stored.id)) this.remember(stored);
        if (stored.mergedInto !== null && !this.profiles.has(ws, stored.mergedInto)) next.push(stored.mergedInto);
      }
      for (const id of wanted) {
        const p = this.profiles.get(ws, id);
        if (p?.mergedInto != null && !this.profiles.has(ws, p.mergedInto)) next.push(p.mergedInto);
      }
      missing = [...new Set(next)];
    }
    for (const id of wanted) {
      let p = this.profiles.get(ws, id);
      for (let hop = 0; p !== undefined && hop < 8; hop++) {
        p.pins++;
        pinned.push(p);
        this.touch(p);
        if (p.mergedInto === null) break;
        p = this.profiles.get(ws, p.mergedInto);
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
    this.scheduleCooling();
  }

  private remember(stored: StoredProfile): LiveProfile {
    const body: ProfileBody = {
      createdAt: stored.createdAt, firstSeen: stored.firstSeen, lastSeen: stored.lastSeen, traits: stored.traits, eventCounts: { ...stored.eventCounts },
      mergedCount: stored.mergedCount, knowledge: { ...emptyKnowledge(), ...(stored.knowledge ?? {}) },
    };
    const p: LiveProfile = {
      workspaceId: stored.workspaceId, id: stored.id, mergedInto: stored.mergedInto, identities: [...stored.identities], body, packed: null,
      dirty: false, pins: 0, bytes: 0, used: 0, writesSinceEstimate: writesPerEstimate - 1,
    };
    // Where idle profiles are packed, packed now: the estimate needs its length anyway, and a
    // profile only read until it idles is then packed for free. Elsewhere only measured: the
    // latin1 string packBody builds would be heap for nothing.
    const packed = this.packing ? packBody(body) : null;
    p.packed = packed;
    p.bytes = estimateBytes(p, packed?.length ?? packedSize(body));
    this.cachedBytes += p.bytes;
    if (this.packing) this.warm.add(p);
    this.profiles.set(p);
    for (const k of p.identities) {
      if ((this.identities.get(stored.workspaceId, k) ?? null) === null) this.identities.set(stored.workspaceId, k, p.id);
    }
    return p;
  }

  /** The profile a read asks for, following merges; undefined when there is none (load first). */
  resolve(workspaceId: string, profileId: string): LiveProfile | undefined {
    let p = this.profiles.get(workspaceId, profileId);
    for (let hop = 0; p?.mergedInto != null && hop < 8; hop++) p = this.profiles.get(workspaceId, p.mergedInto);
    if (p?.mergedInto !== null) return undefined;
    this.touch(p);
    return p;
  }

  /**
   * Marks a profile as just used: the map's insertion order is the recency order that
   * `evict` walks, so moving a profile to its end makes the cache least-recently-used.
   */
  private touch(p: LiveProfile): void {
    this.profiles.touch(p);
  }

  /** The profile an identifier points at (load first). */
  profileOf(workspaceId: string, key: IdentityKey): LiveProfile | undefined {
    const id = this.identities.get(workspaceId, key);
    return id === undefined || id === null ? undefined : this.resolve(workspaceId, id);
  }

  /** A profile as a decision reads it. The knowledge is shared, not copied: decisions only read it. */
  decisionRow(p: LiveProfile): DecisionProfileRow {
    const { body } = this.warmUp(p);
    return { id: p.id, traits: body.traits.values, firstSeen: body.firstSeen, lastSeen: body.lastSeen, knowledge: body.knowledge };
  }

  /**
   * The profile with its body decoded, as the most recently used of the hot set. A packed
   * body is kept beside the decoded one: a profile only read is packed again for free.
   */
  private warmUp(p: LiveProfile): WarmProfile {
    if (p.body === null) {
      if (p.packed === null) throw new Error(`profile ${p.id} has neither a body nor a packed one`);
      p.body = unpackBody(p.packed);
      this.resize(p, p.packed.length);
    }
    if (!p.dirty && this.packing) {
      this.warm.delete(p);
      this.warm.add(p);
      this.scheduleCooling();
    }
    return p as WarmProfile;
  }

  private resize(p: LiveProfile, packedLength: number): void {
    const bytes = estimateBytes(p, packedLength);
    this.cachedBytes += bytes - p.bytes;
    p.bytes = bytes;
  }

  /** Packs idle profiles beyond the hot set, a turn's worth at a time, after the current request. */
  private scheduleCooling(): void {
    if (this.coolingScheduled || this.warm.size <= this.hotProfiles) return;
    this.coolingScheduled = true;
    setImmediate(() => {
      this.coolingScheduled = false;
      // A turn that packed nothing (every candidate pinned) waits for the next unpin or use, not the next turn.
      if (this.cool(packsPerTurn) > 0) this.scheduleCooling();
    });
  }

  /** Packs up to `limit` of the least recently used idle profiles while the hot set is over its size; returns how many. */
  private cool(limit: number): number {
    let packed = 0;
    for (const p of this.warm) {
      if (this.warm.size <= this.hotProfiles || packed >= limit) return packed;
      // Pinned: a job or a read is using it now (it was used recently, so few are passed over).
      if (p.pins > 0) continue;
      this.warm.delete(p);
      if (p.body === null) continue;
      p.packed ??= packBody(p.body);
      // A body that cannot be packed exactly stays decoded (it joins the hot set again when used).
      if (p.packed === null) continue;
      const length = p.packed.length;
      p.body = null;
      this.resize(p, length);
      packed++;
    }
    return packed;
  }

  hasUserId(p: LiveProfile): boolean {
    return p.identities.some((k) => k.kind === 'user');
  }

  // ---- CollectTx -----------------------------------------------------------------------

  hasMessage(workspaceId: string, messageId: string): boolean {
    return this.dedupe.has(workspaceId, messageId);
  }

  findProfile(workspaceId: string, key: IdentityKey): ProfileFacts | undefined {
    const id = this.identities.get(workspaceId, key);
    if (id === undefined) throw new NotPreloadedError(`identity ${key.kind}:${key.value} of workspace ${workspaceId} was not loaded before the job`);
    if (id === null) return undefined;
    const p = this.read(workspaceId, id);
    return { id: p.id, mergedCount: p.body.mergedCount, userIds: p.identities.filter((k) => k.kind === 'user').map((k) => k.value) };
  }

  createProfile(workspaceId: string, profileId: string, at: number): void {
    this.changes++;
    if (this.profiles.has(workspaceId, profileId)) throw new Error(`profile ${profileId} exists already in workspace ${workspaceId}`);
    const p = this.remember({
      workspaceId, id: profileId, createdAt: at, firstSeen: at, lastSeen: at, traits: { values: {}, updatedAt: {} }, eventCounts: {},
      mergedCount: 0, mergedInto: null, knowledge: null, identities: [],
    });
    this.markDirty(p);
  }

  linkIdentity(workspaceId: string, key: IdentityKey, profileId: string, at: number): void {
    this.changes++;
    const previous = this.identities.get(workspaceId, key);
    if (previous !== undefined && previous !== null && previous !== profileId) {
      const old = this.profiles.get(workspaceId, previous);
      if (old !== undefined) {
        old.identities = old.identities.filter((k) => k.kind !== key.kind || k.value !== key.value);
        this.markDirty(old);
      }
    }
    const p = this.record(workspaceId, profileId);
    if (!p.identities.some((k) => k.kind === key.kind && k.value === key.value)) p.identities.push(key);
    this.identities.set(workspaceId, key, profileId);
    this.pendingIdentities.set(identityKey(workspaceId, key), { workspaceId, key, profileId, at });
    this.markDirty(p);
  }

  hasProfile(workspaceId: string, profileId: string): boolean {
    return this.profiles.has(workspaceId, profileId);
  }

  loadProfileState(workspaceId: string, profileId: string): ProfileState {
    const { id, body: r } = this.read(workspaceId, profileId);
    return { id, firstSeen: r.firstSeen, lastSeen: r.lastSeen, traits: r.traits, eventCounts: { ...r.eventCounts }, mergedCount: r.mergedCount };
  }

  knowledgeFacts(workspaceId: string, profileId: string): KnowledgeFacts {
    const { id, body: r } = this.read(workspaceId, profileId);
    return { id, traits: r.traits.values, firstSeen: r.firstSeen, lastSeen: r.lastSeen };
  }

  absorbProfile(workspaceId: string, merged: ProfileState, absorbedId: string, at: number): void {
    this.changes++;
    const survivor = this.record(workspaceId, merged.id);
    const absorbed = this.record(workspaceId, absorbedId);
    Object.assign(survivor.body, { firstSeen: merged.firstSeen, lastSeen: merged.lastSeen, traits: merged.traits, eventCounts: { ...merged.eventCounts }, mergedCount: merged.mergedCount });
    for (const key of absorbed.identities) {
      this.identities.set(workspaceId, key, survivor.id);
      this.pendingIdentities.set(identityKey(workspaceId, key), { workspaceId, key, profileId: survivor.id, at });
      if (!survivor.identities.some((k) => k.kind === key.kind && k.value === key.value)) survivor.identities.push(key);
    }
    // The absorbed profile leaves its segments; the survivor's are re-evaluated by the caller.
    for (const segment of Object.keys(absorbed.body.knowledge.m).sort()) {
      this.pendingSegments.push({ workspaceId, profileId: absorbed.id, change: { segment, kind: 'leave', at } });
    }
    absorbed.identities = [];
    absorbed.body.knowledge = emptyKnowledge();
    absorbed.mergedInto = survivor.id;
    this.pendingMerges.push({ workspaceId, survivorId: survivor.id, absorbedId, at });
    this.markDirty(survivor);
    this.markDirty(absorbed);
  }

  writeTraits(workspaceId: string, profileId: string, traits: TraitState): void {
    this.changes++;
    const r = this.record(workspaceId, profileId);
    r.body.traits = traits;
    this.markDirty(r);
  }

  touchProfile(workspaceId: string, profileId: string, type: string, timestamp: number): void {
    this.changes++;
    const r = this.record(workspaceId, profileId);
    const { body } = r;
    if (timestamp < body.firstSeen) body.firstSeen = timestamp;
    if (timestamp > body.lastSeen) body.lastSeen = timestamp;
    body.eventCounts[type] = (body.eventCounts[type] ?? 0) + 1;
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
    // As a change: the collect path updates the knowledge it is given in place, then saves it.
    return this.record(workspaceId, profileId).body.knowledge;
  }

  saveKnowledge(workspaceId: string, profileId: string, state: KnowledgeState): void {
    this.changes++;
    const r = this.record(workspaceId, profileId);
    r.body.knowledge = state;
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
      // Decoded before it is marked clean: a change to identifiers alone (linkIdentity) does not decode it.
      const { body } = this.warmUp(p);
      p.dirty = false;
      if (this.packing) this.warm.add(p);
      if (++p.writesSinceEstimate >= writesPerEstimate) {
        p.writesSinceEstimate = 0;
        this.resize(p, packedSize(body));
      }
      profiles.push({
        workspaceId: p.workspaceId, id: p.id, createdAt: body.createdAt, firstSeen: body.firstSeen, lastSeen: body.lastSeen, traits: body.traits,
        eventCounts: { ...body.eventCounts }, mergedCount: body.mergedCount, mergedInto: p.mergedInto,
        // Not copied: StateStore.write serialises the batch before it returns.
        knowledge: p.mergedInto === null ? body.knowledge : null, identities: [...p.identities],
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
    for (const p of this.profiles.byRecency()) {
      if (this.cachedBytes <= this.budgetBytes * 0.9) break;
      if (p.dirty || p.pins > 0) continue;
      this.profiles.delete(p);
      this.warm.delete(p);
      this.cachedBytes -= p.bytes;
      for (const k of p.identities) this.identities.delete(p.workspaceId, k);
      evicted++;
    }
    this.identities.deleteUnknown();
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
      const p = this.profiles.get(workspaceId, id);
      if (p === undefined) continue;
      // An absorbed profile's knowledge was emptied by the merge: only the live one holds units.
      for (const c of p.mergedInto === null ? unitContributions(this.warmUp(p).body.knowledge.x) : []) {
        const r = stats?.get(`${c.experimentId}\u0000${c.armId}\u0000${c.metricId}`);
        if (r === undefined) continue;
        Object.assign(r.moments, removePair(r.moments, c.pair[0], c.pair[1]));
        this.dirtyArmStats.add(r);
        if (c.metricId === '_units') units++;
      }
      this.profiles.delete(p);
      this.warm.delete(p);
      this.cachedBytes -= p.bytes;
      this.dirtyProfiles.delete(p);
      for (const k of p.identities) this.identities.delete(workspaceId, k);
    }
    const ids = new Set(profileIds);
    for (const k of keys) this.identities.delete(workspaceId, k);
    const gone = new Set(keys.map((k) => identityKey(workspaceId, k)));
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
    for (const p of this.profiles.workspace(workspaceId)) {
      this.warm.delete(p);
      this.cachedBytes -= p.bytes;
      this.dirtyProfiles.delete(p);
    }
    this.profiles.deleteWorkspace(workspaceId);
    this.identities.deleteWorkspace(workspaceId);
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

  /**
   * A profile for the write model, decoded. Its packed body is dropped: the write model may
   * change the body in place (`loadKnowledge`), so only a fresh packing may stand for it.
   */
  /** A profile a job reads without changing: its packed copy, if any, stays valid. */
  private read(workspaceId: string, profileId: string): WarmProfile {
    const p = this.profiles.get(workspaceId, profileId);
    if (p === undefined) throw new NotPreloadedError(`profile ${profileId} of workspace ${workspaceId} was not loaded before the job`);
    return this.warmUp(p);
  }

  /** A profile a job is about to change: its packed copy is stale from now on and goes. */
  private record(workspaceId: string, profileId: string): WarmProfile {
    const warm = this.read(workspaceId, profileId);
    if (warm.packed !== null) {
      const length = warm.packed.length;
      warm.packed = null;
      this.resize(warm, length);
    }
    return warm;
  }

  private markDirty(p: LiveProfile): void {
    if (p.dirty) return;
    p.dirty = true;
    this.dirtyProfiles.add(p);
    // Out of the hot set until written: cooling never packs a change the store does not hold.
    this.warm.delete(p);
  }
}
