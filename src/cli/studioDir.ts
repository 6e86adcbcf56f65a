import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built studio's folder, or null when there is none (then /studio answers 404 saying to
 * build). Installed or run from dist/, it is dist/studio beside dist/cli; run from the sources
 * (tsx src/cli/main.ts), the checkout's dist/studio, which `npm run build` wrote.
 */
export function studioDir(): string | null {
  const candidates = [new URL('../studio/', import.meta.url), new URL('../../dist/studio/', import.meta.url)].map((url) => fileURLToPath(url));
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}
