import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicAuth, killChildren, makeTempDir, removeTempDirs, repoRoot, runAttune, startServerChild } from './support.js';
import { removeOrphanedBundles } from '../../src/cli/sdkBundles.js';

/** A port that another process (here, a plain TCP server) listens on. */
async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

describe('the attune command', () => {
  afterEach(() => killChildren());
  afterAll(() => removeTempDirs());

  it('workspace create --json prints exactly {"id","writeKey","secretKey","identitySecret"}; workspace list shows it', { timeout: 60_000 }, async () => {
    const dataDir = makeTempDir();
    const created = await runAttune(['workspace', 'create', 'Shop DE', '--data', dataDir, '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toBe('');
    expect(created.stdout.endsWith('\n')).toBe(true);
    expect(created.stdout.trimEnd().split('\n')).toHaveLength(1);
    const keys = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(Object.keys(keys)).toEqual(['id', 'writeKey', 'secretKey', 'identitySecret']);
    for (const value of Object.values(keys)) expect(value).toEqual(expect.any(String));
    expect(keys['writeKey']).not.toBe(keys['secretKey']);

    const [listed, text] = await Promise.all([
      runAttune(['workspace', 'list', '--data', dataDir, '--json']),
      runAttune(['workspace', 'list', '--data', dataDir]),
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    const list = JSON.parse(listed.stdout) as { id: string; name: string; createdAt: string }[];
    expect(list).toEqual([{ id: keys['id'], name: 'Shop DE', createdAt: expect.any(String) }]);
    expect(Number.isNaN(Date.parse(list[0]!.createdAt))).toBe(false);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${String(keys['id'])}  Shop DE`);
    // The keys are shown once and stored as hashes only.
    expect(listed.stdout).not.toContain(String(keys['writeKey']));
    expect(listed.stdout).not.toContain(String(keys['identitySecret']));
  });

  it('identity show|disable|enable|rotate-secret: verification on for a new workspace, the secret printed only when made', { timeout: 180_000 }, async () => {
    const dataDir = makeTempDir();
    const created = JSON.parse((await runAttune(['workspace', 'create', 'Shop', '--data', dataDir, '--json'])).stdout) as { id: string; identitySecret: string };
    const identity = async (...args: string[]) => {
      const result = await runAttune(['identity', ...args, '--data', dataDir, '--json']);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { workspace: string; enabled: boolean; secretCreatedAt: string | null; secret?: string };
    };
    const shown = await identity('show');
    expect(shown).toEqual({ workspace: created.id, enabled: true, secretCreatedAt: expect.any(String) });
    expect(await identity('disable')).toEqual({ ...shown, enabled: false });
    // The workspace has a secret: enabling prints none.
    expect(await identity('enable', '--workspace', created.id)).toEqual(shown);
    const rotated = await identity('rotate-secret');
    expect(rotated.secret).toMatch(/^aid_/);
    expect(rotated.secret).not.toBe(created.identitySecret);
    const text = await runAttune(['identity', 'show', '--data', dataDir]);
    expect(text.stdout).toContain(`Identity verification of ${created.id}: on`);
    expect(text.stdout).not.toContain(String(rotated.secret));
  });

  it('serve --port 0 --data DIR listens, answers /healthz and takes events with the new keys, and stops on SIGTERM', { timeout: 60_000 }, async () => {
    const dataDir = makeTempDir();
    const created = await runAttune(['workspace', 'create', 'shop', '--data', dataDir, '--json']);
    const { writeKey, secretKey } = JSON.parse(created.stdout) as { writeKey: string; secretKey: string };

    const server = await startServerChild(dataDir);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toBe('http://127.0.0.1:0');
    // The listening line, then what to open: the example shop and the API reference.
    expect(server.stdout()).toBe(`attune listening on ${server.url} (data: ${dataDir})\n  example shop: ${server.url}/examples/shop   studio: ${server.url}/studio   docs: ${server.url}/docs\n`);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    // The studio the build put in dist/studio, served with no other step.
    const studio = await fetch(`${server.url}/studio`);
    expect(studio.status).toBe(200);
    const script = /src="(\/studio\/assets\/main-[A-Z0-9]+\.js)"/.exec(await studio.text())?.[1];
    expect(script).toBeDefined();
    const code = await fetch(`${server.url}${script!}`);
    expect([code.status, code.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    const track = await fetch(`${server.url}/v1/track`, {
      method: 'POST',
      headers: { authorization: basicAuth(writeKey), 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u1', event: 'Signed Up', messageId: 'm1' }),
    });
    expect(track.status).toBe(200);
    const profile = await fetch(`${server.url}/admin/v1/profiles/u1`, { headers: { authorization: `Bearer ${secretKey}` } });
    expect(((await profile.json()) as { eventCounts: unknown }).eventCounts).toEqual({ track: 1 });

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('settings come from the environment, and flags win over it', { timeout: 60_000 }, async () => {
    const dataDir = makeTempDir();
    // No --data: ATTUNE_DATA says where.
    const created = await runAttune(['workspace', 'create', 'from-env', '--json'], { ATTUNE_DATA: dataDir });
    expect(created.code, created.stderr).toBe(0);
    // ATTUNE_PORT and ATTUNE_DATA are set, but --port 0 and --data win.
    const server = await startServerChild(dataDir, { ATTUNE_PORT: '1', ATTUNE_DATA: makeTempDir() });
    expect(server.url).not.toBe('http://127.0.0.1:1');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    server.child.kill('SIGINT');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    const listed = await runAttune(['workspace', 'list', '--data', dataDir, '--json']);
    // The server provisioned the example shop's workspace beside it (ATTUNE_EXAMPLES is on by default).
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((w) => w.name)).toEqual(['from-env', 'Example shop']);
  });

  it('ATTUNE_EXAMPLES=off serves no example shop and creates no workspace for it', { timeout: 60_000 }, async () => {
    const dataDir = makeTempDir();
    const server = await startServerChild(dataDir, { ATTUNE_EXAMPLES: 'off' });
    expect((await fetch(`${server.url}/examples/shop`)).status).toBe(404);
    expect((await fetch(`${server.url}/sdk/attune.js`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    const listed = await runAttune(['workspace', 'list', '--data', dataDir, '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('serves the example shop with a working write key, and the CLI still picks the only real workspace', { timeout: 60_000 }, async () => {
    const dataDir = makeTempDir();
    expect((await runAttune(['workspace', 'create', 'mine', '--json', '--data', dataDir])).code).toBe(0);
    const server = await startServerChild(dataDir);
    const page = await fetch(`${server.url}/examples/shop`);
    expect(page.status).toBe(200);
    const writeKey = /atw_[A-Za-z0-9_-]+/.exec(await page.text())?.[0];
    expect(writeKey).toBeDefined();
    const decided = await fetch(`${server.url}/v1/decide`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ writeKey, anonymousId: 'visitor-1', placements: ['home-hero', 'home-recs'] }),
    });
    expect(decided.status).toBe(200);
    const body = (await decided.json()) as { placements: { placement: string; decisions: { actionId: string | null }[] }[] };
    expect(body.placements.map((p) => [p.placement, p.decisions[0]?.actionId])).toEqual([['home-hero', 'spring-sale'], ['home-recs', null]]);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    // The example's workspace does not count when a command needs "the only workspace".
    const file = join(makeTempDir(), 'events.jsonl');
    writeFileSync(file, `${JSON.stringify({ type: 'track', userId: 'u-1', event: 'Signed Up', messageId: 'm-1' })}\n`);
    const imported = await runAttune(['import', 'events', file, '--data', dataDir, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ rows: 1, accepted: 1 });
  });

  it('a bad flag or setting value exits 2 with a clear message', { timeout: 60_000 }, async () => {
    const dataDir = makeTempDir();
    const [badPort, bigPort, badSync] = await Promise.all([
      runAttune(['serve', '--port', 'abc', '--data', dataDir]),
      runAttune(['serve', '--port', '70000', '--data', dataDir]),
      runAttune(['serve', '--port', '0', '--data', dataDir], { ATTUNE_SYNC: 'sometimes' }),
    ]);
    expect(badPort.code).toBe(2);
    expect(badPort.stdout).toBe('');
    expect(badPort.stderr).toBe('attune: --port must be an integer from 0 to 65535, not "abc"\n');
    expect(bigPort.code).toBe(2);
    expect(bigPort.stderr).toBe('attune: --port must be an integer from 0 to 65535, not "70000"\n');
    expect(badSync.code).toBe(2);
    expect(badSync.stderr).toBe('attune: ATTUNE_SYNC must be "full" or "normal"\n');
  });

  it('every usage error (unknown command or option, missing option or argument, no command) exits 2 with usage help', { timeout: 240_000 }, async () => {
    const dataDir = makeTempDir();
    const run = (args: readonly string[]) => runAttune(args, {}, 120_000);
    const [unknown, noIdColumn, noName] = await Promise.all([
      run(['frobnicate']),
      run(['import', 'traits', 'crm.csv', '--data', dataDir]),
      run(['workspace', 'create', '--data', dataDir]),
    ]);
    const [badOption, nothing, help] = await Promise.all([run(['workspace', 'list', '--frobnicate']), run([]), run(['--help'])]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(noIdColumn.code).toBe(2);
    expect(noIdColumn.stderr).toContain("required option '--id-column <column>' not specified");
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain("missing required argument 'name'");
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("unknown option '--frobnicate'");
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('Usage: attune');
    // Asking for help is not an error.
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: attune');
  });

  it('--version prints the package version', { timeout: 60_000 }, async () => {
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const result = await runAttune([flag]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
    }
  });

  it('a busy port: serve and demo print one line naming the port and how to choose another, and exit 2', { timeout: 90_000 }, async () => {
    expect(existsSync(join(repoRoot, 'dist/cli/main.js')), 'dist/ is missing: run npm run build').toBe(true);
    const { port, server } = await occupiedPort();
    try {
      const dataDir = join(makeTempDir(), 'data');
      const hint = `attune: port ${port} on 127.0.0.1 is already in use by another process; choose another with --port N or ATTUNE_PORT=N (0 picks a free one)\n`;
      const [serve, fromEnv, demo] = await Promise.all([
        runAttune(['serve', '--port', String(port), '--data', dataDir], {}, 30_000, 'built'),
        runAttune(['serve', '--data', dataDir], { ATTUNE_PORT: String(port) }, 30_000, 'built'),
        runAttune(['demo', '--port', String(port), '--data', join(dataDir, 'demo')], {}, 30_000, 'built'),
      ]);
      for (const result of [serve, fromEnv, demo]) {
        expect(result.stderr).toBe(hint);
        expect(result.code).toBe(2);
      }
      expect(serve.stdout).toBe('');
      // The demo checked the port before simulating: it printed no keys nor any address to explore.
      expect(demo.stdout).toBe('');
      // Nothing was written to the data folder.
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      server.close();
    }
  });

  it('logs one JSON line per request when the output is not a terminal', { timeout: 60_000 }, async () => {
    const server = await startServerChild(makeTempDir(), { ATTUNE_LOG_LEVEL: 'info', ATTUNE_EXAMPLES: 'off' });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/v1/nothing-here`)).status).toBe(404);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    const records = server.stdout().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = records.filter((r) => r['msg'] === 'request completed').map((r) => [r['method'], r['url'], r['status']]);
    expect(requests).toEqual([['GET', '/healthz', 200], ['GET', '/v1/nothing-here', 404]]);
    expect(records.filter((r) => r['msg'] === 'incoming request')).toEqual([]);
  });

  it('leaves no browser SDK build in the temporary folder, and removes those of processes that died', { timeout: 60_000 }, async () => {
    const ours = (pid: number | undefined) => readdirSync(tmpdir()).filter((name) => name.startsWith(`attune-sdk-serve-${pid}-`));
    const server = await startServerChild(makeTempDir(), { ATTUNE_EXAMPLES: 'off' });
    // Run from the sources there is no dist/sdk-bundles: the bundles were built into a temporary folder.
    expect(ours(server.child.pid)).toHaveLength(1);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(ours(server.child.pid)).toEqual([]);

    // A killed server cannot clean up: the next one removes its folder (and keeps those of running processes).
    const parent = makeTempDir();
    const dead = join(parent, 'attune-sdk-serve-999999999-abc');
    const alive = join(parent, `attune-sdk-serve-${process.pid}-abc`);
    const other = join(parent, 'attune-sdk-xyz');
    for (const dir of [dead, alive, other]) mkdirSync(dir);
    removeOrphanedBundles(parent);
    expect(readdirSync(parent).sort()).toEqual([`attune-sdk-serve-${process.pid}-abc`, 'attune-sdk-xyz']);
  });
});
