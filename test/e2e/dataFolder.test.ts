import { existsSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { lockFile } from '../../src/engine/dataFolderLock.js';
import { createWorkspaceIn, killChildren, makeTempDir, removeTempDirs, runAttune, startServerChild } from './support.js';

afterEach(() => killChildren());
afterAll(() => removeTempDirs());

/**
 * One process owns a data folder's derived state (the profiles it holds in memory and writes
 * behind): a second server, an import or a rebuild beside it would each make the other's
 * memory wrong, so they are refused with the holder named. Configuration commands (keys,
 * workspaces) touch no derived state and still work beside a server.
 */
describe('the data folder has one owner', () => {
  it('refuses a second owner while a server runs, allows configuration commands, and takes over the lock of a process that died', { timeout: 240_000 }, async () => {
    const dataDir = makeTempDir();
    const workspace = await createWorkspaceIn(dataDir, 'Shop');
    const events = join(dataDir, 'events.jsonl');
    writeFileSync(events, `${JSON.stringify({ type: 'track', userId: 'u-1', event: 'Signed Up', messageId: 'm-1' })}\n`);
    const server = await startServerChild(dataDir);
    const holder = JSON.parse(readFileSync(join(dataDir, lockFile), 'utf8')) as { pid: number; command: string };
    expect(holder).toMatchObject({ pid: server.child.pid, command: 'serve' });

    const [imported, rebuilt, second] = await Promise.all([
      runAttune(['import', 'events', events, '--data', dataDir, '--workspace', workspace.id], {}, 90_000),
      runAttune(['rebuild', '--data', dataDir], {}, 90_000),
      runAttune(['serve', '--port', '0', '--data', dataDir], {}, 90_000),
    ]);
    for (const refused of [imported, rebuilt, second]) {
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain('ATTUNE_DATA_FOLDER_IN_USE');
      expect(refused.stderr).toContain(`\`attune serve\` (process ${server.child.pid}`);
    }
    const keys = await runAttune(['keys', 'list', '--data', dataDir, '--workspace', workspace.id], {}, 90_000);
    expect(keys.code, keys.stderr).toBe(0);

    // Killed without a chance to clean up: the lock names a process that is gone.
    server.child.kill('SIGKILL');
    await server.exited;
    expect(existsSync(join(dataDir, lockFile))).toBe(true);
    const after = await runAttune(['import', 'events', events, '--data', dataDir, '--workspace', workspace.id, '--json'], {}, 90_000);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ accepted: 1 });
    expect(existsSync(join(dataDir, lockFile))).toBe(false);
  });
});
