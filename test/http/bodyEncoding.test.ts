import { Readable } from 'node:stream';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeflateDecoder, isZlibHeader } from '../../src/server/bodyEncoding.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';
import { expectCollected, expectProblem, storedMessageIds, uniqueId } from './httpHelpers.js';

// Compressed request bodies (Content-Encoding gzip or deflate) on the collection routes and
// /v1/decide, with the routes' body limits applied to the decompressed bytes.

/** `count` gzip members of 1 MiB of zeros each: a valid gzip body of about count KB that inflates to count MiB. */
function gzipBomb(mebibytes: number): Buffer {
  const member = gzipSync(Buffer.alloc(1024 * 1024));
  return Buffer.concat(Array.from({ length: mebibytes }, () => member));
}

describe('compressed request bodies', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.close(); });

  const post = (url: string, body: Buffer | string, encoding: string | null, contentType = 'application/json') =>
    h.app.inject({
      method: 'POST', url, payload: body,
      headers: { authorization: basicAuth(h.a.writeKey), 'content-type': contentType, ...(encoding === null ? {} : { 'content-encoding': encoding }) },
    });
  const trackCall = (messageId: string) => ({ userId: 'u-zip', event: 'Zipped', messageId });

  it.each([
    ['gzip', (b: Buffer) => gzipSync(b)],
    ['x-gzip', (b: Buffer) => gzipSync(b)],
    ['deflate', (b: Buffer) => deflateSync(b)],
    ['deflate', (b: Buffer) => deflateRawSync(b)],
    ['identity', (b: Buffer) => b],
    ['GZIP', (b: Buffer) => gzipSync(b)],
    ['deflate, gzip', (b: Buffer) => gzipSync(deflateSync(b))],
  ] as const)('stores a single call and a batch sent with Content-Encoding %s', async (encoding, encode) => {
    const single = uniqueId('single');
    const short = uniqueId('short');
    const inBatch = [uniqueId('b0'), uniqueId('b1')];
    expectCollected(await post('/v1/track', encode(Buffer.from(JSON.stringify(trackCall(single)))), encoding));
    expectCollected(await post('/v1/t', encode(Buffer.from(JSON.stringify(trackCall(short)))), encoding));
    const batch = { batch: inBatch.map((messageId) => ({ type: 'track', ...trackCall(messageId) })) };
    expect(expectCollected(await post('/v1/batch', encode(Buffer.from(JSON.stringify(batch))), encoding, 'text/plain'))).toMatchObject({ accepted: 2 });
    const stored = await storedMessageIds(h, h.a.secretKey);
    for (const id of [single, short, ...inBatch]) expect(stored.filter((s) => s === id)).toHaveLength(1);
  });

  it('decides with a gzipped /v1/decide body', async () => {
    const res = await post('/v1/decide', gzipSync(JSON.stringify({ anonymousId: 'v-zip', placements: ['nowhere'] })), 'gzip');
    // No placement exists: the body was read, decoded and decided (a 404 for the placement, not a 4xx for the body).
    expectProblem(res, 404, 'ATTUNE_PLACEMENT_NOT_FOUND');
  });

  it('refuses a body that inflates past the route limit with 413, without inflating all of it', async () => {
    const bomb = gzipBomb(100);
    expect(bomb.length).toBeLessThan(200 * 1024);
    const problem = expectProblem(await post('/v1/batch', bomb, 'gzip'), 413, 'ATTUNE_PAYLOAD_TOO_LARGE');
    expect(problem.detail).toMatch(/decompressed body is larger than the limit of 512000 bytes/);
    // Gzipped twice, 10 GiB fits in a few dozen KB. The decoders stop the moment the decoded
    // bytes pass the limit, and are destroyed: the whole request costs a few dozen ms of CPU
    // (left to Fastify's own limit, which stops reading later, it costs over 300 ms).
    const doubled = gzipSync(gzipBomb(10 * 1024));
    expect(doubled.length).toBeLessThan(100 * 1024);
    const cpu = process.cpuUsage();
    expectProblem(await post('/v1/batch', doubled, 'gzip, gzip'), 413, 'ATTUNE_PAYLOAD_TOO_LARGE');
    await new Promise((resolve) => setTimeout(resolve, 600));
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1000).toBeLessThan(150);
    expectProblem(await post('/v1/batch', deflateSync(Buffer.alloc(20 * 1024 * 1024)), 'deflate'), 413, 'ATTUNE_PAYLOAD_TOO_LARGE');
    expectProblem(await post('/v1/batch', deflateRawSync(Buffer.alloc(20 * 1024 * 1024)), 'deflate'), 413, 'ATTUNE_PAYLOAD_TOO_LARGE');
    expectProblem(await post('/v1/track', gzipBomb(1), 'gzip'), 413, 'ATTUNE_PAYLOAD_TOO_LARGE');
    expectProblem(await post('/v1/decide', gzipBomb(1), 'gzip'), 413, 'ATTUNE_PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['zlib-wrapped', (b: Buffer) => deflateSync(b)],
    ['raw', (b: Buffer) => deflateRawSync(b)],
  ] as const)('reads a %s deflate body that arrives one byte at a time', async (_name, encode) => {
    // The format is told by the first two bytes, which may come in different chunks.
    const messageId = uniqueId('bytewise');
    const encoded = encode(Buffer.from(JSON.stringify(trackCall(messageId))));
    const res = await h.app.inject({
      method: 'POST', url: '/v1/track',
      payload: Readable.from(Array.from(encoded, (byte) => Buffer.from([byte])), { objectMode: false }),
      headers: { authorization: basicAuth(h.a.writeKey), 'content-type': 'application/json', 'content-encoding': 'deflate' },
    });
    expectCollected(res);
    expect(await storedMessageIds(h, h.a.secretKey)).toContain(messageId);
  });

  it('takes a body of exactly the limit once decompressed', async () => {
    const messageId = uniqueId('edge');
    const call = JSON.stringify(trackCall(messageId));
    const shell = `${call.slice(0, -1)},"properties":{"pad":""}}`;
    const padded = shell.replace('"pad":""', `"pad":"${'x'.repeat(32 * 1024 - shell.length)}"`);
    expect(Buffer.byteLength(padded)).toBe(32 * 1024);
    expectCollected(await post('/v1/track', gzipSync(padded), 'gzip'));
    expectProblem(await post('/v1/track', gzipSync(`${padded} `), 'gzip'), 413, 'ATTUNE_PAYLOAD_TOO_LARGE');
  });

  it('rejects an oversized event of a compressed batch by its index and stores the others', async () => {
    const [small, big] = [uniqueId('ok'), uniqueId('big')];
    const batch = { batch: [{ type: 'track', ...trackCall(small) }, { type: 'track', ...trackCall(big), properties: { pad: 'x'.repeat(40 * 1024) } }] };
    const problem = expectProblem(await post('/v1/batch', gzipSync(JSON.stringify(batch)), 'gzip'), 400, 'ATTUNE_INVALID_EVENTS');
    expect(problem.errors).toEqual([expect.objectContaining({ index: 1, code: 'ATTUNE_EVENT_TOO_LARGE' })]);
    expect(problem.accepted).toBe(1);
    const stored = await storedMessageIds(h, h.a.secretKey);
    expect(stored).toContain(small);
    expect(stored).not.toContain(big);
  });

  it.each([
    ['corrupt gzip', 'gzip', Buffer.from('this is not gzip at all')],
    ['truncated gzip', 'gzip', gzipSync(JSON.stringify(trackCall('t'))).subarray(0, 20)],
    ['corrupt deflate', 'deflate', Buffer.from([0x78, 0x9c, 0xff, 0xff, 0x00, 0x01])],
  ])('answers 400 ATTUNE_MALFORMED_CONTENT_ENCODING for a %s body', async (_name, encoding, body) => {
    const problem = expectProblem(await post('/v1/track', body, encoding), 400, 'ATTUNE_MALFORMED_CONTENT_ENCODING');
    expect(problem.detail).toContain(`not valid ${encoding} data`);
    expect(problem.field).toBe('headers/content-encoding');
  });

  it.each(['br', 'zstd', 'compress', 'gzip, br'])('answers 415 ATTUNE_UNSUPPORTED_CONTENT_ENCODING naming the supported ones for %s', async (encoding) => {
    const messageId = uniqueId('br');
    for (const url of ['/v1/track', '/v1/batch', '/v1/decide']) {
      const res = await post(url, Buffer.from(JSON.stringify(trackCall(messageId))), encoding);
      const problem = expectProblem(res, 415, 'ATTUNE_UNSUPPORTED_CONTENT_ENCODING');
      expect(problem.detail).toMatch(/send it as gzip, deflate, identity/);
      expect(res.headers['accept-encoding']).toBe('gzip, deflate, identity');
    }
    expect(await storedMessageIds(h, h.a.secretKey)).not.toContain(messageId);
  });

  it('reads gzipped JSON labelled application/x-www-form-urlencoded on the collection routes (what RudderStack\'s Node library sends)', async () => {
    const messageId = uniqueId('form');
    expectCollected(await post('/v1/batch', gzipSync(JSON.stringify({ batch: [{ type: 'track', ...trackCall(messageId) }] })), 'gzip', 'application/x-www-form-urlencoded'));
    expect(await storedMessageIds(h, h.a.secretKey)).toContain(messageId);
  });
});

