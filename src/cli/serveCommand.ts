import { owaspScryptCost } from '../access/passwords.js';
import type { AttuneConfig } from '../config/config.js';
import { scheduleSegmentSweeps } from '../knowledge/sweepSegments.js';
import { schedulePredictionTraining } from '../predict/schedulePredictionTraining.js';
import { scheduleDuePublishing } from '../review/scheduleDuePublishing.js';
import { scheduleRetention } from '../retention/scheduleRetention.js';
import { buildServer } from '../server/buildServer.js';
import { createMetrics } from '../server/metrics.js';
import { openStore } from './openStore.js';
import { sdkBundles } from './sdkBundles.js';
import { studioDir } from './studioDir.js';
import { provisionShopExample } from '../examples/shopExample.js';
import type { DemoUser } from '../examples/shopPage.js';
import { systemClock, uuidIds } from './systemClock.js';
import { ensureCanListen, listenProblem } from './listenProblem.js';
import { logDestination } from './logLines.js';

/** What a person opens first, printed under the listening line. */
export function startupLinks(address: string, examples: boolean): string {
  return `  ${examples ? `example shop: ${address}/examples/shop   ` : ''}studio: ${address}/studio   docs: ${address}/docs\n`;
}

/**
 * Runs the server until SIGTERM or SIGINT, then shuts down gracefully: stop accepting,
 * let in-flight requests finish (their events are committed before they are answered),
 * flush the commit queue, checkpoint and close the database. Resolves with the address once
 * it listens; a port it cannot listen on is a usage error (exit 2) that names the port.
 */
export async function serveCommand(config: AttuneConfig): Promise<string> {
  // Before anything is opened or provisioned: a busy port changes nothing in the data folder.
  await ensureCanListen(config.host, config.port);
  const metrics = createMetrics();
  const store = openStore(config, 'serve', metrics.commits);
  // The log after the state's checkpoint is replayed before the first request is taken.
  try {
    await store.recovered;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  let exampleKey: { writeKey: string; demoUser: DemoUser } | null = null;
  const sdkDir = await sdkBundles((message) => process.stderr.write(`attune: ${message}\n`));
  const { app, models, engine } = await buildServer({
    sdkDir,
    studioDir: studioDir(),
    example: async () => exampleKey,
    store, clock: systemClock, ids: uuidIds, metrics,
    adminToken: config.adminToken, corsOrigins: config.corsOrigins, adminCorsOrigins: config.adminCorsOrigins,
    logger: { level: config.logLevel, stream: logDestination(process.stdout) },
    decisionSampleRate: config.decisionSampleRate,
    secureCookies: config.secureCookies,
    access: { scrypt: { ...owaspScryptCost, N: 2 ** config.passwordCost }, sessionHours: config.sessionHours },
  });
  if (config.examples) {
    const provisioned = await provisionShopExample(engine);
    exampleKey = { writeKey: provisioned.writeKey, demoUser: provisioned.demoUser };
  }
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // Taken since the check above: close the store cleanly, then the same one-line hint.
    const problem = listenProblem(error, config.host, config.port);
    await app.close();
    throw problem ?? error;
  }
  const stopSweeps = config.segmentSweepSeconds === 0 ? () => undefined : scheduleSegmentSweeps(
    { store, workspaces: store.workspaces, models, clock: systemClock },
    config.segmentSweepSeconds * 1000,
    (report) => {
      if (report instanceof Error) app.log.warn({ err: report }, 'segment sweep stopped');
      else if (report.workspaces > 0) app.log.info({ sweep: report }, 'time-dependent segments re-evaluated');
    },
  );
  const stopTraining = config.predictionTrainHours === 0 ? () => undefined : schedulePredictionTraining(
    { workspaceIds: async () => (await engine.workspaces.list()).map((w) => w.id), predictions: engine.predictions },
    config.predictionTrainHours * 3_600_000,
    (report) => {
      if (report instanceof Error) app.log.warn({ err: report }, 'prediction retraining stopped');
      else {
        for (const f of report.failed) app.log.warn({ err: f.error, workspaceId: f.workspaceId }, 'prediction retraining failed');
        if (report.retrained.length > 0) app.log.info({ retrained: report.retrained }, 'prediction models retrained');
      }
    },
  );
  // Scheduled drafts are published within five seconds of their time (docs/review.md).
  const stopPublishing = scheduleDuePublishing(engine.review, 5_000, (report) => {
    if (report instanceof Error) app.log.warn({ err: report }, 'scheduled publishing stopped');
    else {
      for (const f of report.failed) app.log.warn({ draftId: f.id, reason: f.reason }, 'scheduled draft not published');
      if (report.published.length > 0) app.log.info({ published: report.published }, 'scheduled drafts published');
    }
  });
  const stopRetention = config.retentionPurgeHours === 0 ? () => undefined : scheduleRetention(
    { workspaceIds: async () => (await engine.workspaces.list()).map((w) => w.id), retention: engine.retention },
    config.retentionPurgeHours * 3_600_000,
    (report) => {
      if (report instanceof Error) app.log.warn({ err: report }, 'retention purge stopped');
      else {
        for (const f of report.failed) app.log.warn({ err: f.error, workspaceId: f.workspaceId }, 'retention purge failed');
        const removed = report.purged.filter((r) => r.events.removed + r.decisions.removed + r.audit.removed > 0)
          .map((r) => ({ workspaceId: r.workspaceId, events: r.events.removed, decisions: r.decisions.removed, audit: r.audit.removed }));
        if (removed.length > 0) app.log.info({ removed }, 'retention purged');
      }
    },
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    stopSweeps();
    stopTraining();
    stopPublishing();
    stopRetention();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Only once the signals are handled: a script that reads this line and stops the server at
  // once must get a graceful shutdown, not the default action of an unhandled SIGTERM.
  // One plain line on stdout that scripts (and the crash test) can wait for, then what to open, in one write.
  process.stdout.write(`attune listening on ${address} (data: ${config.dataDir})\n${startupLinks(address, config.examples)}`);
  return address;
}
