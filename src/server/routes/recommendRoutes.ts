import type { FastifyInstance } from 'fastify';
import { RecommendRequest, RecommendResponse } from '../../api/recommendSchemas.js';
import { problemResponses } from '../../api/schemas.js';
import type { RecommendService } from '../../recommend/RecommendService.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { checkCallIdentity } from '../../workspaces/checkCallIdentity.js';
import { callSourceOf } from '../actor.js';

export interface RecommendRoutesOptions {
  readonly recommendations: RecommendService;
  readonly workspaces: WorkspaceService;
}

/**
 * POST /v1/recommend (write key or secret key): items for a visitor, with the strategy that
 * gave each and why. An unknown item id in `items` is not an error: it has no neighbours yet,
 * and the answer falls back (and says so) like for any visitor with little history.
 */
export async function recommendRoutes(app: FastifyInstance, options: RecommendRoutesOptions): Promise<void> {
  app.post('/v1/recommend', {
    config: { access: 'decide' },
    bodyLimit: 64 * 1024,
    schema: {
      tags: ['recommend'],
      security: [{ writeKeyBasic: [] }, { secretKeyBearer: [] }],
      summary: 'Recommend items for a visitor (popular, trending, viewed or bought together, session, or blended)',
      body: RecommendRequest,
      response: { 200: RecommendResponse, ...problemResponses(400, 401, 403, 413, 415, 429, 503) },
    },
  }, async (request) => {
    const source = callSourceOf(request);
    const body = request.body as RecommendRequest;
    const identity = await checkCallIdentity(options.workspaces, source, body.userId, body.userHash);
    return options.recommendations.recommend(source.workspace, body, identity);
  });
}
