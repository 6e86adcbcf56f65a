import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * One log record per request, written when its answer has been sent: method, URL, status and
 * time taken. Fastify's default is a pair of records ("incoming request" with the URL, then
 * "request completed" without it), two lines per request that need each other to be read.
 * This is Fastify's own extension point for its request log lines (the `logController` option).
 */
export class OneLineRequestLog extends LogController {
  override incomingRequest(): void {
    // The request is logged once, when it is answered.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const fields = { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...fields, err: error }, 'request completed');
    else reply.log.info(fields, 'request completed');
  }
}
