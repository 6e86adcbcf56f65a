import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import {
  ApprovalBody, ChangeRequestBody, ConfigVersionView, DiffQuery, DraftList, DraftParams, DraftListQuery, DraftUpdateBody, DraftView, NewDraftBody, PublishBody, ReviewPolicyView, RevertBody,
  VersionDiff, VersionList, VersionNumberParams, VersionParams,
} from '../../api/reviewSchemas.js';
import { problemResponses } from '../../api/schemas.js';
import { ReviewPolicy } from '../../core/review/ReviewPolicy.js';
import { AttuneError } from '../../core/errors/AttuneError.js';
import type { Approver, Publisher, ReviewService } from '../../review/ReviewService.js';
import { actorOf, principalOf, workspaceIdOf } from '../actor.js';

export interface ReviewRoutesOptions {
  readonly review: ReviewService;
}

const errors = problemResponses(400, 401, 403, 404, 409, 503);
const doc = { tags: ['review'], security: [{ secretKeyBearer: [] }] };

function publisherOf(request: FastifyRequest): Publisher {
  const principal = principalOf(request);
  return { actor: actorOf(request), isOwner: principal.kind === 'user' && principal.grant.kind === 'role' && principal.grant.role === 'owner' };
}

/** Only people approve (machine keys never hold review.approve, see src/core/access). */
function approverOf(request: FastifyRequest): Approver {
  const principal = principalOf(request);
  if (principal.kind !== 'user') throw new AttuneError('ATTUNE_FORBIDDEN', { detail: 'only a user approves a draft (permission review.approve)' });
  return { userId: principal.user.id, role: principal.grant.kind === 'role' ? principal.grant.role : 'user', reviewerKinds: principal.user.reviewerKinds };
}

/**
 * Draft, review, publish under /admin/v1 (docs/review.md): the review policy, drafts and their
 * approvals, publishing (now or scheduled), the version history of each definition, its diffs
 * and reverts. The work is ReviewService's.
 */
