import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { ErasureReceipt, PersonExport, PrivacyReport, PrivacyRequest, SuppressionChange } from '../../api/privacySchemas.js';
import { problemResponses } from '../../api/schemas.js';
import { readPersonRef } from '../../core/privacy/PersonRef.js';
import type { PrivacyService } from '../../privacy/PrivacyService.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { workspaceIdOf } from '../actor.js';

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
  // Who asks is checked by the access control (src/server/access.ts) and recorded by the audit trail.
  const personOf = (request: FastifyRequest) => readPersonRef(request.body as Static<typeof PrivacyRequest>);

  app.post('/admin/v1/privacy/export', {
    config: { access: 'privacy.export' },
    schema: { ...doc, summary: 'Everything held about one person, as one JSON document', body: PrivacyRequest, response: { 200: PersonExport, ...errors } },
  }, async (request) => privacy.export(workspaceIdOf(request), personOf(request)));

  app.post('/admin/v1/privacy/erase', {
    config: { access: 'privacy.erase' },
    schema: {
      ...doc, summary: 'Erase one person everywhere and suppress their identifiers; the receipt lists what was removed and the verification',
      body: PrivacyRequest, response: { 200: ErasureReceipt, ...errors },
    },
  }, async (request) => privacy.erase(workspaceIdOf(request), personOf(request)));

  app.post('/admin/v1/privacy/suppress', {
    config: { access: 'privacy.erase' },
    schema: { ...doc, summary: 'Drop (and count) later events naming the person\'s identifiers', body: PrivacyRequest, response: { 200: SuppressionChange, ...errors } },
  }, async (request) => privacy.suppress(workspaceIdOf(request), personOf(request)));

  app.post('/admin/v1/privacy/unsuppress', {
    config: { access: 'privacy.erase' },
    schema: { ...doc, summary: 'Collect events naming the identifier again', body: PrivacyRequest, response: { 200: SuppressionChange, ...errors } },
  }, async (request) => privacy.unsuppress(workspaceIdOf(request), personOf(request)));

  app.get('/admin/v1/privacy/report', {
    config: { access: 'privacy.export' },
    schema: { ...doc, summary: 'The suppression list (hashes) with the events dropped per identifier, and the latest erasure receipts', response: { 200: PrivacyReport, ...errors } },
  }, async (request) => privacy.report(workspaceIdOf(request)));
}
