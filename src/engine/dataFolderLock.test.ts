import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataFolder, lockFile } from './dataFolderLock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'attune-lock-'));
  dirs.push(dir);
  return dir;
};

describe('lockDataFolder', () => {
  it('refuses a second owner in the same process, naming the first, until the first lets go', () => {
    const dir = folder();
    const release = lockDataFolder(dir, 'serve');
    expect(() => lockDataFolder(dir, 'sdk (embedded)')).toThrow(expect.objectContaining({ code: 'ATTUNE_DATA_FOLDER_IN_USE', message: expect.stringContaining('attune serve') }));
    release();
    expect(existsSync(join(dir, lockFile))).toBe(false);
    const again = lockDataFolder(dir, 'sdk (embedded)');
    again();
    again();
  });

  it('refuses a folder held by another living process', () => {
    const dir = folder();
    // The parent of this test process is alive and is not this process.
    writeFileSync(join(dir, lockFile), JSON.stringify({ pid: process.ppid, command: 'serve', since: '2026-01-01T00:00:00Z' }));
    expect(() => lockDataFolder(dir, 'rebuild')).toThrow(expect.objectContaining({ code: 'ATTUNE_DATA_FOLDER_IN_USE' }));
  });

  it('takes over a lock left by a process that died', () => {
    const dir = folder();
    writeFileSync(join(dir, lockFile), JSON.stringify({ pid: 2 ** 22 + 12_345, command: 'serve', since: '2026-01-01T00:00:00Z' }));
    const release = lockDataFolder(dir, 'serve');
    release();
  });
});
