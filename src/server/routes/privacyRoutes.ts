import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { ErasureReceipt, PersonExport, PrivacyReport, PrivacyRequest, SuppressionChange } from '../../api/privacySchemas.js';
import { problemResponses } from '../../api/schemas.js';
import { readPersonRef } from '../../core/privacy/PersonRef.js';
import type { PrivacyCaller, PrivacyService } from '../../privacy/PrivacyService.js';
import type { Principal, WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { authenticate } from '../auth.js';

export interface PrivacyRoutesOptions {
  readonly workspaces: WorkspaceService;
  readonly privacy: PrivacyService;
}

const doc = { tags: ['privacy'], security: [{ secretKeyBearer: [] }] };
const errors = problemResponses(400, 401, 403, 503);

/**
 * Data-subject rights under /admin/v1/privacy (secret key): export, erase, suppress and
 * unsuppress one person of the key's workspace, and the suppression report (PrivacyService's work).
 */
export async function privacyRoutes(app: FastifyInstance, options: PrivacyRoutesOptions): Promise<void> {
  const { privacy } = options;
  // As in adminRoutes: the key is checked before the request is validated (401/403 before 400).
  const principals = new WeakMap<FastifyRequest, Principal>();
  app.addHook('preValidation', async (request) => {
    principals.set(request, await authenticate(request, options.workspaces, 'secret'));
  });
  const principalOf = async (request: FastifyRequest) => principals.get(request) ?? authenticate(request, options.workspaces, 'secret');
  const callerOf = (request: FastifyRequest, principal: Principal): PrivacyCaller => ({
    actor: { kind: 'key', id: principal.key.id, role: principal.key.kind },
    origin: { via: 'api', ip: request.ip, requestId: request.id, ...(request.headers['user-agent'] === undefined ? {} : { userAgent: request.headers['user-agent'] }) },
  });
  const personOf = (request: FastifyRequest) => readPersonRef(request.body as Static<typeof PrivacyRequest>);

  app.post('/admin/v1/privacy/export', {
    schema: { ...doc, summary: 'Everything held about one person, as one JSON document', body: PrivacyRequest, response: { 200: PersonExport, ...errors } },
  }, async (request) => {
    const principal = await principalOf(request);
    return privacy.export(principal.workspace.id, personOf(request), callerOf(request, principal));
  });

  app.post('/admin/v1/privacy/erase', {
    schema: {
      ...doc, summary: 'Erase one person everywhere and suppress their identifiers; the receipt lists what was removed and the verification',
      body: PrivacyRequest, response: { 200: ErasureReceipt, ...errors },
    },
  }, async (request) => {
    const principal = await principalOf(request);
    return privacy.erase(principal.workspace.id, personOf(request), callerOf(request, principal));
  });

  app.post('/admin/v1/privacy/suppress', {
    schema: { ...doc, summary: 'Drop (and count) later events naming the person\'s identifiers', body: PrivacyRequest, response: { 200: SuppressionChange, ...errors } },
  }, async (request) => {
    const principal = await principalOf(request);
    return privacy.suppress(principal.workspace.id, personOf(request), callerOf(request, principal));
  });

  app.post('/admin/v1/privacy/unsuppress', {
    schema: { ...doc, summary: 'Collect events naming the identifier again', body: PrivacyRequest, response: { 200: SuppressionChange, ...errors } },
  }, async (request) => {
    const principal = await principalOf(request);
    return privacy.unsuppress(principal.workspace.id, personOf(request), callerOf(request, principal));
  });

  app.get('/admin/v1/privacy/report', {
    schema: { ...doc, summary: 'The suppression list (hashes) with the events dropped per identifier, and the latest erasure receipts', response: { 200: PrivacyReport, ...errors } },
  }, async (request) => {
    return privacy.report((await principalOf(request)).workspace.id);
  });
}
