import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import type { AuditRecorder } from '../../core/audit/AuditRecorder.js';
import type { Clock } from '../../core/common/ports.js';
import { AttuneError } from '../../core/errors/AttuneError.js';
import { profileKnowledgeView } from '../../knowledge/profileKnowledgeView.js';
import type { KnowledgeModels } from '../../knowledge/KnowledgeModels.js';
import type { ApiKeyRecord, StoredEvent } from '../../store/ports.js';
import type { WorkspaceService } from '../../workspaces/WorkspaceService.js';
import { keyAudit } from '../../workspaces/keyAudit.js';
import { principalOf } from '../actor.js';
import {
  ApiKey, CreateKeyBody, CreateWorkspaceBody, EventPage, EventsQuery, IdentitySecretCreated, IdentityVerification, IdentityVerificationBody, KeyParams,
  problemResponses, Profile, ProfileParams, ProfileQuery, ProfileSearch, ProfileSearchQuery, RotateKeyBody, WorkspaceCreated, WorkspaceDetail, WorkspaceSummary, type ProfileResponse, type StoredEventResponse,
} from '../../api/schemas.js';
import { Type } from 'typebox';
import type { LiveStore } from '../../profiles/LiveStore.js';

export interface AdminRoutesOptions {
  readonly workspaces: WorkspaceService;
  readonly store: LiveStore;
  readonly models: KnowledgeModels;
  readonly clock: Clock;
  /** Records each read of a person's data (profile views, event log pages). */
  readonly audit: AuditRecorder;
}

const iso = (ms: number) => new Date(ms).toISOString();

function keyView(key: ApiKeyRecord, plain?: string): Static<typeof ApiKey> {
  return { id: key.id, kind: key.kind, scope: key.scope, prefix: key.prefix, createdAt: iso(key.createdAt), expiresAt: key.expiresAt === null ? null : iso(key.expiresAt), ...(plain === undefined ? {} : { key: plain }) };
}

function eventView(e: StoredEvent): StoredEventResponse {
  return { seq: e.seq, profileId: e.profileId, messageId: e.messageId, type: e.type, name: e.name, userId: e.userId, anonymousId: e.anonymousId, timestamp: iso(e.timestamp), receivedAt: iso(e.receivedAt), body: e.body };
}

const errors = problemResponses(400, 401, 403, 404, 503);
const secret = [{ secretKeyBearer: [] }];
const workspacesUrl = '/admin/v1/workspaces';

