import type { FastifyInstance } from 'fastify';
import { AttuneError } from '../../core/errors/AttuneError.js';
import type { DecisionService } from '../../decide/DecisionService.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { checkCallIdentity, collectCallerFor } from '../../workspaces/checkCallIdentity.js';
import { callSourceOf, principalOf } from '../actor.js';
import { can } from '../../core/access/accessMatrix.js';
import { describeGrant } from '../../core/access/routeAccess.js';
import { DecideRequest, DecideResponse } from '../../api/decideSchemas.js';
import { problemResponses } from '../../api/schemas.js';
import { gpc } from './collectRoutes.js';

export interface DecideRoutesOptions {
  readonly decisions: DecisionService;
  readonly workspaces: WorkspaceService;
}

/** A decide call carries at most 100 events and 20 placements: well under this. */
const MAX_DECIDE_BYTES = 256 * 1024;

/**
 * POST /v1/decide (write key): the events the call carries are stored first, then every
 * placement is decided. Unknown placements are errors of their own entry, so a page with one
 * stale placement id still gets the others; only a call where every placement is unknown is
 * a 404. Where the workspace verifies identities, a userId sent with the write key counts
 * only with its userHash; the answer's `identity` says how it was taken.
 */
export async function decideRoutes(app: FastifyInstance, options: DecideRoutesOptions): Promise<void> {
  // The key is checked before the body is validated: a bad key is a 401 whatever the body.
  // The write key (public: it is in every page) or the secret key (a server asking).

  app.post('/v1/decide', {
    config: { access: 'decide' },
    bodyLimit: MAX_DECIDE_BYTES,
    schema: {
      tags: ['decide'],
      security: [{ writeKeyBasic: [] }, { secretKeyBearer: [] }],
      summary: 'Decide the next best action for one or more placements (optionally storing events first)',
      body: DecideRequest,
      response: { 200: DecideResponse, ...problemResponses(400, 401, 403, 404, 413, 415, 429, 503) },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const source = callSourceOf(request);
    const body = request.body as DecideRequest;
    // Every action skipped and why tells much about a profile; the write key is public and its
    // userId is not authenticated, so only a credential that may read personal data may ask.
    if (body.explain === true && !can(principal.grant, 'personalData.read')) {
      throw new AttuneError('ATTUNE_FORBIDDEN', {
        detail: `explain needs the permission personalData.read (a secret key, Authorization: Bearer <secretKey>); ${describeGrant(principal.grant)} does not have it`,
        field: '/explain', extensions: { permission: 'personalData.read' },
      });
    }
    // With the write key and identity verification on, a userId without its userHash reads as anonymous.
    const identity = await checkCallIdentity(options.workspaces, source, body.userId, body.userHash);
    // Its events are checked as on the collection routes, each by its own userHash (the call's for those it fills in).
    const caller = await collectCallerFor(options.workspaces, source);
    const answer = await options.decisions.decide(source.workspace, body, { globalPrivacyControl: gpc(request), identity, caller });
    const errors = answer.placements.flatMap((p, index) => (p.error === undefined ? [] : [{ index, code: p.error.code, message: p.error.message, field: p.error.field }]));
    if (errors.length === answer.placements.length) {
      throw new AttuneError('ATTUNE_PLACEMENT_NOT_FOUND', {
        detail: errors.length === 1 ? errors[0]!.message : `none of the ${errors.length} placements exists`,
        field: errors[0]!.field,
        errors,
      });
    }
    return answer;
  });
}
