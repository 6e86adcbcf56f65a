import type { DecideRequest, DecideResponse } from '../../api/decideSchemas.js';
import type { RecommendRequest, RecommendResponse } from '../../api/recommendSchemas.js';
import type { Engine } from '../../engine/createEngine.js';
import type { Workspace } from '../../store/ports.js';
import { AttuneApiError } from './AttuneApiError.js';
import type { AttuneTransport } from './AttuneTransport.js';
import { trustedCaller } from '../../core/identity/identityCheck.js';

/**
 * The Node SDK's in-process mode: the same calls as over HTTP, answered by an engine in this
 * process (src/engine/createEngine.ts), with no server and no network. Events are validated,
 * de-duplicated and committed exactly as the HTTP routes do; a decide answer is the same
 * document. Errors are AttuneApiErrors with the codes the server would send.
 */
export function inProcessTransport(engine: Pick<Engine, 'collector' | 'decisions' | 'recommendations'>, workspace: Workspace): AttuneTransport {
  return {
    async send(batch) {
      // Embedded, the caller is the application itself, not a browser holding a public key: it may log exposures.
      const report = await engine.collector.collect(workspace, { events: batch, routeType: null, caller: trustedCaller, exposures: 'accept' });
      if (report.rejected.length > 0) {
        throw new AttuneApiError({
          status: 400,
          code: 'ATTUNE_INVALID_EVENTS',
          detail: `${report.rejected.length} of ${batch.length} events were rejected; the others were stored`,
          problem: { errors: report.rejected, accepted: report.accepted, duplicates: report.duplicates },
        });
      }
    },
    async decide(request: DecideRequest): Promise<DecideResponse> {
      const answer = await engine.decisions.decide(workspace, request);
      const errors = answer.placements.flatMap((p, index) => (p.error === undefined ? [] : [{ index, ...p.error }]));
      if (errors.length > 0 && errors.length === answer.placements.length) {
        throw new AttuneApiError({ status: 404, code: 'ATTUNE_PLACEMENT_NOT_FOUND', detail: errors[0]!.message, problem: { field: errors[0]!.field, errors } });
      }
      return answer as DecideResponse;
    },
    async recommend(request: RecommendRequest): Promise<RecommendResponse> {
      // In-process callers are the application's own server: their ids are taken as given.
      const answer = await engine.recommendations.recommend(workspace, request, { check: request.userId === undefined ? 'anonymous' : 'trusted', read: 'as-given' });
      return answer as RecommendResponse;
    },
  };
}
