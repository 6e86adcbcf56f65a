import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sdkFileNames } from '../sdk/browser/sdkFileNames.js';

/**
 * The folder holding the browser SDK's bundles: `dist/sdk-bundles`, written by `npm run
 * build`. Run from the sources (tsx, tests), there is none: the bundles are built into a
 * temporary folder, with esbuild, a development dependency that a checkout has. Null when
 * neither works (an install without development dependencies that skipped the build).
 */
export async function sdkBundles(onProblem: (message: string) => void): Promise<string | null> {
  const built = fileURLToPath(new URL('../sdk-bundles/', import.meta.url));
  if (existsSync(join(built, sdkFileNames.iife))) return built;
  try {
    const { buildBrowserSdk } = await import('../sdk/browser/buildBrowserSdk.js');
    const dir = mkdtempSync(join(tmpdir(), 'attune-sdk-'));
    await buildBrowserSdk(dir);
    return dir;
  } catch (error) {
    onProblem(`the browser SDK is not built and could not be built now (${error instanceof Error ? error.message : String(error)}); /sdk/attune.js will answer 404`);
    return null;
  }
}