/** The administration API under /admin/v1: the secret key of a workspace administers that workspace only. */
export async function adminRoutes(app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const { workspaces, store, models, clock } = options;

  /** What Attune knows of a profile now: features, session, segments (with entry times) and consent. */
  async function knowledgeView(workspaceId: string, profileId: string) {
    const [model, stored, history] = await Promise.all([
      models.get(workspaceId),
      store.knowledge.knowledge(workspaceId, profileId),
      store.knowledge.consentHistory(workspaceId, profileId, 100),
    ]);
    return profileKnowledgeView(model, profileId, stored, history, clock.now());
  }

  app.post(workspacesUrl, {
    config: { access: 'server' },
    schema: { tags: ['workspaces'], summary: 'Create a workspace (server admin token)', security: [{ adminBearer: [] }], body: CreateWorkspaceBody, response: { 201: WorkspaceCreated, ...errors } },
  }, async (request, reply) => {
    const { name } = request.body as Static<typeof CreateWorkspaceBody>;
    return reply.status(201).send(await workspaces.create(name));
  });

  app.get(workspacesUrl, {
    config: { access: 'server' },
    schema: { tags: ['workspaces'], summary: 'List workspaces (server admin token)', security: [{ adminBearer: [] }], response: { 200: Type.Array(WorkspaceSummary), ...errors } },
  }, async () => {
    return (await workspaces.list()).map((w) => ({ id: w.id, name: w.name, createdAt: iso(w.createdAt) }));
  });

  app.get('/admin/v1/workspace', {
    config: { access: 'config.read' },
    schema: { tags: ['workspaces'], summary: 'The workspace of this secret key, with its data-quality figures', security: secret, response: { 200: WorkspaceDetail, ...errors } },
  }, async (request) => {
    const { workspace } = principalOf(request);
    return { id: workspace.id, name: workspace.name, createdAt: iso(workspace.createdAt), dataQuality: await store.knowledge.dataQuality(workspace.id) };
  });

  app.get('/admin/v1/keys', {
    config: { access: 'keys.manage' },
    schema: { tags: ['keys'], summary: 'List the API keys of this workspace (never the keys themselves)', security: secret, response: { 200: Type.Array(ApiKey), ...errors } },
  }, async (request) => {
    const { workspace } = principalOf(request);
    return (await workspaces.listKeys(workspace.id)).map((k) => keyView(k));
  });

  app.post('/admin/v1/keys', {
    config: { access: 'keys.manage' },
    schema: { tags: ['keys'], summary: 'Create an API key', security: secret, body: CreateKeyBody, response: { 201: ApiKey, ...errors } },
  }, async (request, reply) => {
    const { workspace } = principalOf(request);
    const { kind, scope } = request.body as Static<typeof CreateKeyBody>;
    if (kind === 'write' && scope !== undefined) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'a write key has no scope: its rights are fixed (events.collect, decide)', field: '/scope' });
    const created = await workspaces.createKey(workspace.id, kind, scope);
    request.log.info(keyAudit('created', created.record, 'api'), 'key created');
    return reply.status(201).send(keyView(created.record, created.plain));
  });

  app.post('/admin/v1/keys/:keyId/rotate', {
    config: { access: 'keys.manage' },
    schema: { tags: ['keys'], summary: 'Replace a key; the old one works for graceSeconds more', security: secret, params: KeyParams, body: Type.Union([RotateKeyBody, Type.Null()]), response: { 201: Type.Object({ key: ApiKey, replaced: ApiKey }), ...errors } },
  }, async (request, reply) => {
    const { workspace } = principalOf(request);
    const { keyId } = request.params as Static<typeof KeyParams>;
    // The body may be left out (Fastify validates a missing body as null): no grace period.
    const graceSeconds = (request.body as Static<typeof RotateKeyBody> | null | undefined)?.graceSeconds ?? 0;
    const rotated = await workspaces.rotateKey(workspace.id, keyId, graceSeconds);
    request.log.info(keyAudit('rotated', rotated.replaced, 'api'), 'key rotated');
    request.log.info(keyAudit('created', rotated.record, 'api'), 'key created');
    return reply.status(201).send({ key: keyView(rotated.record, rotated.plain), replaced: keyView(rotated.replaced) });
  });

  app.delete('/admin/v1/keys/:keyId', {
    config: { access: 'keys.manage' },
    schema: { tags: ['keys'], summary: 'Revoke a key at once', security: secret, params: KeyParams, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    const principal = principalOf(request);
    const { keyId } = request.params as Static<typeof KeyParams>;
    if (principal.kind === 'key' && keyId === principal.key.id) throw new AttuneError('ATTUNE_FORBIDDEN', { detail: 'a key cannot revoke itself; rotate it, or revoke it with another secret key' });
    const revoked = await workspaces.revokeKey(principal.workspace.id, keyId);
    request.log.info(keyAudit('revoked', revoked, 'api'), 'key revoked');
    return reply.status(204).send();
  });

  const verificationView = (state: { enabled: boolean; secretCreatedAt: number | null; secret?: string }): Static<typeof IdentityVerification> => ({
    enabled: state.enabled, secretCreatedAt: state.secretCreatedAt === null ? null : iso(state.secretCreatedAt), ...(state.secret === undefined ? {} : { secret: state.secret }),
  });

  app.get('/admin/v1/identity-verification', {
    config: { access: 'config.read' },
    schema: { tags: ['identity'], summary: 'Whether user ids sent with the write key must be signed (userHash); never the secret', security: secret, response: { 200: IdentityVerification, ...errors } },
  }, async (request) => {
    const { workspace } = principalOf(request);
    return verificationView(await workspaces.identityVerification(workspace.id));
  });

  app.put('/admin/v1/identity-verification', {
    config: { access: 'settings.write' },
    schema: {
      tags: ['identity'], security: secret, body: IdentityVerificationBody, response: { 200: IdentityVerification, ...errors },
      summary: 'Turn identity verification on or off; turning it on in a workspace without a secret makes one, shown in this answer only',
    },
  }, async (request) => {
    const { workspace } = principalOf(request);
    const { enabled } = request.body as Static<typeof IdentityVerificationBody>;
    return verificationView(await workspaces.setIdentityVerification(workspace.id, enabled));
  });

  app.post('/admin/v1/identity-verification/secret', {
    config: { access: 'settings.write' },
    schema: { tags: ['identity'], summary: 'Replace the identity secret (shown once); hashes made with the old one stop matching at once', security: secret, response: { 201: IdentitySecretCreated, ...errors } },
  }, async (request, reply) => {
    const { workspace } = principalOf(request);
    const created = await workspaces.rotateIdentitySecret(workspace.id);
    return reply.status(201).send({ secret: created.secret, createdAt: iso(created.createdAt) });
  });

  app.get('/admin/v1/profiles', {
    config: { access: 'personalData.read' },
    schema: { tags: ['profiles'], summary: 'Live profiles whose trait has a value (`?trait=email&value=ann@example.com`), in profile id order, a page at a time', security: secret, querystring: ProfileSearchQuery, response: { 200: ProfileSearch, ...errors } },
  }, async (request) => {
    const { workspace } = principalOf(request);
    const { trait, value, after = '', limit = 20 } = request.query as Static<typeof ProfileSearchQuery>;
    const found = await store.profiles.findByTrait(workspace.id, trait, value, after, limit + 1);
    const page = found.slice(0, limit);
    if (page.length > 0) await options.audit.read({ workspaceId: workspace.id, action: 'profiles.searched', target: { kind: 'trait', id: trait } });
    return {
      profiles: page.map((m) => ({ id: m.profileId, firstSeen: iso(m.firstSeen), lastSeen: iso(m.lastSeen) })),
      next: found.length > limit ? page[page.length - 1]!.profileId : null,
    };
  });

  app.get('/admin/v1/profiles/:id', {
    config: { access: 'personalData.read' },
    schema: { tags: ['profiles'], summary: 'A profile by user id, anonymous id or profile id', security: secret, params: ProfileParams, querystring: ProfileQuery, response: { 200: Profile, ...errors } },
  }, async (request): Promise<ProfileResponse> => {
    const { workspace } = principalOf(request);
    const { id } = request.params as Static<typeof ProfileParams>;
    const { events = 20 } = request.query as Static<typeof ProfileQuery>;
    const profile = await store.profiles.findProfile(workspace.id, id, events);
    if (profile === undefined) throw new AttuneError('ATTUNE_PROFILE_NOT_FOUND', { detail: `no profile is known by "${id}"` });
    const known = await knowledgeView(workspace.id, profile.id);
    await options.audit.read({ workspaceId: workspace.id, action: 'profile.viewed', profileId: profile.id });
    return {
      id: profile.id,
      identities: [...profile.identities],
      mergedProfileIds: [...profile.mergedProfileIds],
      traits: { ...profile.traits },
      firstSeen: iso(profile.firstSeen),
      lastSeen: iso(profile.lastSeen),
      eventCounts: { ...profile.eventCounts },
      ...known,
      recentEvents: profile.recentEvents.map(eventView),
    };
  });

  app.get('/admin/v1/events', {
    config: { access: 'personalData.read' },
    schema: { tags: ['events'], summary: 'Read the event log in order, a page at a time', security: secret, querystring: EventsQuery, response: { 200: EventPage, ...errors } },
  }, async (request) => {
    const { workspace } = principalOf(request);
    const { after = 0, limit = 1000 } = request.query as Static<typeof EventsQuery>;
    // A page of the log is personal data of many people: recorded as read, by its position.
    await options.audit.read({ workspaceId: workspace.id, action: 'events.read', target: { kind: 'eventLog', id: String(after) } });
    const events: StoredEventResponse[] = [];
    for await (const event of store.events.read({ workspaceId: workspace.id, afterSeq: after, chunkSize: limit })) {
      events.push(eventView(event));
      if (events.length === limit) break;
    }
    return { events, next: events.length === limit ? events[events.length - 1]!.seq : null };
  });
}