describe('compressed bodies from a browser', () => {
  it('lets a cross-origin page send Content-Encoding (the preflight allows the header)', async () => {
    const h = await startHarness();
    try {
      const res = await h.app.inject({
        method: 'OPTIONS', url: '/v1/batch',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,content-encoding' },
      });
      expect(res.statusCode).toBe(204);
      expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('content-encoding');
    } finally {
      await h.close();
    }
  });
});

describe('the deflate decoder', () => {
  it('tells zlib from raw deflate by the RFC 1950 header check', () => {
    // Every FLG a zlib encoder writes after CMF 0x78 (levels 0-9), and what raw streams open with.
    for (const level of [0, 1, 6, 9] as const) {
      const [cmf, flg] = deflateSync(Buffer.from('x'), { level });
      expect(isZlibHeader(cmf!, flg!)).toBe(true);
    }
    expect(isZlibHeader(0x78, 0x9d)).toBe(false); // not a multiple of 31
    expect(isZlibHeader(0x79, 0xc4)).toBe(false); // CM 9, though (CMF*256+FLG) % 31 == 0
    const [b0, b1] = deflateRawSync(Buffer.from('{"userId":"u"}'));
    expect(isZlibHeader(b0!, b1!)).toBe(false);
  });

  it('decodes empty, one-byte-at-a-time and whole bodies alike', async () => {
    const text = JSON.stringify({ hello: 'world'.repeat(1000) });
    const decode = async (chunks: Buffer[]) => {
      const decoder = new DeflateDecoder();
      const out: Buffer[] = [];
      decoder.on('data', (chunk: Buffer) => out.push(chunk));
      const ended = new Promise<void>((resolve, reject) => { decoder.on('end', resolve); decoder.on('error', reject); });
      for (const chunk of chunks) decoder.write(chunk);
      decoder.end();
      await ended;
      return Buffer.concat(out).toString('utf8');
    };
    for (const encoded of [deflateSync(text), deflateRawSync(text)]) {
      expect(await decode([encoded])).toBe(text);
      expect(await decode(Array.from(encoded, (byte) => Buffer.from([byte])))).toBe(text);
    }
    expect(await decode([])).toBe('');
  });

  it('inflates no faster than its reader reads: a bomb nobody reads stays a few buffers in memory', async () => {
    // 64 MiB of zeros deflate to about 64 KB. Written to a decoder whose output nobody reads,
    // the inflater must stop at the high-water marks rather than inflate the lot into a buffer.
    for (const encoded of [deflateSync(Buffer.alloc(64 * 1024 * 1024)), deflateRawSync(Buffer.alloc(64 * 1024 * 1024))]) {
      const decoder = new DeflateDecoder();
      let accepted = 0;
      for (let offset = 0; offset < encoded.length; offset += 16 * 1024) {
        if (decoder.write(encoded.subarray(offset, offset + 16 * 1024))) accepted++;
        else break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(decoder.readableLength).toBeLessThan(1024 * 1024);
      expect(accepted).toBeLessThan(encoded.length / (16 * 1024));
      // Reading resumes the inflation where it stopped.
      let read = 0;
      decoder.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > 4 * 1024 * 1024) decoder.destroy();
      });
      await new Promise((resolve) => decoder.on('close', resolve));
      expect(read).toBeGreaterThan(4 * 1024 * 1024);
    }
  });
});
