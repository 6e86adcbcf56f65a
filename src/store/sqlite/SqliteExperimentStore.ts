import type { ExperimentDefinition } from '../../core/experiments/ExperimentDefinition.js';
import type { MeasurementSettings } from '../../core/experiments/MeasurementSettings.js';
import type { MetricDefinition } from '../../core/experiments/MetricDefinition.js';
import type { ArmStatsRow, ExperimentStore } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';

type Table = 'experiment_definitions' | 'metric_definitions';

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
  private readonly putTx;
  private readonly deleteTx;

  constructor(db: SqliteDatabase) {
    const definitions = (table: Table) => ({
      list: db.prepare(`SELECT definition FROM ${table} WHERE workspace_id = ? ORDER BY id`).pluck(),
      exists: db.prepare(`SELECT 1 FROM ${table} WHERE workspace_id = ? AND id = ?`).pluck(),
      put: db.prepare(`INSERT INTO ${table} (workspace_id, id, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`),
      delete: db.prepare(`DELETE FROM ${table} WHERE workspace_id = ? AND id = ?`),
    });
    this.stmts = {
      experiment_definitions: definitions('experiment_definitions'),
      metric_definitions: definitions('metric_definitions'),
      bump: db.prepare('UPDATE workspaces SET config_version = config_version + 1 WHERE id = ?'),
      measurement: db.prepare('SELECT measurement FROM workspaces WHERE id = ?').pluck(),
      setMeasurement: db.prepare('UPDATE workspaces SET measurement = ?, config_version = config_version + 1 WHERE id = ?'),
      stats: db.prepare('SELECT experiment_id, arm_id, metric_id, n, mean_x, mean_y, m2_x, m2_y, c_xy, first_at, last_at FROM experiment_stats WHERE workspace_id = ? AND experiment_id IN (SELECT value FROM json_each(?)) ORDER BY experiment_id, arm_id, metric_id'),
      dropStats: db.prepare('DELETE FROM experiment_stats WHERE workspace_id = ? AND experiment_id = ?'),
    };
    this.putTx = db.transaction((table: Table, workspaceId: string, id: string, json: string, at: number): boolean => {
      const s = this.stmts[table];
      const existed = s.exists.get(workspaceId, id) !== undefined;
      s.put.run(workspaceId, id, json, at, at);
      this.stmts.bump.run(workspaceId);
      return !existed;
    });
    this.deleteTx = db.transaction((table: Table, workspaceId: string, id: string): boolean => {
      const deleted = this.stmts[table].delete.run(workspaceId, id).changes > 0;
      if (deleted) this.stmts.bump.run(workspaceId);
      return deleted;
    });
  }

  async listExperiments(workspaceId: string): Promise<ExperimentDefinition[]> {
    return (this.stmts.experiment_definitions.list.all(workspaceId) as string[]).map((json) => JSON.parse(json) as ExperimentDefinition);
  }

  async putExperiment(workspaceId: string, definition: ExperimentDefinition, at: number): Promise<'created' | 'updated'> {
    return this.putTx('experiment_definitions', workspaceId, definition.id, JSON.stringify(definition), at) ? 'created' : 'updated';
  }

  async deleteExperiment(workspaceId: string, id: string): Promise<boolean> {
    return this.deleteTx('experiment_definitions', workspaceId, id);
  }

  async listMetrics(workspaceId: string): Promise<MetricDefinition[]> {
    return (this.stmts.metric_definitions.list.all(workspaceId) as string[]).map((json) => JSON.parse(json) as MetricDefinition);
  }

  async putMetric(workspaceId: string, definition: MetricDefinition, at: number): Promise<'created' | 'updated'> {
    return this.putTx('metric_definitions', workspaceId, definition.id, JSON.stringify(definition), at) ? 'created' : 'updated';
  }

  async deleteMetric(workspaceId: string, id: string): Promise<boolean> {
    return this.deleteTx('metric_definitions', workspaceId, id);
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

  async dropArmStats(workspaceId: string, experimentId: string): Promise<void> {
    this.stmts.dropStats.run(workspaceId, experimentId);
  }
}
