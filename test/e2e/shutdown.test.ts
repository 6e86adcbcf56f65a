import { existsSync, statSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/engine/openStore.js';
import {
  checkDatabase, createWorkspaceIn, databasePath, killChildren, makeTempDir, messageIdsOf, readLogDirect, removeTempDirs,
  startServerChild, streamBatches, within,
} from './support.js';

const eventsPerBatch = 50;

function makeBatch(index: number): unknown[] {
  return Array.from({ length: eventsPerBatch }, (_, j) => {
    const n = index * eventsPerBatch + j;
    return j % 10 === 0
      ? { type: 'identify', messageId: `stop-${index}-${j}`, userId: `user-${n % 53}`, anonymousId: `anon-${n % 71}`, traits: { n } }
      : { type: 'track', messageId: `stop-${index}-${j}`, userId: `user-${n % 53}`, event: 'Product Viewed', properties: { n } };
  });
}

describe('graceful shutdown while ingesting', () => {
  afterEach(() => killChildren());
  afterAll(() => removeTempDirs());

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: every acknowledged event is stored, the process exits 0 and the database is consistent`, { timeout: 45_000 }, async () => {
      const dataDir = makeTempDir('attune-stop-');
      const workspace = await createWorkspaceIn(dataDir, 'stop');
      const server = await startServerChild(dataDir, { ATTUNE_SYNC: 'full' });

      let signalledAt: number | null = null;
      const stream = await streamBatches(
        { url: server.url, writeKey: workspace.writeKey, makeBatch, concurrency: 6, maxBatches: 100_000 },
        (acked) => {
          if (acked >= 40 && signalledAt === null) {
            signalledAt = Date.now();
            server.child.kill(signal);
          }
        },
      );
      // Our keep-alive connections stay open: a shutdown that waits for them would take 72 s.
      const exit = await within(server.exited, 15_000);
      expect(exit, `the server did not exit within 15 s of ${signal}`).not.toBe('timeout');
      expect(Date.now() - signalledAt!).toBeLessThan(15_000);
      expect(exit, `stderr:\n${server.stderr()}`).toEqual({ code: 0, signal: null });
      expect(server.stderr()).not.toMatch(/"level":(50|60)/);

      // While closing, the server answers in-flight requests and refuses new ones (503 or a
      // refused connection); it never fails a request otherwise.
      for (const [index, outcome] of stream.outcomes) {
        if (outcome.kind === 'answered' && outcome.status !== 200) expect(outcome.status, `batch ${index}: ${JSON.stringify(outcome.body)}`).toBe(503);
      }
      expect(stream.acked.size).toBeGreaterThanOrEqual(40);

      // The database was checkpointed and closed: no write-ahead log is left to replay.
      const wal = `${databasePath(dataDir)}-wal`;
      expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);

      const logged = readLogDirect(dataDir, workspace.id);
      const loggedIds = new Set(logged.map((e) => e.messageId));
      expect(loggedIds.size).toBe(logged.length);
      for (const index of stream.acked) {
        for (const id of messageIdsOf(stream.sent.get(index)!)) expect(loggedIds.has(id), `acknowledged ${id}`).toBe(true);
      }
      // Whatever was not acknowledged is in the log whole or not at all, and nothing else is.
      const sentIds = new Set<string>();
      for (const [index, batch] of stream.sent) {
        const ids = messageIdsOf(batch);
        for (const id of ids) sentIds.add(id);
        const present = ids.filter((id) => loggedIds.has(id)).length;
        if (present !== 0 && present !== ids.length) expect.fail(`batch ${index} is in the log in part: ${present} of ${ids.length}`);
      }
      for (const id of loggedIds) expect(sentIds.has(id), `unexpected ${id}`).toBe(true);

      expect(checkDatabase(dataDir, workspace.id)).toEqual({ integrity: 'ok', orphanIdentities: 0, countedEvents: logged.length, loggedEvents: logged.length });

      // The store opens again and reads the same log.
      const store = openStore({ path: databasePath(dataDir), synchronous: 'full', maxPendingEvents: 1000 });
      try {
        expect(await store.events.count(workspace.id)).toBe(logged.length);
        const profile = await store.profiles.findProfile(workspace.id, 'user-0', 5);
        expect(profile).toBeDefined();
      } finally {
        await store.close();
      }
    });
  }
});
