import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttuneError } from '../../core/errors/AttuneError.js';
import type { CollectedEvent } from '../../core/events/CollectedEvent.js';
import type { CollectTx } from '../ports.js';
import { openDatabase } from './openDatabase.js';
import { openSqliteStore, type SqliteStore } from './openSqliteStore.js';
import { SqliteCollectTx } from './SqliteCollectTx.js';
import { SqliteCommitter } from './SqliteCommitter.js';

const WS = 'ws1';

function event(messageId: string): CollectedEvent {
  return {
    type: 'track', messageId, generatedMessageId: false, userId: 'u1', anonymousId: null, previousId: null, groupId: null,
    name: 'Clicked', timestamp: 1, receivedAt: 1, traits: null, properties: null, context: null, body: { messageId },
  };
}

/** A job that appends one event (creating profile p1 on first use) and returns its seq. */
const append = (messageId: string) => (tx: CollectTx): number => {
  if (tx.findProfile(WS, { kind: 'user', value: 'u1' }) === undefined) {
    tx.createProfile(WS, 'p1', 1);
    tx.linkIdentity(WS, { kind: 'user', value: 'u1' }, 'p1', 1);
  }
  return tx.appendEvent(WS, 'p1', event(messageId));
};

async function expectAttuneError(promise: Promise<unknown>, code: string): Promise<AttuneError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AttuneError);
  expect((error as AttuneError).code).toBe(code);
  return error as AttuneError;
}

describe('SqliteCommitter', () => {
  let dir: string;
  let path: string;
  let store: SqliteStore;
  let commits: { jobs: number; events: number }[];
  let watcher: Database.Database;

  function open(maxPendingEvents = 10_000): SqliteStore {
    return openSqliteStore({ path, synchronous: 'full', maxPendingEvents, onCommit: (jobs, events) => commits.push({ jobs, events }) });
  }

  /** What a second connection on the same file sees: committed data only. */
  const committedMessages = () => watcher.prepare('SELECT message_id FROM events ORDER BY seq').pluck().all() as string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'attune-committer-'));
    path = join(dir, 'attune.db');
    commits = [];
    store = open();
    watcher = new Database(path, { readonly: true });
  });

  afterEach(async () => {
    watcher.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits every job submitted in one tick together, in one commit', async () => {
    const jobs = ['m1', 'm2', 'm3', 'm4', 'm5'].map((m, i) => store.committer.submit(i + 1, append(m)));
    const seqs = await Promise.all(jobs);
    expect(commits).toEqual([{ jobs: 5, events: 15 }]);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(committedMessages()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('jobs submitted after a commit go into the next one', async () => {
    await store.committer.submit(1, append('m1'));
    await Promise.all([store.committer.submit(1, append('m2')), store.committer.submit(1, append('m3'))]);
    expect(commits).toEqual([{ jobs: 1, events: 1 }, { jobs: 2, events: 2 }]);
  });

  it('rolls back a job that throws, alone; the other jobs of its commit are kept', async () => {
    const first = store.committer.submit(1, append('m1'));
    const failing = store.committer.submit(1, (tx) => { append('m2')(tx); tx.createProfile(WS, 'p2', 1); throw new RangeError('bad job'); });
    const last = store.committer.submit(1, append('m3'));
    await expect(failing).rejects.toThrow(RangeError);
    await Promise.all([first, last]);
    expect(commits).toEqual([{ jobs: 3, events: 3 }]);
    expect(committedMessages()).toEqual(['m1', 'm3']);
    expect(watcher.prepare("SELECT count(*) FROM profiles WHERE id = 'p2'").pluck().get()).toBe(0);
  });

  it('settles a promise only once its commit is durable and visible to other connections', async () => {
    let seenInsideJob: string[] | null = null;
    let settled = false;
    const promise = store.committer.submit(1, (tx) => {
      const seq = append('m1')(tx);
      seenInsideJob = committedMessages();
      return seq;
    }).then((seq) => {
      settled = true;
      return { seq, seen: committedMessages() };
    });
    // The commit runs on a later turn of the event loop; microtasks alone do not settle it.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(settled).toBe(false);
    expect(committedMessages()).toEqual([]);
    const { seen } = await promise;
    expect(seenInsideJob).toEqual([]);
    expect(seen).toEqual(['m1']);
  });

  it('refuses jobs with ATTUNE_QUEUE_FULL (429) while too many events wait, and takes them again after the commit', async () => {
    await store.close();
    store = open(10);
    const accepted = [store.committer.submit(6, append('m1'))];
    const refused = await expectAttuneError(store.committer.submit(5, append('m2')), 'ATTUNE_QUEUE_FULL');
    expect(refused.status).toBe(429);
    accepted.push(store.committer.submit(4, append('m3')));
    expect(store.committer.pendingEvents).toBe(10);
    await expectAttuneError(store.committer.submit(1, append('m4')), 'ATTUNE_QUEUE_FULL');
    await Promise.all(accepted);
    await store.committer.submit(10, append('m5'));
    expect(committedMessages()).toEqual(['m1', 'm3', 'm5']);
  });

  it('takes a single job larger than the limit when nothing else waits, so a big batch is never refused forever', async () => {
    await store.close();
    store = open(10);
    await store.committer.submit(25, append('m1'));
    expect(committedMessages()).toEqual(['m1']);
  });

  it('flush commits what is queued without waiting for the next turn', async () => {
    const job = store.committer.submit(1, append('m1'));
    await store.committer.flush();
    expect(committedMessages()).toEqual(['m1']);
    expect(store.committer.pendingEvents).toBe(0);
    await job;
  });

  it('close commits what is queued, then refuses new jobs with ATTUNE_SHUTTING_DOWN (503)', async () => {
    const committer = store.committer as SqliteCommitter;
    const queued = [committer.submit(1, append('m1')), committer.submit(2, append('m2'))];
    await committer.close();
    expect(committedMessages()).toEqual(['m1', 'm2']);
    await Promise.all(queued);
    const refused = await expectAttuneError(committer.submit(1, append('m3')), 'ATTUNE_SHUTTING_DOWN');
    expect(refused.status).toBe(503);
    expect(commits).toEqual([{ jobs: 2, events: 3 }]);
  });

  it('rejects every job of a commit that cannot run with ATTUNE_STORE_UNAVAILABLE, keeping the cause', async () => {
    const db = openDatabase({ path: join(dir, 'other.db'), synchronous: 'normal' });
    const committer = new SqliteCommitter(db, new SqliteCollectTx(db), { maxPendingEvents: 100, onCommit: () => commits.push({ jobs: -1, events: -1 }) });
    const jobs = [committer.submit(1, append('m1')), committer.submit(1, append('m2'))];
    db.close();
    for (const job of jobs) {
      const error = await expectAttuneError(job, 'ATTUNE_STORE_UNAVAILABLE');
      expect(error.cause).toBeInstanceOf(Error);
    }
    expect(commits).toEqual([]);
  });
});
