import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { AttuneError } from '../../core/errors/AttuneError.js';
import { FeatureDefinition } from '../../core/features/FeatureDefinition.js';
import { SegmentDefinition } from '../../core/segments/SegmentDefinition.js';
import type { KnowledgeAdmin } from '../../knowledge/KnowledgeAdmin.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { can } from '../../core/access/accessMatrix.js';
import { describeGrant } from '../../core/access/routeAccess.js';
import { principalOf, workspaceIdOf } from '../actor.js';
import {
  FeatureBody, FeatureChange, FeatureDeletion, FeatureParams, FeatureValidation, FeatureView, MemberPage, MembersQuery,
  SegmentBody, SegmentChange, SegmentEstimate, SegmentEstimateBody, SegmentHistory, SegmentHistoryQuery, SegmentOverlap,
  SegmentOverlapQuery, SegmentParams, SegmentValidation, SegmentView, SegmentWriteParams,
} from '../../api/knowledgeSchemas.js';
import { problemResponses } from '../../api/schemas.js';
import { Type } from 'typebox';

export interface KnowledgeRoutesOptions {
  readonly workspaces: WorkspaceService;
  /** The engine's: every change of features and segments goes through it. */
  readonly admin: KnowledgeAdmin;
}

const errors = problemResponses(400, 401, 403, 404, 409, 503);
const secret = [{ secretKeyBearer: [] }];
const features = { tags: ['features'], security: secret };
const segments = { tags: ['segments'], security: secret };

/** The body of a PUT names its definition by the path; a different name in the body is a mistake. */
function sameKey(pathValue: string, bodyValue: string | undefined, member: string): void {
  if (bodyValue !== undefined && bodyValue !== pathValue) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `body/${member} "${bodyValue}" differs from the path's "${pathValue}"`, field: `body/${member}` });
  }
}

/**
 * Features and segments under /admin/v1 (secret key): declare, validate without saving,
 * change, delete, and read segment sizes and members. The work is KnowledgeAdmin's.
 */
