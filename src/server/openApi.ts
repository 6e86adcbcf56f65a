import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/** Keywords whose values are data (defaults, examples), never schemas: a `title` there is a field. */
const DATA_KEYWORDS = new Set(['default', 'examples', 'example', 'enum', 'const']);
/** What OpenAPI allows as a key of components.schemas. */
const COMPONENT_NAME = /^[a-zA-Z0-9._-]+$/;

type Json = unknown;
type JsonObject = Record<string, Json>;

/**
 * Moves every titled schema of the document's operations to components.schemas, under its
 * title, and puts a `$ref` in its place, children first (so a component refers to the
 * components it contains). @fastify/swagger inlines a copy of each schema at every use
 * (the Problem shape alone appeared 305 times); TypeBox titles already name the API's
 * shapes, so they name the components. Fastify keeps validating with the untouched route
 * schemas: only the document changes.
 *
 * A title names one shape: two different schemas with the same title are refused, loudly,
 * rather than one silently standing for the other.
 */
export function shareTitledSchemas(document: JsonObject): JsonObject {
  const components = (document['components'] ?? {}) as JsonObject;
  const schemas: JsonObject = { ...((components['schemas'] ?? {}) as JsonObject) };
  const shapes = new Map<string, string>(Object.entries(schemas).map(([name, schema]) => [name, JSON.stringify(schema)]));
  const share = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(share);
    if (typeof node !== 'object' || node === null) return node;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) out[key] = DATA_KEYWORDS.has(key) ? value : share(value);
    const title = out['title'];
    if (typeof title !== 'string' || !isSchema(out)) return out;
    if (!COMPONENT_NAME.test(title)) throw new Error(`the schema title "${title}" cannot name an OpenAPI component (letters, digits, ".", "-", "_")`);
    const shape = JSON.stringify(out);
    const before = shapes.get(title);
    if (before !== undefined && before !== shape) throw new Error(`two different schemas are titled "${title}": a title names one shared OpenAPI component`);
    shapes.set(title, shape);
    schemas[title] = out;
    return { $ref: `#/components/schemas/${title}` };
  };
  const paths = share(document['paths'] ?? {});
  return { ...document, paths, components: { ...components, schemas } };
}

function isSchema(node: JsonObject): boolean {
  return ['type', 'properties', 'anyOf', 'oneOf', 'allOf', 'items', '$ref', 'patternProperties'].some((keyword) => keyword in node);
}

/**
 * Serves the OpenAPI 3.1 document built from the route schemas at /openapi.json.
 * Register it before the routes: @fastify/swagger collects them as they are added.
 */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Attune', version: '0.1.0', description: 'Real-time personalization engine: collection, profiles and administration.' },
      components: {
        securitySchemes: {
          writeKeyBasic: { type: 'http', scheme: 'basic', description: 'The write key as the user name, empty password (what Segment libraries send)' },
          secretKeyBearer: { type: 'http', scheme: 'bearer', description: 'A secret key of the workspace, or a personal API token (atu_...) of one of its users' },
          subscriptionKey: { type: 'apiKey', in: 'header', name: 'Ocp-Apim-Subscription-Key', description: 'The workspace secret key, as Microsoft Personalizer\'s clients send their key' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: '__Host-attune_session', description: 'The browser session (POST /admin/v1/sessions); unsafe requests also send X-Attune-CSRF. A secret key or a personal API token (Bearer) works too, as the route\'s permission allows' },
          adminBearer: { type: 'http', scheme: 'bearer', description: 'The server admin token (ATTUNE_ADMIN_TOKEN)' },
        },
      },
    },
    transformObject: (document) => {
      // Always an OpenAPI document here (the option above); Swagger 2 documents are not built.
      if (!('openapiObject' in document)) throw new Error('expected an OpenAPI document');
      return shareTitledSchemas(document.openapiObject as JsonObject);
    },
  });
  app.get('/openapi.json', { config: { access: 'public' }, schema: { tags: ['documentation'], summary: 'This OpenAPI 3.1 document' } }, async () => app.swagger());
}
