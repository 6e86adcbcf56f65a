import Fastify, { type FastifyInstance } from 'fastify';
import type { Collector } from '../collect/Collector.js';
import type { Clock, IdGenerator } from '../core/common/ports.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { WorkspaceService } from '../workspaces/WorkspaceService.js';
import { createEngine, type Engine } from '../engine/createEngine.js';
import { installAuditCaller } from './auditCaller.js';
import { installBodyDecoding } from './bodyEncoding.js';
import { installJsonBodyParser } from './jsonBody.js';
import { OneLineRequestLog } from './requestLog.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { installProblemHandlers, sendProblem, toAttuneError } from './problem.js';
import { adminRoutes } from './routes/adminRoutes.js';
import { auditRoutes } from './routes/auditRoutes.js';
import { catalogRoutes } from './routes/catalogRoutes.js';
import { qualityRoutes } from './routes/qualityRoutes.js';
import { consentRoutes } from './routes/consentRoutes.js';
import { fairnessRoutes } from './routes/fairnessRoutes.js';
import { reviewRoutes } from './routes/reviewRoutes.js';
import { recommendRoutes } from './routes/recommendRoutes.js';
import { recommenderModelRoutes } from './routes/recommenderModelRoutes.js';
import { predictionRoutes } from './routes/predictionRoutes.js';
import { recommendAdminRoutes } from './routes/recommendAdminRoutes.js';
import { collectRoutes } from './routes/collectRoutes.js';
import { healthRoutes } from './routes/healthRoutes.js';
import { knowledgeRoutes } from './routes/knowledgeRoutes.js';
import type { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { seededRandom, type Random } from '../core/common/random.js';
import type { DecisionModels } from '../decide/DecisionModels.js';
import type { DecisionService } from '../decide/DecisionService.js';
import { installCors } from './publicApi.js';
import { installAccessControl, type RegisteredRoute } from './access.js';
import { userRoutes } from './routes/userRoutes.js';
import { docsPath } from './routes/docsRoutes.js';
import type { AccessSettings } from '../access/AccessService.js';
import { installOpenApi } from './openApi.js';
import { decideRoutes } from './routes/decideRoutes.js';
import { decisionAdminRoutes } from './routes/decisionAdminRoutes.js';
import { experimentRoutes } from './routes/experimentRoutes.js';
import { exampleRoutes, type ExampleRoutesOptions } from './routes/exampleRoutes.js';
import { docsRoutes } from './routes/docsRoutes.js';
import { homeRoutes } from './routes/homeRoutes.js';
import { studioRoutes } from './routes/studioRoutes.js';
import { personalizerRoutes } from './routes/personalizerRoutes.js';
import { privacyRoutes } from './routes/privacyRoutes.js';
import { retentionRoutes } from './routes/retentionRoutes.js';
import type { PersonalizerSettings } from '../learn/PersonalizerService.js';
import type { LiveStore } from '../profiles/LiveStore.js';

export interface ServerOptions {
  readonly store: LiveStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly adminToken?: string | null;
  /** Origins that may call the public routes (/v1, /sdk) from a browser; default any. */
  readonly corsOrigins?: readonly string[] | '*';
  /** Origins that may call the admin API (/admin) from a browser; default none. */
  readonly adminCorsOrigins?: readonly string[];
  readonly metrics?: ServerMetrics;
  /** Share of decisions recorded (0 to 1; default 1). */
  readonly decisionSampleRate?: number;
  /** Randomness for weighted choices and sampling; seeded from the clock when not given. */
  readonly random?: Random;
  /** The folder of the browser SDK's bundles, served at /sdk/attune.js and /sdk/attune.esm.js; none: those answer 404. */
  readonly sdkDir?: string | null;
  /** The built studio (dist/studio), served at /studio; none: /studio answers 404. */
  readonly studioDir?: string | null;
  /** The example shop's write key and signed demo user (served at /examples/shop); none or null: the example is off. */
  readonly example?: ExampleRoutesOptions['example'];
  /** Pino options (`stream`: where the JSON lines go, stdout by default), or false for no logs (tests, benchmarks). */
  /** The Personalizer-compatible loop's settings; default Personalizer's (20% exploration, default reward 0 after 10 minutes). */
  readonly personalizer?: Partial<PersonalizerSettings>;
  readonly logger?: false | { readonly level: string; readonly stream?: NodeJS.WritableStream };
  /** Password work factor, invitation and session lifetimes (src/access/AccessService.ts). */
  readonly access?: Partial<AccessSettings>;
  /** Whether the session cookie is Secure (default true; false only for plain-http localhost). */
  readonly secureCookies?: boolean;
}

export interface AttuneServer {
  readonly app: FastifyInstance;
  readonly models: KnowledgeModels;
  readonly workspaces: WorkspaceService;
  readonly collector: Collector;
  readonly decisionModels: DecisionModels;
  readonly decisions: DecisionService;
  readonly metrics: ServerMetrics;
  /** The services behind the routes: callers beside the server (the example shop) change configuration through them too. */
  readonly engine: Engine;
  /** Every registered route with its access: what docs/access.md and the permission-matrix test list. */
  readonly routes: readonly RegisteredRoute[];
}

/**
 * The HTTP shell: wires the store, the collector and the routes into one Fastify instance.
 * It does not listen; the caller (the CLI, or a test with app.inject) decides that.
 */
export async function buildServer(options: ServerOptions): Promise<AttuneServer> {
  const metrics = options.metrics ?? createMetrics();
  // Assigned once the app exists: a failed decision record is logged by it.
  let logRecordFailure: (error: unknown) => void = () => undefined;
  let logRecommendFailure: (error: unknown) => void = () => undefined;
  let logQualityFailure: (error: unknown) => void = () => undefined;
  const engine = createEngine({
    store: options.store, clock: options.clock, ids: options.ids,
    random: options.random ?? seededRandom(options.clock.now() ^ process.pid),
    decisionSampleRate: options.decisionSampleRate ?? 1,
    ...(options.personalizer === undefined ? {} : { personalizer: options.personalizer }),
    ...(options.access === undefined ? {} : { access: options.access }),
    collectObserver: metrics.collect,
    decisionObserver: {
      decided: metrics.decide.decided,
      identity: (check) => metrics.decide.identity?.(check),
      recordFailed: (error) => {
        metrics.decide.recordFailed(error);
        logRecordFailure(error);
      },
      recommendFailed: (error) => logRecommendFailure(error),
    },
    onQualityWriteError: (error) => logQualityFailure(error),
  });
  const { workspaces, models, decisionModels, collector, decisions, experiments } = engine;
  let ready = true;
  const example = options.example ?? (async () => null);

  const app = Fastify({
    logger: options.logger === undefined || options.logger === false ? false : {
      level: options.logger.level, redact: ['req.headers.authorization'], ...(options.logger.stream === undefined ? {} : { stream: options.logger.stream }),
    },
    logController: new OneLineRequestLog(),
    bodyLimit: 1024 * 1024,
    // The bodies are parsed by installJsonBodyParser; Fastify's ajv still checks admin routes.
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
    // Requests that arrive while closing get ATTUNE_SHUTTING_DOWN from the hook below, as problem+json.
    return503OnClosing: false,
    // Path parameters carry user and anonymous ids of up to 512 characters (the Segment call
    // schemas); percent-encoded, one character takes up to 12. Fastify's default is 100.
    routerOptions: { maxParamLength: 512 * 12 },
    // The router's own errors (a bad percent-encoding, an overlong parameter) answer as problem+json too.
    frameworkErrors: (error, request, reply) => {
      sendProblem(reply, request, toAttuneError(error));
    },
  });
  installJsonBodyParser(app);
  installBodyDecoding(app);
  installAuditCaller(app);
  installProblemHandlers(app, (request, error) => {
    // Per-event rejections are counted by the collector; this counts requests refused whole.
    if (request.url.startsWith('/v1/') && !request.url.startsWith('/v1/decide') && !request.url.startsWith('/v1/profiles/') && error.code !== 'ATTUNE_INVALID_EVENTS' && !error.code.startsWith('ATTUNE_EVENT_')) metrics.collectRequestRejected(error.code);
  });

  // Node's server.close() reaps only the keep-alive connections idle at that moment: one whose
  // request was in flight would stay open after its answer (up to keepAliveTimeout, 72 s) and
  // hold up a graceful shutdown. So, once closing, answers say `Connection: close`, and each
  // finished answer reaps the connections that have gone idle since.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!ready) reply.header('connection', 'close');
    done(null, payload);
  });
  // Callback hooks, not async ones: every request runs them, and an async hook costs a promise
  // and a turn of the microtask queue each (src/server/README.md, per-request costs).
  app.addHook('onRequest', (_request, _reply, done) => {
    done(ready ? undefined : new AttuneError('ATTUNE_SHUTTING_DOWN'));
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestSeconds.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (!ready) app.server.closeIdleConnections();
    done();
  });
  app.addHook('onClose', async () => {
    ready = false;
    await decisions.flushRecords().catch((error: unknown) => app.log.error({ err: error }, 'decision records lost at shutdown'));
    await engine.personalizer.flushEvents().catch((error: unknown) => app.log.error({ err: error }, 'rank events lost at shutdown'));
    await engine.qualityCounters.flush().catch((error: unknown) => app.log.error({ err: error }, 'data-quality counts lost at shutdown'));
    // A reread of the log (after an erasure) must not run on against the closed store.
    await engine.sessions.close();
    await options.store.close();
  });

  const secureCookies = options.secureCookies ?? true;
  // Before any route: the onRoute check must see every route, and the hook run before theirs.
  const routes = installAccessControl(app, {
    workspaces, access: engine.access, adminToken: options.adminToken ?? null, secureCookies,
    // The API reference's pages and assets (@fastify/swagger-ui) and CORS preflights (@fastify/cors) are public.
    pluginRoutes: (method, url) => (method === 'OPTIONS' || url === docsPath || url.startsWith(`${docsPath}/`) ? 'public' : undefined),
  });
  await installOpenApi(app);
  await app.register(docsRoutes);
  await app.register(homeRoutes, { exampleOn: async () => (await example()) !== null, studioOn: (options.studioDir ?? null) !== null });

  await app.register(healthRoutes, { metrics, isReady: () => ready });
  logRecordFailure = (error) => app.log.error({ err: error }, 'decision record failed');
  logRecommendFailure = (error) => app.log.error({ err: error }, 'recommendation slot list failed (slot skipped)');
  logQualityFailure = (error) => app.log.error({ err: error }, 'data-quality counts could not be written (lost)');
  await installCors(app, { publicOrigins: options.corsOrigins ?? '*', adminOrigins: options.adminCorsOrigins ?? [] });
  await app.register(collectRoutes, { collector, workspaces });
  await app.register(decideRoutes, { decisions, workspaces });
  await app.register(adminRoutes, { workspaces, store: options.store, models, clock: options.clock, audit: engine.audit });
  await app.register(auditRoutes, { audit: engine.audit });
  await app.register(userRoutes, { access: engine.access, secureCookies });
  await app.register(knowledgeRoutes, { workspaces, admin: engine.knowledgeAdmin });
  await app.register(exampleRoutes, { sdkDir: options.sdkDir ?? '', example });
  await app.register(studioRoutes, { studioDir: options.studioDir ?? null });
  await app.register(decisionAdminRoutes, {
    workspaces, admin: engine.decisionAdmin, store: options.store, clock: options.clock, bandits: engine.bandits, contextual: engine.contextual, decisionModels: engine.decisionModels, audit: engine.audit,
  });
  await app.register(experimentRoutes, { workspaces, experiments });
  await app.register(catalogRoutes, { workspaces, catalog: engine.catalog });
  await app.register(qualityRoutes, { quality: engine.quality });
  await app.register(fairnessRoutes, { fairness: engine.fairness });
  await app.register(consentRoutes, { admin: engine.knowledgeAdmin });
  await app.register(reviewRoutes, { review: engine.review });
  await app.register(recommendRoutes, { workspaces, recommendations: engine.recommendations });
  await app.register(recommenderModelRoutes, { workspaces, recommenders: engine.recommenders });
  await app.register(predictionRoutes, { workspaces, predictions: engine.predictions, segmentValues: engine.segmentValues });
  await app.register(recommendAdminRoutes, { workspaces, orderRules: engine.orderRules });
  await app.register(personalizerRoutes, { workspaces, personalizer: engine.personalizer });
  await app.register(privacyRoutes, { workspaces, privacy: engine.privacy });
  await app.register(retentionRoutes, { retention: engine.retention });
  app.addHook('preClose', async () => {
    ready = false;
  });
  metrics.watchPendingEvents(() => options.store.committer.pendingEvents);
  return { app, models, workspaces, collector, decisionModels, decisions, metrics, engine, routes };
}
