/**
 * Child process: the floor for HTTP. Bare Fastify with its default JSON parser, one route
 * that receives and parses the same batch bodies and answers {success:true}; no auth, no
 * validation, no storage. See bench/support/child.ts for the protocol.
 */
import Fastify from 'fastify';
import { cpuTimes, serveParent } from './child.js';

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post('/v1/batch', async (request) => {
  const body = request.body as { batch?: unknown } | null;
  return { success: Array.isArray(body?.batch) };
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('expected a TCP address');

serveParent(
  { port: address.port, writeKey: null, dataFile: null },
  () => ({ ...cpuTimes(), commits: 0, commitJobs: 0, commitEvents: 0, commitMillis: 0 }),
  () => app.close(),
);
