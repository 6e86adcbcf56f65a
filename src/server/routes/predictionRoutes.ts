import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import {
  PredictionModels, PredictionModelView, ProfilePredictionsView, PublishClusterRequest, SegmentPlanRequest, SegmentPlanView, SegmentValueView, TrainPredictionsRequest,
} from '../../api/predictionSchemas.js';
import { SegmentChange } from '../../api/knowledgeSchemas.js';
import { problemResponses } from '../../api/schemas.js';
import type { PredictionService } from '../../predict/PredictionService.js';
import type { SegmentValueService } from '../../predict/SegmentValueService.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { workspaceIdOf } from '../actor.js';

export interface PredictionRoutesOptions {
  readonly workspaces: WorkspaceService;
  readonly predictions: PredictionService;
  readonly segmentValues: SegmentValueService;
}

const doc = { tags: ['predict'], security: [{ secretKeyBearer: [] }] };
const ProfileParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const SegmentParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const ClusterParams = Type.Object({ cluster: Type.Integer({ minimum: 0, maximum: 99 }) });

/**
 * Prediction models under /admin/v1 (secret key): train, read the model in force, a profile's
 * scores (PredictionService's work); a segment's value and plan check (SegmentValueService's).
 */
export async function predictionRoutes(app: FastifyInstance, options: PredictionRoutesOptions): Promise<void> {
  const { predictions, segmentValues } = options;

  app.post('/admin/v1/predictions/train', {
    config: { access: 'models.train' },
    schema: {
      ...doc,
      summary: 'Fit the prediction model (purchase propensity, churn risk) from the profiles and put it in force for predictions.* in rules',
      body: Type.Union([TrainPredictionsRequest, Type.Null()], { description: 'Optional: no body trains with the defaults' }),
      response: { 200: PredictionModelView, ...problemResponses(400, 401, 403, 503) },
    },
  }, async (request) => {
    const body = (request.body ?? {}) as Static<typeof TrainPredictionsRequest>;
    return predictions.train(workspaceIdOf(request), body);
  });

  app.post('/admin/v1/predictions/clusters/:cluster/segment', {
    config: { access: 'config.write' },
    schema: {
      ...doc, summary: 'Publish a cluster of the model in force as an ordinary segment (predictions.cluster == n) that retrainings keep on the matching cluster',
      params: ClusterParams, body: PublishClusterRequest,
      response: { 201: SegmentChange, ...problemResponses(400, 401, 403, 409, 503) },
    },
  }, async (request, reply) => {
    const { cluster } = request.params as Static<typeof ClusterParams>;
    const change = await predictions.publishCluster(workspaceIdOf(request), cluster, request.body as Static<typeof PublishClusterRequest>);
    return reply.status(201).send(change);
  });

  app.get('/admin/v1/predictions', {
    config: { access: 'config.read' },
    schema: { ...doc, summary: 'The prediction model in force with its held-out metrics, and the stored versions', response: { 200: PredictionModels, ...problemResponses(401, 403, 503) } },
  }, async (request) => {
    const workspaceId = workspaceIdOf(request);
    const [current, versions] = await Promise.all([predictions.current(workspaceId), predictions.versions(workspaceId)]);
    return { current, versions };
  });

  app.get('/admin/v1/profiles/:id/predictions', {
    config: { access: 'personalData.read' },
    schema: {
      ...doc, summary: 'A profile\'s predictions as rules read them, with the features that moved each', params: ProfileParams,
      response: { 200: ProfilePredictionsView, ...problemResponses(400, 401, 403, 404, 503) },
    },
  }, async (request) => {
    const { id } = request.params as Static<typeof ProfileParams>;
    return predictions.forProfile(workspaceIdOf(request), id);
  });

  app.get('/admin/v1/segments/:id/value', {
    config: { access: 'reports.read' },
    schema: {
      ...doc, summary: 'A segment\'s members, customers and 12-month predicted value, with its share of the workspace\'s (a scan of every profile)', params: SegmentParams,
      response: { 200: SegmentValueView, ...problemResponses(400, 401, 403, 404, 409, 503) },
    },
  }, async (request) => {
    const { id } = request.params as Static<typeof SegmentParams>;
    return segmentValues.value(workspaceIdOf(request), id);
  });

  app.post('/admin/v1/segments/:id/plan', {
    config: { access: 'reports.read' },
    schema: {
      ...doc, summary: 'Whether an experiment planned on a segment can detect its effect in its days: the units per arm it needs against those the segment gives',
      params: SegmentParams, body: SegmentPlanRequest,
      response: { 200: SegmentPlanView, ...problemResponses(400, 401, 403, 404, 409, 503) },
    },
  }, async (request) => {
    const { id } = request.params as Static<typeof SegmentParams>;
    return segmentValues.plan(workspaceIdOf(request), id, request.body as Static<typeof SegmentPlanRequest>);
  });
}
