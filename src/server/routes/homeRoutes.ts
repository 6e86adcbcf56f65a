import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import type { Static } from 'typebox';
import { HomeLink, HomeResponse, textResponse } from '../../api/schemas.js';
import { docsPath } from './docsRoutes.js';

export interface HomeRoutesOptions {
  /** Whether the example shop is on now (it is provisioned after the server is built). */
  readonly exampleOn: () => Promise<boolean>;
  /** Whether this server has a built studio to serve at /studio. */
  readonly studioOn: boolean;
}

type Link = Static<typeof HomeLink>;

const about = 'Attune is an open-source, self-hosted, real-time personalization engine: it collects '
  + 'events through Segment-compatible APIs, keeps a live profile of each customer, decides what '
  + 'each one is shown, and measures whether it worked.';

/** The links of the home page, in the order shown. */
export function homeLinks(exampleOn: boolean, studioOn = false): Link[] {
  return [
    ...(studioOn ? [{ rel: 'studio', href: '/studio', title: 'Studio', description: 'The web app for the people who run personalization: sign in with your workspace account' }] : []),
    ...(exampleOn ? [{ rel: 'example-shop', href: '/examples/shop', title: 'Example shop', description: 'A page personalised by the browser SDK, live against this server' }] : []),
    { rel: 'docs', href: docsPath, title: 'API reference', description: 'Every endpoint, rendered from the OpenAPI document' },
    { rel: 'openapi', href: '/openapi.json', title: 'OpenAPI document', description: 'The machine-readable API description (OpenAPI 3.1)' },
    { rel: 'health', href: '/healthz', title: 'Health', description: 'Liveness; /readyz says whether the server takes traffic' },
  ];
}

/**
 * The quality the Accept header gives a media type: the most specific matching range wins
 * (RFC 9110, 12.5.1); no match is 0.
 */
export function acceptQuality(accept: string, mediaType: string): number {
  const anyOfKind = `${mediaType.split('/')[0]}/*`;
  let specificity = -1;
  let quality = 0;
  for (const part of accept.toLowerCase().split(',')) {
    const [range = '', ...parameters] = part.split(';').map((piece) => piece.trim());
    const match = range === mediaType ? 2 : range === anyOfKind ? 1 : range === '*/*' ? 0 : -1;
    if (match <= specificity) continue;
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    specificity = match;
    quality = Number.isFinite(value) ? value : 0;
  }
  return quality;
}

/** A browser asks for HTML first; a client sending no Accept, or `*\/*` (curl), gets JSON. */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return acceptQuality(accept, 'text/html') > acceptQuality(accept, 'application/json');
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const style = `
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2433; background: #f6f7fb; }
main { max-width: 40rem; margin: 3rem auto; padding: 0 1.5rem; }
h1 { margin: 0 0 .5rem; font-size: 2rem; }
p { color: #3d4558; }
ul { list-style: none; padding: 0; }
li { margin: .75rem 0; padding: .75rem 1rem; background: #fff; border: 1px solid #e3e6ee; border-radius: 8px; }
a { color: #3b5bdb; font-weight: 600; text-decoration: none; }
a:hover { text-decoration: underline; }
li span { display: block; color: #5b6478; font-size: .925rem; }
`;
/** The one inline style, allowed by its hash: the page runs no script at all. */
const styleHash = createHash('sha256').update(style).digest('base64');

export function homePage(links: readonly Link[]): string {
  const items = links.map((link) => `<li><a href="${escapeHtml(link.href)}" rel="${escapeHtml(link.rel)}">${escapeHtml(link.title)}</a><span>${escapeHtml(link.description)}</span></li>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Attune</title>
<style>${style}</style>
</head>
<body>
<main>
<h1>Attune</h1>
<p>${escapeHtml(about)}</p>
<ul>
${items.join('\n')}
</ul>
</main>
</body>
</html>
`;
}

/**
 * GET /: what this server is and where to go next. A browser gets a small page; any other
 * client (curl, a script) gets the same links as JSON, instead of a 404.
 */
export async function homeRoutes(app: FastifyInstance, options: HomeRoutesOptions): Promise<void> {
  app.get('/', {
    config: { access: 'public' },
    schema: {
      tags: ['documentation'],
      summary: 'What this server is, with links to its API reference, OpenAPI document, health check and example shop (HTML for a browser, JSON otherwise)',
      response: { 200: { description: 'The links', content: { 'application/json': { schema: HomeResponse }, ...textResponse('text/html', '').content } } },
    },
  }, async (request, reply) => {
    const links = homeLinks(await options.exampleOn(), options.studioOn);
    // The answer depends on Accept, and the example's link on the server's state.
    reply.header('vary', 'Accept').header('cache-control', 'no-cache');
    if (prefersHtml(request.headers.accept)) {
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', `default-src 'none'; style-src 'sha256-${styleHash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`)
        .header('x-content-type-options', 'nosniff')
        .send(homePage(links));
    }
    return reply.type('application/json; charset=utf-8').send({ name: 'Attune', description: about, links } satisfies Static<typeof HomeResponse>);
  });
}