export async function reviewRoutes(app: FastifyInstance, options: ReviewRoutesOptions): Promise<void> {
  const { review } = options;
  const draftId = (request: FastifyRequest) => (request.params as { id: string }).id;

  app.get('/admin/v1/review/policy', {
    config: { access: 'config.read' },
    schema: { ...doc, summary: 'The review policy: approvers, required sign-offs by reviewer kind, weekly change limits', response: { 200: ReviewPolicyView, ...errors } },
  }, async (request) => review.policy(workspaceIdOf(request)));

  app.put('/admin/v1/review/policy', {
    config: { access: 'settings.write' },
    schema: { ...doc, summary: 'Replace the review policy (with approvers or sign-offs, direct changes are refused)', body: ReviewPolicy, response: { 200: ReviewPolicyView, ...errors } },
  }, async (request) => {
    const workspaceId = workspaceIdOf(request);
    await review.setPolicy(workspaceId, request.body as ReviewPolicy);
    return review.policy(workspaceId);
  });

  app.get('/admin/v1/drafts', {
    config: { access: 'config.read' },
    schema: { ...doc, summary: 'Drafts, newest first, with where their approvals stand', querystring: DraftListQuery, response: { 200: DraftList, ...errors } },
  }, async (request) => {
    const { state } = request.query as Static<typeof DraftListQuery>;
    return { drafts: await review.listDrafts(workspaceIdOf(request), state === undefined ? undefined : [state]) };
  });

  app.post('/admin/v1/drafts', {
    config: { access: 'config.write' },
    schema: { ...doc, summary: 'A draft of a feature, segment, action, placement, experiment, metric or the measurement settings, checked as its own route would', body: NewDraftBody, response: { 201: DraftView, ...errors } },
  }, async (request, reply) => {
    const body = request.body as Static<typeof NewDraftBody>;
    return reply.code(201).send(await review.createDraft(workspaceIdOf(request), actorOf(request), body));
  });

  app.get('/admin/v1/drafts/:id', {
    config: { access: 'config.read' },
    schema: { ...doc, summary: 'One draft', params: DraftParams, response: { 200: DraftView, ...errors } },
  }, async (request) => review.getDraft(workspaceIdOf(request), draftId(request)));

  app.put('/admin/v1/drafts/:id', {
    config: { access: 'config.write' },
    schema: { ...doc, summary: 'Replace the draft\'s definition: a new revision, its approvals cleared', params: DraftParams, body: DraftUpdateBody, response: { 200: DraftView, ...errors } },
  }, async (request) => review.updateDraft(workspaceIdOf(request), draftId(request), request.body as Static<typeof DraftUpdateBody>));

  app.delete('/admin/v1/drafts/:id', {
    config: { access: 'config.write' },
    schema: { ...doc, summary: 'Discard the draft', params: DraftParams, response: { 200: DraftView, ...errors } },
  }, async (request) => review.discardDraft(workspaceIdOf(request), draftId(request)));

  app.post('/admin/v1/drafts/:id/approvals', {
    config: { access: 'review.approve' },
    schema: { ...doc, summary: 'Approve the draft\'s current revision (never one\'s own draft)', params: DraftParams, body: ApprovalBody, response: { 200: DraftView, ...errors } },
  }, async (request) => review.approve(workspaceIdOf(request), draftId(request), approverOf(request), (request.body as Static<typeof ApprovalBody>).revision));

  app.post('/admin/v1/drafts/:id/request-changes', {
    config: { access: 'review.approve' },
    schema: { ...doc, summary: 'Ask the author for changes with a comment: the draft goes back to open and the reviewer\'s approval is withdrawn', params: DraftParams, body: ChangeRequestBody, response: { 200: DraftView, ...errors } },
  }, async (request) => review.requestChanges(workspaceIdOf(request), draftId(request), approverOf(request), request.body as Static<typeof ChangeRequestBody>));

  app.post('/admin/v1/drafts/:id/publish', {
    config: { access: 'config.publish' },
    schema: { ...doc, summary: 'Publish the draft now or at a time, once approved; past a weekly change limit only with an owner\'s override', params: DraftParams, body: PublishBody, response: { 200: DraftView, ...errors } },
  }, async (request) => {
    const body = request.body as Static<typeof PublishBody>;
    return review.publish(workspaceIdOf(request), draftId(request), publisherOf(request), {
      expectedRevision: body.expectedRevision, ...(body.at === undefined ? {} : { at: Date.parse(body.at) }), ...(body.override === undefined ? {} : { override: body.override }),
    });
  });

  app.get('/admin/v1/versions/:kind/:id', {
    config: { access: 'config.read' },
    schema: { ...doc, summary: 'Every published version of a definition, oldest first', params: VersionParams, response: { 200: VersionList, ...errors } },
  }, async (request) => {
    const { kind, id } = request.params as Static<typeof VersionParams>;
    return { versions: await review.versions(workspaceIdOf(request), kind, id) };
  });

  app.get('/admin/v1/versions/:kind/:id/diff', {
    config: { access: 'config.read' },
    schema: { ...doc, summary: 'The changes between two versions of a definition (JSON pointers, before and after)', params: VersionParams, querystring: DiffQuery, response: { 200: VersionDiff, ...errors } },
  }, async (request) => {
    const { kind, id } = request.params as Static<typeof VersionParams>;
    return review.diff(workspaceIdOf(request), kind, id, request.query as Static<typeof DiffQuery>);
  });

  app.get('/admin/v1/versions/:kind/:id/:version', {
    config: { access: 'config.read' },
    schema: { ...doc, summary: 'One published version of a definition', params: VersionNumberParams, response: { 200: ConfigVersionView, ...errors } },
  }, async (request) => {
    const { kind, id, version } = request.params as Static<typeof VersionNumberParams>;
    return review.version(workspaceIdOf(request), kind, id, version);
  });

  app.post('/admin/v1/versions/:kind/:id/revert', {
    config: { access: 'config.publish' },
    schema: { ...doc, summary: 'Restore an earlier version exactly: a draft through the same approvals, published at once when none are required', params: VersionParams, body: RevertBody, response: { 200: DraftView, ...errors } },
  }, async (request) => {
    const { kind, id } = request.params as Static<typeof VersionParams>;
    const body = request.body as Static<typeof RevertBody>;
    return review.revert(workspaceIdOf(request), kind, id, body.version, publisherOf(request), body.override);
  });
}
