/**
 * Child process: the Attune server as `attune serve` runs it (same store, metrics, group
 * commit and configuration from the environment, ATTUNE_SYNC included), on a fresh data
 * folder, with one workspace, listening on a free port. Request logging is off, as
 * buildServer allows for benchmarks. See bench/support/child.ts for the protocol.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseFile, openStore } from '../../src/cli/openStore.js';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { loadConfig } from '../../src/config/config.js';
import { buildServer } from '../../src/server/buildServer.js';
import { createMetrics } from '../../src/server/metrics.js';
import { cpuTimes, serveParent } from './child.js';

const dataDir = mkdtempSync(join(tmpdir(), 'attune-bench-'));
const config = loadConfig({ dataDir, host: '127.0.0.1', port: '0' });
const metrics = createMetrics();
const commits = { commits: 0, commitJobs: 0, commitEvents: 0, commitMillis: 0 };
const store = openStore(config, (jobs, events, millis) => {
  metrics.commits(jobs, events, millis);
  commits.commits++;
  commits.commitJobs += jobs;
  commits.commitEvents += events;
  commits.commitMillis += millis;
});
// For tuning experiments only (`npm run bench -- ingest --pragma=wal_autocheckpoint=10000`): extra pragmas on the store's connection.
for (const pragma of (process.env['ATTUNE_BENCH_PRAGMAS'] ?? '').split(';').filter(Boolean)) store.db.pragma(pragma);
const { app, workspaces } = await buildServer({
  store, clock: systemClock, ids: uuidIds, metrics, adminToken: config.adminToken, corsOrigins: config.corsOrigins, logger: false,
});
const workspace = await workspaces.create('bench');
await app.listen({ host: config.host, port: config.port });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('expected a TCP address');

serveParent(
  { port: address.port, writeKey: workspace.writeKey, dataFile: join(dataDir, databaseFile) },
  () => ({ ...cpuTimes(), ...commits }),
  () => app.close(),
);
