import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';
import { signIn, testPassword, userWithRole } from './accessHelpers.js';
import { admin, expectProblem, uniqueId } from './httpHelpers.js';

/**
 * Isolation cases of people and roles, spread into `cases` of isolation.test.ts: a user,
 * token or session of A never reads, changes or ends anything of B, and the same email in two
 * workspaces is two users with their own passwords.
 */

type IsolationCase = (h: Harness) => Promise<void>;

interface Listed { id: string; email: string; role: string }

async function users(h: Harness, token: string): Promise<Listed[]> {
  const res = await admin(h, 'GET', '/admin/v1/users', token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Listed[]>();
}

/** An owner of each workspace (a personal token each). */
async function owners(h: Harness) {
  return { a: await userWithRole(h, 'owner', h.a.id), b: await userWithRole(h, 'owner', h.b.id) };
}

export const userIsolationCases: Record<string, IsolationCase> = {
  'GET /admin/v1/users': async (h) => {
    const { a, b } = await owners(h);
    const listedByB = await users(h, b.token);
    expect(listedByB.map((u) => u.id)).toContain(b.user.id);
    expect(listedByB.map((u) => u.id)).not.toContain(a.user.id);
  },

  'POST /admin/v1/users': async (h) => {
    const { a, b } = await owners(h);
    const email = `${uniqueId('iso-invite')}@example.com`;
    const res = await admin(h, 'POST', '/admin/v1/users', a.token, { email, role: 'editor' });
    expect(res.statusCode, res.body).toBe(201);
    expect((await users(h, b.token)).map((u) => u.email)).not.toContain(email);
    // The same email is a user of B of its own.
    expect((await admin(h, 'POST', '/admin/v1/users', b.token, { email, role: 'analyst' })).statusCode).toBe(201);
    expect((await users(h, a.token)).find((u) => u.email === email)?.role).toBe('editor');
  },

  'PATCH /admin/v1/users/:userId': async (h) => {
    const { b } = await owners(h);
    const target = await userWithRole(h, 'analyst', h.a.id);
    expectProblem(await admin(h, 'PATCH', `/admin/v1/users/${target.user.id}`, b.token, { role: 'admin' }), 404, 'ATTUNE_USER_NOT_FOUND');
    expect((await h.engine.access.getUser(h.a.id, target.user.id)).role).toBe('analyst');
  },

  'DELETE /admin/v1/users/:userId': async (h) => {
    const { b } = await owners(h);
    const target = await userWithRole(h, 'analyst', h.a.id);
    expectProblem(await admin(h, 'DELETE', `/admin/v1/users/${target.user.id}`, b.token), 404, 'ATTUNE_USER_NOT_FOUND');
    expect((await admin(h, 'GET', '/admin/v1/me', target.token)).statusCode).toBe(200);
  },

  'POST /admin/v1/invitations/accept': async (h) => {
    const email = `${uniqueId('iso-accept')}@example.com`;
    const invited = await h.engine.access.invite(h.a.id, { kind: 'operator' }, { email, role: 'editor' });
    const res = await h.app.inject({ method: 'POST', url: '/admin/v1/invitations/accept', payload: { token: invited.token, password: testPassword } });
    expect(res.statusCode, res.body).toBe(200);
    expect((await h.app.inject({ method: 'POST', url: '/admin/v1/sessions', payload: { workspaceId: h.b.id, email, password: testPassword } })).statusCode).toBe(401);
    expect((await signIn(h, h.a.id, email)).csrfToken.length).toBeGreaterThan(20);
  },

  'POST /admin/v1/sessions': async (h) => {
    const { a } = await owners(h);
    expectProblem(await h.app.inject({ method: 'POST', url: '/admin/v1/sessions', payload: { workspaceId: h.b.id, email: a.user.email, password: testPassword } }), 401, 'ATTUNE_SIGN_IN_FAILED');
    const session = await signIn(h, h.a.id, a.user.email);
    const me = await h.app.inject({ method: 'GET', url: '/admin/v1/me', headers: { cookie: session.cookie } });
    expect(me.json<{ workspace: { id: string } }>().workspace.id).toBe(h.a.id);
    const listed = await h.app.inject({ method: 'GET', url: '/admin/v1/users', headers: { cookie: session.cookie } });
    expect(listed.json<Listed[]>().every((u) => u.id !== undefined)).toBe(true);
    expect((await users(h, a.token)).map((u) => u.id)).toEqual(listed.json<Listed[]>().map((u) => u.id));
  },

  'DELETE /admin/v1/sessions/current': async (h) => {
    const email = `${uniqueId('iso-both')}@example.com`;
    for (const w of [h.a, h.b]) await h.engine.access.acceptInvitation((await h.engine.access.invite(w.id, { kind: 'operator' }, { email, role: 'analyst' })).token, testPassword);
    const [inA, inB] = [await signIn(h, h.a.id, email), await signIn(h, h.b.id, email)];
    const out = await h.app.inject({ method: 'DELETE', url: '/admin/v1/sessions/current', headers: { cookie: inA.cookie, 'x-attune-csrf': inA.csrfToken } });
    expect(out.statusCode, out.body).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: '/admin/v1/me', headers: { cookie: inA.cookie } })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/admin/v1/me', headers: { cookie: inB.cookie } })).json<{ workspace: { id: string } }>().workspace.id).toBe(h.b.id);
  },

  'GET /admin/v1/me': async (h) => {
    const { a, b } = await owners(h);
    expect((await admin(h, 'GET', '/admin/v1/me', a.token)).json<{ workspace: { id: string } }>().workspace.id).toBe(h.a.id);
    expect((await admin(h, 'GET', '/admin/v1/me', b.token)).json<{ workspace: { id: string } }>().workspace.id).toBe(h.b.id);
    expect((await admin(h, 'GET', '/admin/v1/me', h.b.secretKey)).json<{ workspace: { id: string } }>().workspace.id).toBe(h.b.id);
  },

  'PUT /admin/v1/me/password': async (h) => {
    const email = `${uniqueId('iso-pw')}@example.com`;
    const tokens: string[] = [];
    for (const w of [h.a, h.b]) {
      const user = await h.engine.access.acceptInvitation((await h.engine.access.invite(w.id, { kind: 'operator' }, { email, role: 'analyst' })).token, testPassword);
      tokens.push((await h.engine.access.createToken(w.id, user.id, 't', null)).plain);
    }
    const res = await admin(h, 'PUT', '/admin/v1/me/password', tokens[0]!, { currentPassword: testPassword, newPassword: 'another long pass phrase' });
    expect(res.statusCode, res.body).toBe(204);
    expect((await signIn(h, h.b.id, email, testPassword)).cookie).toMatch(/^__Host-attune_session=/);
    expect((await h.app.inject({ method: 'POST', url: '/admin/v1/sessions', payload: { workspaceId: h.a.id, email, password: testPassword } })).statusCode).toBe(401);
  },

  'GET /admin/v1/tokens': async (h) => {
    const { a, b } = await owners(h);
    const listed = (await admin(h, 'GET', '/admin/v1/tokens', b.token)).json<{ id: string; prefix: string }[]>();
    expect(listed).toHaveLength(1);
    expect(listed[0]!.prefix).toBe(b.token.slice(0, 10));
    expect(listed[0]!.prefix).not.toBe(a.token.slice(0, 10));
  },

  'POST /admin/v1/tokens': async (h) => {
    const { a, b } = await owners(h);
    const res = await admin(h, 'POST', '/admin/v1/tokens', a.token, { name: 'ci' });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<{ id: string; token: string }>();
    expect((await admin(h, 'GET', '/admin/v1/tokens', b.token)).json<{ id: string }[]>().map((t) => t.id)).not.toContain(created.id);
    expect((await admin(h, 'GET', '/admin/v1/me', created.token)).json<{ workspace: { id: string } }>().workspace.id).toBe(h.a.id);
  },

  'DELETE /admin/v1/tokens/:tokenId': async (h) => {
    const { a, b } = await owners(h);
    const [aToken] = await h.engine.access.listTokens(h.a.id, a.user.id);
    expectProblem(await admin(h, 'DELETE', `/admin/v1/tokens/${aToken!.id}`, b.token), 404, 'ATTUNE_TOKEN_NOT_FOUND');
    expect((await admin(h, 'GET', '/admin/v1/me', a.token)).statusCode).toBe(200);
  },
};
