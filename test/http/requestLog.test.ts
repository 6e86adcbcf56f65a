import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';

describe('the request log', () => {
  let h: Harness;
  const records: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line !== '') records.push(JSON.parse(line) as Record<string, unknown>);
    });
    h = await startHarness({ logStream: stream });
  });
  afterAll(async () => { await h.close(); });

  it('writes one record per request, with method, URL, status and time', async () => {
    records.length = 0;
    await h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { userId: 'u1', event: 'Signed Up' } });
    await h.app.inject({ method: 'GET', url: '/admin/v1/profiles/nobody', headers: { authorization: `Bearer ${h.a.secretKey}` } });
    expect(records.map((r) => [r['msg'], r['method'], r['url'], r['status']])).toEqual([
      ['request completed', 'POST', '/v1/track', 200],
      ['request completed', 'GET', '/admin/v1/profiles/nobody', 404],
    ]);
    for (const r of records) {
      expect(r['ms']).toEqual(expect.any(Number));
      expect(r['reqId']).toEqual(expect.any(String));
    }
    // Never the keys the requests carried.
    expect(JSON.stringify(records)).not.toContain(h.a.secretKey);
    expect(JSON.stringify(records)).not.toContain(h.a.writeKey);
  });

  it('records every change to a workspace\'s keys (audit), with the key\'s id and prefix but never the key', async () => {
    records.length = 0;
    const auth = { authorization: `Bearer ${h.a.secretKey}` };
    const created = (await h.app.inject({ method: 'POST', url: '/admin/v1/keys', headers: auth, payload: { kind: 'write' } })).json<{ id: string; key: string; prefix: string }>();
    const rotated = (await h.app.inject({ method: 'POST', url: `/admin/v1/keys/${created.id}/rotate`, headers: auth, payload: { graceSeconds: 60 } })).json<{ key: { id: string; key: string } }>();
    expect((await h.app.inject({ method: 'DELETE', url: `/admin/v1/keys/${rotated.key.id}`, headers: auth })).statusCode).toBe(204);
    const audits = records.filter((r) => r['audit'] !== undefined).map((r) => [r['msg'], r['audit']]);
    const fields = (id: string, prefix: string) => ({ workspaceId: h.a.id, keyId: id, kind: 'write', prefix, via: 'api' });
    expect(audits).toEqual([
      ['key created', { action: 'key.created', ...fields(created.id, created.prefix) }],
      ['key rotated', { action: 'key.rotated', ...fields(created.id, created.prefix) }],
      ['key created', { action: 'key.created', ...fields(rotated.key.id, rotated.key.key.slice(0, 10)) }],
      ['key revoked', { action: 'key.revoked', ...fields(rotated.key.id, rotated.key.key.slice(0, 10)) }],
    ]);
    expect(JSON.stringify(records)).not.toContain(created.key);
    expect(JSON.stringify(records)).not.toContain(rotated.key.key);
  });
});
