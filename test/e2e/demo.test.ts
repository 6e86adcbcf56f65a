import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/openSqliteStore.js';
import { databasePath, killChildren, makeTempDir, removeTempDirs, runAttune } from './support.js';

interface Interval { estimate: number; lower: number; upper: number }
interface Report {
  scope: string;
  arms: { baseline: { id: string; units: number }; treated: { id: string; units: number } };
  srm: { flagged: boolean };
  metrics: Record<string, { status: string; absolute: Interval | null }>;
  incrementalRevenue: { perMonth: Interval } | null;
  roi: { estimate: number } | null;
}
interface DemoJson {
  seed: number;
  days: number;
  visits: number;
  workspace: { id: string; secretKey: string };
  report: { reports: Report[] };
  experiment: { units: Record<string, number> };
  trueUplift: { revenuePerVisitor: { absolute: number }; conversionRate: { absolute: number } };
  checks: { metric: string; covered: boolean | null; truth: number; estimate: Interval | null }[];
  predictions: {
    version: number; customers: number; profilesRead: number; notes: string[];
    inputs: { features: string[]; traits: string[] } | null;
    propensity: { horizonDays: number; model: { auc: number | null; ece: number }; rfmBaseline: { auc: number | null } } | null;
    clusters: { population: string; segments: { size: number }[] } | null;
  };
}

/**
 * The must-show: `attune demo` with its defaults prints a report whose uplift interval
 * covers the simulation's true uplift, with `trueUplift` beside the estimate. It runs the whole
 * loop (decide through the Node SDK, events, exposures, aggregation, analysis), so it takes a while.
 */
describe('attune demo', () => {
  afterEach(() => killChildren());
  afterAll(() => removeTempDirs());

  it('--no-serve --json: the experiment\'s intervals cover the true uplift; the program compares the holdout with everyone else; attune report reads the same store', { timeout: 240_000 }, async () => {
    const dataDir = join(makeTempDir(), 'demo');
    const run = await runAttune(['demo', '--no-serve', '--json', '--data', dataDir], {}, 200_000);
    expect(run.code, run.stderr).toBe(0);
    const demo = JSON.parse(run.stdout) as DemoJson;
    expect(demo.seed).toBe(7);
    expect(demo.days).toBe(28);
    expect(demo.visits).toBeGreaterThan(10_000);

    // The truth is a measured effect of the hidden tastes, not a constant, and it is positive.
    expect(demo.trueUplift.revenuePerVisitor.absolute).toBeGreaterThan(0);
    for (const c of demo.checks) {
      expect(c.covered, `${c.metric}: [${c.estimate?.lower}, ${c.estimate?.upper}] against ${c.truth}`).toBe(true);
    }

    const [program, experiment] = demo.report.reports;
    expect(program?.scope).toBe('program');
    expect(experiment?.scope).toBe('hero-personalization');
    const units = program!.arms.baseline.units + program!.arms.treated.units;
    // About 5% held out (binomial: 3 standard deviations for ~2,000 units).
    expect(program!.arms.baseline.units / units).toBeGreaterThan(0.05 - 3 * Math.sqrt(0.05 * 0.95 / units));
    expect(program!.arms.baseline.units / units).toBeLessThan(0.05 + 3 * Math.sqrt(0.05 * 0.95 / units));
    expect(program!.srm.flagged).toBe(false);
    expect(program!.roi).not.toBeNull();
    // The experiment holds everyone not held out, split 50/50 by the hash.
    expect(experiment!.arms.baseline.units + experiment!.arms.treated.units).toBe(program!.arms.treated.units);
    expect(demo.experiment.units).toEqual({ generic: experiment!.arms.baseline.units, personalized: experiment!.arms.treated.units });
    expect(experiment!.srm.flagged).toBe(false);
    for (const role of ['conversionRate', 'revenuePerVisitor', 'averageOrderValue', 'clickThroughRate']) expect(experiment!.metrics[role]?.status).toBe('ok');
    expect(experiment!.metrics['revenuePerVisitor']!.absolute!.lower).toBeGreaterThan(0);

    // The shop's prediction model is trained at the end and judged on held-out customers.
    expect(demo.predictions.version).toBe(1);
    expect(demo.predictions.propensity!.horizonDays).toBe(7);
    expect(demo.predictions.propensity!.model.auc).toBeGreaterThan(0);
    expect(demo.predictions.propensity!.rfmBaseline.auc).not.toBeNull();
    // It learns from the visit counts too, so every visitor, buyer or not, is placed in a segment.
    expect(demo.predictions.inputs).toEqual({ features: ['visits_7d', 'visits'], traits: [] });
    expect(demo.predictions.clusters!.population).toBe('profiles');
    expect(demo.predictions.clusters!.segments.reduce((sum, c) => sum + c.size, 0)).toBe(demo.predictions.profilesRead);
    expect(demo.predictions.profilesRead).toBeGreaterThan(demo.predictions.customers);

    const report = await runAttune(['report', '--data', dataDir, '--json']);
    expect(report.code, report.stderr).toBe(0);
    const again = JSON.parse(report.stdout) as { reports: Report[] };
    expect(again.reports.map((r) => r.scope)).toEqual(['program', 'hero-personalization']);
    expect(again.reports[1]!.metrics['revenuePerVisitor']!.absolute).toEqual(experiment!.metrics['revenuePerVisitor']!.absolute);

    const table = await runAttune(['report', '--data', dataDir, '--experiment', 'hero-personalization']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('revenue per visitor');
    expect(table.stdout).not.toContain('ROI report: program');

    // The shop's products are its catalog: every product its events name is known.
    const store = openSqliteStore({ path: databasePath(dataDir), synchronous: 'normal' });
    try {
      const workspaceId = 'ws_demo_7';
      expect(await store.catalog.countItems(workspaceId)).toBe(60);
      expect((await store.catalog.listItems(workspaceId, { limit: 1 })).items[0]).toMatchObject({ currency: 'USD', availability: 'in_stock' });
      expect(await store.catalog.unknownItems(workspaceId, { limit: 10 })).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('the same seed gives the same report; another seed another one', { timeout: 120_000 }, async () => {
    const run = async (seed: string) => {
      // A data folder of the test's own, removed after it (without --data the demo makes one that it keeps).
      const result = await runAttune(['demo', '--no-serve', '--json', '--customers', '300', '--days', '7', '--seed', seed, '--data', join(makeTempDir(), 'demo')], {}, 60_000);
      expect(result.code, result.stderr).toBe(0);
      const demo = JSON.parse(result.stdout) as DemoJson;
      return demo.report.reports.map((r) => ({ scope: r.scope, arms: r.arms, metrics: r.metrics }));
    };
    const [a, b, c] = await Promise.all([run('11'), run('11'), run('12')]);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('refuses a data folder that is not empty, and a bad option, naming it', { timeout: 60_000 }, async () => {
    const dataDir = makeTempDir();
    const created = await runAttune(['workspace', 'create', 'x', '--data', dataDir, '--json']);
    expect(created.code).toBe(0);
    const busy = await runAttune(['demo', '--no-serve', '--data', dataDir]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain('ATTUNE_INVALID_REQUEST');
    expect(busy.stderr).toContain('not empty');
    const bad = await runAttune(['demo', '--no-serve', '--days', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--days');
  });
});
