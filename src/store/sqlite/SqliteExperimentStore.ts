import type { ExperimentDefinition } from '../../core/experiments/ExperimentDefinition.js';
import type { MeasurementSettings } from '../../core/experiments/MeasurementSettings.js';
import type { MetricDefinition } from '../../core/experiments/MetricDefinition.js';
import type { ArmDayRow, ArmStatsRow, BanditWeightsRecord, ExperimentStore } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { DefinitionTable } from './DefinitionTable.js';
import { writeTransaction } from './writeTransaction.js';

interface StatsRow {
  experiment_id: string;
  arm_id: string;
  metric_id: string;
  n: number;
  mean_x: number;
  mean_y: number;
  m2_x: number;
  m2_y: number;
  c_xy: number;
  first_at: number;
  last_at: number;
}

/** Experiments, metrics, measurement settings and experiment statistics, on SQLite. */
export class SqliteExperimentStore implements ExperimentStore {
  private readonly stmts;
  private readonly deleteTx;
  private readonly dropStatsTx;
  private readonly experiments: DefinitionTable<ExperimentDefinition>;
  private readonly metrics: DefinitionTable<MetricDefinition>;

  constructor(db: SqliteDatabase) {
    this.experiments = new DefinitionTable(db, 'experiment_definitions');
    this.metrics = new DefinitionTable(db, 'metric_definitions');
    this.stmts = {
      measurement: db.prepare('SELECT measurement FROM workspaces WHERE id = ?').pluck(),
      setMeasurement: db.prepare('UPDATE workspaces SET measurement = ?, config_version = config_version + 1 WHERE id = ?'),
      stats: db.prepare('SELECT experiment_id, arm_id, metric_id, n, mean_x, mean_y, m2_x, m2_y, c_xy, first_at, last_at FROM experiment_stats WHERE workspace_id = ? AND experiment_id IN (SELECT value FROM json_each(?)) ORDER BY experiment_id, arm_id, metric_id'),
      dropStats: db.prepare('DELETE FROM experiment_stats WHERE workspace_id = ? AND experiment_id = ?'),
      days: db.prepare('SELECT arm_id, metric_id, day, n, mean_x, mean_y, m2_x, m2_y, c_xy FROM experiment_daily WHERE workspace_id = ? AND experiment_id = ? ORDER BY day, arm_id, metric_id'),
      dropDays: db.prepare('DELETE FROM experiment_daily WHERE workspace_id = ? AND experiment_id = ?'),
      retire: db.prepare('INSERT OR IGNORE INTO retired_experiments (workspace_id, id, retired_at) VALUES (?, ?, ?)'),
      retired: db.prepare('SELECT 1 FROM retired_experiments WHERE workspace_id = ? AND id = ?').pluck(),
      addWeights: db.prepare('INSERT OR IGNORE INTO experiment_weights (workspace_id, experiment_id, version, computed_at, record) VALUES (?, ?, ?, ?, ?)'),
      weights: db.prepare('SELECT record FROM experiment_weights WHERE workspace_id = ? AND experiment_id = ? ORDER BY version').pluck(),
      dropWeights: db.prepare('DELETE FROM experiment_weights WHERE workspace_id = ? AND experiment_id = ?'),
    };
    this.dropStatsTx = writeTransaction(db, (workspaceId: string, id: string) => {
      this.stmts.dropStats.run(workspaceId, id);
      this.stmts.dropDays.run(workspaceId, id);
    });
    this.deleteTx = writeTransaction(db, (workspaceId: string, id: string, at: number): boolean => {
      if (!this.experiments.delete(workspaceId, id)) return false;
      this.stmts.retire.run(workspaceId, id, at);
      this.dropStatsTx(workspaceId, id);
      this.stmts.dropWeights.run(workspaceId, id);
      return true;
    });
  }

  async listExperiments(workspaceId: string): Promise<ExperimentDefinition[]> {
    return this.experiments.list(workspaceId);
  }

  async putExperiment(workspaceId: string, definition: ExperimentDefinition, at: number): Promise<'created' | 'updated'> {
    return this.experiments.put(workspaceId, definition, at);
  }

  async deleteExperiment(workspaceId: string, id: string, at: number): Promise<boolean> {
    return this.deleteTx(workspaceId, id, at);
  }

  async isRetired(workspaceId: string, id: string): Promise<boolean> {
    return this.stmts.retired.get(workspaceId, id) !== undefined;
  }

  async listMetrics(workspaceId: string): Promise<MetricDefinition[]> {
    return this.metrics.list(workspaceId);
  }

  async putMetric(workspaceId: string, definition: MetricDefinition, at: number): Promise<'created' | 'updated'> {
    return this.metrics.put(workspaceId, definition, at);
  }

  async deleteMetric(workspaceId: string, id: string): Promise<boolean> {
    return this.metrics.delete(workspaceId, id);
  }

  async measurement(workspaceId: string): Promise<MeasurementSettings | null> {
    const json = this.stmts.measurement.get(workspaceId) as string | null | undefined;
    return json == null ? null : (JSON.parse(json) as MeasurementSettings);
  }

  async setMeasurement(workspaceId: string, settings: MeasurementSettings): Promise<void> {
    this.stmts.setMeasurement.run(JSON.stringify(settings), workspaceId);
  }

  async armStats(workspaceId: string, experimentIds: readonly string[]): Promise<ArmStatsRow[]> {
    return (this.stmts.stats.all(workspaceId, JSON.stringify(experimentIds)) as StatsRow[]).map((r) => ({
      experimentId: r.experiment_id, armId: r.arm_id, metricId: r.metric_id,
      moments: { n: r.n, meanX: r.mean_x, meanY: r.mean_y, m2X: r.m2_x, m2Y: r.m2_y, cXY: r.c_xy },
      firstAt: r.first_at, lastAt: r.last_at,
    }));
  }

  async armDays(workspaceId: string, experimentId: string): Promise<ArmDayRow[]> {
    return (this.stmts.days.all(workspaceId, experimentId) as (Omit<StatsRow, 'experiment_id' | 'first_at' | 'last_at'> & { day: string })[]).map((r) => ({
      experimentId, armId: r.arm_id, metricId: r.metric_id, day: r.day,
      moments: { n: r.n, meanX: r.mean_x, meanY: r.mean_y, m2X: r.m2_x, m2Y: r.m2_y, cXY: r.c_xy },
    }));
  }

  async dropArmStats(workspaceId: string, experimentId: string): Promise<void> {
    this.dropStatsTx(workspaceId, experimentId);
  }

  async addBanditWeights(workspaceId: string, experimentId: string, record: BanditWeightsRecord): Promise<boolean> {
    return this.stmts.addWeights.run(workspaceId, experimentId, record.version, record.computedAt, JSON.stringify(record)).changes > 0;
  }

  async banditWeights(workspaceId: string, experimentId: string): Promise<BanditWeightsRecord[]> {
    return (this.stmts.weights.all(workspaceId, experimentId) as string[]).map((json) => JSON.parse(json) as BanditWeightsRecord);
  }
}
