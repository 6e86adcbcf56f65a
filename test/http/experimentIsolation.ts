import { expect } from 'vitest';
import type { ExperimentReadout, ExperimentView, MetricView, WorkspaceReport } from '../../src/experiments/ExperimentService.js';
import type { DecideResponse } from '../../src/api/decideSchemas.js';
import type { Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem, uniqueId, type JsonPayload } from './httpHelpers.js';

/**
 * Isolation cases of the experiments, metrics, measurement and report API, spread into
 * `cases` of isolation.test.ts: workspace A can neither see, change nor use B's experiments,
 * metrics, settings or statistics, and an id defined in both names two separate things.
 * Every case uses placements of its own and leaves both workspaces' holdout at 0 (the
 * harness's), so the other cases decide as before.
 */

type IsolationCase = (h: Harness) => Promise<void>;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Workspace = Harness['a'];
interface MeasurementView { settings: Record<string, unknown> | null; resolved: { holdoutShare: number; monthlyCost: number | null; currency: string | null } }

const experimentId = () => uniqueId('iso-exp');
const metricId = () => uniqueId('iso-metric');

async function ok<T>(h: Harness, method: Method, url: string, key: string, payload?: JsonPayload, status?: number): Promise<T> {
  const res = await admin(h, method, url, key, payload);
  if (status === undefined) expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  else expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return (res.statusCode === 204 ? undefined : res.json<T>()) as T;
}

/** A placement of its own in `ws`, with one action everyone is eligible for. */
async function placementIn(h: Harness, ws: Workspace): Promise<{ placement: string; action: string }> {
  const [placement, action] = [uniqueId('iso-xplace'), uniqueId('iso-xact')];
  await ok(h, 'PUT', `/admin/v1/placements/${placement}`, ws.secretKey, { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: `default of ${ws.name}` } });
  await ok(h, 'PUT', `/admin/v1/actions/${action}`, ws.secretKey, { placements: [placement], variants: { default: { title: action } } });
  return { placement, action };
}

function definition(id: string, placement: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, placement, primaryMetric: 'conversion',
    arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'treated', weight: 0.5, serve: { kind: 'personalized' } }],
    ...extra,
  };
}

/** An experiment in `ws` on a placement of its own; `units` users decided (and exposed) in it. */
async function experimentIn(h: Harness, ws: Workspace, options: { id?: string; units?: number; name?: string } = {}): Promise<{ id: string; placement: string; action: string; users: string[] }> {
  const id = options.id ?? experimentId();
  const { placement, action } = await placementIn(h, ws);
  await ok(h, 'PUT', `/admin/v1/experiments/${id}`, ws.secretKey, definition(id, placement, { name: options.name ?? `experiment of ${ws.name}` }));
  const users = Array.from({ length: options.units ?? 0 }, () => uniqueId('iso-xuser'));
  for (const userId of users) {
    const res = await collect(h, '/v1/decide', { userId, placements: [placement] }, ws.writeKey);
    expect(res.statusCode, res.body).toBe(200);
  }
  await h.decisions.flushRecords();
  return { id, placement, action, users };
}

const experimentIds = async (h: Harness, key: string) => (await ok<ExperimentView[]>(h, 'GET', '/admin/v1/experiments', key)).map((e) => e.definition.id);
const metricIds = async (h: Harness, key: string) => (await ok<MetricView[]>(h, 'GET', '/admin/v1/metrics', key)).map((m) => m.id);
const unitsOf = async (h: Harness, key: string, id: string) => (await ok<ExperimentReadout>(h, 'GET', `/admin/v1/experiments/${id}/analysis`, key)).units;
const totalUnits = (units: Readonly<Record<string, number>>) => Object.values(units).reduce((a, b) => a + b, 0);

async function metricIn(h: Harness, ws: Workspace, id = metricId(), event = `${ws.name} Event`): Promise<string> {
  await ok(h, 'PUT', `/admin/v1/metrics/${id}`, ws.secretKey, { id, kind: 'count', event });
  return id;
}

