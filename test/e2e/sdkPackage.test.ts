import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support.js';

// These read dist/: `npm ci` builds it (prepare), as does `npm run build`.
const built = existsSync(join(repoRoot, 'dist/sdk/node/index.js'));

describe("the Node SDK as the package's entry point 'attune/sdk'", () => {
  it('is built (run npm run build)', () => {
    expect(built, 'dist/ is missing: run npm run build').toBe(true);
  });

  it.runIf(built)('imports by the package name, with its classes and transports', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e',
      "import * as sdk from 'attune/sdk'; process.stdout.write(Object.keys(sdk).sort().join(','));"], { cwd: repoRoot, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.split(',')).toEqual(expect.arrayContaining(['AttuneApiError', 'AttuneClient', 'httpTransport', 'inProcessTransport', 'openEmbedded']));
  });

  it.runIf(built)('type-checks a program that uses it by the package name (its types come with it)', { timeout: 120_000 }, () => {
    // consumer.ts has a @ts-expect-error: it compiles only if the SDK's types are the real ones, not `any`.
    const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(repoRoot, 'test/e2e/fixtures/sdkConsumer/tsconfig.json')], { cwd: repoRoot, encoding: 'utf8' });
    expect(tsc.status, `${tsc.stdout}${tsc.stderr}`).toBe(0);
  });

  it.runIf(built)('keeps the internals private: a deep import of dist/ is refused', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('attune/dist/cli/main.js');"], { cwd: repoRoot, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});
