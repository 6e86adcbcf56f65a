/**
 * Child process: the Attune server as `attune serve` runs it (same store, metrics, group
 * commit and configuration from the environment, ATTUNE_SYNC included), on a fresh data
 * folder, with one workspace, listening on a free port. Request logging is off, as
 * buildServer allows for benchmarks. See bench/support/child.ts for the protocol.
 *
 * For the `know` benchmark, ATTUNE_BENCH_KNOWLEDGE writes the workspace's features and
 * segments straight into the store (KnowledgeConfigStore.putFeature/putSegment) before it
 * listens: `full` writes the 20 features and 50 segments of knowWorkspace.ts, `none` writes
 * nothing (only the 4 built-in features are then active), unset (the ingest benchmark) is
 * the same as `none`. The definitions are compiled here first, so that a faulty one stops
 * the run at once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseFile, openStore } from '../../src/cli/openStore.js';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { loadConfig } from '../../src/config/config.js';
import { compileKnowledgeModel } from '../../src/core/knowledge/KnowledgeModel.js';
import { buildServer } from '../../src/server/buildServer.js';
import { createMetrics } from '../../src/server/metrics.js';
import { cpuTimes, serveParent } from './child.js';
import { knowFeatures, knowSegments } from './knowWorkspace.js';

const knowledge = process.env['ATTUNE_BENCH_KNOWLEDGE'];
if (knowledge !== undefined && knowledge !== 'full' && knowledge !== 'none') throw new Error(`ATTUNE_BENCH_KNOWLEDGE must be full or none, not ${knowledge}`);
const features = knowledge === 'full' ? knowFeatures : [];
const segments = knowledge === 'full' ? knowSegments : [];
if (knowledge !== undefined) compileKnowledgeModel({ features, segments });

const dataDir = mkdtempSync(join(tmpdir(), knowledge === undefined ? 'attune-bench-' : 'attune-bench-know-'));
const config = loadConfig({ dataDir, host: '127.0.0.1', port: '0' });
const metrics = createMetrics();
const commits = { commits: 0, commitJobs: 0, commitEvents: 0, commitMillis: 0 };
// The recommend benchmark's run without the online item models (what they cost): ATTUNE_BENCH_ITEM_MODELS=off.
const itemModels = process.env['ATTUNE_BENCH_ITEM_MODELS'];
if (itemModels !== undefined && itemModels !== 'on' && itemModels !== 'off') throw new Error(`ATTUNE_BENCH_ITEM_MODELS must be on or off, not ${itemModels}`);
const store = openStore(config, 'bench', (jobs, events, millis) => {
  metrics.commits(jobs, events, millis);
  commits.commits++;
  commits.commitJobs += jobs;
  commits.commitEvents += events;
  commits.commitMillis += millis;
}, { learnItems: itemModels !== 'off' });
// For tuning experiments only (`npm run bench -- ingest --pragma=wal_autocheckpoint=10000`): extra pragmas on the store's connection.
for (const pragma of (process.env['ATTUNE_BENCH_PRAGMAS'] ?? '').split(';').filter(Boolean)) store.db.pragma(pragma);
const { app, workspaces } = await buildServer({
  store, clock: systemClock, ids: uuidIds, metrics, adminToken: config.adminToken, corsOrigins: config.corsOrigins, logger: false,
});
const workspace = await workspaces.create('bench');
const now = systemClock.now();
for (const feature of features) await store.knowledgeConfig.putFeature(workspace.id, feature, now);
for (const segment of segments) await store.knowledgeConfig.putSegment(workspace.id, segment, now);
await app.listen({ host: config.host, port: config.port });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('expected a TCP address');

serveParent(
  { port: address.port, writeKey: workspace.writeKey, dataFile: join(dataDir, databaseFile) },
  () => ({ ...cpuTimes(), ...commits }),
  () => app.close(),
);
