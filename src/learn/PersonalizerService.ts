import type { ContextualExploration } from '../core/bandits/linear/contextualChoice.js';
import { createLinearModel, updateLinearModel, type LinearModel } from '../core/bandits/linear/LinearModel.js';
import { actionVector, rankActions, type RankableAction } from '../core/bandits/linear/rankActions.js';
import type { Clock, IdGenerator } from '../core/common/ports.js';
import type { Random } from '../core/common/random.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { RankEventChange, RankEventRecord, RankEventStore, RankModelSnapshot } from '../store/ports.js';
import { RankEventRecorder } from './RankEventRecorder.js';

/** How the rank-and-reward loop learns; one set per engine (Personalizer's service configuration, in part). */
export interface PersonalizerSettings {
  /** Share of rank calls that explore uniformly (Personalizer's `explorationPercentage`; its default 0.2). */
  readonly explorationShare: number;
  /** Linear Thompson sampling (default, noise scale 0.5) or LinUCB. */
  readonly exploration: ContextualExploration;
  /** Length of the hashed feature vector (the model keeps a dims × dims matrix per workspace). */
  readonly dims: number;
  /** Ridge penalty λ: the prior's precision. */
  readonly ridge: number;
  /** How long after activation a reward is awaited before the default reward counts (Personalizer: 10 minutes). */
  readonly rewardWaitMillis: number;
  /** The reward of an event that gets none in time (Personalizer: 0). */
  readonly defaultReward: number;
  /** A snapshot of the model is stored every this many learned events, so a start replays fewer. */
  readonly snapshotEvery: number;
  /**
   * How long a rank event may wait, after its answer, to share one commit with others (as
   * decision records do). 0: each event is stored before its rank call answers. See README.
   */
  readonly recordDelayMs: number;
}

export const defaultPersonalizerSettings: PersonalizerSettings = {
  explorationShare: 0.2,
  exploration: { kind: 'linTS', scale: 0.5 },
  dims: 256,
  ridge: 1,
  rewardWaitMillis: 10 * 60_000,
  defaultReward: 0,
  snapshotEvery: 1000,
  recordDelayMs: 50,
};

/** A workspace's model in memory, with the last event it learned and the last one its stored snapshot holds. */
interface LiveModel {
  readonly model: LinearModel;
  learnedSeq: number;
  snapshotSeq: number;
}

/** A rank call as Personalizer's REST API v1.0 takes it (nulls are what some clients send for "not given"). */
export interface RankRequest {
  readonly contextFeatures?: readonly unknown[] | null;
  readonly actions: readonly { readonly id: string; readonly features?: readonly unknown[] | null }[];
  readonly excludedActions?: readonly string[] | null;
  readonly eventId?: string | null;
  readonly deferActivation?: boolean | null;
}

export interface RankResponse {
  readonly ranking: { readonly id: string; readonly probability: number }[];
  readonly eventId: string;
  readonly rewardActionId: string;
}

export interface PersonalizerServiceOptions {
  readonly store: RankEventStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly random: Random;
  readonly settings?: Partial<PersonalizerSettings>;
  /** A batch of rank events written behind could not be stored (its events are lost). */
  readonly onRecordError?: (error: unknown) => void;
}

/** Learned events read per round when a model is rebuilt. */
const REPLAY_PAGE = 1000;

/**
 * Microsoft Personalizer's rank-and-reward loop over Attune's store: one shared linear model
 * per workspace (context × action features, src/core/bandits/linear), ranked by linear Thompson
 * sampling with an exploration share, updated online by each reward. Every rank event is
 * recorded with its probabilities: written behind in batches (`RankEventRecorder`), or before
 * the answer with `recordDelayMs: 0`; whatever reads rank events flushes the batch waiting
 * first, so a reward always finds its event. An event is learned when it is both
 * activated and rewarded (the earliest reward counts; the default reward once the wait time has
 * passed). The model lives in memory: on a workspace's first call after a start it is rebuilt
 * from its stored snapshot (saved every `snapshotEvery` learned events) and the learned events
 * after it, replayed in the order they were learned, which gives the model that was there
 * before. A workspace's calls run one after another, so the model and the store's learning
 * order never part.
 */
