import { unrecorded, type AuditRecorder } from '../core/audit/AuditRecorder.js';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/common/ports.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { decodeModelPayload } from '../core/recommend/trained/modelPayload.js';
import { serveModel, type ServedModel } from '../core/recommend/trained/servedModel.js';
import type { ModelMetrics, TrainedModelKind } from '../core/recommend/trained/TrainedModel.js';
import type { EventLogReader, RecommenderModelInfo, RecommenderModelStore } from '../store/ports.js';
import { logInteractions } from './logInteractions.js';
import { runTrainingThread, type TrainingRunner } from './trainingThread.js';

export interface RecommenderModelsDeps {
  readonly store: RecommenderModelStore;
  readonly events: EventLogReader;
  /** Settles once the events queued now are in the log (the committer's flush). */
  readonly settle: () => Promise<void>;
  readonly clock: Clock;
  /** Where each stored version and activation is recorded (the engine's audit trail). */
  readonly audit?: AuditRecorder;
  /** Default: a worker thread. */
  readonly runTraining?: TrainingRunner;
  /** Versions kept after a training (the active one is always kept too); default 5. */
  readonly keepVersions?: number;
  /** How often the active version is checked against the store (another node's activation); default 1,000 ms. */
  readonly recheckMillis?: number;
}

export type TrainingPhase = 'reading' | 'holdout' | 'final' | 'saving';

export interface TrainingProgress {
  readonly phase: TrainingPhase;
  /** Of the whole job, in [0, 1]. */
  readonly fraction: number;
  readonly eventsRead: number;
}

export interface TrainingStatus extends TrainingProgress {
  readonly version: number;
  readonly startedAt: string;
}

export interface TrainingFailure {
  readonly version: number;
  readonly code: string;
  readonly message: string;
  readonly at: string;
}

export interface TrainingOptions {
  readonly kind?: 'auto' | TrainedModelKind;
  /** Make the new version the active one (default true): recommendations use it from the next request. */
  readonly activate?: boolean;
  readonly onProgress?: (progress: TrainingProgress) => void;
}

/** What a training stores with its version (`metrics` of the listing), and reports. */
export interface TrainingSummary extends ModelMetrics {
  readonly version: number;
  readonly kind: TrainedModelKind;
  readonly active: boolean;
  readonly items: number;
  readonly users: number;
  readonly interactions: number;
  readonly events: number;
  readonly trainedFromSeq: number;
  readonly seconds: number;
  readonly modelBytes: number;
  readonly payloadBytes: number;
  readonly notice: string | null;
}

/** Where each phase sits in the whole job's progress (EASE's inverse dominates both trainings). */
const phaseSpan: Readonly<Record<TrainingPhase, readonly [number, number]>> = { reading: [0, 0.1], holdout: [0.1, 0.5], final: [0.5, 0.95], saving: [0.95, 1] };

interface CacheEntry {
  version: number | null;
  served: ServedModel | undefined;
  checkedAt: number;
}

/**
 * A workspace's trained recommender models: the training job (the event log's item
 * interactions -> the core's training on a worker thread -> a stored version, activated),
 * the versions and their activation, and the active model as served, decoded once and cached
 * per workspace. Activating a version swaps the cached model at once, without a restart; an
 * activation by another process is seen within `recheckMillis`.
 */
export class RecommenderModels {
  private readonly running = new Map<string, TrainingStatus>();
  private readonly failures = new Map<string, TrainingFailure>();
  private readonly cache = new Map<string, CacheEntry>();
  private readonly loading = new Map<string, Promise<ServedModel | undefined>>();

  constructor(private readonly deps: RecommenderModelsDeps) {}

  /**
   * Starts a training; `done` settles with its summary. One at a time per workspace: a second
   * start while one runs is refused (ATTUNE_MODEL_TRAINING). `version` is the number the
   * model will be stored under.
   */
  async start(workspaceId: string, options: TrainingOptions = {}): Promise<{ version: number; status: TrainingStatus; done: Promise<TrainingSummary> }> {
    const current = this.running.get(workspaceId);
    if (current !== undefined) throw new AttuneError('ATTUNE_MODEL_TRAINING', { detail: `version ${current.version} is training (${Math.round(current.fraction * 100)}%, ${current.phase}); wait for it to finish` });
    // Taken before the first await, so that two starts in the same turn cannot both run.
    let status: TrainingStatus = { version: 0, startedAt: new Date(this.deps.clock.now()).toISOString(), phase: 'reading', fraction: 0, eventsRead: 0 };
    this.running.set(workspaceId, status);
    try {
      const versions = await this.deps.store.listModels(workspaceId);
      status = { ...status, version: (versions[0]?.version ?? 0) + 1 };
      this.running.set(workspaceId, status);
    } catch (error) {
      this.running.delete(workspaceId);
      throw error;
    }
    const report = (phase: TrainingPhase, within: number, eventsRead = status.eventsRead) => {
      const [from, to] = phaseSpan[phase];
      status = { ...status, phase, fraction: from + (to - from) * Math.min(1, Math.max(0, within)), eventsRead };
      this.running.set(workspaceId, status);
      options.onProgress?.({ phase, fraction: status.fraction, eventsRead });
    };
    const done = this.run(workspaceId, status.version, options, report).then(
      (summary) => {
        this.running.delete(workspaceId);
        this.failures.delete(workspaceId);
        return summary;
      },
      (error: unknown) => {
        this.running.delete(workspaceId);
        this.failures.set(workspaceId, {
          version: status.version, code: error instanceof AttuneError ? error.code : 'ATTUNE_INTERNAL',
          message: error instanceof Error ? error.message : String(error), at: new Date(this.deps.clock.now()).toISOString(),
        });
        throw error;
      },
    );
    // A background job's failure is reported by `list` (lastFailure), not as an unhandled rejection.
    done.catch(() => undefined);
    return { version: status.version, status, done };
  }

