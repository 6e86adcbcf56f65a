import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint, listBuildInputs, needsBuild } from '../../scripts/build.js';

describe('npm start builds only when the sources changed', () => {
  let root: string;
  const at = (seconds: number) => new Date(1_700_000_000_000 + seconds * 1000);
  const write = (path: string, text: string, seconds: number) => {
    writeFileSync(join(root, path), text);
    utimesSync(join(root, path), at(seconds), at(seconds));
  };
  const current = () => fingerprint(listBuildInputs(root));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'attune-buildstamp-'));
    mkdirSync(join(root, 'src/cli'), { recursive: true });
    write('src/cli/main.ts', 'export const a = 1;\n', 0);
    write('package.json', '{}\n', 0);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('does not build when nothing changed since the stamp, and builds without a stamp or an output', () => {
    const stamp = current();
    expect(needsBuild(`${stamp}\n`, current(), true)).toBe(false);
    expect(needsBuild(undefined, current(), true)).toBe(true);
    expect(needsBuild(stamp, current(), false)).toBe(true);
  });

  it.each<[string, () => void]>([
    ['an edit', () => write('src/cli/main.ts', 'export const a = 2;\n', 5)],
    ['an edit of the same size', () => write('src/cli/main.ts', 'export const a = 3;\n', 0.5)],
    ['a new file', () => write('src/cli/other.ts', 'export const b = 1;\n', 0)],
    ['a deleted file', () => rmSync(join(root, 'src/cli/main.ts'))],
    ['a changed package.json (dependencies, scripts)', () => write('package.json', '{"x":1}\n', 0)],
    ['a file in a new folder', () => {
      mkdirSync(join(root, 'src/new'));
      write('src/new/x.ts', '', 0);
    }],
  ])('builds after %s', (_name, change) => {
    const stamp = current();
    change();
    expect(needsBuild(stamp, current(), true)).toBe(true);
  });

  it('does not build for a changed test, which the build leaves out', () => {
    const stamp = current();
    write('src/cli/main.test.ts', 'it()\n', 9);
    expect(needsBuild(stamp, current(), true)).toBe(false);
  });
});
