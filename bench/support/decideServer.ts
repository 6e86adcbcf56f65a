/**
 * Child process of the `decide` benchmark: the Attune server as `attune serve` runs it (the
 * same store, metrics, group commit, decision sample rate and configuration from the
 * environment) over the store decidePrepare.ts filled (ATTUNE_BENCH_DECIDE_DATA), with every
 * profile loaded into memory first (warm), listening on a free port. Request logging is off. See bench/support/child.ts for the protocol.
 */
import { join } from 'node:path';
import { databaseFile, openStore } from '../../src/cli/openStore.js';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { loadConfig } from '../../src/config/config.js';
import { buildServer } from '../../src/server/buildServer.js';
import { createMetrics } from '../../src/server/metrics.js';
import { cpuTimes, serveParent } from './child.js';
import { preloadProfiles } from './preloadProfiles.js';

const dataDir = process.env['ATTUNE_BENCH_DECIDE_DATA'];
if (dataDir === undefined) throw new Error('ATTUNE_BENCH_DECIDE_DATA must name the prepared data folder');
const config = loadConfig({ dataDir, host: '127.0.0.1', port: '0' });
const metrics = createMetrics();
const commits = { commits: 0, commitJobs: 0, commitEvents: 0, commitMillis: 0 };
const store = openStore(config, 'bench', (jobs, events, millis) => {
  metrics.commits(jobs, events, millis);
  commits.commits++;
  commits.commitJobs += jobs;
  commits.commitEvents += events;
  commits.commitMillis += millis;
});
const { app } = await buildServer({
  store, clock: systemClock, ids: uuidIds, metrics, adminToken: config.adminToken, corsOrigins: config.corsOrigins, logger: false,
  decisionSampleRate: config.decisionSampleRate,
});
// Warm profiles, as on a server that has run for a while with a cache large enough for them
// (the default 512 MB holds 100,000 profiles): every profile is loaded before the server listens.
let warmProfiles = 0;
for (const workspace of await store.workspaces.listWorkspaces()) warmProfiles += await preloadProfiles(store, workspace.id);
if (store.live.profileCount < warmProfiles) throw new Error(`${String(store.live.profileCount)} profiles cached of ${String(warmProfiles)}: the cache budget is too small`);
await app.listen({ host: config.host, port: config.port });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('expected a TCP address');

serveParent(
  { port: address.port, writeKey: null, dataFile: join(dataDir, databaseFile) },
  () => ({ ...cpuTimes(), ...commits }),
  () => app.close(),
);
