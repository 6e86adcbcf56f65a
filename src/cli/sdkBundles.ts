import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sdkFileNames } from '../sdk/browser/sdkFileNames.js';
import { isProcessRunning } from '../engine/isProcessRunning.js';

/** Temporary bundle folders are named after their process, so that a later run can remove those of processes that died (killed, crashed) without removing their own. */
const temporaryPrefix = 'attune-sdk-serve-';


/** Removes the temporary bundle folders left by processes that no longer run. */
export function removeOrphanedBundles(dir = tmpdir()): void {
  for (const name of readdirSync(dir)) {
    const pid = Number(/^attune-sdk-serve-(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !isProcessRunning(pid)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * The folder holding the browser SDK's bundles: `dist/sdk-bundles`, written by `npm run
 * build`. Run from the sources (tsx, tests), there is none: the bundles are built into a
 * temporary folder, with esbuild, a development dependency that a checkout has, and that
 * folder is removed when the process exits. Null when neither works (an install without
 * development dependencies that skipped the build).
 */
export async function sdkBundles(onProblem: (message: string) => void): Promise<string | null> {
  const built = fileURLToPath(new URL('../sdk-bundles/', import.meta.url));
  if (existsSync(join(built, sdkFileNames.iife))) return built;
  try {
    const { buildBrowserSdk } = await import('../sdk/browser/buildBrowserSdk.js');
    removeOrphanedBundles();
    const dir = mkdtempSync(join(tmpdir(), `${temporaryPrefix}${process.pid}-`));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await buildBrowserSdk(dir);
    return dir;
  } catch (error) {
    onProblem(`the browser SDK is not built and could not be built now (${error instanceof Error ? error.message : String(error)}); /sdk/attune.js will answer 404`);
    return null;
  }
}
