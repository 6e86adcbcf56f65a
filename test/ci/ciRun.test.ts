import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../e2e/support.js';
import { chromiumPath, firefoxPath } from '../support/browserSuite.js';

/**
 * .ci/run without Chromium, or without Firefox: a copy of the script that looks for the browser where there is none,
 * with `apt-get` and `npm` replaced by stubs on the PATH (apt-get fails, npm records its calls),
 * so nothing is installed and no tests run. In CI (the script sets CI when it is unset) the
 * run fails at once with the reason and the plain count line; with CI=false it goes on.
 */
describe.each([
  ['Chromium', chromiumPath, 'chromium'],
  ['Firefox', firefoxPath, 'firefox-esr'],
])('.ci/run without %s', (_name, browserPath, debianPackage) => {
  let dir: string;
  let bin: string;
  let calls: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'attune-ci-run-'));
    mkdirSync(join(dir, '.ci'));
    const script = readFileSync(join(repoRoot, '.ci/run'), 'utf8');
    expect(script).toContain(browserPath);
    writeFileSync(join(dir, '.ci/run'), script.replaceAll(browserPath, join(dir, 'no-browser')), { mode: 0o755 });
    bin = join(dir, 'bin');
    mkdirSync(bin);
    calls = join(dir, 'calls.log');
    writeFileSync(join(bin, 'apt-get'), '#!/bin/sh\nexit 100\n');
    writeFileSync(join(bin, 'npm'), `#!/bin/sh\necho "npm $*" >> '${calls}'\nexit 0\n`);
    chmodSync(join(bin, 'apt-get'), 0o755);
    chmodSync(join(bin, 'npm'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (ci: string | undefined) => {
    rmSync(calls, { force: true });
    const env: Record<string, string | undefined> = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` };
    delete env['CI'];
    if (ci !== undefined) env['CI'] = ci;
    const result = spawnSync('bash', [join(dir, '.ci/run')], { env, encoding: 'utf8', timeout: 20_000 });
    const lines = result.stdout.trim().split('\n');
    let npm = '';
    try {
      npm = readFileSync(calls, 'utf8');
    } catch {
      npm = '';
    }
    return { status: result.status, stdout: result.stdout, last: lines[lines.length - 1], npm };
  };

  it.each([[undefined], ['true']])('fails with the reason when CI is %s', (ci) => {
    const { status, stdout, last, npm } = run(ci);
    expect(status).toBe(1);
    expect(stdout).toContain(`CI step failed: ${debianPackage}:`);
    expect(stdout).toContain('CI must run the browser tests');
    expect(last).toBe('0 passed, 1 failed, 0 skipped');
    expect(npm).toBe('');
  });

  it('goes on, saying the browser tests will skip, with CI=false', () => {
    const { stdout, npm } = run('false');
    expect(stdout).toContain('the browser tests that need it will skip (CI=false)');
    expect(npm).toContain('npm ci');
    expect(npm).toContain('npm test');
  });

  it('is a bash script that parses', () => {
    expect(() => execFileSync('bash', ['-n', join(repoRoot, '.ci/run')])).not.toThrow();
  });
});