export async function knowledgeRoutes(app: FastifyInstance, options: KnowledgeRoutesOptions): Promise<void> {
  const { admin } = options;
  const iso = (ms: number) => new Date(ms).toISOString();

  app.get('/admin/v1/features', {
    config: { access: 'config.read' },
    schema: { ...features, summary: 'List the features: built-in ones (flag builtin) and declared ones', response: { 200: Type.Array(FeatureView), ...errors } },
  }, async (request) => admin.listFeatures(workspaceIdOf(request)));

  app.post('/admin/v1/features/validate', {
    config: { access: 'config.read' },
    schema: { ...features, summary: 'Check a feature definition against the whole configuration, without saving it', body: FeatureDefinition, response: { 200: FeatureValidation, ...errors } },
  }, async (request) => {
    const result = await admin.validateFeature(workspaceIdOf(request), request.body as FeatureDefinition);
    return { valid: true, ...result };
  });

  app.put('/admin/v1/features/:name', {
    config: { access: 'config.write' },
    schema: {
      ...features,
      summary: 'Create or replace a feature (a built-in may be redefined); a changed definition restarts the feature from now, `attune rebuild` backfills it',
      params: FeatureParams, body: FeatureBody, response: { 200: FeatureChange, 201: FeatureChange, ...errors },
    },
  }, async (request, reply) => {
    const { name } = request.params as Static<typeof FeatureParams>;
    const { name: given, ...rest } = request.body as Static<typeof FeatureBody>;
    sameKey(name, given, 'name');
    const change = await admin.putFeature(workspaceIdOf(request), { name, ...rest } as FeatureDefinition);
    return reply.status(change.created ? 201 : 200).send(change);
  });

  app.delete('/admin/v1/features/:name', {
    config: { access: 'config.write' },
    schema: {
      ...features,
      summary: 'Delete a declared feature (409 while segments read it); deleting a redefinition brings the built-in back',
      params: FeatureParams, response: { 200: FeatureDeletion, ...errors },
    },
  }, async (request) => {
    const { name } = request.params as Static<typeof FeatureParams>;
    return { deleted: name, ...(await admin.deleteFeature(workspaceIdOf(request), name)) };
  });

  app.get('/admin/v1/segments', {
    config: { access: 'config.read' },
    schema: { ...segments, summary: 'List the segments with their sizes', response: { 200: Type.Array(SegmentView), ...errors } },
  }, async (request) => admin.listSegments(workspaceIdOf(request)));

  app.post('/admin/v1/segments/validate', {
    config: { access: 'config.read' },
    schema: { ...segments, summary: 'Compile a segment against the whole configuration, without saving it: what it reads and costs', body: SegmentDefinition, response: { 200: SegmentValidation, ...errors } },
  }, async (request) => {
    const result = await admin.validateSegment(workspaceIdOf(request), request.body as SegmentDefinition);
    return { valid: true, ...result };
  });

  app.post('/admin/v1/segments/estimate', {
    config: { access: 'config.read' },
    schema: {
      ...segments,
      summary: 'How many profiles an unsaved segment would hold now (exact, or estimated from a random sample with an interval), with matching profile ids if `preview` is asked (personalData.read)',
      body: SegmentEstimateBody, response: { 200: SegmentEstimate, ...errors },
    },
  }, async (request) => {
    const { preview = 0, ...definition } = request.body as Static<typeof SegmentEstimateBody>;
    const { grant } = principalOf(request);
    if (preview > 0 && !can(grant, 'personalData.read')) {
      throw new AttuneError('ATTUNE_FORBIDDEN', {
        detail: `preview shows profile ids and needs the permission personalData.read; ${describeGrant(grant)} does not have it (ask with preview 0 for counts only)`,
        field: '/preview', extensions: { permission: 'personalData.read' },
      });
    }
    return admin.estimateSegment(workspaceIdOf(request), definition as SegmentDefinition, preview);
  });

  app.get('/admin/v1/segments/overlap', {
    config: { access: 'config.read' },
    schema: { ...segments, summary: 'Members each pair of segments shares now, with the Jaccard index', querystring: SegmentOverlapQuery, response: { 200: SegmentOverlap, ...errors } },
  }, async (request) => {
    const ids = (request.query as Static<typeof SegmentOverlapQuery>).ids.split(',');
    const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
    if (repeated !== undefined) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `querystring/ids names "${repeated}" twice`, field: 'querystring/ids' });
    return admin.segmentOverlap(workspaceIdOf(request), ids);
  });

  app.post('/admin/v1/segments', {
    config: { access: 'config.write' },
    schema: { ...segments, summary: 'Create a segment; every profile is evaluated before the answer', body: SegmentDefinition, response: { 201: SegmentChange, ...errors } },
  }, async (request, reply) => {
    const change = await admin.createSegment(workspaceIdOf(request), request.body as SegmentDefinition);
    return reply.status(201).send(change);
  });

  app.get('/admin/v1/segments/:id', {
    config: { access: 'config.read' },
    schema: { ...segments, summary: 'A segment: its definition, size and analysis', params: SegmentParams, response: { 200: SegmentView, ...errors } },
  }, async (request) => {
    const { id } = request.params as Static<typeof SegmentParams>;
    return admin.getSegment(workspaceIdOf(request), id);
  });

  app.put('/admin/v1/segments/:id', {
    config: { access: 'config.write' },
    schema: { ...segments, summary: 'Change a segment; a changed rule is evaluated for every profile before the answer', params: SegmentWriteParams, body: SegmentBody, response: { 200: SegmentChange, ...errors } },
  }, async (request) => {
    const { id } = request.params as Static<typeof SegmentWriteParams>;
    const { id: given, ...rest } = request.body as Static<typeof SegmentBody>;
    sameKey(id, given, 'id');
    return admin.updateSegment(workspaceIdOf(request), { id, ...rest } as SegmentDefinition);
  });

  app.delete('/admin/v1/segments/:id', {
    config: { access: 'config.write' },
    schema: { ...segments, summary: 'Delete a segment (409 while other segments read it)', params: SegmentParams, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    const { id } = request.params as Static<typeof SegmentParams>;
    await admin.deleteSegment(workspaceIdOf(request), id);
    return reply.status(204).send();
  });

  app.get('/admin/v1/segments/:id/history', {
    config: { access: 'config.read' },
    schema: { ...segments, summary: 'A segment\'s size at the end of each day with its entries and exits, from its membership changes', params: SegmentParams, querystring: SegmentHistoryQuery, response: { 200: SegmentHistory, ...errors } },
  }, async (request) => {
    const { id } = request.params as Static<typeof SegmentParams>;
    const { days = 30 } = request.query as Static<typeof SegmentHistoryQuery>;
    return admin.segmentHistory(workspaceIdOf(request), id, days);
  });

  app.get('/admin/v1/segments/:id/members', {
    config: { access: 'personalData.read' },
    schema: { ...segments, summary: 'The members of a segment in profile id order, a page at a time', params: SegmentParams, querystring: MembersQuery, response: { 200: MemberPage, ...errors } },
  }, async (request) => {
    const { id } = request.params as Static<typeof SegmentParams>;
    const { after = '', limit = 100 } = request.query as Static<typeof MembersQuery>;
    const page = await admin.members(workspaceIdOf(request), id, after, limit);
    return { members: page.members.map((m) => ({ profileId: m.profileId, enteredAt: iso(m.enteredAt) })), next: page.next };
  });
}
