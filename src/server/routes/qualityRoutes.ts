import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { TrackingPlan } from '../../core/quality/TrackingPlan.js';
import type { QualityService } from '../../quality/QualityService.js';
import { workspaceIdOf } from '../actor.js';
import { QualityQuery, QualityReport, QualityTraffic, TrackingPlanView, TrafficQuery } from '../../api/qualitySchemas.js';
import { problemResponses } from '../../api/schemas.js';

export interface QualityRoutesOptions {
  readonly quality: QualityService;
}

const errors = problemResponses(400, 401, 403, 404, 503);
const doc = { tags: ['quality'], security: [{ secretKeyBearer: [] }] };

const view = (stored: { plan: TrackingPlan; updatedAt: number }) => ({ plan: stored.plan, updatedAt: new Date(stored.updatedAt).toISOString() });

/** The data-quality report and the tracking plan under /admin/v1 (secret key). The work is QualityService's. */
export async function qualityRoutes(app: FastifyInstance, options: QualityRoutesOptions): Promise<void> {
  const service = options.quality;

  app.get('/admin/v1/quality', {
    config: { access: 'reports.read' },
    schema: {
      ...doc,
      summary: 'The data-quality report over whole UTC days: events by name and source, rejection rates by reason, properties that change type, the tracking plan\'s findings, identity health, late and future-dated events',
      querystring: QualityQuery, response: { 200: QualityReport, ...errors },
    },
  }, async (request) => {
    const query = request.query as Static<typeof QualityQuery>;
    return service.report(workspaceIdOf(request), {
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.to === undefined ? {} : { to: query.to }),
      ...(query.bucket === undefined ? {} : { bucket: query.bucket }),
    });
  });

  app.get('/admin/v1/quality/traffic', {
    config: { access: 'reports.read' },
    schema: {
      ...doc,
      summary: 'Recent traffic: events stored per minute and source (`context.library.name`) over the last hour, from the server\'s memory',
      querystring: TrafficQuery, response: { 200: QualityTraffic, ...errors },
    },
  }, async (request) => {
    const { minutes } = request.query as Static<typeof TrafficQuery>;
    const traffic = service.traffic(workspaceIdOf(request), minutes);
    return { ...traffic, since: new Date(traffic.since).toISOString() };
  });

  app.get('/admin/v1/tracking-plan', {
    config: { access: 'config.read' },
    schema: { ...doc, summary: 'The tracking plan (`plan` null without one)', response: { 200: TrackingPlanView, ...errors } },
  }, async (request) => {
    const stored = await service.trackingPlan(workspaceIdOf(request));
    return stored === null ? { plan: null, updatedAt: null } : view(stored);
  });

  app.put('/admin/v1/tracking-plan', {
    config: { access: 'config.write' },
    schema: {
      ...doc, summary: 'Replace the tracking plan: the track events expected, with their properties\' types and which are required (nothing is blocked; the quality report compares)',
      body: TrackingPlan, response: { 200: TrackingPlanView, ...errors },
    },
  }, async (request) => view(await service.setTrackingPlan(workspaceIdOf(request), request.body as TrackingPlan)));

  app.delete('/admin/v1/tracking-plan', {
    config: { access: 'config.write' },
    schema: { ...doc, summary: 'Remove the tracking plan', response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    await service.deleteTrackingPlan(workspaceIdOf(request));
    return reply.status(204).send();
  });
}
