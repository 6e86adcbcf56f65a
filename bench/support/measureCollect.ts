import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/common/ports.js';
import { applyExperimentEvent, EXPOSURE_EVENT, type ExperimentUnits } from '../../src/core/experiments/experimentUnits.js';
import type { ExperimentModel } from '../../src/core/experiments/ExperimentModel.js';
import { defaultIdentitySettings } from '../../src/core/identity/types.js';
import { DecisionModels } from '../../src/decide/DecisionModels.js';
import { ExperimentService } from '../../src/experiments/ExperimentService.js';
import { KnowledgeModels } from '../../src/knowledge/KnowledgeModels.js';
import { openStore, type EmbeddedStore } from '../../src/engine/openStore.js';
import type { StreamRecord } from './measureAggregation.js';
import { customMetrics, measureExperiment, measureSettings } from './measureAggregation.js';

/**
 * The real path of outcome aggregation, as the collect commit runs it: per event the core's
 * `applyExperimentEvent` on the profile's experiment units (kept in a Map, as the knowledge
 * keeps them per profile) and, when it reports changes, `updateExperimentStats` of the
 * store's collect transaction; jobs of 100 events through the store's own SqliteCommitter,
 * which runs each job in a savepoint of a group commit and flushes the job's arm statistics
 * (one row per experiment, arm and metric touched) at its end.
 */

/** A SQLite store in a temporary directory, and an ExperimentService over it. */
export interface MeasureStore {
  readonly store: EmbeddedStore;
  readonly service: ExperimentService;
  readonly dir: string;
  close(): Promise<void>;
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * Opens a fresh store (migrations applied by openSqliteStore). `synchronous = NORMAL`: a commit
 * writes its pages to the WAL without an fsync; the fsync is the whole commit's (events,
 * profiles, knowledge), which bench/ingest measures, not aggregation's.
 */
export function openMeasureStore(): MeasureStore {
  const dir = mkdtempSync(join(tmpdir(), 'attune-bench-measure-'));
  const store = openStore({ path: join(dir, 'attune.db'), synchronous: 'normal', maxPendingEvents: 10_000_000 });
  const knowledge = new KnowledgeModels(store.knowledgeConfig, systemClock, { experiments: store.experiments });
  const service = new ExperimentService({ store: store.experiments, models: new DecisionModels(knowledge, store.decisionConfig), clock: systemClock });
  return {
    store, service, dir,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A workspace with the measure experiment, its metrics and measurement settings, so that the service can read it out. */
export async function createMeasureWorkspace(store: EmbeddedStore, workspaceId: string): Promise<void> {
  await store.workspaces.createWorkspace({ id: workspaceId, name: workspaceId, createdAt: 0, identity: defaultIdentitySettings }, []);
  for (const metric of customMetrics) await store.experiments.putMetric(workspaceId, metric, 0);
  await store.experiments.setMeasurement(workspaceId, measureSettings);
  await store.experiments.putExperiment(workspaceId, measureExperiment, 0);
}

export interface CollectPass {
  readonly millis: number;
  /** Each profile's experiment units at the end (its knowledge's `x`). */
  readonly units: Map<string, ExperimentUnits>;
  /** ArmStatChanges handed to updateExperimentStats. */
  readonly changes: number;
  readonly jobs: number;
}

/** The covariate reader: the measure experiment has no covariate, so it is never called. */
const noCovariate = (): number => 0;

/**
 * One event of the real path, as applyEventKnowledge and applyEvent do it: skipped at once when
 * the profile is in no experiment and the event is no exposure; the units changed in place
 * (a first exposure creates them); the changes, if any, returned for the store.
 */
function applyOne(units: Map<string, ExperimentUnits>, record: StreamRecord, model: ExperimentModel) {
  const event = record.event;
  const current = units.get(record.unitId);
  if (current === undefined && event.name !== EXPOSURE_EVENT) return null;
  const applied = applyExperimentEvent(current, event, model, noCovariate);
  if (current === undefined && applied.units !== undefined) units.set(record.unitId, applied.units);
  return applied.changes;
}

/**
 * The timed real pass: the whole stream, in jobs of `jobSize` events submitted to the store's
 * committer one after the other (each its own group commit: BEGIN IMMEDIATE, data_version
 * check, savepoint, the job, flush, COMMIT). The statistics go to `workspaceId`'s rows.
 */
export async function collectPass(store: EmbeddedStore, workspaceId: string, records: readonly StreamRecord[], model: ExperimentModel, jobSize: number): Promise<CollectPass> {
  const units = new Map<string, ExperimentUnits>();
  let changes = 0;
  let jobs = 0;
  const started = process.hrtime.bigint();
  for (let from = 0; from < records.length; from += jobSize) {
    const to = Math.min(from + jobSize, records.length);
    jobs++;
    await store.committer.submit(to - from, (tx) => {
      for (let i = from; i < to; i++) {
        const record = records[i]!;
        const list = applyOne(units, record, model);
        if (list === null || list.length === 0) continue;
        tx.updateExperimentStats(workspaceId, list, record.event.timestamp);
        changes += list.length;
      }
    });
  }
  const millis = Number(process.hrtime.bigint() - started) / 1e6;
  return { millis, units, changes, jobs };
}

/** The same pass without the store: the core's share (applyExperimentEvent, the Map of units, the change objects). */
export function corePass(records: readonly StreamRecord[], model: ExperimentModel): CollectPass {
  const units = new Map<string, ExperimentUnits>();
  let changes = 0;
  const started = process.hrtime.bigint();
  for (const record of records) {
    const list = applyOne(units, record, model);
    if (list !== null) changes += list.length;
  }
  const millis = Number(process.hrtime.bigint() - started) / 1e6;
  return { millis, units, changes, jobs: 0 };
}

/**
 * The committer's own share, paid by every collect job with or without experiments: as many
 * jobs as the real pass submits, each empty (group commit, savepoint, a flush with nothing to
 * write, the promise and setImmediate). Returns the pass time in ms.
 */
export async function emptyJobsPass(store: EmbeddedStore, records: number, jobSize: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let from = 0; from < records; from += jobSize) await store.committer.submit(Math.min(jobSize, records - from), () => undefined);
  return Number(process.hrtime.bigint() - started) / 1e6;
}
