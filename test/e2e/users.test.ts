import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createWorkspaceIn, killChildren, makeTempDir, removeTempDirs, runAttune, startServerChild } from './support.js';

/**
 * `attune users` and `attune tokens` beside a running server: the command line invites the
 * first owner (there is nobody yet to do it over HTTP), the person accepts and signs in over
 * HTTP, and a token and a role made by the command line apply to the server's next request.
 */

// scrypt at 2^10 in these processes: the cost is a setting, and the point here is the path.
const env = { ATTUNE_PASSWORD_COST: '10', ATTUNE_SECURE_COOKIES: 'off' };
const password = 'a long enough pass phrase';

describe('attune users and attune tokens', () => {
  afterEach(() => killChildren());
  afterAll(() => removeTempDirs());

  it('invites the first owner, whose token and role the running server honours at once', { timeout: 300_000 }, async () => {
    const dataDir = makeTempDir();
    const workspace = await createWorkspaceIn(dataDir, 'Shop');
    const server = await startServerChild(dataDir, env);
    const cli = async (args: readonly string[]) => {
      const result = await runAttune([...args, '--data', dataDir, '--workspace', workspace.id, '--json'], env, 90_000);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Record<string, unknown>;
    };
    const http = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => fetch(`${server.url}${path}`, {
      method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

    const invited = await cli(['users', 'invite', 'Ada@Example.com', '--role', 'owner', '--reviewer-kinds', 'legal']) as { user: { id: string; email: string }; invitation: { token: string } };
    expect(invited.user.email).toBe('ada@example.com');
    expect((await http('POST', '/admin/v1/invitations/accept', {}, { token: invited.invitation.token, password })).status).toBe(200);
    const signedIn = await http('POST', '/admin/v1/sessions', {}, { workspaceId: workspace.id, email: 'ada@example.com', password });
    expect(signedIn.status).toBe(201);
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toMatch(/^attune_session=/);
    expect(((await (await http('GET', '/admin/v1/me', { cookie })).json()) as { actor: { role: string } }).actor.role).toBe('owner');

    const token = await cli(['tokens', 'create', 'ada@example.com', '--name', 'deploys']) as { id: string; token: string };
    const bearer = { authorization: `Bearer ${token.token}` };
    expect((await http('GET', '/admin/v1/users', bearer)).status).toBe(200);

    // A second owner first: the command line too keeps the workspace's last active owner.
    const refused = await runAttune(['users', 'role', 'ada@example.com', 'analyst', '--data', dataDir, '--workspace', workspace.id], env, 90_000);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('ATTUNE_CONFLICT');
    const listed = await runAttune(['users', 'list', '--data', dataDir, '--workspace', workspace.id], env, 90_000);
    expect(listed.stdout).toContain(`${invited.user.id}  owner     active   ada@example.com  reviews: legal`);

    const bob = await cli(['users', 'invite', 'bob@example.com', '--role', 'owner']) as { invitation: { token: string } };
    // An owner counts once active: Bob accepts first.
    expect((await http('POST', '/admin/v1/invitations/accept', {}, { token: bob.invitation.token, password })).status).toBe(200);
    expect(await cli(['users', 'role', invited.user.id, 'analyst'])).toMatchObject({ role: 'analyst' });
    const denied = await http('GET', '/admin/v1/users', bearer);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ code: 'ATTUNE_FORBIDDEN', permission: 'users.manage' });
    // The role change ended the session.
    expect((await http('GET', '/admin/v1/me', { cookie })).status).toBe(401);

    await cli(['tokens', 'revoke', 'ada@example.com', token.id]);
    expect((await http('GET', '/admin/v1/me', bearer)).status).toBe(401);

    const readKey = await cli(['keys', 'create', 'secret', '--scope', 'read']) as { key: string; scope: string };
    expect(readKey.scope).toBe('read');
    expect((await http('GET', '/admin/v1/features', { authorization: `Bearer ${readKey.key}` })).status).toBe(200);
    expect((await http('POST', '/admin/v1/keys', { authorization: `Bearer ${readKey.key}` }, { kind: 'write' })).status).toBe(403);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
