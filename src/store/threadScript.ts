import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * How to start a worker thread on `entry` (a module beside `from`, named without extension):
 * the compiled file (dist/), or, when `from` runs from TypeScript source (tests, tsx), the .ts
 * file behind tsx's loader. A worker does not take `--import tsx` from its execArgv on Node 20,
 * so a bootstrap registers tsx's ESM hooks in the thread and then imports the entry; tsx is
 * found from here, whatever the working folder.
 *
 * @example const { script, eval: isEval } = threadScript(import.meta.url, 'storageThreadEntry'); new Worker(script, { eval: isEval })
 */
export function threadScript(from: string, entry: string): { readonly script: URL | string; readonly eval: boolean } {
  if (!from.endsWith('.ts')) return { script: new URL(`./${entry}.js`, from), eval: false };
  const source = new URL(`./${entry}.ts`, from).href;
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: { './esm/api': { import: { default: string } } } };
  const api = pathToFileURL(join(dirname(manifest), exports['./esm/api'].import.default)).href;
  return { script: `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`, eval: true };
}
