import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { FairnessSettings } from '../../core/fairness/FairnessSettings.js';
import type { FairnessQuery as FairnessServiceQuery, FairnessService } from '../../fairness/FairnessService.js';
import type { Principal, WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { authenticate } from '../auth.js';
import { FairnessQuery, FairnessReport, FairnessSettingsView } from '../../api/fairnessSchemas.js';
import { problemResponses } from '../../api/schemas.js';

export interface FairnessRoutesOptions {
  readonly workspaces: WorkspaceService;
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
  // As in the other admin plugins: the key is checked before the request is validated (401/403 before 400).
  const principals = new WeakMap<FastifyRequest, Principal>();
  app.addHook('preValidation', async (request) => {
    principals.set(request, await authenticate(request, options.workspaces, 'secret'));
  });
  const workspaceOf = async (request: FastifyRequest) => (principals.get(request) ?? await authenticate(request, options.workspaces, 'secret')).workspace.id;

  app.get('/admin/v1/fairness', {
    schema: {
      ...doc,
      summary: 'For a placement or an experiment: exposure and outcome rates per group of a trait or a segment, disparity ratios against the reference group with Katz intervals, warnings below the workspace\'s threshold',
      querystring: FairnessQuery, response: { 200: FairnessReport, ...errors },
    },
  }, async (request) => service.report(await workspaceOf(request), serviceQuery(request.query as Static<typeof FairnessQuery>)));

  app.get('/admin/v1/fairness/settings', {
    schema: { ...doc, summary: 'The fairness settings as saved, and with their defaults filled in (threshold 0.8, alpha 0.05, 30 units)', response: { 200: FairnessSettingsView, ...errors } },
  }, async (request) => service.settings(await workspaceOf(request)));

  app.put('/admin/v1/fairness/settings', {
    schema: { ...doc, summary: 'Replace the fairness settings (the warning threshold, alpha, the fewest units a compared group needs)', body: FairnessSettings, response: { 200: FairnessSettingsView, ...errors } },
  }, async (request) => {
    const workspaceId = await workspaceOf(request);
    await service.setSettings(workspaceId, request.body as FairnessSettings);
    return service.settings(workspaceId);
  });
}
