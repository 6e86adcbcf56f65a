import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { profileIdFor } from '../../src/profiles/applyEvent.js';
import { Collector } from '../../src/collect/Collector.js';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { KnowledgeModels } from '../../src/knowledge/KnowledgeModels.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/openSqliteStore.js';
import { WorkspaceService } from '../../src/workspaces/WorkspaceService.js';

// Another writer of the same file (an import, a definitions load) commits while the server
// waits for the write lock: the server's cached profiles must not overwrite that commit.
const holdLock = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require('better-sqlite3');
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
db.exec('BEGIN IMMEDIATE');
db.prepare('UPDATE profiles SET traits = ?, trait_times = ? WHERE workspace_id = ? AND id = ?')
  .run('{"plan":"gold"}', JSON.stringify({ plan: workerData.at }), workerData.workspaceId, workerData.profileId);
parentPort.postMessage('locked');
const until = Date.now() + 400;
while (Date.now() < until) { /* hold the write lock */ }
db.exec('COMMIT');
db.close();
parentPort.postMessage('committed');
`;

describe('a second writer on the same file', () => {
  let store: SqliteStore | null = null;
  let dir = '';
  afterEach(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees what the other writer committed while it waited for the lock', async () => {
    dir = mkdtempSync(join(tmpdir(), 'attune-writers-'));
    const path = join(dir, 'attune.db');
    store = openSqliteStore({ path, synchronous: 'normal', maxPendingEvents: 1000 });
    const created = await new WorkspaceService(store.workspaces, systemClock).create('writers');
    const workspace = (await store.workspaces.getWorkspace(created.id))!;
    const collector = new Collector({ committer: store.committer, clock: systemClock, ids: uuidIds, models: new KnowledgeModels(store.knowledgeConfig, systemClock) });
    await collector.collect(workspace, { events: [{ type: 'identify', userId: 'u1', traits: { plan: 'free' }, messageId: 'm1' }], routeType: null });

    const profileId = profileIdFor(workspace.id, { kind: 'user', value: 'u1' });
    const worker = new Worker(holdLock, { eval: true, workerData: { path, workspaceId: workspace.id, profileId, at: Date.now() + 60_000 } });
    const messages: string[] = [];
    await new Promise<void>((resolve) => worker.on('message', (m: string) => { messages.push(m); if (m === 'locked') resolve(); }));

    await collector.collect(workspace, { events: [{ type: 'track', userId: 'u1', event: 'Clicked', messageId: 'm2' }], routeType: null });
    await new Promise<void>((resolve) => worker.on('exit', () => resolve()));
    expect(messages).toEqual(['locked', 'committed']);

    const view = await store.profiles.findProfile(workspace.id, 'u1', 5);
    expect(view?.traits).toEqual({ plan: 'gold' });
    expect(view?.eventCounts).toEqual({ identify: 1, track: 1 });
  });
});
