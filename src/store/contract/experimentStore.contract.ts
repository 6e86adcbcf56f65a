import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExperimentDefinition } from '../../core/experiments/ExperimentDefinition.js';
import type { ArmStatChange } from '../../core/experiments/experimentUnits.js';
import type { MetricDefinition } from '../../core/experiments/MetricDefinition.js';
import { addPair, emptyPairMoments, type PairMoments } from '../../core/stats/SufficientStats.js';
import type { CollectTx } from '../../profiles/CollectTx.js';
import type { ArmDayRow, ArmStatsRow } from '../ports.js';
import { contractWorkspaces, openContractStore, type ContractStore, type OpenAdapter } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;
const T0 = Date.parse('2024-05-01T12:00:00Z');
const DAY = 86_400_000;

const experiment = (id: string, over: Partial<ExperimentDefinition> = {}): ExperimentDefinition => ({
  id, placement: 'hero', primaryMetric: 'conversion',
  arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'treatment', weight: 0.5, serve: { kind: 'personalized' } }],
  ...over,
});
const metric = (id: string, over: Partial<MetricDefinition> = {}): MetricDefinition => ({ id, kind: 'count', event: 'Order Completed', ...over } as MetricDefinition);

const change = (experimentId: string, armId: string, metricId: string, before: [number, number] | null, after: [number, number]): ArmStatChange => ({ experimentId, armId, metricId, before, after });
/** A new unit in an arm: its _units row and one metric's first value. */
const enter = (experimentId: string, armId: string, metricId: string, value: [number, number]): ArmStatChange[] => [
  change(experimentId, armId, '_units', null, [0, 0]),
  change(experimentId, armId, metricId, null, value),
];
const folded = (pairs: readonly (readonly [number, number])[]): PairMoments => pairs.reduce((m, [x, y]) => addPair(m, x, y), emptyPairMoments);

/** Equal up to rounding, relative to the largest magnitude among the statistics. */
function expectMoments(actual: PairMoments | undefined, expected: PairMoments): void {
  expect(actual).toBeDefined();
  const a = actual as unknown as Record<string, number>;
  const e = expected as unknown as Record<string, number>;
  const scale = Math.max(1, ...Object.values(e).map(Math.abs));
  expect(actual?.n).toBe(expected.n);
  for (const key of Object.keys(e)) expect(Math.abs(a[key]! - e[key]!), `${key}: ${a[key]} vs ${e[key]}`).toBeLessThanOrEqual(1e-9 * scale);
}
const find = (rows: readonly ArmStatsRow[], armId: string, metricId: string, experimentId = 'hero') =>
  rows.find((r) => r.experimentId === experimentId && r.armId === armId && r.metricId === metricId);

/**
 * The contract of the ExperimentStore port and of the arm statistics the engine writes
 * (`StateBatch.armStats`, from CollectTx.updateExperimentStats): one suite that every storage
 * adapter passes. Statistics are read through the engine and the adapter alike.
 *
 * @example describeExperimentStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:', synchronous: 'normal' }))
 */
