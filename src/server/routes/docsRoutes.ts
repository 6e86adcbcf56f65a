import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** Where the rendered API reference is served. */
export const docsPath = '/docs';

/**
 * The rendered API reference (GET /docs): Swagger UI over this server's own OpenAPI
 * document. The viewer's files ship inside @fastify/swagger-ui and are served from here, so
 * the page works offline and loads nothing from elsewhere (the CSP says so to the browser).
 * Register after installOpenApi: it reads the document @fastify/swagger builds.
 */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: docsPath,
    // The base layout has no top bar, whose box loads a document from any URL.
    uiConfig: { layout: 'BaseLayout', deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 0 },
    // No validator badge: it would send the document to validator.swagger.io.
    validatorUrl: false,
    theme: { title: 'Attune API reference' },
    staticCSP: [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self' data:",
      // "Try it out" calls this server, and the page reads the document from it.
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
  });
}
