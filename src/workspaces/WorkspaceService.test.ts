import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../core/common/ports.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/openSqliteStore.js';
import { keyCacheMillis, WorkspaceService } from './WorkspaceService.js';

/** The key cache of authenticate: a hit is served without the store, revocations still apply within their bounds. */
describe('WorkspaceService.authenticate', () => {
  const clock = fixedClock(Date.parse('2026-03-02T10:00:00Z'));
  let store: SqliteStore;
  let here: WorkspaceService;
  let elsewhere: WorkspaceService;
  beforeEach(() => {
    store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    here = new WorkspaceService(store.workspaces, clock);
    elsewhere = new WorkspaceService(store.workspaces, clock);
  });
  afterEach(async () => { await store.close(); });

  it('a key revoked in this process stops working at once', async () => {
    const created = await here.create('a');
    expect((await here.authenticate(created.writeKey))?.workspace.id).toBe(created.id);
    const key = (await here.authenticate(created.writeKey))!.key;
    await here.revokeKey(created.id, key.id);
    expect(await here.authenticate(created.writeKey)).toBeUndefined();
  });

  it('a key revoked by another process works from the cache until the cache window ends', async () => {
    const created = await here.create('b');
    const key = (await here.authenticate(created.writeKey))!.key;
    await elsewhere.revokeKey(created.id, key.id);
    expect((await here.authenticate(created.writeKey))?.workspace.id).toBe(created.id);
    clock.advance(keyCacheMillis);
    expect(await here.authenticate(created.writeKey)).toBeUndefined();
  });

  it('a rotated key\'s grace period ends on time even while it is cached', async () => {
    const created = await here.create('c');
    const key = (await here.authenticate(created.secretKey))!.key;
    const rotated = await here.rotateKey(created.id, key.id, 5);
    expect((await here.authenticate(created.secretKey))?.key.id).toBe(key.id);
    expect((await here.authenticate(rotated.plain))?.key.id).toBe(rotated.record.id);
    clock.advance(5_000);
    expect(await here.authenticate(created.secretKey)).toBeUndefined();
    expect((await here.authenticate(rotated.plain))?.key.id).toBe(rotated.record.id);
  });

  it('an unknown key is refused, and a known one stays known after it', async () => {
    const created = await here.create('d');
    expect(await here.authenticate(`${created.writeKey}x`)).toBeUndefined();
    expect(await here.authenticate(created.writeKey.slice(0, -1))).toBeUndefined();
    expect((await here.authenticate(created.writeKey))?.workspace.id).toBe(created.id);
  });
});
