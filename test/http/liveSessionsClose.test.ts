import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { admin, collect, expectCollected } from './httpHelpers.js';

/**
 * Closing the server while the live-session index rereads the log (after an erasure made it
 * forget the workspace's sessions): close waits for the read, or stops it, before the store
 * closes, so the read never runs against a closed database.
 */
describe('closing during a live-session reread', () => {
  let h: Harness | null = null;
  afterEach(async () => { await h?.close(); h = null; });

  it('an erasure\'s reread of the log settles before the store closes', async () => {
    h = await startHarness();
    // More views than one chunk of the read (2,000), so the reread yields between chunks.
    for (let b = 0; b < 6; b++) {
      const batch = Array.from({ length: 1000 }, (_, i) => ({ type: 'track', anonymousId: `v-${b.toString()}-${(i % 50).toString()}`, event: 'Product Viewed', properties: { product_id: `p-${(i % 40).toString()}` } }));
      expectCollected(await collect(h, '/v1/batch', { batch }));
    }
    const erased = await admin(h, 'POST', '/admin/v1/privacy/erase', h.a.secretKey, { anonymousId: 'v-0-0' });
    expect(erased.statusCode, erased.body).toBe(200);
    // The erasure made the index forget the workspace; its next use reads the log again.
    const rereading = h.engine.sessions.warm(h.a.id);
    const closing = h.close();
    h = null;
    await expect(rereading).resolves.toBeDefined();
    await closing;
  });
});
