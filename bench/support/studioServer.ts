/**
 * Child process of the `studio` benchmark: the Attune server as `attune serve` runs it, with
 * the studio built (ATTUNE_BENCH_STUDIO_DIR), over the store decidePrepare.ts filled with N
 * profiles (ATTUNE_BENCH_STUDIO_DATA). Before it listens it adds what the studio's pages show
 * beyond the decide workspace, through the engine's services and the public API as a
 * deployment would get them: an owner who signs in (ATTUNE_BENCH_STUDIO_EMAIL, password
 * ATTUNE_BENCH_STUDIO_PASSWORD), an experiment on the home-hero placement
 * (studioExperimentId), decisions for the first `studioVisitors` profiles (user-000000 ...,
 * through the server's DecisionService) and orders from a seeded share of them (through its
 * Collector), so that the experiment's results and a customer's
 * decisions have data. Profiles are not preloaded: the server reads them from the store as
 * pages ask. Request logging is off. See bench/support/child.ts for the protocol.
 */
import { join } from 'node:path';
import { databaseFile, openStore } from '../../src/cli/openStore.js';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { loadConfig } from '../../src/config/config.js';
import { buildServer } from '../../src/server/buildServer.js';
import { cpuTimes, serveParent } from './child.js';
import { mainPlacement, userIdOf } from './decideWorkspace.js';
import { trustedCaller } from '../../src/core/identity/identityCheck.js';
import { seededRandom } from './random.js';
import { studioExperimentId, studioExperimentName, studioVisitors } from './studioPageLoads.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} must be set`);
  return value;
}

const dataDir = required('ATTUNE_BENCH_STUDIO_DATA');
const studioDir = required('ATTUNE_BENCH_STUDIO_DIR');
const workspaceId = required('ATTUNE_BENCH_STUDIO_WORKSPACE');
const writeKey = required('ATTUNE_BENCH_STUDIO_WRITE_KEY');
const email = required('ATTUNE_BENCH_STUDIO_EMAIL');
const password = required('ATTUNE_BENCH_STUDIO_PASSWORD');
const visitors = Math.min(studioVisitors, Number(required('ATTUNE_BENCH_STUDIO_PROFILES')));

const config = loadConfig({ dataDir, host: '127.0.0.1', port: '0' });
const store = openStore(config, 'bench');
const { app, engine, decisions, collector, workspaces } = await buildServer({
  store, clock: systemClock, ids: uuidIds, adminToken: config.adminToken, corsOrigins: config.corsOrigins, logger: false, studioDir,
  decisionSampleRate: 1,
});

const invited = await engine.access.invite(workspaceId, { kind: 'operator' }, { email, role: 'owner' });
const owner = await engine.access.acceptInvitation(invited.token, password);
const token = await engine.access.createToken(workspaceId, owner.id, 'studio bench', null);
const admin = { authorization: `Bearer ${token.plain}` };
const created = await app.inject({ method: 'PUT', url: `/admin/v1/experiments/${studioExperimentId}`, headers: admin, payload: {
  id: studioExperimentId, name: studioExperimentName, placement: mainPlacement, primaryMetric: 'conversion',
  arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'personalized', weight: 0.5, serve: { kind: 'personalized' } }],
} });
if (created.statusCode !== 201) throw new Error(`PUT the experiment: ${created.statusCode.toString()} ${created.body}`);
// As a server calls them, with the secret key: the userIds are taken as given (with the write
// key, a workspace that verifies identities would read each call as an anonymous visitor).
const workspace = await workspaces.get(workspaceId);
const random = seededRandom(20261207);
const orders: Record<string, unknown>[] = [];
for (let i = 0; i < visitors; i++) {
  const userId = userIdOf(i);
  const answer = await decisions.decide(workspace, { userId, placements: [mainPlacement] });
  if (answer.profileId === null) throw new Error(`no profile decided for ${userId}`);
  // More orders where the content was personalized, so the read-out has an effect to show.
  if (random() < (answer.placements[0]?.fallback === null ? 0.3 : 0.2)) {
    orders.push({ type: 'track', userId, event: 'Order Completed', properties: { revenue: Math.round(20 + random() * 80), currency: 'USD' } });
  }
}
await decisions.flushRecords();
for (let i = 0; i < orders.length; i += 100) {
  const report = await collector.collect(workspace, { events: orders.slice(i, i + 100), routeType: null, caller: trustedCaller });
  if (report.rejected.length > 0) throw new Error(`orders rejected: ${JSON.stringify(report.rejected.slice(0, 3))}`);
}
await store.committer.flush();

await app.listen({ host: config.host, port: config.port });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('expected a TCP address');

serveParent(
  { port: address.port, writeKey, dataFile: join(dataDir, databaseFile) },
  () => ({ ...cpuTimes(), commits: 0, commitJobs: 0, commitEvents: 0, commitMillis: 0 }),
  () => app.close(),
);