  /** Trains and waits for the summary. */
  async train(workspaceId: string, options: TrainingOptions = {}): Promise<TrainingSummary> {
    return (await this.start(workspaceId, options)).done;
  }

  training(workspaceId: string): TrainingStatus | undefined {
    return this.running.get(workspaceId);
  }

  async list(workspaceId: string): Promise<{ active: number | null; training: TrainingStatus | null; lastFailure: TrainingFailure | null; versions: RecommenderModelInfo[] }> {
    const versions = await this.deps.store.listModels(workspaceId);
    return {
      active: versions.find((v) => v.active)?.version ?? null,
      training: this.running.get(workspaceId) ?? null,
      lastFailure: this.failures.get(workspaceId) ?? null,
      versions,
    };
  }

  /** Makes a version active and serves it from the next request; refuses one that cannot be read. */
  async activate(workspaceId: string, version: number): Promise<RecommenderModelInfo> {
    const stored = await this.deps.store.getModel(workspaceId, version);
    if (stored === undefined) throw new AttuneError('ATTUNE_MODEL_NOT_FOUND', { detail: `no recommender model version ${version}`, field: '/version' });
    const served = serveModel(version, decodeModelPayload(stored.payload));
    const before = (await this.deps.store.listModels(workspaceId)).find((v) => v.active)?.version ?? null;
    if (!(await this.deps.store.activate(workspaceId, version))) throw new AttuneError('ATTUNE_MODEL_NOT_FOUND', { detail: `version ${version} was deleted meanwhile`, field: '/version' });
    this.cache.set(workspaceId, { version, served, checkedAt: performance.now() });
    await (this.deps.audit ?? unrecorded).changed({ workspaceId, action: 'recommenderModel.activated', target: { kind: 'recommenderModel', id: String(version) }, before: { active: before }, after: { active: version } });
    const { payload: _payload, ...info } = stored;
    return { ...info, active: true };
  }

  /** The workspace's active model as served, or undefined while none is active (or it cannot be read). */
  async served(workspaceId: string): Promise<ServedModel | undefined> {
    const entry = this.cache.get(workspaceId);
    if (entry !== undefined && performance.now() - entry.checkedAt < (this.deps.recheckMillis ?? 1000)) return entry.served;
    let loading = this.loading.get(workspaceId);
    if (loading === undefined) {
      loading = this.load(workspaceId, entry).finally(() => this.loading.delete(workspaceId));
      this.loading.set(workspaceId, loading);
    }
    return loading;
  }

  private async load(workspaceId: string, entry: CacheEntry | undefined): Promise<ServedModel | undefined> {
    const version = await this.deps.store.activeVersion(workspaceId);
    if (entry !== undefined && entry.version === version) {
      entry.checkedAt = performance.now();
      return entry.served;
    }
    const stored = version === null ? undefined : await this.deps.store.activeModel(workspaceId);
    let served: ServedModel | undefined;
    try {
      served = stored === undefined ? undefined : serveModel(stored.version, decodeModelPayload(stored.payload));
    } catch {
      // A version that cannot be read is not served (the co-occurrence source stays), and not
      // decoded again until another version is activated; activating it answers ATTUNE_MODEL_INVALID.
      served = undefined;
    }
    this.cache.set(workspaceId, { version: stored?.version ?? null, served, checkedAt: performance.now() });
    return served;
  }

  private async run(workspaceId: string, version: number, options: TrainingOptions, report: (phase: TrainingPhase, within: number, eventsRead?: number) => void): Promise<TrainingSummary> {
    const started = performance.now();
    await this.deps.settle();
    const log = await logInteractions(this.deps.events, workspaceId, (read, total) => report('reading', total === 0 ? 1 : read / total, read));
    if (log.data.interactions.length === 0) {
      throw new AttuneError('ATTUNE_MODEL_NO_DATA', { detail: `none of the workspace's ${log.events} events is a Product Viewed, Product Added or Order Completed with a product id` });
    }
    const outcome = await (this.deps.runTraining ?? runTrainingThread)(log.data, options.kind ?? 'auto', (step, fraction) => report(step, fraction));
    report('saving', 0);
    const summary: Omit<TrainingSummary, 'active'> = {
      version, kind: outcome.kind, ...outcome.metrics,
      items: log.data.itemIds.length, users: log.data.userIds.length, interactions: log.data.interactions.length, events: log.events,
      trainedFromSeq: log.lastSeq, seconds: (performance.now() - started) / 1000,
      modelBytes: outcome.modelBytes, payloadBytes: outcome.payload.byteLength, notice: outcome.notice,
    };
    await this.deps.store.saveModel(workspaceId, { version, kind: outcome.kind, createdAt: this.deps.clock.now(), trainedFromSeq: log.lastSeq, metrics: summary, payload: outcome.payload });
    await (this.deps.audit ?? unrecorded).changed({
      workspaceId, action: 'recommenderModel.trained', target: { kind: 'recommenderModel', id: String(version) }, after: { version, kind: outcome.kind, trainedFromSeq: log.lastSeq, metrics: summary },
    });
    const active = options.activate ?? true;
    if (active) await this.activate(workspaceId, version);
    await this.deps.store.deleteOldModels(workspaceId, this.deps.keepVersions ?? 5);
    report('saving', 1);
    return { ...summary, active };
  }
}
