import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { noncePlaceholder } from '../src/server/routes/studioRoutes.js';

/** One file of the built studio, with its size as sent: raw, and gzipped at level 9 (what the server sends to browsers that accept gzip). */
export interface StudioFile {
  /** Relative to the studio folder, e.g. `assets/main-4XJ2K.js`. */
  readonly path: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

export interface StudioBuild {
  readonly dir: string;
  readonly files: readonly StudioFile[];
  /** The JavaScript a browser loads for the studio, gzipped: what `npm run bench -- studio` reports. */
  readonly javascriptGzipBytes: number;
}

const sourceDir = fileURLToPath(new URL('../src/studio/', import.meta.url));

/** The page every studio URL answers with: it loads the hashed script and stylesheet. */
function indexHtml(script: string, style: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csp-nonce" content="${noncePlaceholder}">
<title>Attune studio</title>
<link rel="stylesheet" href="/studio/${style}">
<script type="module" src="/studio/${script}"></script>
</head>
<body>
<div id="studio"></div>
<noscript>The Attune studio needs JavaScript.</noscript>
</body>
</html>
`;
}

/**
 * Builds the studio (src/studio, React) into `outDir`: one minified ES module and one
 * stylesheet under assets/ with content hashes in their names (the server lets browsers
 * cache them for a year), their licence comments in a .LEGAL.txt beside them, a gzipped twin
 * of each (served to browsers that accept gzip, so nothing is compressed per request), and
 * index.html. The folder is emptied first: old hashed files do not pile up.
 */
export async function buildStudio(outDir: string): Promise<StudioBuild> {
  const dir = resolve(outDir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'assets'), { recursive: true });
  const result = await build({
    entryPoints: [join(sourceDir, 'main.tsx')],
    outdir: join(dir, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    // Browsers of the last few years; the studio is for the people who run personalization.
    target: ['chrome111', 'firefox114', 'safari16.4'],
    tsconfig: join(sourceDir, 'tsconfig.json'),
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'external',
    metafile: true,
    logLevel: 'silent',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => resolve(file));
  const script = outputs.find((file) => file.endsWith('.js'));
  const style = outputs.find((file) => file.endsWith('.css'));
  if (script === undefined || style === undefined) throw new Error(`the studio build wrote no script or stylesheet: ${outputs.join(', ')}`);
  writeFileSync(join(dir, 'index.html'), indexHtml(`assets/${basename(script)}`, `assets/${basename(style)}`));
  const files: StudioFile[] = [];
  for (const file of [...outputs, join(dir, 'index.html')]) {
    const raw = readFileSync(file);
    const gzipped = gzipSync(raw, { level: 9 });
    if (file.endsWith('.js') || file.endsWith('.css')) writeFileSync(`${file}.gz`, gzipped);
    files.push({ path: file.slice(dir.length + 1).split('\\').join('/'), bytes: raw.length, gzipBytes: gzipped.length });
  }
  const javascriptGzipBytes = files.filter((f) => f.path.endsWith('.js')).reduce((sum, f) => sum + f.gzipBytes, 0);
  return { dir, files, javascriptGzipBytes };
}
