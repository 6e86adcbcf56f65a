/**
 * Child process of the `know` benchmark: the Attune server as attuneServer.ts runs it (the
 * store, metrics, group commit and configuration from the environment, ATTUNE_SYNC included,
 * on a fresh data folder, request logging off), with the workspace's features and segments
 * written straight into the store (KnowledgeConfigStore.putFeature/putSegment) before it
 * listens: ATTUNE_BENCH_KNOWLEDGE=full writes the 20 features and 50 segments of
 * knowWorkspace.ts, `none` writes nothing (only the 4 built-in features are then active).
 * The definitions are compiled here first, so that a faulty one stops the run at once.
 * See bench/support/child.ts for the protocol.
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

const knowledge = process.env['ATTUNE_BENCH_KNOWLEDGE'] ?? 'full';
if (knowledge !== 'full' && knowledge !== 'none') throw new Error(`ATTUNE_BENCH_KNOWLEDGE must be full or none, not ${knowledge}`);
const features = knowledge === 'full' ? knowFeatures : [];
const segments = knowledge === 'full' ? knowSegments : [];
compileKnowledgeModel({ features, segments });

const dataDir = mkdtempSync(join(tmpdir(), 'attune-bench-know-'));
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
