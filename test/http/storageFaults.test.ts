import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { openStore } from '../../src/engine/openStore.js';
import { migrations } from '../../src/store/sqlite/migrations.js';
import { openDatabase } from '../../src/store/sqlite/openDatabase.js';
import { startHarness, type Harness } from '../support/harness.js';
import { collect, storedEvents, uniqueId } from './httpHelpers.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('storage faults', () => {
  it.each(['inline', 'worker'] as const)('a full disk refuses events with 503 and loses none that were acknowledged; collection resumes once there is room (writer %s)', async (writer) => {
    const h = harness = await startHarness({ writer });
    await h.store.recovered;
    expect(h.store.writer).toBe(writer);
    // SQLite answers SQLITE_FULL once the file would pass max_page_count (a setting of the
    // connection that writes): a full disk, reproducibly.
    const pages = h.store.db.pragma('page_count', { simple: true }) as number;
    await h.store.writerPragma(`max_page_count = ${pages + 2}`);
    const acknowledged: string[] = [];
    let refused: { status: number; body: Record<string, unknown> } | undefined;
    for (let i = 0; i < 400 && refused === undefined; i++) {
      const messageId = uniqueId('full');
      const res = await collect(h, '/v1/track', { messageId, userId: `u${i % 7}`, event: 'Product Viewed', properties: { padding: 'x'.repeat(2_000) } });
      if (res.statusCode === 200) acknowledged.push(messageId);
      else refused = { status: res.statusCode, body: res.json() as Record<string, unknown> };
    }
    expect(refused, 'the disk filled up').toBeDefined();
    expect(refused!.status).toBe(503);
    expect(refused!.body.code).toBe('ATTUNE_STORE_UNAVAILABLE');
    expect(JSON.stringify(refused!.body)).not.toMatch(/SQLITE|database or disk/);

    await h.store.writerPragma('max_page_count = 1073741823');
    const after = uniqueId('after');
    const res = await collect(h, '/v1/track', { messageId: after, userId: 'u1', event: 'Product Viewed' });
    expect(res.statusCode).toBe(200);
    const stored = (await storedEvents(h, h.a.secretKey)).map((e) => e.messageId);
    for (const id of [...acknowledged, after]) expect(stored.filter((m) => m === id)).toHaveLength(1);
  });

  it('a database migrated by a newer version is refused with a clear error, untouched', async () => {
    const h = harness = await startHarness();
    const path = `${h.dataDir}/newer.db`;
    const db = openDatabase({ path, synchronous: 'normal' });
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    expect(() => openDatabase({ path, synchronous: 'normal' })).toThrow(expect.objectContaining({ code: 'ATTUNE_STORE_NEWER_VERSION' }));
  });

  it('a state without a checkpoint is not replayed over: recovery fails with a clear error until a rebuild', async () => {
    const h = harness = await startHarness();
    const path = `${h.dataDir}/nocheckpoint.db`;
    const first = openStore({ path, synchronous: 'normal', maxPendingEvents: 1000, clock: fixedClock(Date.parse('2026-01-01T00:00:00Z')) });
    await first.recovered;
    first.db.exec('DELETE FROM state_checkpoint');
    await first.close();
    const second = openStore({ path, synchronous: 'normal', maxPendingEvents: 1000 });
    await expect(second.recovered).rejects.toMatchObject({ code: 'ATTUNE_STATE_CHECKPOINT_MISSING' });
    await second.close();
    const rebuilding = openStore({ path, synchronous: 'normal', maxPendingEvents: 1000, rebuildsEverything: true });
    await expect(rebuilding.recovered).resolves.toMatchObject({ replayedEvents: 0 });
    await rebuilding.flushState();
    await rebuilding.close();
  });
});
