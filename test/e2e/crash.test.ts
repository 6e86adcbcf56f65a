import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  checkDatabase, createWorkspaceIn, killChildren, makeTempDir, messageIdsOf, postBatch, readLogOverHttp, removeTempDirs,
  seededRandom, sleep, startServerChild, streamBatches,
} from './support.js';

/**
 * The durability promise: an event is acknowledged only after it is committed, so a process
 * killed at any moment loses no acknowledged event. A server child ingesting a stream of
 * batches is killed with SIGKILL at a random moment; after a restart on the same data folder,
 * every event of every acknowledged batch is in the log exactly once.
 *
 * The seeds are printed; replay a failure with ATTUNE_CRASH_SEED=<seed> npx vitest run test/e2e/crash.test.ts
 */

const eventsPerBatch = 50;
const concurrency = 6;
const rounds = 3;

function baseSeed(): number {
  const given = process.env['ATTUNE_CRASH_SEED'];
  if (given !== undefined && given !== '') return Number(given) >>> 0;
  return Math.floor(Math.random() * 2 ** 32);
}

/** A batch of mixed calls with unique messageIds; a few identify and alias calls exercise identity resolution in the same commits. */
function makeBatch(seed: number, index: number): unknown[] {
  const events: unknown[] = [];
  for (let j = 0; j < eventsPerBatch; j++) {
    const n = index * eventsPerBatch + j;
    const messageId = `crash-${seed}-${index}-${j}`;
    const user = `user-${n % 97}`;
    const anonymous = `anon-${n % 131}`;
    const timestamp = new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString();
    if (j % 25 === 0) events.push({ type: 'identify', messageId, userId: user, anonymousId: anonymous, traits: { plan: n % 2 === 0 ? 'pro' : 'free', seen: n }, timestamp });
    else if (j % 49 === 1) events.push({ type: 'alias', messageId, userId: user, previousId: `legacy-${n % 23}`, timestamp });
    else if (j % 5 === 0) events.push({ type: 'page', messageId, anonymousId: anonymous, name: 'Home', properties: { path: `/p/${n}` }, timestamp });
    else events.push({ type: 'track', messageId, userId: user, event: 'Product Viewed', properties: { sku: `sku-${n % 301}`, price: n % 100 }, timestamp });
  }
  return events;
}

function countBy(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

describe('crash: SIGKILL while ingesting', () => {
  afterEach(() => killChildren());
  afterAll(() => removeTempDirs());

  const seed0 = baseSeed();
  for (let round = 0; round < rounds; round++) {
    const seed = (seed0 + round) >>> 0;
    it(`loses no acknowledged event and stores nothing twice (seed ${seed})`, { timeout: 60_000 }, async () => {
      console.log(`crash test seed ${seed} (replay: ATTUNE_CRASH_SEED=${seed})`);
      const random = seededRandom(seed);
      const dataDir = makeTempDir('attune-crash-');
      const workspace = await createWorkspaceIn(dataDir, 'crash');

      const first = await startServerChild(dataDir, { ATTUNE_SYNC: 'full' });
      // Kill after a random number of acknowledged batches, then a random extra delay: the kill
      // lands between commits, during a commit, or while responses are on their way.
      const killAfterAcks = 5 + Math.floor(random() * 200);
      const extraDelayMs = Math.floor(random() * 25);
      let killed = false;
      const kill = async () => {
        if (killed) return;
        killed = true;
        if (extraDelayMs > 0) await sleep(extraDelayMs);
        first.child.kill('SIGKILL');
      };
      const stream = await streamBatches(
        { url: first.url, writeKey: workspace.writeKey, makeBatch: (i) => makeBatch(seed, i), concurrency, maxBatches: 100_000 },
        (acked) => {
          if (acked >= killAfterAcks) void kill();
        },
      );
      const exit = await first.exited;
      expect(exit.signal, `the first server must die of the SIGKILL; stderr:\n${first.stderr()}`).toBe('SIGKILL');
      // Requests answered by a server: only 200 (nothing was malformed, nothing was refused).
      for (const [index, outcome] of stream.outcomes) {
        if (outcome.kind === 'answered') expect(outcome.status, `batch ${index}: ${JSON.stringify(outcome.body)}`).toBe(200);
      }
      expect(stream.acked.size).toBeGreaterThanOrEqual(killAfterAcks);

      // Restart on the same data folder and read the whole log.
      const second = await startServerChild(dataDir, { ATTUNE_SYNC: 'full' });
      const afterCrash = countBy((await readLogOverHttp(second.url, workspace.secretKey)).map((e) => e.messageId));
      for (const index of stream.acked) {
        for (const id of messageIdsOf(stream.sent.get(index)!)) {
          expect(afterCrash.get(id), `acknowledged ${id} (batch ${index}) after the crash`).toBe(1);
        }
      }
      // A batch is one job of one transaction: it is in the log whole or not at all.
      for (const [index, batch] of stream.sent) {
        const present = messageIdsOf(batch).filter((id) => afterCrash.has(id)).length;
        if (present !== 0 && present !== batch.length) expect.fail(`batch ${index} is in the log in part: ${present} of ${batch.length}`);
      }
      const unackedStored = [...stream.sent.keys()].filter((i) => !stream.acked.has(i) && afterCrash.has(messageIdsOf(stream.sent.get(i)!)[0]!)).length;
      console.log(`seed ${seed}: killed after ${killAfterAcks} acks + ${extraDelayMs} ms; ${stream.sent.size} batches sent, ${stream.acked.size} acknowledged; of the others ${unackedStored} were committed without an answer`);
      const sentIds = new Set([...stream.sent.values()].flatMap(messageIdsOf));
      for (const id of afterCrash.keys()) expect(sentIds.has(id), `unexpected ${id} in the log`).toBe(true);

      // Resend everything, acknowledged or not: what was stored is a duplicate, the rest is stored now.
      let accepted = 0;
      let duplicates = 0;
      for (const [index, batch] of stream.sent) {
        const outcome = await postBatch(second.url, workspace.writeKey, batch);
        if (outcome.kind !== 'answered' || outcome.status !== 200) expect.fail(`resending batch ${index}: ${JSON.stringify(outcome)}`);
        const body = outcome.body as { accepted: number; duplicates: number };
        accepted += body.accepted;
        duplicates += body.duplicates;
      }
      expect(duplicates).toBe(afterCrash.size);
      expect(accepted).toBe(sentIds.size - afterCrash.size);

      const afterResend = countBy((await readLogOverHttp(second.url, workspace.secretKey)).map((e) => e.messageId));
      expect(afterResend.size).toBe(sentIds.size);
      for (const id of sentIds) expect(afterResend.get(id), id).toBe(1);

      // Stop gracefully, then check the file itself: intact, and the derived state adds up.
      second.child.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
      const check = checkDatabase(dataDir, workspace.id);
      expect(check).toEqual({ integrity: 'ok', orphanIdentities: 0, countedEvents: sentIds.size, loggedEvents: sentIds.size });
    });
  }
});
