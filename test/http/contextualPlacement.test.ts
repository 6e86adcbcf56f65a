import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileContextual, type ContextualStrategy } from '../../src/core/decide/contextual.js';
import type { CreatedWorkspace } from '../../src/workspaces/WorkspaceService.js';
import { bearer } from '../support/harness.js';
import { PlacementServer } from './placementServer.js';

// A contextual placement end to end: defined over the admin API (its inputs checked against
// the workspace), decided through POST /v1/decide, taught by Decision Viewed and Decision
// Clicked events on the collect path, and the same model after a restart (rebuilt from the
// decision records and the events naming them).

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const strategy: ContextualStrategy = { kind: 'contextual', algorithm: 'ucb', alpha: 0.5, inputs: { context: ['device'], traits: ['plan'] }, minExplorationShare: 0.05 };
const key = compileContextual(strategy).key;
/** What pays: x on mobile, y on desktop. */
const best: Record<string, string> = { mobile: 'x', desktop: 'y' };

describe('a contextual placement over HTTP', () => {
  let dataDir: string;
  let s: PlacementServer;
  let a: CreatedWorkspace;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'attune-contextual-'));
    s = await new PlacementServer(dataDir, 3, t0).start();
    a = await s.server.workspaces.create('workspace A', { verification: false }, 'ws_ctx_a');
    await s.server.engine.store.experiments.setMeasurement(a.id, { holdoutShare: 0 });
  });
  afterEach(async () => {
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const put = (url: string, body: unknown) => s.call<{ code?: string; field?: string }>('PUT', url, bearer(a.secretKey), body);

  it('refuses inputs that cannot work with 400 and the field at fault', async () => {
    const placement = (inputs: unknown) => ({ channel: 'web', strategy: { kind: 'contextual', inputs }, defaultContent: null });
    expect((await put('/admin/v1/placements/hero', placement({ features: ['orders_90dd'] }))).body).toMatchObject({ code: 'ATTUNE_INVALID_REQUEST', field: '/strategy/inputs/features/0' });
    expect((await put('/admin/v1/placements/hero', placement({}))).body).toMatchObject({ code: 'ATTUNE_INVALID_REQUEST', field: '/strategy/inputs' });
    expect((await put('/admin/v1/placements/hero', placement({ context: ['page..path'] }))).body).toMatchObject({ code: 'ATTUNE_INVALID_REQUEST', field: '/strategy/inputs/context/0' });
    const shadowed = { channel: 'web', strategy: { kind: 'priority' }, shadow: { kind: 'contextual', inputs: { traits: ['plan', 'bad name'] } }, defaultContent: null };
    expect((await put('/admin/v1/placements/hero', shadowed)).body).toMatchObject({ code: 'ATTUNE_INVALID_REQUEST', field: '/shadow/inputs/traits/1' });
    const schema = await put('/admin/v1/placements/hero', { channel: 'web', strategy: { kind: 'contextual', inputs: { context: ['device'] }, algorithm: 'greedy' }, defaultContent: null });
    expect(schema.status).toBe(400);
    // A built-in feature is a feature like any other.
    expect((await put('/admin/v1/placements/hero', placement({ features: ['first_seen'], context: ['device'] }))).status).toBe(201);
  });

  it('learns from views and clicks which action suits which context, records what it saw, and has the same model after a restart', { timeout: 60_000 }, async () => {
    expect((await put('/admin/v1/placements/hero', { channel: 'web', strategy, defaultContent: null })).status).toBe(201);
    for (const id of ['x', 'y']) expect((await put(`/admin/v1/actions/${id}`, { placements: ['hero'], priority: 0, value: 0, variants: { default: { title: id } } })).status).toBe(201);
    let views = 0;
    for (let i = 0; i < 60; i++) {
      const userId = `u${i}`;
      const device = i % 2 === 0 ? 'mobile' : 'desktop';
      const d = await s.decide(a, userId, device);
      expect(d.reasons.strategy).toBe('contextual');
      // Not explained: the inputs are about the person, recorded but not answered.
      expect(d.reasons.contextual).toBeUndefined();
      // Every fifth decision is never seen: it teaches nothing.
      if (i % 5 === 4) continue;
      await s.interact(a, userId, 'Decision Viewed', d);
      views++;
      if (d.actionId === best[device]) await s.interact(a, userId, 'Decision Clicked', d);
    }
    await s.server.engine.decisions.flushRecords();
    const observations = async (server: PlacementServer) => {
      let n = 0;
      for (const id of ['x', 'y']) n += (await server.server.engine.contextual.modelOf(a.id, 'hero', key, id))?.observations ?? 0;
      return n;
    };
    expect(await observations(s)).toBe(views);
    // Learned: each context's paying action is the bound's best, chosen with 1 − 0.05.
    const before = { mobile: await s.decide(a, 'probe-m', 'mobile', true), desktop: await s.decide(a, 'probe-d', 'desktop', true) };
    expect(before.mobile).toMatchObject({ actionId: 'x' });
    expect(before.mobile.probability).toBeCloseTo(0.95, 12);
    expect(before.desktop).toMatchObject({ actionId: 'y' });
    expect(before.mobile.reasons.contextual).toEqual({ inputs: { 'context.device': 'mobile', 'traits.plan': null }, models: [key] });
    // The record carries the inputs whether or not the answer was explained (u0 has a profile now: its first view made it).
    const unexplained = await s.decide(a, 'u0', 'mobile');
    expect(unexplained.reasons.contextual).toBeUndefined();
    await s.server.engine.decisions.flushRecords();
    const recorded = await s.call<{ decisionId: string; reasons: { contextual?: unknown } }[]>('GET', '/admin/v1/profiles/u0/decisions', bearer(a.secretKey));
    expect(recorded.body[0]).toMatchObject({ decisionId: unexplained.decisionId, reasons: { contextual: { inputs: { 'context.device': 'mobile', 'traits.plan': null }, models: [key] } } });

    await s.server.engine.decisions.flushRecords();
    await s.close();
    s = await new PlacementServer(dataDir, 99, t0).start();
    const after = { mobile: await s.decide(a, 'probe-m2', 'mobile', true), desktop: await s.decide(a, 'probe-d2', 'desktop', true) };
    expect(await observations(s)).toBe(views);
    for (const device of ['mobile', 'desktop'] as const) {
      expect(after[device].actionId).toBe(before[device].actionId);
      expect(after[device].probability).toBe(before[device].probability);
      // The same predicted reward and spread: the same model, to the last bit.
      expect(after[device].reasons.terms).toEqual(before[device].reasons.terms);
    }
  });
});
