import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkVersion } from '../shared/version.js';
import { buildBrowserSdk, type BrowserSdkFiles } from './buildBrowserSdk.js';

/** What a page pays for the SDK, gzipped. */
const MAX_GZIPPED_BYTES = 10 * 1024;

describe('the browser SDK bundles', () => {
  let dir: string;
  let files: BrowserSdkFiles;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attune-sdk-'));
    files = await buildBrowserSdk(dir);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['esm', 'iife'] as const)('the %s build is at most 10 KB gzipped', (format) => {
    const code = readFileSync(files[format]);
    const gzipped = gzipSync(code).length;
    console.log(`attune browser SDK, ${format}: ${code.length} bytes, ${gzipped} bytes gzipped`);
    expect(gzipped).toBeLessThanOrEqual(MAX_GZIPPED_BYTES);
  });

  it('carries no schema code (the schema imports are type-only)', () => {
    for (const file of [files.esm, files.iife]) {
      const code = readFileSync(file, 'utf8');
      expect(code).not.toMatch(/typebox|DecisionReasons|additionalProperties/);
      expect(code).not.toMatch(/require\(|node:/);
    }
  });

  it('the script-tag build defines the global Attune with load and the version', () => {
    const sandbox: { Attune?: { load?: unknown; version?: unknown } } = {};
    runInNewContext(readFileSync(files.iife, 'utf8'), sandbox);
    expect(typeof sandbox.Attune?.load).toBe('function');
    expect(sandbox.Attune?.version).toBe(sdkVersion);
  });

  it('the version sent as context.library.version is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(sdkVersion).toBe(pkg.version);
  });
});