export class PersonalizerService {
  readonly settings: PersonalizerSettings;
  private readonly models = new Map<string, LiveModel>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly recorder: RankEventRecorder;

  constructor(private readonly options: PersonalizerServiceOptions) {
    this.settings = { ...defaultPersonalizerSettings, ...options.settings };
    this.recorder = new RankEventRecorder(options.store, { delayMs: this.settings.recordDelayMs, onError: options.onRecordError ?? (() => undefined) });
  }

  /** Writes the rank events waiting for their batch (before a shutdown, an export or an erasure). */
  async flushEvents(): Promise<void> {
    await this.recorder.flush();
  }

  /** Ranks the actions for the context, records the event and answers Personalizer's RankResponse. */
  async rank(workspaceId: string, request: RankRequest): Promise<RankResponse> {
    const actions: RankableAction[] = request.actions.map((a) => ({ id: a.id, features: a.features ?? [] }));
    const seen = new Map<string, number>();
    for (const [index, action] of actions.entries()) {
      const first = seen.get(action.id);
      if (first !== undefined) throw invalid(`actions ${first} and ${index} have the same id "${action.id}"; action ids must be unique`, `body/actions/${index}/id`);
      seen.set(action.id, index);
    }
    const excluded = new Set(request.excludedActions ?? []);
    if (actions.every((a) => excluded.has(a.id))) throw invalid('every action is excluded: at least one must be left to rank', 'body/excludedActions');
    const context = request.contextFeatures ?? [];
    return this.serially(workspaceId, async ({ model }) => {
      const now = this.options.clock.now();
      const eventId = request.eventId ?? this.options.ids.next();
      // The id is checked before the answer, as the store's unique key would: the event may be
      // written after it. A workspace's calls run one at a time, so none can slip between.
      if (this.recorder.has(workspaceId, eventId) || await this.options.store.getEvent(workspaceId, eventId) !== undefined) {
        throw new AttuneError('ATTUNE_RANK_EVENT_EXISTS', { detail: `the event id "${eventId}" was ranked already; send a new one, or none`, field: 'body/eventId' });
      }
      const ranking = rankActions(model, context, actions, excluded, this.settings, this.options.random);
      this.recorder.add({
        workspaceId, eventId, context, actions, excludedActions: [...excluded], chosenActionId: ranking.chosenActionId,
        probabilities: ranking.probabilities, rankedAt: now, activatedAt: request.deferActivation === true ? null : now,
        reward: null, rewardSource: null, rewardedAt: null, learnedSeq: null,
      });
      if (this.settings.recordDelayMs === 0) await this.recorder.flush();
      return {
        ranking: ranking.order.map((index) => ({ id: actions[index]!.id, probability: ranking.probabilities[index]! })),
        eventId,
        rewardActionId: ranking.chosenActionId,
      };
    });
  }

  /** Records the event's reward; the earliest counts, later ones are ignored (Personalizer's `earliest` aggregation). */
  async reward(workspaceId: string, eventId: string, value: number): Promise<void> {
    if (!Number.isFinite(value)) throw invalid(`the reward must be a finite number, got ${value}`, 'body/value');
    await this.serially(workspaceId, async (live) => {
      if (this.recorder.has(workspaceId, eventId)) await this.recorder.flush();
      this.learn(live, eventId, await this.options.store.reward(workspaceId, eventId, value, this.options.clock.now()));
    });
  }

  /** Activates a deferred event: from now on it learns its reward (or the default one). */
  async activate(workspaceId: string, eventId: string): Promise<void> {
    await this.serially(workspaceId, async (live) => {
      if (this.recorder.has(workspaceId, eventId)) await this.recorder.flush();
      this.learn(live, eventId, await this.options.store.activate(workspaceId, eventId, this.options.clock.now()));
    });
  }

