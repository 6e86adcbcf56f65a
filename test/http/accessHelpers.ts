import type { Role } from '../../src/core/access/accessMatrix.js';
import type { UserRecord } from '../../src/store/ports.js';
import type { Harness } from '../support/harness.js';

export const testPassword = 'a long enough pass phrase';

/** A user of the workspace with a role, invited and accepted (by the operator), with a personal token. */
export async function userWithRole(h: Harness, role: Role, workspaceId: string = h.a.id, email = `${role}-${Math.random().toString(36).slice(2)}@example.com`): Promise<{ user: UserRecord; token: string }> {
  const invited = await h.engine.access.invite(workspaceId, { kind: 'operator' }, { email, role });
  const user = await h.engine.access.acceptInvitation(invited.token, testPassword);
  const token = await h.engine.access.createToken(workspaceId, user.id, 'tests', null);
  return { user, token: token.plain };
}

/** Signs in over HTTP: the session cookie (name=value) and the CSRF token. */
export async function signIn(h: Harness, workspaceId: string, email: string, password: string = testPassword): Promise<{ cookie: string; csrfToken: string; setCookie: string }> {
  const res = await h.app.inject({ method: 'POST', url: '/admin/v1/sessions', payload: { workspaceId, email, password } });
  if (res.statusCode !== 201) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0]!, csrfToken: (res.json() as { csrfToken: string }).csrfToken, setCookie };
}
