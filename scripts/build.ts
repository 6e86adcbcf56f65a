import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run build` (tsx scripts/build.ts): the TypeScript build into dist/, the browser SDK's
 * bundles into dist/sdk-bundles and the studio into dist/studio, then a stamp of the inputs it
 * built from.
 * `--if-changed` (npm start, npm run demo) builds only when the inputs differ from the stamp,
 * which saves the quarter of a minute a full build takes when nothing changed.
 */

export interface BuildInput {
  /** Relative to the checkout, with forward slashes. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Where the stamp is kept: in dist/, so that removing dist/ also forces a build. */
export const stampFile = 'dist/.build-inputs';
/** What a build writes; a missing one forces a build whatever the stamp says. */
export const buildOutputs = ['dist/cli/main.js', 'dist/sdk/node/index.d.ts', 'dist/sdk-bundles/attune.js', 'dist/studio/index.html'] as const;
const configFiles = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

/** Files under src/ that tsconfig.build.json leaves out (tests), whose changes need no build. */
function isBuildInput(path: string): boolean {
  return !path.endsWith('.test.ts') && !path.endsWith('.contract.ts') && !path.includes('/testing/');
}

/** The build's inputs in a checkout: src/ without tests, and the files that configure the build. */
export function listBuildInputs(root: string): BuildInput[] {
  const inputs: BuildInput[] = [];
  const add = (file: string) => {
    const stats = statSync(file);
    inputs.push({ path: relative(root, file).split(sep).join('/'), size: stats.size, mtimeMs: stats.mtimeMs });
  };
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && isBuildInput(relative(root, path).split(sep).join('/'))) add(path);
    }
  };
  walk(join(root, 'src'));
  for (const file of configFiles) if (existsSync(join(root, file))) add(join(root, file));
  return inputs;
}

/**
 * One string for a set of inputs: their paths, sizes and modification times. An edit, a
 * `git checkout` of another version, an added or a deleted file all change it.
 */
export function fingerprint(inputs: readonly BuildInput[]): string {
  const lines = inputs.map((i) => `${i.path}\t${i.size}\t${i.mtimeMs}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Whether to build: no stamp, a missing output, or inputs that are not those of the last build. */
export function needsBuild(stamp: string | undefined, current: string, outputsPresent: boolean): boolean {
  return stamp === undefined || !outputsPresent || stamp.trim() !== current;
}

function readStamp(root: string): string | undefined {
  try {
    return readFileSync(join(root, stampFile), 'utf8');
  } catch {
    return undefined;
  }
}

async function build(root: string, ifChanged: boolean): Promise<number> {
  // Taken before building: a file saved during the build makes the next run build again.
  const current = fingerprint(listBuildInputs(root));
  const outputsPresent = buildOutputs.every((file) => existsSync(join(root, file)));
  if (ifChanged && !needsBuild(readStamp(root), current, outputsPresent)) return 0;
  if (ifChanged) process.stderr.write('attune: the sources changed since the last build; building\n');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (tsc.status !== 0) return tsc.status ?? 1;
  const { buildBrowserSdk } = await import('../src/sdk/browser/buildBrowserSdk.js');
  await buildBrowserSdk(join(root, 'dist/sdk-bundles'));
  const { buildStudio } = await import('./buildStudio.js');
  await buildStudio(join(root, 'dist/studio'));
  writeFileSync(join(root, stampFile), `${current}\n`);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await build(fileURLToPath(new URL('..', import.meta.url)), process.argv.includes('--if-changed'));
}
