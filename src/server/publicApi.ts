import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * CORS for the routes browsers call (collection and decide), registered once on the scope
 * that holds them: @fastify/cors adds an OPTIONS route, which two sibling scopes cannot both add.
 */
export async function installCors(app: FastifyInstance, origins: readonly string[] | '*'): Promise<void> {
  await app.register(cors, {
    origin: origins === '*' ? true : [...origins],
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'Sec-GPC'],
    // Not CORS-safelisted: without this a browser cannot read when to retry a 429.
    exposedHeaders: ['Retry-After'],
    maxAge: 86400,
  });
}
