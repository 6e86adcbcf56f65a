import { join } from 'node:path';
import { expect } from 'vitest';
import type { DecideResponse, DecisionView } from '../../src/api/decideSchemas.js';
import { fixedClock, sequentialIds } from '../../src/core/common/ports.js';
import { seededRandom } from '../../src/core/common/random.js';
import { openStore } from '../../src/engine/openStore.js';
import { buildServer, type AttuneServer } from '../../src/server/buildServer.js';
import type { CreatedWorkspace } from '../../src/workspaces/WorkspaceService.js';
import { basicAuth, bearer } from '../support/harness.js';

/**
 * A server over a real SQLite file that can be closed and started again on the same file, for
 * the tests of placements that learn (contextual bandits, learned propensities): decide calls
 * on a `hero` placement with a `device` context, and the Decision Viewed / Clicked events that
 * teach them.
 */
export class PlacementServer {
  server!: AttuneServer;
  constructor(readonly dataDir: string, private readonly seed: number, private readonly t0: number) {}

  async start(): Promise<this> {
    const store = openStore({ path: join(this.dataDir, 'attune.db'), synchronous: 'normal', writer: 'inline', maxPendingEvents: 10_000 });
    this.server = await buildServer({ store, clock: fixedClock(this.t0), ids: sequentialIds(`s${this.seed}`), random: seededRandom(this.seed), logger: false });
    return this;
  }

  async call<T>(method: 'GET' | 'PUT' | 'POST', url: string, auth: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await this.server.app.inject({ method, url, headers: { authorization: auth }, ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) });
    return { status: res.statusCode, body: res.json<T>() };
  }

  async decide(w: CreatedWorkspace, userId: string, device: string, explain = false): Promise<DecisionView> {
    const res = await this.call<DecideResponse>('POST', '/v1/decide', explain ? bearer(w.secretKey) : basicAuth(w.writeKey), { userId, placements: ['hero'], context: { device }, explain });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.placements[0]!.decisions[0]!;
  }

  async interact(w: CreatedWorkspace, userId: string, event: 'Decision Viewed' | 'Decision Clicked', d: DecisionView): Promise<void> {
    const res = await this.call('POST', '/v1/track', basicAuth(w.writeKey), { userId, event, properties: { decisionId: d.decisionId, actionId: d.actionId, placement: 'hero' } });
    expect(res.status).toBe(200);
  }

  close(): Promise<void> { return this.server.app.close(); }
}
