import type { OnlineItemModels } from '../core/recommend/online/OnlineItemModels.js';
import type { Clock } from '../core/common/ports.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { eventIdentityKeys } from '../core/identity/planIdentity.js';
import type {
  AttuneStore, CatalogStore, FairnessStore, QualityStore, DecisionReader, ExperimentStore, KnowledgeConfigStore, KnowledgeReader, PersonKeys, PersonRowCounts, PrivacyStore,
  ProfileReader, EventLogReader, RetentionStore, StoredEvent, StateBatch,
} from '../store/ports.js';
import { replayEvent, type WorkspaceContext } from './applyEvent.js';
import { collectedEventFromLog } from './collectedEventFromLog.js';
import type { CollectCommitter } from './CollectTx.js';
import { DedupeWindow } from './DedupeWindow.js';
import { LiveCommitter } from './LiveCommitter.js';
import { LiveState } from './LiveState.js';

export interface LiveStoreOptions {
  readonly clock: Clock;
  /** Queued events beyond which new jobs are refused with ATTUNE_QUEUE_FULL (HTTP 429). */
  readonly maxPendingEvents: number;
  /** Heap the cached profiles may take (estimated); cold profiles beyond it are evicted. */
  readonly cacheBytes?: number;
  /** Cached profiles kept decoded, those used last (default: all); other idle ones are packed. */
  readonly hotProfiles?: number;
  /** How long a message id is remembered for de-duplication (default 24 hours). */
  readonly dedupeWindowMillis?: number;
  /** The changed state is written behind at least this often (default 1,000 ms)... */
  readonly stateWriteMillis?: number;
  /** ...or as soon as this many profiles changed (default 20,000). */
  readonly maxChangedProfiles?: number;
  /**
   * Whether events teach the online item models (default true). Off only to measure what they
   * cost (the recommend benchmark); recommendations then see no event.
   */
  readonly learnItems?: boolean;
  /** The workspace's identity settings and compiled model, for replaying the log on recovery. */
  readonly contextOf: (workspaceId: string) => Promise<WorkspaceContext | undefined>;
  readonly onCommit?: (jobs: number, events: number, millis: number) => void;
  /** A write failed or a job threw: the state is being recovered from the store and the log. */
  readonly onFault?: (error: unknown) => void;
  readonly onRecovered?: (report: RecoveryReport) => void;
  /**
   * The caller is about to rebuild every workspace from its log (`attune rebuild`): start-up
   * neither reads the stored state's checkpoint nor replays, so a state that cannot be
   * recovered (ahead of the log, no checkpoint) does not stop the command that repairs it.
   */
  readonly rebuildsEverything?: boolean;
}

export interface RecoveryReport {
  /** The log position the stored state was complete up to. */
  readonly checkpoint: number;
  /** Events replayed after it. */
  readonly replayedEvents: number;
  readonly millis: number;
}

/**
 * A store as the engine uses it: the adapter's ports, with the profile state in memory in
 * front of them. Collection writes the log only; the state is written behind (`flushState`).
 * Readers of derived tables write the state first, so they see every acknowledged event;
 * decisions read profiles from memory.
 */
export interface LiveStore extends Omit<AttuneStore, 'log' | 'state'> {
  readonly committer: CollectCommitter;
  readonly live: LiveState;
  /** Settles when start-up recovery is done (rejects when it failed). */
  readonly recovered: Promise<RecoveryReport>;
  /** Writes the changed state now (with its checkpoint). */
  flushState(): Promise<void>;
  /** A workspace's online item models (popularity, co-occurrence), as the last acknowledged event left them. */
  itemModels(workspaceId: string): Promise<OnlineItemModels>;
  /** Live profile ids of a workspace in id order, after `afterId` (after writing the state). */
  profileIds(workspaceId: string, afterId: string, limit: number): Promise<string[]>;
  /** Rebuild: forgets the workspace's derived state, in memory and in the store. */
  resetDerived(workspaceId: string): Promise<void>;
  /**
   * Erasure: deletes a person everywhere, in memory (where the write-behind cannot bring them
   * back) and in the store, between cycles; their experiment units leave the arm statistics.
   */
  erasePerson(workspaceId: string, person: PersonKeys): Promise<{ readonly rows: PersonRowCounts; readonly experimentUnits: number; readonly interactions: number }>;
}

