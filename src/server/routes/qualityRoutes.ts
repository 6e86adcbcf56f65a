import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { TrackingPlan } from '../../core/quality/TrackingPlan.js';
import type { QualityService } from '../../quality/QualityService.js';
import type { Principal, WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { authenticate } from '../auth.js';
import { QualityQuery, QualityReport, TrackingPlanView } from '../../api/qualitySchemas.js';
import { problemResponses } from '../../api/schemas.js';

export interface QualityRoutesOptions {
  readonly workspaces: WorkspaceService;
  readonly quality: QualityService;
}

const errors = problemResponses(400, 401, 403, 404, 503);
const doc = { tags: ['quality'], security: [{ secretKeyBearer: [] }] };

const view = (stored: { plan: TrackingPlan; updatedAt: number }) => ({ plan: stored.plan, updatedAt: new Date(stored.updatedAt).toISOString() });

/** The data-quality report and the tracking plan under /admin/v1 (secret key). The work is QualityService's. */
export async function qualityRoutes(app: FastifyInstance, options: QualityRoutesOptions): Promise<void> {
  const service = options.quality;
  // As in the other admin plugins: the key is checked before the request is validated (401/403 before 400).
  const principals = new WeakMap<FastifyRequest, Principal>();
  app.addHook('preValidation', async (request) => {
    principals.set(request, await authenticate(request, options.workspaces, 'secret'));
  });
  const workspaceOf = async (request: FastifyRequest) => (principals.get(request) ?? await authenticate(request, options.workspaces, 'secret')).workspace.id;

  app.get('/admin/v1/quality', {
    schema: {
      ...doc,
      summary: 'The data-quality report over whole UTC days: events by name and source, rejection rates by reason, properties that change type, the tracking plan\'s findings, identity health, late and future-dated events',
      querystring: QualityQuery, response: { 200: QualityReport, ...errors },
    },
  }, async (request) => {
    const query = request.query as Static<typeof QualityQuery>;
    return service.report(await workspaceOf(request), {
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.to === undefined ? {} : { to: query.to }),
      ...(query.bucket === undefined ? {} : { bucket: query.bucket }),
    });
  });

  app.get('/admin/v1/tracking-plan', {
    schema: { ...doc, summary: 'The tracking plan (`plan` null without one)', response: { 200: TrackingPlanView, ...errors } },
  }, async (request) => {
    const stored = await service.trackingPlan(await workspaceOf(request));
    return stored === null ? { plan: null, updatedAt: null } : view(stored);
  });

  app.put('/admin/v1/tracking-plan', {
    schema: {
      ...doc, summary: 'Replace the tracking plan: the track events expected, with their properties\' types and which are required (nothing is blocked; the quality report compares)',
      body: TrackingPlan, response: { 200: TrackingPlanView, ...errors },
    },
  }, async (request) => view(await service.setTrackingPlan(await workspaceOf(request), request.body as TrackingPlan)));

  app.delete('/admin/v1/tracking-plan', {
    schema: { ...doc, summary: 'Remove the tracking plan', response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    await service.deleteTrackingPlan(await workspaceOf(request));
    return reply.status(204).send();
  });
}
