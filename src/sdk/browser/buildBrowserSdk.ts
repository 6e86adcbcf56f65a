import { build, type BuildOptions } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sdkFileNames } from './sdkFileNames.js';

export interface BrowserSdkFiles {
  /** The ES module build: `import { load } from '.../attune.esm.js'`. */
  readonly esm: string;
  /** The script-tag build: defines the global `Attune`. */
  readonly iife: string;
}

/**
 * The entry: the TypeScript source when run from a checkout (tsx, Vitest), the compiled
 * JavaScript next to this file when run from dist.
 */
function entryPoint(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const source = join(here, 'index.ts');
  return existsSync(source) ? source : join(here, 'index.js');
}

/**
 * Builds the browser SDK into `outDir`: an ES module and a script-tag (IIFE) build, both
 * minified, for browsers of the last few years (ES2020: fetch, optional chaining). The
 * schema imports are type-only, so no schema code is bundled.
 */
export async function buildBrowserSdk(outDir: string): Promise<BrowserSdkFiles> {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const common: BuildOptions = {
    entryPoints: [entryPoint()],
    bundle: true,
    minify: true,
    platform: 'browser',
    target: ['es2020'],
    legalComments: 'none',
    logLevel: 'silent',
    // The project's tsconfig targets Node; the bundle's settings are all here.
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
  };
  const files: BrowserSdkFiles = { esm: join(dir, sdkFileNames.esm), iife: join(dir, sdkFileNames.iife) };
  await Promise.all([
    build({ ...common, format: 'esm', outfile: files.esm }),
    build({ ...common, format: 'iife', globalName: 'Attune', outfile: files.iife }),
  ]);
  return files;
}
