import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Duplex, Transform, type TransformCallback } from 'node:stream';
import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';
import { AttuneError } from '../core/errors/AttuneError.js';

/** The content codings a request body may use (RFC 9110 section 8.4.1); x-gzip is gzip's old name. */
export const supportedEncodings = ['gzip', 'deflate', 'identity'] as const;
type Coding = 'gzip' | 'deflate';

/**
 * The codings of a Content-Encoding header, in the order they were applied, without
 * `identity`; a coding Attune cannot decode is a 415 naming the ones it can.
 */
export function contentCodings(header: string | undefined): Coding[] {
  if (header === undefined) return [];
  const codings: Coding[] = [];
  for (const raw of header.split(',')) {
    const coding = raw.trim().toLowerCase();
    if (coding === 'identity' || coding === '') continue;
    if (coding === 'gzip' || coding === 'x-gzip') codings.push('gzip');
    else if (coding === 'deflate') codings.push('deflate');
    else {
      throw new AttuneError('ATTUNE_UNSUPPORTED_CONTENT_ENCODING', {
        detail: `the body's Content-Encoding ${coding} is not supported; send it as ${supportedEncodings.join(', ')} (or without Content-Encoding)`,
        field: 'headers/content-encoding',
      });
    }
  }
  return codings;
}

/**
 * Whether two bytes open a zlib stream (RFC 1950 section 2.2): compression method 8 (deflate)
 * in the low nibble of CMF, and CMF*256 + FLG a multiple of 31.
 *
 * @example isZlibHeader(0x78, 0x9c) // true
 */
export function isZlibHeader(cmf: number, flg: number): boolean {
  return (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
}

const noBytes = Buffer.alloc(0);

/**
 * `deflate` is the zlib format (RFC 1950), but some clients send a raw deflate stream
 * (RFC 1951), as browsers and curl also accept: the first two bytes tell which, so they are
 * held until both have come (a chunk may be one byte long).
 *
 * Back-pressure runs both ways, so a small body that inflates to gigabytes is inflated only as
 * fast as the reader takes it: an output chunk the reader has no room for pauses the inflater;
 * a paused inflater fills its own buffer and stops taking input; a write it does not take
 * holds the callback, which holds the request stream. Nothing is buffered beyond the streams'
 * high-water marks, so the size limit downstream stops a bomb after `limit` bytes.
 */
export class DeflateDecoder extends Duplex {
  private inner: Inflate | InflateRaw | null = null;
  private head: Buffer = noBytes;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.inner !== null) return this.feed(this.inner, chunk, callback);
    this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
    if (this.head.length < 2) return callback();
    const head = this.head;
    this.head = noBytes;
    this.feed(this.start(head), head, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.inner === null && this.head.length === 0) {
      // An empty body decodes to an empty body.
      this.push(null);
      return callback();
    }
    const inner = this.inner ?? this.start(this.head);
    if (this.head.length > 0) inner.write(this.head);
    this.head = noBytes;
    inner.end();
    callback();
  }

  override _read(): void {
    this.inner?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner?.destroy();
    callback(error);
  }

  private start(head: Buffer): Inflate | InflateRaw {
    const inner = head.length >= 2 && isZlibHeader(head[0]!, head[1]!) ? createInflate() : createInflateRaw();
    inner.on('data', (data: Buffer) => {
      if (!this.push(data)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
    this.inner = inner;
    return inner;
  }

  private feed(inner: Inflate | InflateRaw, chunk: Buffer, callback: (error?: Error | null) => void): void {
    if (inner.write(chunk)) callback();
    else inner.once('drain', () => callback());
  }
}

function decoder(coding: Coding): Gunzip | DeflateDecoder {
  return coding === 'gzip' ? createGunzip() : new DeflateDecoder();
}

/**
 * Passes the decoded bytes on while counting them, and fails with 413 the moment they pass
 * `limit`: the decoders upstream are destroyed with it, so a body that inflates to gigabytes
 * costs no more than `limit` bytes of output and the time to produce them.
 */
class DecodedLimit extends Transform {
  private decoded = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.decoded += chunk.length;
    if (this.decoded > this.limit) {
      callback(new AttuneError('ATTUNE_PAYLOAD_TOO_LARGE', { detail: `the decompressed body is larger than the limit of ${this.limit} bytes` }));
      return;
    }
    callback(null, chunk);
  }
}

function malformedEncoding(coding: Coding, error: Error): AttuneError {
  return new AttuneError('ATTUNE_MALFORMED_CONTENT_ENCODING', {
    detail: `the body is not valid ${coding} data (${error.message}); send it as Content-Encoding says, or without Content-Encoding`,
    field: 'headers/content-encoding',
    cause: error,
  });
}

/**
 * The body stream decoded: each coding undone in the reverse order it was applied, with the
 * route's body limit applied to the decoded bytes. Fastify's body reader reads the returned
 * stream; `receivedEncodedLength` tells it how many bytes came over the wire, which it checks
 * against Content-Length.
 */
function decodedBody(payload: NodeJS.ReadableStream, codings: readonly Coding[], limit: number): Transform {
  const limited = new DecodedLimit(limit);
  const stages = [...codings].reverse().map((coding) => ({ coding, stream: decoder(coding) }));
  let received = 0;
  payload.on('data', (chunk: Buffer) => {
    received += chunk.length;
    (limited as Transform & { receivedEncodedLength?: number }).receivedEncodedLength = received;
  });
  const fail = (error: Error) => {
    // One failure ends every stage: no decoder keeps inflating after the answer is decided.
    for (const stage of stages) stage.stream.destroy();
    payload.unpipe();
    if (!limited.destroyed) limited.destroy(error);
  };
  limited.on('error', () => {
    for (const stage of stages) stage.stream.destroy();
    payload.unpipe();
  });
  let upstream: NodeJS.ReadableStream = payload;
  for (const stage of stages) {
    stage.stream.on('error', (error: Error) => fail(malformedEncoding(stage.coding, error)));
    upstream = upstream.pipe(stage.stream);
  }
  upstream.pipe(limited);
  payload.on('error', (error: Error) => fail(error));
  return limited;
}

const bodyless = new Set(['GET', 'HEAD', 'OPTIONS']);

function bodyLimitOf(request: FastifyRequest): number {
  return request.routeOptions.bodyLimit ?? request.server.initialConfig.bodyLimit ?? 1024 * 1024;
}

/**
 * Compressed request bodies (`Content-Encoding: gzip` or `deflate`), as several
 * Segment-compatible libraries send by default. Decoded in a preParsing hook (Fastify's
 * documented place for it), so every route with a body takes them and the one body limit of
 * each route applies to the decoded body.
 */
export function installBodyDecoding(app: FastifyInstance): void {
  // A callback hook: almost every body comes unencoded, and an async hook would cost each a promise.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    if (bodyless.has(request.method) || request.headers['content-encoding'] === undefined) {
      done(null, payload);
      return;
    }
    let decoded: typeof payload;
    try {
      const codings = contentCodings(request.headers['content-encoding']);
      decoded = codings.length === 0 ? payload : decodedBody(payload, codings, bodyLimitOf(request));
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    done(null, decoded);
  });
}
