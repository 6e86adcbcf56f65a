import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PropensityReportView } from '../../src/api/propensitySchemas.js';
import { buildProgram } from '../../src/cli/main.js';
import { compileLearnedPropensity } from '../../src/core/decide/learnedPropensity.js';
import type { LearnedPropensity } from '../../src/core/decide/scoring.js';
import type { CreatedWorkspace } from '../../src/workspaces/WorkspaceService.js';
import { bearer } from '../support/harness.js';
import { PlacementServer } from './placementServer.js';

// An expected-value placement with a learned propensity end to end: defined over the admin API
// (its inputs and prior rule checked), decided through POST /v1/decide, taught by Decision
// Viewed and Decision Clicked events on the collect path, its calibration read at
// GET /admin/v1/placements/:id/propensity, and the same report after a restart (rebuilt from
// the decision records and the events naming them) and from `attune eval calibration`.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const propensity: LearnedPropensity = { kind: 'learned', inputs: { context: ['device'] }, minImpressions: 5, explorationShare: 0.2 };
const key = compileLearnedPropensity(propensity).key;
/** Who clicks what: x on mobile, y on desktop. */
const best: Record<string, string> = { mobile: 'x', desktop: 'y' };

describe('an expected-value placement with a learned propensity over HTTP', () => {
  let dataDir: string;
  let s: PlacementServer;
  let a: CreatedWorkspace;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'attune-propensity-'));
    s = await new PlacementServer(dataDir, 5, t0).start();
    a = await s.server.workspaces.create('workspace A', { verification: false }, 'ws_prop_a');
    await s.server.engine.store.experiments.setMeasurement(a.id, { holdoutShare: 0 });
  });
  afterEach(async () => {
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const put = (url: string, body: unknown) => s.call<{ code?: string; field?: string }>('PUT', url, bearer(a.secretKey), body);
  const placement = (p: unknown) => ({ channel: 'web', strategy: { kind: 'expectedValue', propensity: p }, defaultContent: null });

  it('refuses inputs and prior rules that cannot work with 400 and the field at fault', async () => {
    expect((await put('/admin/v1/placements/hero', placement({ kind: 'learned', inputs: { features: ['orders_90dd'] } }))).body)
      .toMatchObject({ code: 'ATTUNE_INVALID_REQUEST', field: '/strategy/propensity/inputs/features/0' });
    expect((await put('/admin/v1/placements/hero', placement({ kind: 'learned', inputs: {} }))).body).toMatchObject({ code: 'ATTUNE_INVALID_REQUEST', field: '/strategy/propensity/inputs' });
    expect((await put('/admin/v1/placements/hero', placement({ kind: 'learned', inputs: { context: ['device'] }, prior: { rule: 'features.nope +' } }))).body)
      .toMatchObject({ code: 'ATTUNE_RULE_INVALID', field: '/strategy/propensity/prior/rule' });
    expect((await put('/admin/v1/placements/hero', placement({ kind: 'learned', inputs: { context: ['device'] }, outcome: 'revenue' }))).status).toBe(400);
    expect((await put('/admin/v1/placements/hero', placement(propensity))).status).toBe(201);
  });

  it('learns each action\'s click probability per context, explains it, reports its calibration, and reports the same after a restart', { timeout: 60_000 }, async () => {
    expect((await put('/admin/v1/placements/hero', placement(propensity))).status).toBe(201);
    for (const id of ['x', 'y']) expect((await put(`/admin/v1/actions/${id}`, { placements: ['hero'], priority: 0, value: 1, variants: { default: { title: id } } })).status).toBe(201);
    let views = 0;
    let clicks = 0;
    for (let i = 0; i < 80; i++) {
      const userId = `u${i}`;
      const device = i % 2 === 0 ? 'mobile' : 'desktop';
      const d = await s.decide(a, userId, device);
      expect(d.reasons.strategy).toBe('expectedValue');
      // Every fifth decision is never seen: it teaches nothing.
      if (i % 5 === 4) continue;
      await s.interact(a, userId, 'Decision Viewed', d);
      views++;
      if (d.actionId === best[device]) {
        await s.interact(a, userId, 'Decision Clicked', d);
        clicks++;
      }
    }
    await s.server.engine.decisions.flushRecords();
    const report = async (server: PlacementServer) => {
      const res = await server.call<PropensityReportView>('GET', '/admin/v1/placements/hero/propensity', bearer(a.secretKey));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    };
    const live = await report(s);
    expect(live.models).toHaveLength(1);
    const learned = live.models[0]!;
    expect(learned).toMatchObject({ role: 'live', key, outcome: 'click', inputs: ['context.device'] });
    expect(learned.overall.observations).toBe(views);
    expect(learned.overall.positives).toBe(clicks);
    expect(learned.overall.table).toHaveLength(10);
    expect(learned.overall.expectedCalibrationError).toBeGreaterThanOrEqual(0);
    expect(learned.actions.map((x) => x.actionId)).toEqual(['x', 'y']);
    // Learned: on mobile, x is the best and chosen with 1 − 0.2 + 0.2/2, explained by its learned probability.
    const probe = await s.decide(a, 'probe', 'mobile', true);
    expect(probe.actionId).toBe('x');
    expect(probe.probability).toBeCloseTo(0.9, 12);
    const terms = probe.reasons.terms as { name: string; value: number; note?: string }[];
    expect(terms.find((t) => t.name === 'propensity')!.note).toMatch(/^learned: \d+ clicks in \d+ impressions$/);
    expect(terms.find((t) => t.name === 'observations')!.value).toBe(learned.actions[0]!.observations);
    await s.close();
    s = await new PlacementServer(dataDir, 5, t0).start();
    expect(await report(s)).toEqual(live);
    // The CLI rebuilds the same report from the data folder (with the server stopped).
    await s.close();
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
    try {
      await buildProgram().parseAsync(['node', 'attune', 'eval', 'calibration', '--data', dataDir, '--placement', 'hero', '--json']);
    } finally {
      write.mockRestore();
    }
    expect(JSON.parse(out.join(''))).toEqual({ placementId: 'hero', models: live.models });
    s = await new PlacementServer(dataDir, 5, t0).start();
  });

  it('answers an empty list for a placement without a learned propensity, and 404 for an unknown one', async () => {
    expect((await put('/admin/v1/placements/hero', placement({ constant: 0.1 }))).status).toBe(201);
    expect((await s.call<PropensityReportView>('GET', '/admin/v1/placements/hero/propensity', bearer(a.secretKey))).body).toMatchObject({ placementId: 'hero', strategy: 'expectedValue', models: [] });
    expect((await s.call('GET', '/admin/v1/placements/nope/propensity', bearer(a.secretKey))).status).toBe(404);
  });
});
