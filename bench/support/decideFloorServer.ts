/**
 * Child process of the `decide` benchmark: the HTTP floor. Bare Fastify with its default JSON
 * parser and one route, POST /v1/decide, that parses the body and answers a typical decide
 * answer (ATTUNE_BENCH_DECIDE_ANSWER, JSON of the median size the in-process run saw),
 * serialised per request; no auth, no validation, no profile, no decision, no recording.
 * See bench/support/child.ts for the protocol.
 */
import Fastify from 'fastify';
import { cpuTimes, serveParent } from './child.js';

const answerJson = process.env['ATTUNE_BENCH_DECIDE_ANSWER'];
if (answerJson === undefined) throw new Error('ATTUNE_BENCH_DECIDE_ANSWER must hold the answer to send');
const answer = JSON.parse(answerJson) as Record<string, unknown>;

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post('/v1/decide', async (request) => {
  const body = request.body as { placements?: unknown } | null;
  return Array.isArray(body?.placements) ? answer : { error: 'no placements' };
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('expected a TCP address');

serveParent(
  { port: address.port, writeKey: null, dataFile: null },
  () => ({ ...cpuTimes(), commits: 0, commitJobs: 0, commitEvents: 0, commitMillis: 0 }),
  () => app.close(),
);
