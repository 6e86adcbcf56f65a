import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { basicAuth, createWorkspaceIn, killChildren, makeTempDir, removeTempDirs, runAttune, startServerChild } from './support.js';

interface KeyJson {
  readonly id: string;
  readonly kind: 'write' | 'secret';
  readonly prefix: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revoked: boolean;
  readonly key?: string;
}

/** The audit records `attune keys` writes to stderr (JSON lines, in the server's log format). */
function auditsOf(stderr: string): Record<string, unknown>[] {
  return stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('attune keys', () => {
  afterEach(() => killChildren());
  afterAll(() => removeTempDirs());

  it('lists keys without the keys themselves, creates one (shown once), revokes one; each change audited', { timeout: 180_000 }, async () => {
    const dataDir = makeTempDir();
    const workspace = await createWorkspaceIn(dataDir, 'Shop');
    const run = (args: readonly string[]) => runAttune(['keys', ...args, '--data', dataDir], {}, 90_000);

    const listed = await run(['list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const keys = JSON.parse(listed.stdout) as KeyJson[];
    expect(keys.map((k) => [k.kind, k.prefix, k.revoked, k.expiresAt])).toEqual(expect.arrayContaining([
      ['write', workspace.writeKey.slice(0, 10), false, null],
      ['secret', workspace.secretKey.slice(0, 10), false, null],
    ]));
    const text = await run(['list', '--workspace', workspace.id]);
    expect(text.code, text.stderr).toBe(0);
    for (const k of keys) expect(text.stdout).toContain(`${k.id}  ${k.kind.padEnd(6)}  ${k.prefix}...  created ${k.createdAt}  live`);
    for (const output of [listed.stdout, text.stdout]) {
      expect(output).not.toContain(workspace.writeKey);
      expect(output).not.toContain(workspace.secretKey);
    }

    const created = await run(['create', 'secret', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as KeyJson;
    expect(key).toMatchObject({ kind: 'secret', revoked: false, expiresAt: null, key: expect.stringMatching(/^ats_/) });
    expect(key.prefix).toBe(key.key!.slice(0, 10));
    expect(auditsOf(created.stderr)).toEqual([expect.objectContaining({
      level: 30, msg: 'key created',
      audit: { action: 'key.created', workspaceId: workspace.id, keyId: key.id, kind: 'secret', prefix: key.prefix, via: 'cli' },
    })]);
    expect(created.stderr).not.toContain(key.key);

    const revoked = await run(['revoke', keys.find((k) => k.kind === 'write')!.id, '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    const writeKeyId = keys.find((k) => k.kind === 'write')!.id;
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: writeKeyId, revoked: true, expiresAt: expect.any(String) });
    expect(auditsOf(revoked.stderr)).toEqual([expect.objectContaining({ msg: 'key revoked', audit: expect.objectContaining({ action: 'key.revoked', keyId: writeKeyId, via: 'cli' }) })]);

    const after = JSON.parse((await run(['list', '--json'])).stdout) as KeyJson[];
    expect(after.map((k) => [k.id, k.revoked]).sort()).toEqual([[writeKeyId, true], [key.id, false], [keys.find((k) => k.kind === 'secret')!.id, false]].sort());

    const [again, badKind] = await Promise.all([run(['revoke', writeKeyId]), run(['create', 'admin'])]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('ATTUNE_KEY_NOT_FOUND');
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toContain('"write" (collect events) or "secret" (administer), not "admin"');
  });

  it('beside a running server: a created key works at once, and a revoked one is refused by the server when the command ends', { timeout: 240_000 }, async () => {
    const dataDir = makeTempDir();
    const workspace = await createWorkspaceIn(dataDir, 'Shop');
    const server = await startServerChild(dataDir);
    const created = await runAttune(['keys', 'create', 'write', '--json', '--data', dataDir, '--workspace', workspace.id], {}, 90_000);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as KeyJson;
    const track = () => fetch(`${server.url}/v1/track`, {
      method: 'POST', headers: { authorization: basicAuth(key.key!), 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u-1', event: 'Signed Up' }),
    });
    // The server checks the key now and trusts it for a while (its key cache).
    expect((await track()).status).toBe(200);

    const revoked = await runAttune(['keys', 'revoke', key.id, '--data', dataDir], {}, 120_000);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stderr).toContain('another process (a running attune serve?) has this data folder open');
    expect(revoked.stdout).toBe(`Revoked write key ${key.id} (${key.prefix}...) of workspace ${workspace.id}.\n`);
    expect((await track()).status).toBe(401);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