export const experimentIsolationCases: Record<string, IsolationCase> = {
  'GET /admin/v1/experiments': async (h) => {
    const onlyInB = await experimentIn(h, h.b, { name: 'B only' });
    const shared = experimentId();
    await experimentIn(h, h.a, { id: shared, name: 'A of shared' });
    await experimentIn(h, h.b, { id: shared, name: 'B of shared' });
    const res = await admin(h, 'GET', '/admin/v1/experiments', h.a.secretKey);
    expect(res.statusCode).toBe(200);
    const inA = res.json<ExperimentView[]>();
    expect(inA.map((e) => e.definition.id)).not.toContain(onlyInB.id);
    expect(inA.find((e) => e.definition.id === shared)?.definition.name).toBe('A of shared');
    for (const leak of [onlyInB.placement, 'B only', 'B of shared']) expect(res.body).not.toContain(leak);
    const inB = await ok<ExperimentView[]>(h, 'GET', '/admin/v1/experiments', h.b.secretKey);
    expect(inB.find((e) => e.definition.id === shared)?.definition.name).toBe('B of shared');
    expect(inB.map((e) => e.definition.id)).toContain(onlyInB.id);
  },

  'GET /admin/v1/experiments/:id': async (h) => {
    const inB = await experimentIn(h, h.b, { name: 'secret plan of B' });
    const res = await admin(h, 'GET', `/admin/v1/experiments/${inB.id}`, h.a.secretKey);
    expectProblem(res, 404, 'ATTUNE_EXPERIMENT_NOT_FOUND');
    expect(res.body).not.toContain(inB.placement);
    expect(res.body).not.toContain('secret plan of B');
    expect((await ok<ExperimentView>(h, 'GET', `/admin/v1/experiments/${inB.id}`, h.b.secretKey)).definition.name).toBe('secret plan of B');
  },

  'PUT /admin/v1/experiments/:id': async (h) => {
    const inB = await experimentIn(h, h.b, { units: 4 });
    // The same id in A is A's own, created; B's placement is unknown in A; B's stays as it was.
    const created = await ok<{ status: string; warnings: string[] }>(h, 'PUT', `/admin/v1/experiments/${inB.id}`, h.a.secretKey, definition(inB.id, inB.placement, { name: 'A took it' }), 201);
    expect(created).toMatchObject({ status: 'created', warnings: [`placement "${inB.placement}" does not exist (yet)`] });
    expect((await ok<ExperimentView>(h, 'GET', `/admin/v1/experiments/${inB.id}`, h.b.secretKey)).definition.name).toBe('experiment of workspace B');
    expect(totalUnits(await unitsOf(h, h.b.secretKey, inB.id))).toBe(4);
    // A cannot use B's metric or B's action.
    const metric = await metricIn(h, h.b);
    const inA = await placementIn(h, h.a);
    const id = experimentId();
    expect(expectProblem(await admin(h, 'PUT', `/admin/v1/experiments/${id}`, h.a.secretKey, definition(id, inA.placement, { primaryMetric: metric })), 400, 'ATTUNE_EXPERIMENT_INVALID').field).toBe('/primaryMetric');
    const actionsArm = [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'b-only', weight: 0.5, serve: { kind: 'actions', actionIds: [inB.action] } }];
    expect(expectProblem(await admin(h, 'PUT', `/admin/v1/experiments/${id}`, h.a.secretKey, definition(id, inA.placement, { arms: actionsArm })), 400, 'ATTUNE_EXPERIMENT_INVALID').field).toBe('/arms/1/serve/actionIds');
    expect(await experimentIds(h, h.a.secretKey)).not.toContain(id);
  },

  'DELETE /admin/v1/experiments/:id': async (h) => {
    const inB = await experimentIn(h, h.b, { units: 3 });
    expectProblem(await admin(h, 'DELETE', `/admin/v1/experiments/${inB.id}`, h.a.secretKey), 404, 'ATTUNE_EXPERIMENT_NOT_FOUND');
    expect(await experimentIds(h, h.b.secretKey)).toContain(inB.id);
    // Deleting A's experiment of the same id leaves B's, and B's statistics.
    await experimentIn(h, h.a, { id: inB.id, units: 2 });
    await ok(h, 'DELETE', `/admin/v1/experiments/${inB.id}`, h.a.secretKey, undefined, 204);
    expect(await experimentIds(h, h.a.secretKey)).not.toContain(inB.id);
    expect(await experimentIds(h, h.b.secretKey)).toContain(inB.id);
    expect(totalUnits(await unitsOf(h, h.b.secretKey, inB.id))).toBe(3);
  },

  'POST /admin/v1/experiments/validate': async (h) => {
    const inB = await experimentIn(h, h.b);
    const metric = await metricIn(h, h.b);
    const id = experimentId();
    // B's placement does not exist in A; B's metric neither.
    expect(await ok(h, 'POST', '/admin/v1/experiments/validate', h.a.secretKey, definition(id, inB.placement))).toEqual({ valid: true, warnings: [`placement "${inB.placement}" does not exist (yet)`] });
    expect(await ok(h, 'POST', '/admin/v1/experiments/validate', h.b.secretKey, definition(id, inB.placement))).toEqual({ valid: true, warnings: [] });
    expect(expectProblem(await admin(h, 'POST', '/admin/v1/experiments/validate', h.a.secretKey, definition(id, inB.placement, { primaryMetric: metric })), 400, 'ATTUNE_EXPERIMENT_INVALID').field).toBe('/primaryMetric');
    expect(await experimentIds(h, h.a.secretKey)).not.toContain(id);
  },

  'GET /admin/v1/experiments/:id/analysis': async (h) => {
    const inB = await experimentIn(h, h.b, { units: 6 });
    expect(totalUnits(await unitsOf(h, h.b.secretKey, inB.id))).toBe(6);
    const res = await admin(h, 'GET', `/admin/v1/experiments/${inB.id}/analysis`, h.a.secretKey);
    expectProblem(res, 404, 'ATTUNE_EXPERIMENT_NOT_FOUND');
    expect(res.body).not.toContain(inB.placement);
    // The same id in A counts A's units only, though the same user ids were decided in B.
    const inA = await experimentIn(h, h.a, { id: inB.id });
    for (const userId of inB.users.slice(0, 2)) expect((await collect(h, '/v1/decide', { userId, placements: [inA.placement] }, h.a.writeKey)).statusCode).toBe(200);
    await h.decisions.flushRecords();
    expect(totalUnits(await unitsOf(h, h.a.secretKey, inB.id))).toBe(2);
    expect(totalUnits(await unitsOf(h, h.b.secretKey, inB.id))).toBe(6);
  },

  'GET /admin/v1/experiments/:id/timeline': async (h) => {
    const timelineUnits = async (key: string, id: string) => {
      const timeline = await ok<{ days: { units: Record<string, number> }[] }>(h, 'GET', `/admin/v1/experiments/${id}/timeline`, key);
      return totalUnits(timeline.days.at(-1)?.units ?? {});
    };
    const inB = await experimentIn(h, h.b, { units: 5 });
    expect(await timelineUnits(h.b.secretKey, inB.id)).toBe(5);
    const res = await admin(h, 'GET', `/admin/v1/experiments/${inB.id}/timeline`, h.a.secretKey);
    expectProblem(res, 404, 'ATTUNE_EXPERIMENT_NOT_FOUND');
    expect(res.body).not.toContain(inB.placement);
    // The same id in A: A's days hold A's units only.
    const inA = await experimentIn(h, h.a, { id: inB.id });
    expect(await timelineUnits(h.a.secretKey, inB.id)).toBe(0);
    for (const userId of inB.users.slice(0, 3)) expect((await collect(h, '/v1/decide', { userId, placements: [inA.placement] }, h.a.writeKey)).statusCode).toBe(200);
    await h.decisions.flushRecords();
    expect(await timelineUnits(h.a.secretKey, inB.id)).toBe(3);
    expect(await timelineUnits(h.b.secretKey, inB.id)).toBe(5);
  },

  'GET /admin/v1/metrics': async (h) => {
    const metric = await metricIn(h, h.b);
    expect(await metricIds(h, h.b.secretKey)).toContain(metric);
    const res = await admin(h, 'GET', '/admin/v1/metrics', h.a.secretKey);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(metric);
    expect(res.body).not.toContain('workspace B Event');
  },

  'GET /admin/v1/metrics/:id': async (h) => {
    const metric = await metricIn(h, h.b);
    const res = await admin(h, 'GET', `/admin/v1/metrics/${metric}`, h.a.secretKey);
    expectProblem(res, 404, 'ATTUNE_METRIC_NOT_FOUND');
    expect(res.body).not.toContain('workspace B Event');
    // B's redefinition of a built-in leaves A's built-in.
    await ok(h, 'PUT', '/admin/v1/metrics/aov', h.b.secretKey, { id: 'aov', kind: 'ratio', numerator: { event: 'B Order', property: 'total' }, denominator: { event: 'B Order' } });
    expect(await ok<MetricView>(h, 'GET', '/admin/v1/metrics/aov', h.a.secretKey)).toMatchObject({ builtin: true, numerator: { event: 'Order Completed' } });
    expect((await ok<MetricView>(h, 'GET', '/admin/v1/metrics/aov', h.b.secretKey)).builtin).toBe(false);
    await ok(h, 'DELETE', '/admin/v1/metrics/aov', h.b.secretKey, undefined, 204);
  },

  'PUT /admin/v1/metrics/:id': async (h) => {
    const metric = await metricIn(h, h.b);
    // The same id in A is created as A's own, and B's is untouched.
    expect((await ok<{ status: string }>(h, 'PUT', `/admin/v1/metrics/${metric}`, h.a.secretKey, { id: metric, kind: 'count', event: 'A Event' }, 201)).status).toBe('created');
    expect(await ok<MetricView>(h, 'GET', `/admin/v1/metrics/${metric}`, h.b.secretKey)).toMatchObject({ event: 'workspace B Event' });
    expect(await ok<MetricView>(h, 'GET', `/admin/v1/metrics/${metric}`, h.a.secretKey)).toMatchObject({ event: 'A Event' });
  },

  'DELETE /admin/v1/metrics/:id': async (h) => {
    const metric = await metricIn(h, h.b);
    expectProblem(await admin(h, 'DELETE', `/admin/v1/metrics/${metric}`, h.a.secretKey), 404, 'ATTUNE_METRIC_NOT_FOUND');
    expect(await metricIds(h, h.b.secretKey)).toContain(metric);
    // B's experiment reading its metric does not keep A from deleting a metric of the same id.
    const { placement } = await placementIn(h, h.b);
    const id = experimentId();
    await ok(h, 'PUT', `/admin/v1/experiments/${id}`, h.b.secretKey, definition(id, placement, { primaryMetric: metric }));
    expectProblem(await admin(h, 'DELETE', `/admin/v1/metrics/${metric}`, h.b.secretKey), 400, 'ATTUNE_METRIC_INVALID');
    await metricIn(h, h.a, metric);
    await ok(h, 'DELETE', `/admin/v1/metrics/${metric}`, h.a.secretKey, undefined, 204);
    expect(await metricIds(h, h.a.secretKey)).not.toContain(metric);
    expect(await metricIds(h, h.b.secretKey)).toContain(metric);
  },

  'GET /admin/v1/measurement': async (h) => {
    await ok(h, 'PUT', '/admin/v1/measurement', h.b.secretKey, { holdoutShare: 0, monthlyCost: 7777, currency: 'JPY' });
    const res = await admin(h, 'GET', '/admin/v1/measurement', h.a.secretKey);
    expect(res.statusCode).toBe(200);
    expect(res.json<MeasurementView>().resolved).toMatchObject({ holdoutShare: 0, monthlyCost: null, currency: null });
    expect(res.body).not.toContain('7777');
    expect(res.body).not.toContain('JPY');
    expect((await ok<MeasurementView>(h, 'GET', '/admin/v1/measurement', h.b.secretKey)).resolved).toMatchObject({ monthlyCost: 7777, currency: 'JPY' });
    await ok(h, 'PUT', '/admin/v1/measurement', h.b.secretKey, { holdoutShare: 0 });
  },

  'PUT /admin/v1/measurement': async (h) => {
    // A's holdout holds out A's profiles only: the same users in B are all decided.
    const [inA, inB] = [await placementIn(h, h.a), await placementIn(h, h.b)];
    await ok(h, 'PUT', '/admin/v1/measurement', h.a.secretKey, { holdoutShare: 0.5 });
    expect((await ok<MeasurementView>(h, 'GET', '/admin/v1/measurement', h.b.secretKey)).resolved.holdoutShare).toBe(0);
    const fallbacks = { a: [] as (string | null)[], b: [] as (string | null)[] };
    try {
      for (let i = 0; i < 20; i++) {
        const userId = uniqueId('iso-holdout');
        for (const [key, ws, placement] of [['a', h.a, inA.placement], ['b', h.b, inB.placement]] as const) {
          const res = await collect(h, '/v1/decide', { userId, placements: [placement] }, ws.writeKey);
          expect(res.statusCode, res.body).toBe(200);
          fallbacks[key].push(res.json<DecideResponse>().placements[0]!.fallback);
        }
      }
    } finally {
      await ok(h, 'PUT', '/admin/v1/measurement', h.a.secretKey, { holdoutShare: 0 });
    }
    expect(fallbacks.a).toContain('held_out');
    expect(fallbacks.b.every((f) => f === null)).toBe(true);
    // A's settings cannot name B's metric.
    const metric = await metricIn(h, h.b);
    expect(expectProblem(await admin(h, 'PUT', '/admin/v1/measurement', h.a.secretKey, { holdoutShare: 0, roiMetrics: { conversionRate: metric } }), 404, 'ATTUNE_METRIC_NOT_FOUND').field).toBe('/roiMetrics/conversionRate');
    await h.decisions.flushRecords();
  },

  'GET /admin/v1/report': async (h) => {
    const before = await ok<WorkspaceReport>(h, 'GET', '/admin/v1/report', h.a.secretKey);
    const inB = await experimentIn(h, h.b, { units: 5 });
    for (const userId of inB.users) expectCollected(await collect(h, '/v1/track', { userId, event: 'Order Completed', properties: { revenue: 1234.5 } }, h.b.writeKey));
    const res = await admin(h, 'GET', '/admin/v1/report', h.a.secretKey);
    expect(res.statusCode).toBe(200);
    const after = res.json<WorkspaceReport>();
    expect(after.reports.map((r) => r.scope)).toEqual(before.reports.map((r) => r.scope));
    expect(after.reports.map((r) => r.arms)).toEqual(before.reports.map((r) => r.arms));
    expect(res.body).not.toContain(inB.id);
    expectProblem(await admin(h, 'GET', `/admin/v1/report?experiment=${inB.id}`, h.a.secretKey), 404, 'ATTUNE_EXPERIMENT_NOT_FOUND');
    const inBReport = await ok<WorkspaceReport>(h, 'GET', `/admin/v1/report?experiment=${inB.id}`, h.b.secretKey);
    expect(inBReport.reports.map((r) => r.arms.baseline.units + r.arms.treated.units)).toEqual([5]);
  },
};
