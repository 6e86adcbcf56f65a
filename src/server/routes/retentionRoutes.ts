import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { problemResponses } from '../../api/schemas.js';
import { RetentionPolicy, RetentionPolicyView, RetentionPurgeRequest, RetentionReport } from '../../api/retentionSchemas.js';
import type { RetentionService } from '../../retention/RetentionService.js';
import { workspaceIdOf } from '../actor.js';

export interface RetentionRoutesOptions {
  readonly retention: RetentionService;
}

const doc = { tags: ['retention'], security: [{ secretKeyBearer: [] }] };
const errors = problemResponses(400, 401, 403, 503);

/**
 * Retention under /admin/v1/retention: the workspace's policy (read, replace) and a purge
 * now (RetentionService's work; `attune serve` also purges on a schedule).
 */
export async function retentionRoutes(app: FastifyInstance, options: RetentionRoutesOptions): Promise<void> {
  const { retention } = options;

  app.get('/admin/v1/retention', {
    config: { access: 'config.read' },
    schema: { ...doc, summary: 'The retention policy (an empty one keeps everything)', response: { 200: RetentionPolicyView, ...errors } },
  }, async (request) => retention.policy(workspaceIdOf(request)));

  app.put('/admin/v1/retention', {
    config: { access: 'settings.write' },
    schema: {
      ...doc, summary: 'Replace the retention policy: days to keep events (per event name and call type), events of people without `analytics`, decision records, audit entries',
      body: RetentionPolicy, response: { 200: RetentionPolicyView, ...errors },
    },
  }, async (request) => retention.setPolicy(workspaceIdOf(request), request.body as Static<typeof RetentionPolicy>));

  app.post('/admin/v1/retention/purge', {
    config: { access: 'privacy.erase' },
    schema: {
      ...doc, summary: 'Apply the retention policy now; the report counts what was removed (or, with dryRun, would be) and what is kept',
      body: Type.Union([RetentionPurgeRequest, Type.Null()], { description: 'Optional: no body purges' }), response: { 200: RetentionReport, ...errors },
    },
  }, async (request) => {
    const body = (request.body ?? {}) as Static<typeof RetentionPurgeRequest>;
    return retention.purge(workspaceIdOf(request), { dryRun: body.dryRun === true });
  });
}
