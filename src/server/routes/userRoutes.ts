import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AccessService } from '../../access/AccessService.js';
import {
  AcceptInvitationBody, CreateTokenBody, InviteBody, Me, PasswordChangeBody, PersonalToken, SignedIn, SignInBody, TokenParams, User, UserChangeBody, UserInvited, UserParams,
  type UserResponse,
} from '../../api/accessSchemas.js';
import { problemResponses } from '../../api/schemas.js';
import { accessMatrix, grantName } from '../../core/access/accessMatrix.js';
import type { UserChanger } from '../../core/access/userRules.js';
import { AttuneError } from '../../core/errors/AttuneError.js';
import type { PersonalTokenRecord, UserRecord } from '../../store/ports.js';
import { actorOf, principalOf } from '../actor.js';
import { cookieValue, sessionCookie, sessionCookieName } from '../sessionCookie.js';

export interface UserRoutesOptions {
  readonly access: AccessService;
  readonly secureCookies: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();
const errors = problemResponses(400, 401, 403, 404, 409, 503);
const people: Record<string, string[]>[] = [{ secretKeyBearer: [] }, { sessionCookie: [] }];
const defaultTokenDays = 90;

function userView(u: UserRecord): UserResponse {
  return { id: u.id, email: u.email, role: u.role, reviewerKinds: [...u.reviewerKinds], status: u.status, createdAt: iso(u.createdAt) };
}

function tokenView(t: PersonalTokenRecord, plain?: string) {
  return { id: t.id, name: t.name, prefix: t.prefix, createdAt: iso(t.createdAt), expiresAt: t.expiresAt === null ? null : iso(t.expiresAt), ...(plain === undefined ? {} : { token: plain }) };
}

/** The user a request acts as; the routes that need one declare access `user`, which guarantees it. */
function userOf(request: FastifyRequest): UserRecord {
  const principal = principalOf(request);
  if (principal.kind !== 'user') throw new AttuneError('ATTUNE_FORBIDDEN', { detail: 'this endpoint is for users, not API keys', extensions: { permission: 'user' } });
  return principal.user;
}

function changerOf(request: FastifyRequest): UserChanger {
  const user = userOf(request);
  return { kind: 'user', id: user.id, role: user.role };
}

/**
 * People and roles under /admin/v1: users (invite, list, change, remove), accepting an
 * invitation, signing in and out with the session cookie, who am I, a user's own password
 * and personal API tokens. The work is AccessService's; who may call what is each route's
 * `access` (docs/access.md).
 */
export async function userRoutes(app: FastifyInstance, options: UserRoutesOptions): Promise<void> {
  const { access, secureCookies } = options;

  app.get('/admin/v1/users', {
    config: { access: 'users.manage' },
    schema: { tags: ['users'], summary: 'The users of this workspace, invited and active', security: people, response: { 200: Type.Array(User), ...errors } },
  }, async (request) => (await access.listUsers(principalOf(request).workspace.id)).map(userView));

  app.post('/admin/v1/users', {
    config: { access: 'users.manage' },
    schema: { tags: ['users'], summary: 'Invite a person with a role; the invitation token is shown once', security: people, body: InviteBody, response: { 201: UserInvited, ...errors } },
  }, async (request, reply) => {
    const body = request.body as InviteBody;
    const invited = await access.invite(principalOf(request).workspace.id, changerOf(request), body);
    return reply.status(201).send({ user: userView(invited.user), invitation: { token: invited.token, expiresAt: iso(invited.expiresAt) } });
  });

  app.patch('/admin/v1/users/:userId', {
    config: { access: 'users.manage' },
    schema: { tags: ['users'], summary: 'Change a user\'s role or reviewer kinds (only an owner makes or changes an owner)', security: people, params: UserParams, body: UserChangeBody, response: { 200: User, ...errors } },
  }, async (request) => {
    const { userId } = request.params as UserParams;
    return userView(await access.changeUser(principalOf(request).workspace.id, changerOf(request), userId, request.body as UserChangeBody));
  });

  app.delete('/admin/v1/users/:userId', {
    config: { access: 'users.manage' },
    schema: { tags: ['users'], summary: 'Remove a user, with their tokens and sessions', security: people, params: UserParams, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    const { userId } = request.params as UserParams;
    await access.removeUser(principalOf(request).workspace.id, changerOf(request), userId);
    return reply.status(204).send();
  });

  app.post('/admin/v1/invitations/accept', {
    // The invitation token in the body is the credential.
    config: { access: 'public' },
    schema: { tags: ['users'], summary: 'Accept an invitation by choosing a password (12 to 256 characters)', body: AcceptInvitationBody, response: { 200: User, ...errors } },
  }, async (request) => {
    const { token, password } = request.body as AcceptInvitationBody;
    return userView(await access.acceptInvitation(token, password));
  });

  app.post('/admin/v1/sessions', {
    // The password in the body is the credential.
    config: { access: 'public' },
    schema: {
      tags: ['users'], body: SignInBody, response: { 201: SignedIn, ...errors },
      summary: 'Sign in: sets the HttpOnly session cookie and answers the CSRF token that unsafe requests made with it must send in X-Attune-CSRF',
    },
  }, async (request, reply) => {
    const { workspaceId, email, password } = request.body as SignInBody;
    const signedIn = await access.signIn(workspaceId, email, password, request.ip);
    reply.header('set-cookie', sessionCookie(signedIn.session, signedIn.lifetimeSeconds, secureCookies));
    reply.header('cache-control', 'no-store');
    return reply.status(201).send({ user: userView(signedIn.user), csrfToken: signedIn.csrfToken, expiresAt: iso(signedIn.expiresAt) });
  });

  app.delete('/admin/v1/sessions/current', {
    config: { access: 'user' },
    schema: { tags: ['users'], summary: 'Sign out: ends this session and clears its cookie', security: people, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    const cookie = cookieValue(request.headers.cookie, sessionCookieName(secureCookies));
    if (cookie !== null) await access.signOut(cookie);
    reply.header('set-cookie', sessionCookie('', 0, secureCookies));
    return reply.status(204).send();
  });

  app.get('/admin/v1/me', {
    config: { access: 'member' },
    schema: { tags: ['users'], summary: 'Who this credential is: the workspace, the actor, and the permissions it holds', security: people, response: { 200: Me, ...errors } },
  }, async (request) => {
    const principal = principalOf(request);
    const actor = actorOf(request);
    return {
      workspace: { id: principal.workspace.id, name: principal.workspace.name },
      actor: { kind: principal.kind, id: actor.id, role: actor.role ?? '' },
      ...(principal.kind === 'user' ? { user: userView(principal.user) } : {}),
      permissions: [...accessMatrix[grantName(principal.grant)]],
    };
  });

  app.put('/admin/v1/me/password', {
    config: { access: 'user' },
    schema: { tags: ['users'], summary: 'Change your password; every session of yours ends', security: people, body: PasswordChangeBody, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    const user = userOf(request);
    const { currentPassword, newPassword } = request.body as PasswordChangeBody;
    await access.changePassword(user.workspaceId, user.id, currentPassword, newPassword);
    reply.header('set-cookie', sessionCookie('', 0, secureCookies));
    return reply.status(204).send();
  });

  app.get('/admin/v1/tokens', {
    config: { access: 'user' },
    schema: { tags: ['users'], summary: 'Your personal API tokens (never the tokens themselves)', security: people, response: { 200: Type.Array(PersonalToken), ...errors } },
  }, async (request) => {
    const user = userOf(request);
    return (await access.listTokens(user.workspaceId, user.id)).map((t) => tokenView(t));
  });

  app.post('/admin/v1/tokens', {
    config: { access: 'user' },
    schema: { tags: ['users'], summary: 'Create a personal API token (shown once); it acts with your role', security: people, body: CreateTokenBody, response: { 201: PersonalToken, ...errors } },
  }, async (request, reply) => {
    const user = userOf(request);
    const { name, expiresInDays } = request.body as CreateTokenBody;
    const created = await access.createToken(user.workspaceId, user.id, name, expiresInDays === undefined ? defaultTokenDays : expiresInDays);
    return reply.status(201).send(tokenView(created.record, created.plain));
  });

  app.delete('/admin/v1/tokens/:tokenId', {
    config: { access: 'user' },
    schema: { tags: ['users'], summary: 'Revoke one of your personal API tokens', security: people, params: TokenParams, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    const user = userOf(request);
    await access.revokeToken(user.workspaceId, user.id, (request.params as TokenParams).tokenId);
    return reply.status(204).send();
  });
}