  /** Logged events, newest first, with their probabilities: what off-policy evaluation reads. */
  async events(workspaceId: string, limit: number, before?: string): Promise<RankEventRecord[]> {
    await this.serially(workspaceId, async () => undefined);
    await this.recorder.flush();
    return this.options.store.listEvents(workspaceId, limit, before);
  }

  /** Rewards the model of the workspace has learned (rebuilding it first if need be). */
  async observations(workspaceId: string): Promise<number> {
    return this.serially(workspaceId, async ({ model }) => model.observations);
  }

  private learn(live: LiveModel, eventId: string, change: RankEventChange): void {
    if (change.kind === 'unknown') throw new AttuneError('ATTUNE_RANK_EVENT_NOT_FOUND', { detail: `no rank call of this workspace returned the event id "${eventId}"`, field: 'params/eventId' });
    if (change.kind === 'changed' && change.learned !== null) this.update(live, change.learned);
  }

  private update(live: LiveModel, event: RankEventRecord): void {
    const action = event.actions.find((a) => a.id === event.chosenActionId)!;
    updateLinearModel(live.model, actionVector(event.context, action, live.model.dims), event.reward!);
    live.learnedSeq = event.learnedSeq!;
  }

  /**
   * Runs a job on the workspace's model after the jobs before it, the model rebuilt first if it
   * is not in memory and the default reward given to the events whose wait is over. After a
   * failure the model is dropped, so the next call rebuilds it from the store.
   */
  private serially<T>(workspaceId: string, job: (live: LiveModel) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      try {
        const live = this.models.get(workspaceId) ?? await this.rebuild(workspaceId);
        this.models.set(workspaceId, live);
        const now = this.options.clock.now();
        if (this.recorder.activatedBy(now - this.settings.rewardWaitMillis)) await this.recorder.flush();
        const expired = await this.options.store.expire(workspaceId, now - this.settings.rewardWaitMillis, this.settings.defaultReward, now);
        for (const event of expired) this.update(live, event);
        const result = await job(live);
        if (live.learnedSeq - live.snapshotSeq >= this.settings.snapshotEvery) await this.snapshot(workspaceId, live);
        return result;
      } catch (error) {
        if (!(error instanceof AttuneError && error.status < 500)) this.models.delete(workspaceId);
        throw error;
      }
    };
    const result = (this.chains.get(workspaceId) ?? Promise.resolve()).then(run);
    this.chains.set(workspaceId, result.then(() => undefined, () => undefined));
    return result;
  }

  private async rebuild(workspaceId: string): Promise<LiveModel> {
    const { dims, ridge } = this.settings;
    const snapshot = await this.options.store.loadSnapshot(workspaceId);
    const usable = snapshot !== undefined && snapshot.dims === dims && snapshot.ridge === ridge;
    const live: LiveModel = usable
      ? { model: { dims, inverse: snapshot.inverse, moment: snapshot.moment, theta: snapshot.theta, observations: snapshot.observations }, learnedSeq: snapshot.learnedSeq, snapshotSeq: snapshot.learnedSeq }
      : { model: createLinearModel(dims, ridge), learnedSeq: 0, snapshotSeq: 0 };
    for (;;) {
      const page = await this.options.store.learnedEvents(workspaceId, live.learnedSeq, REPLAY_PAGE);
      for (const event of page) this.update(live, event);
      if (page.length < REPLAY_PAGE) return live;
    }
  }

  private async snapshot(workspaceId: string, live: LiveModel): Promise<void> {
    const { model } = live;
    // Copies: the model goes on changing after this call returns.
    const snapshot: RankModelSnapshot = {
      learnedSeq: live.learnedSeq, dims: model.dims, ridge: this.settings.ridge, observations: model.observations,
      inverse: model.inverse.slice(), moment: model.moment.slice(), theta: model.theta.slice(), savedAt: this.options.clock.now(),
    };
    await this.options.store.saveSnapshot(workspaceId, snapshot);
    live.snapshotSeq = live.learnedSeq;
  }
}

function invalid(detail: string, field: string): AttuneError {
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail, field });
}