export function describeExperimentStoreContract(adapterName: string, open: OpenAdapter): void {
  describe(`${adapterName}: experiment store contract`, () => {
    let store: ContractStore;
    beforeEach(async () => { store = await openContractStore(open); });
    afterEach(async () => { await store.close(); });
    /** A job on workspace A's statistics (loaded before it runs, as the engine's jobs declare). */
    const run = <R>(job: (tx: CollectTx) => R, workspaceId: string = A): Promise<R> => store.run(job, { workspaceId, armStats: true });
    const experiments = () => store.engine.experiments;
    const version = () => store.engine.knowledgeConfig.configVersion(A);

    it('puts, lists (by id), replaces and deletes experiments per workspace, bumping the config version', async () => {
      const v0 = await version();
      expect(await experiments().putExperiment(A, experiment('zeta'), T0)).toBe('created');
      expect(await experiments().putExperiment(A, experiment('alpha'), T0)).toBe('created');
      const v1 = await version();
      expect(v1).toBeGreaterThan(v0);
      const changed = experiment('alpha', { coverage: 0.5, start: '2024-05-01T00:00:00Z', namespace: ['layer', 0, 0.5], guardrailMetrics: ['aov'] });
      expect(await experiments().putExperiment(A, changed, T0 + 1)).toBe('updated');
      expect(await version()).toBeGreaterThan(v1);
      expect(await experiments().listExperiments(A)).toEqual([changed, experiment('zeta')]);
      expect(await experiments().listExperiments(B)).toEqual([]);
      expect(await experiments().deleteExperiment(B, 'alpha', T0 + 2)).toBe(false);
      const v2 = await version();
      expect(await experiments().isRetired(A, 'alpha')).toBe(false);
      expect(await experiments().deleteExperiment(A, 'alpha', T0 + 2)).toBe(true);
      // A deleted id is retired (its units keep their arms), in its own workspace only.
      expect(await experiments().isRetired(A, 'alpha')).toBe(true);
      expect(await experiments().isRetired(B, 'alpha')).toBe(false);
      const v3 = await version();
      expect(v3).toBeGreaterThan(v2);
      expect(await experiments().deleteExperiment(A, 'alpha', T0 + 3)).toBe(false);
      // Deleting what is not there changes nothing.
      expect(await version()).toBe(v3);
      expect((await experiments().listExperiments(A)).map((e) => e.id)).toEqual(['zeta']);
    });

    it('puts, lists (by id), replaces and deletes metrics per workspace, bumping the config version', async () => {
      const v0 = await version();
      const ratio: MetricDefinition = { id: 'aov-2', kind: 'ratio', numerator: { event: 'Order Completed', property: 'revenue' }, denominator: { event: 'Order Completed' } };
      expect(await experiments().putMetric(A, metric('orders'), T0)).toBe('created');
      expect(await experiments().putMetric(A, ratio, T0)).toBe('created');
      expect(await experiments().putMetric(A, metric('orders', { window: '7d' }), T0 + 1)).toBe('updated');
      expect(await version()).toBeGreaterThan(v0);
      expect(await experiments().listMetrics(A)).toEqual([ratio, metric('orders', { window: '7d' })]);
      expect(await experiments().listMetrics(B)).toEqual([]);
      // The same id in another workspace is another metric.
      expect(await experiments().putMetric(B, metric('orders'), T0)).toBe('created');
      expect(await experiments().listMetrics(B)).toEqual([metric('orders')]);
      const v1 = await version();
      expect(await experiments().deleteMetric(A, 'orders')).toBe(true);
      expect(await experiments().deleteMetric(A, 'orders')).toBe(false);
      expect(await version()).toBeGreaterThan(v1);
      expect(await experiments().listMetrics(A)).toEqual([ratio]);
      expect(await experiments().listMetrics(B)).toEqual([metric('orders')]);
    });

    it('measurement settings: null until set, then what was set, per workspace, bumping the config version', async () => {
      expect(await experiments().measurement(A)).toBeNull();
      const v0 = await version();
      const settings = { holdoutShare: 0.1, monthlyCost: 2000, currency: 'EUR', roiMetrics: { revenuePerVisitor: 'spend' } };
      await experiments().setMeasurement(A, settings);
      expect(await experiments().measurement(A)).toEqual(settings);
      expect(await version()).toBeGreaterThan(v0);
      expect(await experiments().measurement(B)).toBeNull();
      await experiments().setMeasurement(A, { holdoutShare: 0 });
      expect(await experiments().measurement(A)).toEqual({ holdoutShare: 0 });
    });

    it('arm statistics: the moments of the units\' values, with a before → after replacement, within and across commits', async () => {
      // Three units enter control, two treatment (revenue with a covariate; aov as a ratio).
      await run((tx) => tx.updateExperimentStats(A, [
        ...enter('hero', 'control', 'revenue', [0, 2]),
        ...enter('hero', 'control', 'revenue', [0, 0]),
        ...enter('hero', 'treatment', 'revenue', [0, 5]),
        change('hero', 'treatment', 'aov', null, [0, 0]),
      ], T0));
      await run((tx) => tx.updateExperimentStats(A, [
        ...enter('hero', 'control', 'revenue', [0, 1]),
        ...enter('hero', 'treatment', 'revenue', [0, 3]),
        change('hero', 'treatment', 'aov', null, [0, 0]),
        // The first control unit buys twice in this job: replaced, then replaced again.
        change('hero', 'control', 'revenue', [0, 2], [80, 2]),
        change('hero', 'control', 'revenue', [80, 2], [100.5, 2]),
      ], T0 + 10));
      await run((tx) => tx.updateExperimentStats(A, [
        change('hero', 'treatment', 'revenue', [0, 5], [40, 5]),
        change('hero', 'treatment', 'aov', [0, 0], [40, 1]),
      ], T0 + 20));

      const rows = await store.readBoth((r) => r.experiments.armStats(A, ['hero']));
      expect(rows.map((r) => [r.armId, r.metricId])).toEqual([
        ['control', '_units'], ['control', 'revenue'], ['treatment', '_units'], ['treatment', 'aov'], ['treatment', 'revenue'],
      ]);
      expectMoments(find(rows, 'control', '_units')?.moments, folded([[0, 0], [0, 0], [0, 0]]));
      expectMoments(find(rows, 'control', 'revenue')?.moments, folded([[100.5, 2], [0, 0], [0, 1]]));
      expectMoments(find(rows, 'treatment', 'revenue')?.moments, folded([[40, 5], [0, 3]]));
      expectMoments(find(rows, 'treatment', 'aov')?.moments, folded([[40, 1], [0, 0]]));
      expect(find(rows, 'control', 'revenue')).toMatchObject({ firstAt: T0, lastAt: T0 + 10 });
      expect(find(rows, 'treatment', 'revenue')).toMatchObject({ firstAt: T0, lastAt: T0 + 20 });
      expect(find(rows, 'control', '_units')).toMatchObject({ firstAt: T0, lastAt: T0 + 10 });
    });

    it('arm statistics: jobs of one group commit add up', async () => {
      await Promise.all([
        run((tx) => tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [0, 0]), T0)),
        run((tx) => tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [0, 0]), T0 + 1)),
        run((tx) => tx.updateExperimentStats(A, [change('hero', 'control', 'revenue', [0, 0], [7, 0])], T0 + 2)),
      ]);
      const rows = await store.readBoth((r) => r.experiments.armStats(A, ['hero']));
      expectMoments(find(rows, 'control', 'revenue')?.moments, folded([[7, 0], [0, 0]]));
      expect(find(rows, 'control', '_units')?.moments.n).toBe(2);
    });

    it('arm statistics: a job that throws changes nothing', async () => {
      await run((tx) => tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [3, 0]), T0));
      await expect(run((tx) => {
        tx.updateExperimentStats(A, [change('hero', 'control', 'revenue', [3, 0], [50, 0]), ...enter('hero', 'control', 'revenue', [9, 0])], T0 + 1);
        throw new Error('job failed');
      })).rejects.toThrow('job failed');
      await run((tx) => tx.updateExperimentStats(A, enter('hero', 'treatment', 'revenue', [1, 0]), T0 + 2));
      const rows = await store.readBoth((r) => r.experiments.armStats(A, ['hero']));
      expectMoments(find(rows, 'control', 'revenue')?.moments, folded([[3, 0]]));
      expect(find(rows, 'control', '_units')?.moments.n).toBe(1);
    });

    // Events arrive out of order (the log is in arrival order): a row read back from the store
    // must keep its stored lastAt, not move it back to a later job's earlier event time.
    it('arm statistics: firstAt and lastAt span the event times, whatever order the events arrive in', async () => {
      await run((tx) => tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [1, 0]), T0 + 10));
      await run((tx) => tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [2, 0]), T0 + 5));
      await run((tx) => tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [3, 0]), T0 + 7));
      const row = find(await store.readBoth((r) => r.experiments.armStats(A, ['hero'])), 'control', 'revenue');
      expect(row).toMatchObject({ firstAt: T0 + 5, lastAt: T0 + 10 });
    });

    it('arm statistics: per workspace, for the experiments asked for, in experiment, arm and metric order', async () => {
      await run((tx) => {
        tx.updateExperimentStats(A, enter('side', 'b', 'revenue', [1, 0]), T0);
        tx.updateExperimentStats(A, enter('hero', 'treatment', 'revenue', [2, 0]), T0);
        tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [3, 0]), T0);
      });
      await run((tx) => tx.updateExperimentStats(B, enter('hero', 'control', 'revenue', [4, 0]), T0), B);
      const key = (r: ArmStatsRow) => `${r.experimentId}/${r.armId}/${r.metricId}`;
      expect((await store.readBoth((r) => r.experiments.armStats(A, ['side', 'hero']))).map(key)).toEqual([
        'hero/control/_units', 'hero/control/revenue', 'hero/treatment/_units', 'hero/treatment/revenue', 'side/b/_units', 'side/b/revenue',
      ]);
      expect((await store.readBoth((r) => r.experiments.armStats(A, ['side']))).map(key)).toEqual(['side/b/_units', 'side/b/revenue']);
      expect(await store.readBoth((r) => r.experiments.armStats(A, []))).toEqual([]);
      expect(await store.readBoth((r) => r.experiments.armStats(A, ['nope']))).toEqual([]);
      const other = await store.readBoth((r) => r.experiments.armStats(B, ['hero', 'side']));
      expect(other.map(key)).toEqual(['hero/control/_units', 'hero/control/revenue']);
      expectMoments(find(other, 'control', 'revenue')?.moments, folded([[4, 0]]));
    });

    it('dropArmStats drops one experiment of one workspace', async () => {
      await run((tx) => {
        tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [1, 0]), T0);
        tx.updateExperimentStats(A, enter('side', 'a', 'revenue', [1, 0]), T0);
      });
      await run((tx) => tx.updateExperimentStats(B, enter('hero', 'control', 'revenue', [1, 0]), T0), B);
      await experiments().dropArmStats(A, 'hero');
      expect(await store.readBoth((r) => r.experiments.armStats(A, ['hero']))).toEqual([]);
      expect((await store.readBoth((r) => r.experiments.armStats(A, ['side']))).length).toBe(2);
      expect((await store.readBoth((r) => r.experiments.armStats(B, ['hero']))).length).toBe(2);
      // New units after the drop start from nothing.
      await run((tx) => tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [6, 0]), T0 + 1));
      expectMoments(find(await store.readBoth((r) => r.experiments.armStats(A, ['hero'])), 'control', 'revenue')?.moments, folded([[6, 0]]));
    });

    it('daily statistics: a row\'s totals at the end of each UTC day it changed (several days in one write too), a late event on the latest day, the last day equal to the running totals', async () => {
      await experiments().putExperiment(A, experiment('hero'), T0);
      await run((tx) => tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [1, 0]), T0));
      await run((tx) => tx.updateExperimentStats(A, [...enter('hero', 'control', 'revenue', [3, 0]), ...enter('hero', 'treatment', 'revenue', [2, 0])], T0 + 3_600_000));
      await run((tx) => tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [5, 0]), T0 + DAY));
      // Received after 05-02's event, dated 05-01: the row is on 05-02, so it counts there.
      await run((tx) => tx.updateExperimentStats(A, [change('hero', 'control', 'revenue', [5, 0], [7, 0])], T0));
      // One write across two days: the first day's end is kept before the second's change.
      await run((tx) => {
        tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [9, 0]), T0 + 2 * DAY);
        tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [11, 0]), T0 + 3 * DAY);
      });
      await run((tx) => tx.updateExperimentStats(B, enter('hero', 'control', 'revenue', [4, 0]), T0 + 5 * DAY), B);
      const days = await store.readBoth((r) => r.experiments.armDays(A, 'hero'));
      const of = (armId: string, metricId: string) => days.filter((d) => d.armId === armId && d.metricId === metricId);
      expect(days.map((d) => `${d.day}/${d.armId}/${d.metricId}`)).toEqual([
        '2024-05-01/control/_units', '2024-05-01/control/revenue', '2024-05-01/treatment/_units', '2024-05-01/treatment/revenue',
        '2024-05-02/control/_units', '2024-05-02/control/revenue',
        '2024-05-03/control/_units', '2024-05-03/control/revenue',
        '2024-05-04/control/_units', '2024-05-04/control/revenue',
      ]);
      const revenue = of('control', 'revenue');
      expectMoments(revenue[0]?.moments, folded([[1, 0], [3, 0]]));
      expectMoments(revenue[1]?.moments, folded([[1, 0], [3, 0], [7, 0]]));
      expectMoments(revenue[2]?.moments, folded([[1, 0], [3, 0], [7, 0], [9, 0]]));
      expectMoments(revenue[3]?.moments, folded([[1, 0], [3, 0], [7, 0], [9, 0], [11, 0]]));
      expect(of('control', '_units').map((d) => d.moments.n)).toEqual([2, 3, 4, 5]);
      const totals = await store.readBoth((r) => r.experiments.armStats(A, ['hero']));
      for (const row of totals) expect(days.filter((d) => d.armId === row.armId && d.metricId === row.metricId).at(-1)?.moments).toEqual(row.moments);
      expect((await store.readBoth((r) => r.experiments.armDays(B, 'hero'))).map((d: ArmDayRow) => d.day)).toEqual(['2024-05-06', '2024-05-06']);
      expect(await store.readBoth((r) => r.experiments.armDays(A, 'nope'))).toEqual([]);
    });

    it('daily statistics go with the running totals: dropArmStats, deleteExperiment and a reset of derived state drop them', async () => {
      await experiments().putExperiment(A, experiment('hero'), T0);
      const seed = () => run((tx) => {
        tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [1, 0]), T0);
        tx.updateExperimentStats(A, enter('side', 'a', 'revenue', [1, 0]), T0 + DAY);
      });
      await seed();
      await experiments().dropArmStats(A, 'hero');
      expect(await store.readBoth((r) => r.experiments.armDays(A, 'hero'))).toEqual([]);
      expect(await store.readBoth((r) => r.experiments.armDays(A, 'side'))).toHaveLength(2);
      await seed();
      await experiments().deleteExperiment(A, 'hero', T0 + 2 * DAY);
      expect(await store.readBoth((r) => r.experiments.armDays(A, 'hero'))).toEqual([]);
      await store.engine.resetDerived(A);
      expect(await store.readBoth((r) => r.experiments.armDays(A, 'side'))).toEqual([]);
    });

    it('bandit weight versions: per workspace and experiment, oldest first, a version once, deleted with the experiment and kept by a reset', async () => {
      const version = (v: number, weights: Record<string, number>) => ({ version: v, computedAt: T0 + v, weights, bestProbabilities: v === 1 ? null : weights, units: null, monteCarlo: null });
      await experiments().putExperiment(A, experiment('hero'), T0);
      expect(await experiments().banditWeights(A, 'hero')).toEqual([]);
      expect(await experiments().addBanditWeights(A, 'hero', version(1, { control: 0.5, treatment: 0.5 }))).toBe(true);
      expect(await experiments().addBanditWeights(A, 'hero', version(2, { control: 0.1, treatment: 0.9 }))).toBe(true);
      // A second writer of the same version changes nothing.
      expect(await experiments().addBanditWeights(A, 'hero', version(2, { control: 0.9, treatment: 0.1 }))).toBe(false);
      expect(await experiments().addBanditWeights(B, 'hero', version(1, { control: 1, treatment: 0 }))).toBe(true);
      expect(await experiments().banditWeights(A, 'hero')).toEqual([version(1, { control: 0.5, treatment: 0.5 }), version(2, { control: 0.1, treatment: 0.9 })]);
      await store.engine.resetDerived(A);
      expect((await experiments().banditWeights(A, 'hero')).map((v) => v.version)).toEqual([1, 2]);
      await experiments().deleteExperiment(A, 'hero', T0 + 10);
      expect(await experiments().banditWeights(A, 'hero')).toEqual([]);
      expect(await experiments().banditWeights(B, 'hero')).toHaveLength(1);
    });

    it('a reset of derived state drops the arm statistics (the log rebuilds them) and keeps the definitions', async () => {
      await experiments().putExperiment(A, experiment('hero'), T0);
      await experiments().putMetric(A, metric('orders'), T0);
      await experiments().setMeasurement(A, { holdoutShare: 0.2 });
      await run((tx) => {
        tx.updateExperimentStats(A, enter('hero', 'control', 'revenue', [1, 0]), T0);
      });
      await run((tx) => tx.updateExperimentStats(B, enter('hero', 'control', 'revenue', [1, 0]), T0), B);
      await store.engine.resetDerived(A);
      expect(await store.readBoth((r) => r.experiments.armStats(A, ['hero']))).toEqual([]);
      expect((await store.readBoth((r) => r.experiments.armStats(B, ['hero']))).length).toBe(2);
      expect((await experiments().listExperiments(A)).map((e) => e.id)).toEqual(['hero']);
      expect((await experiments().listMetrics(A)).map((m) => m.id)).toEqual(['orders']);
      expect(await experiments().measurement(A)).toEqual({ holdoutShare: 0.2 });
    });
  });
}
