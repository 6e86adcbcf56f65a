import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { Type } from 'typebox';
import { AuditExportQuery, AuditPage, AuditQuery, AuditVerification, AuditVerifyBody, type AuditEntryResponse } from '../../api/auditSchemas.js';
import { problemResponses, textResponse } from '../../api/schemas.js';
import type { AuditTrail } from '../../audit/AuditTrail.js';
import type { AuditEntry } from '../../core/audit/AuditEntry.js';
import { workspaceIdOf } from '../actor.js';

export interface AuditRoutesOptions {
  readonly audit: AuditTrail;
}

const errors = problemResponses(400, 401, 403, 503);
const doc = { tags: ['audit'], security: [{ secretKeyBearer: [] }] };

function entryView(entry: AuditEntry): AuditEntryResponse {
  return { ...entry, changes: entry.changes === undefined ? undefined : [...entry.changes], time: new Date(entry.at).toISOString() } as AuditEntryResponse;
}

/** The audit trail of the key's workspace under /admin/v1/audit: query, export (JSON lines), verify. */
export async function auditRoutes(app: FastifyInstance, options: AuditRoutesOptions): Promise<void> {
  const { audit } = options;

  app.get('/admin/v1/audit', {
    config: { access: 'audit.read' },
    schema: { ...doc, summary: 'Audit entries of this workspace in order, filtered, a page at a time', querystring: AuditQuery, response: { 200: AuditPage, ...errors } },
  }, async (request) => {
    const workspaceId = workspaceIdOf(request);
    const { limit = 100, since, until, ...filters } = request.query as Static<typeof AuditQuery>;
    const entries = await audit.query(workspaceId, {
      ...filters, limit, ...(since === undefined ? {} : { since: Date.parse(since) }), ...(until === undefined ? {} : { until: Date.parse(until) }),
    });
    return { entries: entries.map(entryView), next: entries.length === limit ? entries[entries.length - 1]!.seq : null };
  });

  app.get('/admin/v1/audit/export', {
    config: { access: 'audit.read' },
    schema: {
      ...doc, summary: 'The whole audit chain of this workspace as JSON lines, one stored entry per line, verifiable alone', querystring: AuditExportQuery,
      response: { 200: textResponse('application/x-ndjson', 'One audit entry per line, in order, exactly as hashed'), ...errors },
    },
  }, async (request, reply) => {
    const workspaceId = workspaceIdOf(request);
    const { after = 0 } = request.query as Static<typeof AuditExportQuery>;
    async function* lines(): AsyncGenerator<string> {
      for await (const page of audit.entries(workspaceId, after)) yield page.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    }
    return reply.type('application/x-ndjson').header('content-disposition', `attachment; filename="audit-${workspaceId}.ndjson"`).send(Readable.from(lines()));
  });

  app.post('/admin/v1/audit/verify', {
    config: { access: 'audit.read' },
    schema: {
      ...doc, summary: 'Verify this workspace\'s audit chain: every hash, link and number, the stored head, and the anchors given',
      body: Type.Union([AuditVerifyBody, Type.Null()]), response: { 200: AuditVerification, ...errors },
    },
  }, async (request) => {
    const workspaceId = workspaceIdOf(request);
    const anchors = (request.body as Static<typeof AuditVerifyBody> | null | undefined)?.anchors ?? [];
    return audit.verify(workspaceId, anchors);
  });
}