const defaults = { cacheBytes: 512 * 1024 * 1024, dedupeWindowMillis: 24 * 3_600_000, stateWriteMillis: 1000, maxChangedProfiles: 20_000 };

/** Wraps an adapter's ports with the in-memory profile state; recovers it from the store and the log. */
export function createLiveStore(adapter: AttuneStore, options: LiveStoreOptions): LiveStore {
  const settings = { ...defaults, ...options };
  const dedupe = new DedupeWindow(settings.dedupeWindowMillis);
  const live = new LiveState(adapter.state, dedupe, 0, settings.cacheBytes, options.learnItems ?? true, options.hotProfiles);
  let lastWrite = options.clock.now();

  // Recovery is due at start-up and after a fault. It runs on the committer's chain, between
  // cycles; until it is done the memory is not to be trusted, so nothing takes a batch of it
  // and readers wait for `recoveryDone`.
  let recoveryDue = true;
  let recoveryDone = deferred<RecoveryReport>();
  const firstRecovery = recoveryDone.promise;

  // State writes go to the adapter one after another, in the order their batches were taken.
  // `writes` never rejects (it is the chain); `lastWritten` is the last batch's own outcome,
  // for callers that must know their state reached the store.
  let writes: Promise<void> = Promise.resolve();
  let lastWritten: Promise<void> = Promise.resolve();
  /** Batches taken and not yet written (or failed). */
  let unwritten = 0;
  /** Moves on at every fault: a batch taken before it must not be written after it. */
  let generation = 0;
  const skippedWrites = new WeakSet<object>();
  const writeBatch = (batch: StateBatch): Promise<void> => {
    const taken = generation;
    const write = async (b: StateBatch): Promise<void> => {
      // A batch taken before a fault may lack changes of a batch that failed: writing it would
      // claim a checkpoint the store does not hold. Recovery writes its own.
      if (taken !== generation || (recoveryDue && !recovering)) {
        const skipped = new AttuneError('ATTUNE_STORE_UNAVAILABLE', { detail: 'the state is being recovered after a failure; try again' });
        skippedWrites.add(skipped);
        throw skipped;
      }
      await adapter.state.write(b);
    };
    unwritten++;
    // The batch refers to the live profiles, which later cycles go on changing. With no write
    // pending it is handed to the adapter now (which serialises it before returning); behind
    // another write it is copied now, so it holds exactly the state of its checkpoint.
    const written = unwritten === 1 ? write(batch) : ((frozen) => writes.then(() => write(frozen)))(structuredClone(batch));
    const settled = written.then(
      () => {
        unwritten--;
        dedupe.prune();
        // Eviction between cycles, once every taken batch is in the store: a profile dropped
        // from memory must be found, as it is now, when it is loaded again.
        if (unwritten === 0) void committer.between(() => (unwritten === 0 ? live.evict() : 0)).catch(() => undefined);
      },
      (error: unknown) => {
        // Before anything else can take a batch: the memory may now hold what the store lacks.
        if (!skippedWrites.has(error as object)) suspect();
        unwritten--;
        throw error;
      },
    );
    writes = settled.catch((error: unknown) => {
      if (!skippedWrites.has(error as object)) fault(error);
    });
    lastWritten = settled;
    return settled;
  };
  /** Takes a batch now: only where the memory holds exactly what the log holds. */
  const takeAndWrite = (): Promise<void> | undefined => {
    if (recoveryDue || !live.hasChanges) return undefined;
    lastWrite = options.clock.now();
    return writeBatch(live.takeBatch());
  };
  /** Writes the changed state behind, between cycles; rejects when that write (or the one before it) failed. */
  const writeState = async (): Promise<void> => {
    await recoveryDone.promise;
    await committer.between(() => takeAndWrite() ?? lastWritten);
  };

  let recovering = false;
  let rebuildFromScratch = options.rebuildsEverything === true;
  const recover = async (): Promise<RecoveryReport> => {
    const started = performance.now();
    await writes;
    const lastSeq = await adapter.log.lastSeq();
    if (rebuildFromScratch) {
      // Only the first recovery: after a fault the rebuilt part of the state is recovered as usual.
      rebuildFromScratch = false;
      live.reset(lastSeq);
      dedupe.clear();
      for (const m of await adapter.log.recentMessages(settings.dedupeWindowMillis)) dedupe.add(m.workspaceId, m.messageId, m.receivedAt);
      // The checkpoint moves to the log's end now: a rebuild that stops half-way leaves a
      // partial state that the next rebuild repairs, never one that claims unlogged events.
      await writeBatch(live.takeBatch());
      return { checkpoint: lastSeq, replayedEvents: 0, millis: performance.now() - started };
    }
    const checkpoint = await adapter.state.checkpoint();
    if (checkpoint > lastSeq) {
      throw new AttuneError('ATTUNE_STATE_AHEAD_OF_LOG', {
        detail: `the stored state is complete up to event ${checkpoint} but the log ends at ${lastSeq}; run \`attune rebuild\` to derive the state from the log again`,
      });
    }
    live.reset(checkpoint);
    dedupe.clear();
    for (const m of await adapter.log.recentMessages(settings.dedupeWindowMillis)) dedupe.add(m.workspaceId, m.messageId, m.receivedAt);
    const contexts = new Map<string, WorkspaceContext | undefined>();
    let replayed = 0;
    let chunk: StoredEvent[] = [];
    const replayChunk = async () => {
      const byWorkspace = new Map<string, StoredEvent[]>();
      for (const e of chunk) {
        let list = byWorkspace.get(e.workspaceId);
        if (list === undefined) byWorkspace.set(e.workspaceId, list = []);
        list.push(e);
      }
      for (const [ws, events] of byWorkspace) {
        if (!contexts.has(ws)) contexts.set(ws, await options.contextOf(ws));
        const context = contexts.get(ws);
        if (context === undefined) continue;
        const collected = events.map((stored) => ({ stored, event: collectedEventFromLog(stored) }));
        const pinned = await live.load({ workspaceId: ws, keys: collected.flatMap(({ event }) => eventIdentityKeys(event)), armStats: true, counters: true });
        try {
          for (const { stored, event } of collected) replayEvent(live, context, event, stored);
        } finally {
          live.unpin(pinned);
        }
      }
      // Chunks replay in log order across workspaces: the position moves once the chunk is applied.
      live.setApplied(chunk[chunk.length - 1]!.seq);
      replayed += chunk.length;
      chunk = [];
      if (live.changedProfiles >= settings.maxChangedProfiles) await writeBatch(live.takeBatch());
    };
    for await (const stored of adapter.events.read({ afterSeq: checkpoint, chunkSize: 2000 })) {
      chunk.push(stored);
      if (chunk.length === 2000) await replayChunk();
    }
    if (chunk.length > 0) await replayChunk();
    live.setApplied(Math.max(lastSeq, live.appliedSeq));
    await writeBatch(live.takeBatch());
    return { checkpoint, replayedEvents: replayed, millis: performance.now() - started };
  };

  /** The memory may hold what the log does not: stop taking batches and make readers wait. */
  const suspect = (): void => {
    generation++;
    if (recoveryDue) return;
    recoveryDue = true;
    recoveryDone = deferred<RecoveryReport>();
  };
  const fault = (error: unknown): void => {
    options.onFault?.(error);
    committer.kick();
  };

  const committer = new LiveCommitter(live, adapter.log, {
    ready: async () => {
      if (!recoveryDue) return;
      if (recoveryDone.settled) recoveryDone = deferred<RecoveryReport>();
      recovering = true;
      try {
        const report = await recover();
        recoveryDue = false;
        recoveryDone.resolve(report);
        options.onRecovered?.(report);
      } catch (error) {
        // The next cycle tries again; until then collection and reads fail with this error.
        recoveryDone.reject(error);
        throw error;
      } finally {
        recovering = false;
      }
    },
    afterCycle: () => {
      // Called once the cycle's append is durable and before the next cycle: memory equals the log.
      if (live.changedProfiles >= settings.maxChangedProfiles || options.clock.now() - lastWrite >= settings.stateWriteMillis) void takeAndWrite()?.catch(() => undefined);
    },
    persist: async () => {
      // Within the cycle, once its append is durable: the memory holds what the log holds.
      const written = takeAndWrite();
      if (written !== undefined) return written;
      if (recoveryDue) throw new AttuneError('ATTUNE_STORE_UNAVAILABLE', { detail: 'the state is being recovered after a failure; try again' });
      // Nothing left to take: the job's changes went with a batch already taken (afterCycle).
      return lastWritten;
    },
    suspect,
    fault,
  }, { maxPendingEvents: options.maxPendingEvents, ...(options.onCommit === undefined ? {} : { onCommit: options.onCommit }) });
  committer.kick();

  const timer = setInterval(() => {
    if (options.clock.now() - lastWrite >= settings.stateWriteMillis) void writeState().catch(() => undefined);
  }, settings.stateWriteMillis);
  timer.unref();
  const ready = async (): Promise<void> => {
    await recoveryDone.promise;
  };

  /** Every acknowledged event applied and the state written: what a reader of derived tables needs. */
  const fresh = writeState;

  const events: EventLogReader = {
    read: (readOptions) => adapter.events.read(readOptions),
    count: (ws) => adapter.events.count(ws),
  };
  const profiles: ProfileReader = {
    findProfile: async (ws, id, limit) => {
      await fresh();
      return adapter.profiles.findProfile(ws, id, limit);
    },
    findByTrait: async (ws, name, value, after, limit) => {
      await fresh();
      return adapter.profiles.findByTrait(ws, name, value, after, limit);
    },
  };
  const knowledge: KnowledgeReader = {
    knowledge: async (ws, id) => (await fresh(), adapter.knowledge.knowledge(ws, id)),
    segmentSize: async (ws, id) => (await fresh(), adapter.knowledge.segmentSize(ws, id)),
    segmentMembers: async (ws, id, after, limit) => (await fresh(), adapter.knowledge.segmentMembers(ws, id, after, limit)),
    segmentEntries: async (ws, id, since) => (await fresh(), adapter.knowledge.segmentEntries(ws, id, since)),
    segmentChangesByDay: async (ws, id, since) => (await fresh(), adapter.knowledge.segmentChangesByDay(ws, id, since)),
    segmentPairCounts: async (ws, ids) => (await fresh(), adapter.knowledge.segmentPairCounts(ws, ids)),
    profileCount: async (ws) => (await fresh(), adapter.knowledge.profileCount(ws)),
    profileKnowledge: async (ws, after, limit) => (await fresh(), adapter.knowledge.profileKnowledge(ws, after, limit)),
    consentHistory: async (ws, id, limit) => (await fresh(), adapter.knowledge.consentHistory(ws, id, limit)),
    dataQuality: async (ws) => (await fresh(), adapter.knowledge.dataQuality(ws)),
  };
  const decisions: DecisionReader = {
    findDecisionProfile: async (ws, userId, anonymousId) => {
      await ready();
      const keys = [
        ...(userId === null ? [] : [{ kind: 'user' as const, value: userId }]),
        ...(anonymousId === null ? [] : [{ kind: 'anonymous' as const, value: anonymousId }]),
      ];
      const pinned = await live.load({ workspaceId: ws, keys });
      try {
        const p = (userId === null ? undefined : live.profileOf(ws, { kind: 'user', value: userId }))
          ?? (anonymousId === null ? undefined : live.profileOf(ws, { kind: 'anonymous', value: anonymousId }));
        return p === undefined ? undefined : live.decisionRow(p);
      } finally {
        live.unpin(pinned);
      }
    },
    findAnonymousDecisionProfile: async (ws, anonymousId) => {
      await ready();
      const key = { kind: 'anonymous' as const, value: anonymousId };
      const pinned = await live.load({ workspaceId: ws, keys: [key] });
      try {
        const p = live.profileOf(ws, key);
        if (p === undefined) return { profile: undefined, withheld: false };
        // Identities point at the surviving profile after a merge, so one look at it suffices.
        return live.hasUserId(p) ? { profile: undefined, withheld: true } : { profile: live.decisionRow(p), withheld: false };
      } finally {
        live.unpin(pinned);
      }
    },
    decisionProfile: async (ws, profileId) => {
      await ready();
      const pinned = await live.load({ workspaceId: ws, profileIds: [profileId] });
      try {
        const p = live.resolve(ws, profileId);
        return p === undefined ? undefined : live.decisionRow(p);
      } finally {
        live.unpin(pinned);
      }
    },
    outcomes: async (ws) => (await fresh(), adapter.decisions.outcomes(ws)),
    activityHours: async (ws) => (await fresh(), adapter.decisions.activityHours(ws)),
    decisionsOf: async (ws, ids, limit) => {
      await committer.flush();
      return adapter.decisions.decisionsOf(ws, ids, limit);
    },
    armWeights: async (ws, placementId) => {
      await committer.flush();
      return adapter.decisions.armWeights(ws, placementId);
    },
    loggedDecisions: async (ws, placementId, query) => {
      await committer.flush();
      return adapter.decisions.loggedDecisions(ws, placementId, query);
    },
    contextualFeedback: async (ws) => {
      await committer.flush();
      return adapter.decisions.contextualFeedback(ws);
    },
    contextualDecision: async (ws, decisionId) => {
      await committer.flush();
      return adapter.decisions.contextualDecision(ws, decisionId);
    },
  };
  /**
   * Deletes segments between cycles, after writing the state: a membership that a cycle or
   * the pending state still holds would otherwise be written after the delete and bring the
   * segment's member rows back.
   */
  /**
   * Deletes rows that pending state would write back (segment members, arm statistics):
   * between cycles, after every taken batch is in the store.
   */
  const deletingDerived = <T>(deleteInStore: () => Promise<T>): Promise<T> => committer.between(async () => {
    await (takeAndWrite() ?? lastWritten);
    return deleteInStore();
  });
  const config = adapter.knowledgeConfig;
  const knowledgeConfig: KnowledgeConfigStore = {
    configVersion: (ws) => config.configVersion(ws),
    savePredictionModel: (ws, model, keep) => config.savePredictionModel(ws, model, keep),
    predictionModel: (ws) => config.predictionModel(ws),
    predictionModelVersions: (ws) => config.predictionModelVersions(ws),
    listFeatures: (ws) => config.listFeatures(ws),
    putFeature: (ws, d, at) => config.putFeature(ws, d, at),
    deleteFeature: (ws, name) => config.deleteFeature(ws, name),
    listSegments: (ws) => config.listSegments(ws),
    putSegment: (ws, d, at) => config.putSegment(ws, d, at),
    deleteSegment: (ws, id) => deletingDerived(() => config.deleteSegment(ws, id)),
    saveDefinitions: (ws, changes, at) => ((changes.deleteSegments ?? []).length > 0
      ? deletingDerived(() => config.saveDefinitions(ws, changes, at))
      : config.saveDefinitions(ws, changes, at)),
    consentSettings: (ws) => config.consentSettings(ws),
    setConsentSettings: (ws, settings) => config.setConsentSettings(ws, settings),
  };
  const experiments: ExperimentStore = {
    listExperiments: (ws) => adapter.experiments.listExperiments(ws),
    putExperiment: (ws, d, at) => adapter.experiments.putExperiment(ws, d, at),
    deleteExperiment: (ws, id, at) => deletingDerived(async () => {
      live.dropArmStats(ws, id);
      return adapter.experiments.deleteExperiment(ws, id, at);
    }),
    isRetired: (ws, id) => adapter.experiments.isRetired(ws, id),
    listMetrics: (ws) => adapter.experiments.listMetrics(ws),
    putMetric: (ws, d, at) => adapter.experiments.putMetric(ws, d, at),
    deleteMetric: (ws, id) => adapter.experiments.deleteMetric(ws, id),
    measurement: (ws) => adapter.experiments.measurement(ws),
    setMeasurement: (ws, s) => adapter.experiments.setMeasurement(ws, s),
    armStats: async (ws, ids) => (await fresh(), adapter.experiments.armStats(ws, ids)),
    armDays: async (ws, id) => (await fresh(), adapter.experiments.armDays(ws, id)),
    dropArmStats: (ws, id) => deletingDerived(async () => {
      live.dropArmStats(ws, id);
      await adapter.experiments.dropArmStats(ws, id);
    }),
    addBanditWeights: (ws, id, record) => adapter.experiments.addBanditWeights(ws, id, record),
    banditWeights: (ws, id) => adapter.experiments.banditWeights(ws, id),
  };

  /**
   * Runs `work` to delete log rows: between cycles, once the queued events are appended and
   * every taken batch is in the store, so the stored checkpoint covers every event deleted.
   */
  const deletingLogRows = async <T>(work: () => Promise<T>): Promise<T> => {
    await committer.flush();
    await ready();
    return deletingDerived(work);
  };

  const erasePerson = (ws: string, person: PersonKeys): Promise<{ rows: PersonRowCounts; experimentUnits: number; interactions: number }> =>
    deletingLogRows(async () => {
      // Nothing the memory still holds of the person can be written after: it is forgotten first.
      const pinned = await live.load({ workspaceId: ws, profileIds: person.profileIds, keys: person.identities, armStats: true });
      live.unpin(pinned);
      const experimentUnits = live.erasePerson(ws, person.profileIds, person.identities);
      const { rows, interactions } = await adapter.privacy.erase(ws, person);
      // The arm statistics without the person's units.
      await (takeAndWrite() ?? lastWritten);
      return { rows, experimentUnits, interactions };
    });

  // Retention deletes log rows the way an erasure does: between cycles, once every taken batch
  // is in the store, so the stored checkpoint covers every event deleted (recovery never needs
  // one) and the analytics consent read from the stored knowledge is the memory's. A part of
  // the log at a time, so collection goes on between the parts.
  const retention: RetentionStore = {
    policy: (ws) => adapter.retention.policy(ws),
    setPolicy: (ws, policy, at) => adapter.retention.setPolicy(ws, policy, at),
    purgeEvents: (ws, cutOffs, purgeOptions) => deletingLogRows(() => adapter.retention.purgeEvents(ws, cutOffs, purgeOptions)),
    purgeDecisions: async (ws, before, dryRun) => {
      await committer.flush();
      return adapter.retention.purgeDecisions(ws, before, dryRun);
    },
    oldest: async (ws) => {
      await committer.flush();
      return adapter.retention.oldest(ws);
    },
  };

  // Reads of a person's rows write the state first, as the readers of derived tables do.
  const privacy: PrivacyStore = {
    secret: (ws, create, at) => adapter.privacy.secret(ws, create, at),
    survivorOf: async (ws, ref) => (await fresh(), adapter.privacy.survivorOf(ws, ref)),
    mergedInto: async (ws, id) => (await fresh(), adapter.privacy.mergedInto(ws, id)),
    identitiesOf: async (ws, ids) => (await fresh(), adapter.privacy.identitiesOf(ws, ids)),
    records: async (ws, person) => (await fresh(), adapter.privacy.records(ws, person)),
    erase: (ws, person) => erasePerson(ws, person),
    remaining: async (ws, person) => (await fresh(), adapter.privacy.remaining(ws, person)),
    compact: () => adapter.privacy.compact(),
    suppress: (ws, entries, at) => adapter.privacy.suppress(ws, entries, at),
    unsuppress: (ws, hashes) => adapter.privacy.unsuppress(ws, hashes),
    suppressions: (ws) => adapter.privacy.suppressions(ws),
    countDropped: (ws, dropped, at) => adapter.privacy.countDropped(ws, dropped, at),
    saveReceipt: (ws, receipt) => adapter.privacy.saveReceipt(ws, receipt),
    receipts: (ws, limit) => adapter.privacy.receipts(ws, limit),
  };

  const catalog: CatalogStore = {
    putItems: (ws, items) => adapter.catalog.putItems(ws, items),
    getItems: (ws, ids) => adapter.catalog.getItems(ws, ids),
    deleteItems: (ws, ids) => adapter.catalog.deleteItems(ws, ids),
    listItems: (ws, listOptions) => adapter.catalog.listItems(ws, listOptions),
    countItems: (ws, query) => adapter.catalog.countItems(ws, query),
    // Read from the log: the events queued now are counted once they are appended.
    unknownItems: async (ws, unknownOptions) => {
      await committer.flush();
      return adapter.catalog.unknownItems(ws, unknownOptions);
    },
  };

  // Reports read the log, the decisions and the state: the queued events appended, the state written first.
  const settled = async (): Promise<void> => {
    await committer.flush();
    await fresh();
  };
  const quality: QualityStore = {
    addCounters: (rows) => adapter.quality.addCounters(rows),
    counters: (ws, from, until, kinds) => adapter.quality.counters(ws, from, until, kinds),
    volume: (ws, since, until) => adapter.quality.volume(ws, since, until),
    recountVolume: async (ws) => (await settled(), adapter.quality.recountVolume(ws)),
    merges: async (ws, since, until) => (await settled(), adapter.quality.merges(ws, since, until)),
    identityHealth: async (ws, max) => (await settled(), adapter.quality.identityHealth(ws, max)),
    trackingPlan: (ws) => adapter.quality.trackingPlan(ws),
    setTrackingPlan: (ws, plan, at) => adapter.quality.setTrackingPlan(ws, plan, at),
  };
  const fairness: FairnessStore = {
    settings: (ws) => adapter.fairness.settings(ws),
    setSettings: (ws, s, at) => adapter.fairness.setSettings(ws, s, at),
    placementGroups: async (ws, query) => (await settled(), adapter.fairness.placementGroups(ws, query)),
    experimentGroups: async (ws, query) => (await settled(), adapter.fairness.experimentGroups(ws, query)),
  };

  return {
    committer,
    live,
    recovered: firstRecovery,
    events,
    profiles,
    workspaces: adapter.workspaces,
    users: adapter.users,
    knowledgeConfig,
    knowledge,
    decisionConfig: adapter.decisionConfig,
    decisions,
    experiments,
    catalog,
    recommenderModels: adapter.recommenderModels,
    rankEvents: adapter.rankEvents,
    privacy,
    audit: adapter.audit,
    retention,
    quality,
    fairness,
    review: adapter.review,
    flushState: fresh,
    async itemModels(ws) {
      await ready();
      await live.load({ workspaceId: ws, counters: true });
      const models = live.loadedItemModels(ws);
      // A reset between the load and here (a rebuild): load again once it is done.
      if (models !== undefined) return models;
      await live.load({ workspaceId: ws, counters: true });
      const again = live.loadedItemModels(ws);
      if (again === undefined) throw new AttuneError('ATTUNE_STORE_UNAVAILABLE', { detail: 'the item models are being rebuilt; try again' });
      return again;
    },
    async profileIds(ws, afterId, limit) {
      await fresh();
      return adapter.state.profileIds(ws, afterId, limit);
    },
    async resetDerived(ws) {
      await committer.flush();
      await fresh();
      live.dropWorkspace(ws);
      await adapter.state.resetDerived(ws);
    },
    erasePerson,
    async close() {
      clearInterval(timer);
      await committer.close();
      await fresh().catch(() => undefined);
      await adapter.close();
    },
  };
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly settled: boolean;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let settle!: { resolve: (value: T) => void; reject: (reason: unknown) => void };
  const promise = new Promise<T>((resolve, reject) => {
    settle = { resolve, reject };
  });
  promise.catch(() => undefined);
  const d = {
    promise,
    settled: false,
    resolve(value: T) {
      d.settled = true;
      settle.resolve(value);
    },
    reject(reason: unknown) {
      d.settled = true;
      settle.reject(reason);
    },
  };
  return d;
}
