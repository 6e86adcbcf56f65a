import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { RecommenderList, RecommenderModelInfo, TrainAccepted, TrainingSummary, TrainRequest, VersionParams } from '../../api/recommenderModelSchemas.js';
import { problemResponses } from '../../api/schemas.js';
import type { RecommenderModels } from '../../recommend/RecommenderModels.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { workspaceIdOf } from '../actor.js';

export interface RecommenderModelRoutesOptions {
  readonly workspaces: WorkspaceService;
  readonly recommenders: RecommenderModels;
}

const doc = { tags: ['recommend'], security: [{ secretKeyBearer: [] }] };

/**
 * Trained recommender models under /admin/v1 (secret key): train (in the background, 202 with
 * the version; or `wait: true` for 200 with the summary), list the versions with their metrics
 * and the one active, activate a version. The work is RecommenderModels'.
 */
export async function recommenderModelRoutes(app: FastifyInstance, options: RecommenderModelRoutesOptions): Promise<void> {
  const { recommenders } = options;

  app.post('/admin/v1/recommenders/train', {
    config: { access: 'models.train' },
    schema: {
      ...doc,
      summary: 'Train the collaborative model from the event log: 202 at once with the version (progress in GET /admin/v1/recommenders), or 200 with the summary with `wait: true`; 409 ATTUNE_MODEL_TRAINING while one trains',
      body: Type.Union([TrainRequest, Type.Null()], { description: 'Optional: no body trains with the defaults' }), response: { 200: TrainingSummary, 202: TrainAccepted, ...problemResponses(400, 401, 403, 409, 503) },
    },
  }, async (request, reply) => {
    const workspaceId = workspaceIdOf(request);
    const body = (request.body ?? {}) as Static<typeof TrainRequest>;
    const { version, status, done } = await recommenders.start(workspaceId, { ...(body.kind === undefined ? {} : { kind: body.kind }), ...(body.activate === undefined ? {} : { activate: body.activate }) });
    if (body.wait === true) return reply.status(200).send(await done);
    return reply.status(202).send({ version, status: 'training', training: recommenders.training(workspaceId) ?? status });
  });

  app.get('/admin/v1/recommenders', {
    config: { access: 'config.read' },
    schema: { ...doc, summary: 'The trained model versions, newest first, with their metrics; which one is active; the training running', response: { 200: RecommenderList, ...problemResponses(401, 403, 503) } },
  }, async (request) => recommenders.list(workspaceIdOf(request)));

  app.post('/admin/v1/recommenders/:version/activate', {
    config: { access: 'models.train' },
    schema: {
      ...doc, summary: 'Serve this version from the next request, without a restart', params: VersionParams,
      response: { 200: RecommenderModelInfo, ...problemResponses(400, 401, 403, 404, 409, 503) },
    },
  }, async (request) => {
    const { version } = request.params as Static<typeof VersionParams>;
    return recommenders.activate(workspaceIdOf(request), version);
  });
}
