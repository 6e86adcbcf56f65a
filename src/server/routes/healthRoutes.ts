import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../metrics.js';

export interface HealthRoutesOptions {
  readonly metrics: ServerMetrics;
  /** False once shutdown has begun: load balancers stop sending traffic. */
  readonly isReady: () => boolean;
}

export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  app.get('/healthz', { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'Readiness: the store is open and the server is not shutting down' } }, async (_request, reply) => {
    if (!options.isReady()) return reply.status(503).send({ status: 'shutting down' });
    return { status: 'ready' };
  });
  app.get('/metrics', { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    return reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
}
