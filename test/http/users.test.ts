import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { startHarness, type Harness } from '../support/harness.js';
import { signIn, testPassword, userWithRole } from './accessHelpers.js';
import { admin, expectProblem, uniqueId } from './httpHelpers.js';

/**
 * People and roles over HTTP: invitations, passwords, the session cookie and its CSRF token,
 * personal tokens, role changes and their limits, secret-key scopes, and the actor the
 * server sees. The permission matrix itself is permissionMatrix.test.ts's.
 */

const start = Date.parse('2026-03-02T08:00:00Z');
const hour = 3_600_000;
const feature = { aggregate: 'count', types: ['page'], window: '7d' };

describe('people and roles', () => {
  let h: Harness;
  const clock = fixedClock(start);
  let owner: Awaited<ReturnType<typeof userWithRole>>;
  beforeAll(async () => {
    h = await startHarness({ clock });
    owner = await userWithRole(h, 'owner');
  });
  afterAll(async () => { await h.close(); });

  const invite = async (token: string, body: Record<string, unknown>) => admin(h, 'POST', '/admin/v1/users', token, body);

  describe('invitations', () => {
    it('invites with a token shown once, which sets the password and activates the user', async () => {
      const email = `${uniqueId('new')}@Example.com`;
      const res = await invite(owner.token, { email, role: 'reviewer', reviewerKinds: ['legal', 'brand'] });
      expect(res.statusCode, res.body).toBe(201);
      const { user, invitation } = res.json<{ user: { id: string; email: string; status: string; reviewerKinds: string[] }; invitation: { token: string } }>();
      expect(user).toMatchObject({ email: email.toLowerCase(), status: 'invited', reviewerKinds: ['legal', 'brand'] });
      expect(invitation.token).toMatch(/^ati_/);
      expectProblem(await h.app.inject({ method: 'POST', url: '/admin/v1/sessions', payload: { workspaceId: h.a.id, email, password: testPassword } }), 401, 'ATTUNE_SIGN_IN_FAILED');
      const weak = expectProblem(await h.app.inject({ method: 'POST', url: '/admin/v1/invitations/accept', payload: { token: invitation.token, password: 'short' } }), 400, 'ATTUNE_PASSWORD_WEAK');
      expect(weak.field).toBe('/password');
      const accepted = await h.app.inject({ method: 'POST', url: '/admin/v1/invitations/accept', payload: { token: invitation.token, password: testPassword } });
      expect(accepted.json<{ status: string }>().status).toBe('active');
      expectProblem(await h.app.inject({ method: 'POST', url: '/admin/v1/invitations/accept', payload: { token: invitation.token, password: testPassword } }), 404, 'ATTUNE_INVITATION_NOT_FOUND');
      expect((await signIn(h, h.a.id, email)).csrfToken).toBeTruthy();
    });

    it('refuses an expired invitation, a second user with the same email, and bad reviewer kinds', async () => {
      const email = `${uniqueId('late')}@example.com`;
      const { invitation } = (await invite(owner.token, { email, role: 'analyst' })).json<{ invitation: { token: string } }>();
      expectProblem(await invite(owner.token, { email: email.toUpperCase(), role: 'editor' }), 409, 'ATTUNE_USER_EXISTS');
      expectProblem(await invite(owner.token, { email: `${uniqueId('k')}@example.com`, role: 'reviewer', reviewerKinds: ['Legal'] }), 400, 'ATTUNE_INVALID_REQUEST');
      clock.advance(73 * hour);
      try {
        expectProblem(await h.app.inject({ method: 'POST', url: '/admin/v1/invitations/accept', payload: { token: invitation.token, password: testPassword } }), 404, 'ATTUNE_INVITATION_NOT_FOUND');
      } finally {
        clock.set(start);
      }
    });
  });

  describe('the session cookie', () => {
    it('is HttpOnly, SameSite=Strict, Secure and __Host- prefixed, and lasts the session', async () => {
      const session = await signIn(h, h.a.id, owner.user.email.toUpperCase());
      expect(session.setCookie).toMatch(/^__Host-attune_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    });

    it('reads without the CSRF token, and changes nothing without it', async () => {
      const session = await signIn(h, h.a.id, owner.user.email);
      const read = await h.app.inject({ method: 'GET', url: '/admin/v1/features', headers: { cookie: session.cookie } });
      expect(read.statusCode, read.body).toBe(200);
      const put = (headers: Record<string, string>) => h.app.inject({ method: 'PUT', url: '/admin/v1/features/orders30', headers: { cookie: session.cookie, ...headers }, payload: feature });
      expectProblem(await put({}), 403, 'ATTUNE_CSRF_FAILED');
      expectProblem(await put({ 'x-attune-csrf': 'not-the-token' }), 403, 'ATTUNE_CSRF_FAILED');
      const other = await signIn(h, h.a.id, owner.user.email);
      expectProblem(await put({ 'x-attune-csrf': other.csrfToken }), 403, 'ATTUNE_CSRF_FAILED');
      expect((await put({ 'x-attune-csrf': session.csrfToken })).statusCode).toBeLessThan(300);
    });

    it('ends at sign-out and at expiry', async () => {
      const session = await signIn(h, h.a.id, owner.user.email);
      const out = await h.app.inject({ method: 'DELETE', url: '/admin/v1/sessions/current', headers: { cookie: session.cookie, 'x-attune-csrf': session.csrfToken } });
      expect(out.statusCode).toBe(204);
      expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
      expectProblem(await h.app.inject({ method: 'GET', url: '/admin/v1/me', headers: { cookie: session.cookie } }), 401, 'ATTUNE_AUTH_INVALID');
      const later = await signIn(h, h.a.id, owner.user.email);
      clock.advance(12 * hour);
      try {
        expectProblem(await h.app.inject({ method: 'GET', url: '/admin/v1/me', headers: { cookie: later.cookie } }), 401, 'ATTUNE_AUTH_INVALID');
      } finally {
        clock.set(start);
      }
    });

    it('slows password guessing: ten failures for an account wait out their window, the right password too', async () => {
      const target = await userWithRole(h, 'analyst');
      const attempt = (password: string) => h.app.inject({ method: 'POST', url: '/admin/v1/sessions', payload: { workspaceId: h.a.id, email: target.user.email, password } });
      for (let i = 0; i < 10; i++) expectProblem(await attempt(`wrong guess number ${i}`), 401, 'ATTUNE_SIGN_IN_FAILED');
      const throttled = await attempt(testPassword);
      expect(expectProblem(throttled, 429, 'ATTUNE_SIGN_IN_THROTTLED')).toMatchObject({ retryAfterSeconds: 900 });
      expect(throttled.headers['retry-after']).toBe('900');
      // Another account of the same workspace is not held up.
      expect((await signIn(h, h.a.id, owner.user.email)).csrfToken).toBeTruthy();
      clock.advance(15 * 60_000);
      try {
        expect((await attempt(testPassword)).statusCode).toBe(201);
      } finally {
        clock.set(start);
      }
    });

    it('answers a wrong password and an unknown email alike', async () => {
      const wrong = expectProblem(await h.app.inject({ method: 'POST', url: '/admin/v1/sessions', payload: { workspaceId: h.a.id, email: owner.user.email, password: 'not the password at all' } }), 401, 'ATTUNE_SIGN_IN_FAILED');
      const unknown = expectProblem(await h.app.inject({ method: 'POST', url: '/admin/v1/sessions', payload: { workspaceId: h.a.id, email: 'nobody@example.com', password: 'not the password at all' } }), 401, 'ATTUNE_SIGN_IN_FAILED');
      expect(unknown.detail).toBe(wrong.detail);
    });
  });

  describe('roles', () => {
    it('answers 403 naming the missing permission, and a role change applies to the next request', async () => {
      const analyst = await userWithRole(h, 'analyst');
      const denied = expectProblem(await admin(h, 'PUT', '/admin/v1/features/orders30', analyst.token, feature), 403, 'ATTUNE_FORBIDDEN');
      expect(denied).toMatchObject({ permission: 'config.write' });
      expect(denied.detail).toContain('the role analyst does not');
      expectProblem(await admin(h, 'GET', '/admin/v1/events', analyst.token), 403, 'ATTUNE_FORBIDDEN');
      const changed = await admin(h, 'PATCH', `/admin/v1/users/${analyst.user.id}`, owner.token, { role: 'editor' });
      expect(changed.json<{ role: string }>().role).toBe('editor');
      expect((await admin(h, 'GET', '/admin/v1/events', analyst.token)).statusCode).toBe(200);
      // The change is in the audit trail, by the owner as a user with their role.
      const trail = (await admin(h, 'GET', `/admin/v1/audit?targetKind=user&targetId=${analyst.user.id}`, owner.token)).json<{ entries: { action: string; actor: unknown }[] }>();
      expect(trail.entries.map((e) => e.action)).toEqual(['user.invited', 'user.activated', 'user.changed']);
      expect(trail.entries[2]!.actor).toEqual({ kind: 'user', id: owner.user.id, role: 'owner' });
    });

    it('lets only owners make or change owners, never removes the last active owner, and nobody changes their own role', async () => {
      const adminUser = await userWithRole(h, 'admin');
      const problem = expectProblem(await invite(adminUser.token, { email: `${uniqueId('o')}@example.com`, role: 'owner' }), 403, 'ATTUNE_FORBIDDEN');
      expect(problem).toMatchObject({ permission: 'owners.manage' });
      expectProblem(await admin(h, 'PATCH', `/admin/v1/users/${owner.user.id}`, adminUser.token, { role: 'analyst' }), 403, 'ATTUNE_FORBIDDEN');
      expectProblem(await admin(h, 'DELETE', `/admin/v1/users/${owner.user.id}`, adminUser.token), 403, 'ATTUNE_FORBIDDEN');
      expectProblem(await admin(h, 'PATCH', `/admin/v1/users/${adminUser.user.id}`, adminUser.token, { role: 'owner' }), 403, 'ATTUNE_FORBIDDEN');
      // Demoting the only owner, by another owner, fails for lack of an owner left once that one is demoted too.
      const second = await userWithRole(h, 'owner');
      expect((await admin(h, 'PATCH', `/admin/v1/users/${second.user.id}`, owner.token, { role: 'admin' })).statusCode).toBe(200);
      expect((await admin(h, 'DELETE', `/admin/v1/users/${second.user.id}`, owner.token)).statusCode).toBe(204);
      expectProblem(await admin(h, 'GET', '/admin/v1/me', second.token), 401, 'ATTUNE_AUTH_INVALID');
      await expect(h.engine.access.removeUser(h.a.id, { kind: 'operator' }, owner.user.id)).rejects.toMatchObject({ code: 'ATTUNE_CONFLICT' });
    });
  });

  describe('personal tokens', () => {
    it('act as their user until revoked, and are listed without the token', async () => {
      const editor = await userWithRole(h, 'editor');
      const created = await admin(h, 'POST', '/admin/v1/tokens', editor.token, { name: 'laptop', expiresInDays: 7 });
      expect(created.statusCode, created.body).toBe(201);
      const token = created.json<{ id: string; token: string; expiresAt: string }>();
      expect(token.expiresAt).toBe(new Date(start + 7 * 24 * hour).toISOString());
      const listed = (await admin(h, 'GET', '/admin/v1/tokens', token.token)).json<Record<string, unknown>[]>();
      expect(listed.map((t) => t['id'])).toContain(token.id);
      for (const t of listed) expect(t).not.toHaveProperty('token');
      const me = (await admin(h, 'GET', '/admin/v1/me', token.token)).json<{ actor: unknown; permissions: string[] }>();
      expect(me.actor).toEqual({ kind: 'user', id: editor.user.id, role: 'editor' });
      expect(me.permissions).toContain('config.write');
      expect(me.permissions).not.toContain('review.approve');
      expect((await admin(h, 'DELETE', `/admin/v1/tokens/${token.id}`, editor.token)).statusCode).toBe(204);
      expectProblem(await admin(h, 'GET', '/admin/v1/me', token.token), 401, 'ATTUNE_AUTH_INVALID');
      expectProblem(await admin(h, 'GET', '/admin/v1/tokens', h.a.secretKey), 403, 'ATTUNE_FORBIDDEN');
    });
  });

  describe('secret key scopes', () => {
    it('a read key reads but changes nothing; a decide key decides only; scopes survive rotation', async () => {
      const read = (await admin(h, 'POST', '/admin/v1/keys', h.a.secretKey, { kind: 'secret', scope: 'read' })).json<{ id: string; key: string; scope: string }>();
      expect(read.scope).toBe('read');
      expect((await admin(h, 'GET', '/admin/v1/features', read.key)).statusCode).toBe(200);
      expect(expectProblem(await admin(h, 'PUT', '/admin/v1/features/orders30', read.key, feature), 403, 'ATTUNE_FORBIDDEN')).toMatchObject({ permission: 'config.write' });
      expect((await admin(h, 'GET', '/admin/v1/me', read.key)).json<{ actor: unknown }>().actor).toEqual({ kind: 'key', id: read.id, role: 'secret:read' });
      const rotated = (await admin(h, 'POST', `/admin/v1/keys/${read.id}/rotate`, h.a.secretKey, {})).json<{ key: { scope: string; key: string } }>();
      expect(rotated.key.scope).toBe('read');
      const decide = (await admin(h, 'POST', '/admin/v1/keys', h.a.secretKey, { kind: 'secret', scope: 'decide' })).json<{ key: string }>();
      expect(expectProblem(await admin(h, 'GET', '/admin/v1/features', decide.key), 403, 'ATTUNE_FORBIDDEN')).toMatchObject({ permission: 'config.read' });
      const decided = await admin(h, 'POST', '/v1/decide', decide.key, { anonymousId: 'v1', placements: [{ id: 'nowhere' }] });
      expect(decided.statusCode).toBe(404);
      expectProblem(await admin(h, 'POST', '/admin/v1/keys', h.a.secretKey, { kind: 'write', scope: 'read' }), 400, 'ATTUNE_INVALID_REQUEST');
      const keys = (await admin(h, 'GET', '/admin/v1/keys', h.a.secretKey)).json<{ kind: string; scope: string | null }[]>();
      expect(keys.filter((k) => k.kind === 'write').every((k) => k.scope === null)).toBe(true);
      expect((await admin(h, 'GET', '/admin/v1/me', h.a.secretKey)).json<{ actor: { role: string } }>().actor.role).toBe('secret:full');
    });
  });
});

describe('the session cookie on plain-http localhost', () => {
  it('drops Secure and the __Host- prefix when secure cookies are off', async () => {
    const h = await startHarness({ secureCookies: false });
    try {
      const owner = await userWithRole(h, 'owner');
      const session = await signIn(h, h.a.id, owner.user.email);
      expect(session.setCookie).toMatch(/^attune_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
      expect((await h.app.inject({ method: 'GET', url: '/admin/v1/me', headers: { cookie: session.cookie } })).statusCode).toBe(200);
      // A cookie of the secure name is not this server's.
      const renamed = session.cookie.replace(/^attune_session/, '__Host-attune_session');
      expectProblem(await h.app.inject({ method: 'GET', url: '/admin/v1/me', headers: { cookie: renamed } }), 401, 'ATTUNE_AUTH_MISSING');
    } finally {
      await h.close();
    }
  });
});
