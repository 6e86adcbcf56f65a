import type { FastifyInstance } from 'fastify';
import { ConsentSettingsChange } from '../../core/consent/ConsentSettingsChange.js';
import type { KnowledgeAdmin } from '../../knowledge/KnowledgeAdmin.js';
import { ConsentSettingsUpdate, ConsentSettingsView } from '../../api/consentSchemas.js';
import { problemResponses } from '../../api/schemas.js';
import { workspaceIdOf } from '../actor.js';

export interface ConsentRoutesOptions {
  readonly admin: KnowledgeAdmin;
}

const errors = problemResponses(400, 401, 403, 503);
const doc = { tags: ['consent'], security: [{ secretKeyBearer: [] }] };

/** The workspace's consent settings under /admin/v1 (secret key). The work is KnowledgeAdmin's (docs/consent.md). */
export async function consentRoutes(app: FastifyInstance, options: ConsentRoutesOptions): Promise<void> {
  const admin = options.admin;

  app.get('/admin/v1/consent', {
    config: { access: 'config.read' },
    schema: { ...doc, summary: 'The consent settings as saved, and in force (default: every purpose granted until the person refuses)', response: { 200: ConsentSettingsView, ...errors } },
  }, async (request) => admin.consentSettings(workspaceIdOf(request)));

  app.put('/admin/v1/consent', {
    config: { access: 'config.write' },
    schema: {
      ...doc,
      summary: 'Replace the consent settings (defaults per purpose: opt-in or opt-out; the category map); every profile is evaluated under them at once',
      body: ConsentSettingsChange, response: { 200: ConsentSettingsUpdate, ...errors },
    },
  }, async (request) => admin.setConsentSettings(workspaceIdOf(request), request.body as ConsentSettingsChange));
}
