import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { FairnessSettings } from '../../core/fairness/FairnessSettings.js';
import type { FairnessQuery as FairnessServiceQuery, FairnessService } from '../../fairness/FairnessService.js';
import { workspaceIdOf } from '../actor.js';
import { FairnessQuery, FairnessReport, FairnessSettingsView } from '../../api/fairnessSchemas.js';
import { problemResponses } from '../../api/schemas.js';

export interface FairnessRoutesOptions {
  readonly fairness: FairnessService;
}

const errors = problemResponses(400, 401, 403, 404, 503);
const doc = { tags: ['fairness'], security: [{ secretKeyBearer: [] }] };

/** Only the parameters a query gave: the service's defaults fill in the rest. */
function serviceQuery(query: Static<typeof FairnessQuery>): FairnessServiceQuery {
  const given = Object.entries(query).filter(([, v]) => v !== undefined);
  return Object.fromEntries(given) as unknown as FairnessServiceQuery;
}

/** The fairness report and the fairness settings under /admin/v1 (secret key). The work is FairnessService's. */
export async function fairnessRoutes(app: FastifyInstance, options: FairnessRoutesOptions): Promise<void> {
  const service = options.fairness;

  app.get('/admin/v1/fairness', {
    config: { access: 'reports.read' },
    schema: {
      ...doc,
      summary: 'For a placement or an experiment: exposure and outcome rates per group of a trait or a segment, disparity ratios against the reference group with Katz intervals, warnings below the workspace\'s threshold',
      querystring: FairnessQuery, response: { 200: FairnessReport, ...errors },
    },
  }, async (request) => service.report(workspaceIdOf(request), serviceQuery(request.query as Static<typeof FairnessQuery>)));

  app.get('/admin/v1/fairness/settings', {
    config: { access: 'config.read' },
    schema: { ...doc, summary: 'The fairness settings as saved, and with their defaults filled in (threshold 0.8, alpha 0.05, 30 units)', response: { 200: FairnessSettingsView, ...errors } },
  }, async (request) => service.settings(workspaceIdOf(request)));

  app.put('/admin/v1/fairness/settings', {
    config: { access: 'config.write' },
    schema: { ...doc, summary: 'Replace the fairness settings (the warning threshold, alpha, the fewest units a compared group needs)', body: FairnessSettings, response: { 200: FairnessSettingsView, ...errors } },
  }, async (request) => {
    const workspaceId = workspaceIdOf(request);
    await service.setSettings(workspaceId, request.body as FairnessSettings);
    return service.settings(workspaceId);
  });
}
