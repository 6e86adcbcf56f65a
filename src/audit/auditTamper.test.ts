import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/openSqliteStore.js';
import { AuditTrail } from './AuditTrail.js';
import { runAs } from './callerContext.js';

const T0 = Date.parse('2024-05-01T12:00:00Z');

/**
 * The must-show of issue 16: whoever holds the SQLite file changes, removes or reorders an
 * entry by hand (the append-only triggers dropped first, as they could be), and verification
 * reports the first broken position and why.
 */
describe('audit trail tamper detection (SQLite file edited directly)', () => {
  let dir: string;
  let path: string;
  let store: SqliteStore;
  let trail: AuditTrail;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attune-audit-'));
    path = join(dir, 'attune.db');
    store = openSqliteStore({ path, synchronous: 'normal' });
    let now = T0;
    trail = new AuditTrail({ store: store.audit, clock: { now: () => (now += 1000) } });
    const cli = { actor: () => ({ kind: 'cli' as const, id: 'alice' }), origin: { via: 'cli' as const } };
    const api = { actor: () => ({ kind: 'key' as const, id: 'key_1', role: 'secret' }), origin: { via: 'api' as const, ip: '10.0.0.1', userAgent: 'curl/8', requestId: 'req-1' } };
    await runAs(api, () => trail.changed({ workspaceId: 'ws1', action: 'segment.created', target: { kind: 'segment', id: 'vip' }, after: { id: 'vip', rule: 'a > 1' } }));
    await runAs(cli, () => trail.changed({ workspaceId: 'ws1', action: 'segment.updated', target: { kind: 'segment', id: 'vip' }, before: { id: 'vip', rule: 'a > 1' }, after: { id: 'vip', rule: 'a > 2' } }));
    await runAs(api, () => trail.read({ workspaceId: 'ws1', action: 'profile.viewed', profileId: 'prof_1' }));
    await runAs(api, () => trail.changed({ workspaceId: 'ws2', action: 'key.rotated', target: { kind: 'key', id: 'key_9' }, before: { expiresAt: null }, after: { expiresAt: 5 } }));
    await runAs(api, () => trail.changed({ workspaceId: 'ws1', action: 'action.updated', target: { kind: 'action', id: 'promo' }, before: { weight: 1 }, after: { weight: 2 } }));
    await runAs(cli, () => trail.changed({ workspaceId: 'ws1', action: 'segment.deleted', target: { kind: 'segment', id: 'vip' }, before: { id: 'vip', rule: 'a > 2' } }));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Edits the file through a connection of its own, as anyone with the file could. */
  function tamper(sql: string): void {
    const raw = new Database(path);
    try {
      raw.exec('DROP TRIGGER IF EXISTS audit_entries_no_update; DROP TRIGGER IF EXISTS audit_entries_no_delete; DROP TRIGGER IF EXISTS audit_heads_forward; DROP TRIGGER IF EXISTS audit_heads_no_delete;');
      raw.exec(sql);
    } finally {
      raw.close();
    }
  }

  it('verifies the untouched chains of both workspaces', async () => {
    expect(await trail.verify('ws1')).toMatchObject({ ok: true, entries: 5, head: { seq: 5 } });
    expect(await trail.verify('ws2')).toMatchObject({ ok: true, entries: 1 });
  });

  const where3 = "WHERE workspace_id = 'ws1' AND seq = 3";
  const where2 = "WHERE workspace_id = 'ws1' AND seq = 2";
  it.each([
    ['the time', `UPDATE audit_entries SET at = at + 1 ${where2}`, 2, 'hash'],
    ['the actor\'s kind', `UPDATE audit_entries SET actor_kind = 'system' ${where2}`, 2, 'hash'],
    ['the actor\'s id', `UPDATE audit_entries SET actor_id = 'mallory' ${where2}`, 2, 'hash'],
    ['the action', `UPDATE audit_entries SET action = 'segment.created' ${where2}`, 2, 'hash'],
    ['the target\'s kind', `UPDATE audit_entries SET target_kind = 'feature' ${where2}`, 2, 'hash'],
    ['the target\'s id', `UPDATE audit_entries SET target_id = 'other' ${where2}`, 2, 'hash'],
    ['the origin\'s address', `UPDATE audit_entries SET detail = json_set(detail, '$.origin.ip', '10.9.9.9') ${where3}`, 3, 'hash'],
    ['the origin\'s user agent', `UPDATE audit_entries SET detail = json_set(detail, '$.origin.userAgent', 'x') ${where3}`, 3, 'hash'],
    ['the actor\'s role', `UPDATE audit_entries SET detail = json_set(detail, '$.role', 'admin') ${where3}`, 3, 'hash'],
    ['a diff\'s old value', `UPDATE audit_entries SET detail = json_set(detail, '$.changes[0].was', 'a > 0') ${where2}`, 2, 'hash'],
    ['a diff removed', `UPDATE audit_entries SET detail = json_remove(detail, '$.changes') ${where2}`, 2, 'hash'],
    ['the subject', `UPDATE audit_entries SET detail = json_remove(detail, '$.subject') ${where3}`, 3, 'hash'],
    ['the previous hash', `UPDATE audit_entries SET prev_hash = hash ${where3}`, 3, 'link'],
    ['the hash itself', `UPDATE audit_entries SET hash = substr(hash, 2) || '0' ${where3}`, 3, 'hash'],
    ['the first entry\'s previous hash set', `UPDATE audit_entries SET prev_hash = 'ab' WHERE workspace_id = 'ws1' AND seq = 1`, 1, 'link'],
    ['the number (a gap)', `UPDATE audit_entries SET seq = 30 ${where3}`, 3, 'sequence'],
    ['the workspace (an entry moved out)', `UPDATE audit_entries SET workspace_id = 'ws3' ${where3}`, 3, 'sequence'],
    ['an entry removed from the middle', `DELETE FROM audit_entries ${where3}`, 3, 'sequence'],
    ['the last entry removed', "DELETE FROM audit_entries WHERE workspace_id = 'ws1' AND seq = 5", 5, 'head'],
    ['the last entry removed and the head moved back', "DELETE FROM audit_entries WHERE workspace_id = 'ws1' AND seq = 5; UPDATE audit_heads SET seq = 4 WHERE workspace_id = 'ws1'", 4, 'head'],
    ['two entries swapped', `UPDATE audit_entries SET seq = -3 ${where3}; UPDATE audit_entries SET seq = 3 WHERE workspace_id = 'ws1' AND seq = 4; UPDATE audit_entries SET seq = 4 WHERE workspace_id = 'ws1' AND seq = -3`, 3, 'link'],
    ['an entry forged at the end', "INSERT INTO audit_entries SELECT workspace_id, 6, at, actor_kind, actor_id, action, target_kind, target_id, detail, hash, hash FROM audit_entries WHERE workspace_id = 'ws1' AND seq = 5", 6, 'hash'],
  ])('detects %s', async (_what, sql, position, fault) => {
    tamper(sql);
    const verdict = await trail.verify('ws1');
    expect(verdict).toMatchObject({ ok: false, position, fault });
    // The other workspace's chain is its own: it still verifies.
    expect(await trail.verify('ws2')).toMatchObject({ ok: true });
  });

  it('detects a chain rewritten from an entry on (head included) against an anchor kept from an earlier export', async () => {
    const anchor = (await store.audit.entries('ws1', 2, 1))[0]!;
    tamper("DELETE FROM audit_entries WHERE workspace_id = 'ws1' AND seq >= 3; DELETE FROM audit_heads WHERE workspace_id = 'ws1'; INSERT INTO audit_heads SELECT workspace_id, seq, hash FROM audit_entries WHERE workspace_id = 'ws1' AND seq = 2");
    await trail.changed({ workspaceId: 'ws1', action: 'segment.created', target: { kind: 'segment', id: 'x' }, after: { id: 'x' } });
    expect(await trail.verify('ws1')).toMatchObject({ ok: true });
    expect(await trail.verify('ws1', [{ seq: anchor.seq, hash: anchor.hash }])).toMatchObject({ ok: false, position: 3, fault: 'anchor' });
  });

  it('chains the appends of two connections on one file (a server and a command) without clashing', async () => {
    const second = openSqliteStore({ path, synchronous: 'normal' });
    try {
      const other = new AuditTrail({ store: second.audit, clock: { now: () => T0 } });
      for (let n = 0; n < 6; n++) {
        const trailOf = n % 2 === 0 ? trail : other;
        await trailOf.changed({ workspaceId: 'ws1', action: 'segment.updated', target: { kind: 'segment', id: 'x' }, before: { n }, after: { n: n + 1 } });
      }
      expect(await trail.verify('ws1')).toMatchObject({ ok: true, entries: 11 });
      expect(await other.verify('ws1')).toMatchObject({ ok: true, entries: 11 });
    } finally {
      await second.close();
    }
  });

  it('refuses changes and removals through SQLite while the triggers are in place', () => {
    expect(() => store.db.exec(`UPDATE audit_entries SET action = 'x.y' ${where2}`)).toThrow(/append-only/);
    expect(() => store.db.exec(`DELETE FROM audit_entries ${where2}`)).toThrow(/append-only/);
    expect(() => store.db.exec("UPDATE audit_heads SET seq = 1 WHERE workspace_id = 'ws1'")).toThrow(/forward/);
  });

  describe('after a retention purge of the oldest entries', () => {
    const purgeBefore = async (before: number) => runAs(
      { actor: () => ({ kind: 'system' as const, id: 'retention' }), origin: { via: 'cli' as const } },
      () => trail.purge('ws1', before, false, (p) => (p.removed === 0 ? null : { audit: { removed: p.removed } })),
    );
    const tamperAnchor = (sql: string) => tamper(`DROP TRIGGER IF EXISTS audit_anchors_forward; DROP TRIGGER IF EXISTS audit_anchors_no_delete; DROP TRIGGER IF EXISTS audit_anchors_held; ${sql}`);

    beforeEach(async () => {
      // ws1's entries 1..3 were made at T0 + 1 s, 2 s and 4 s (the person key took 3 s); its entry 4 at T0 + 6 s.
      const purged = await purgeBefore(T0 + 4500);
      expect(purged).toMatchObject({ removed: 3, anchor: { seq: 3 } });
    });

    it('verifies from the anchor, with the purge recorded in the chain', async () => {
      expect(await trail.verify('ws1')).toMatchObject({ ok: true, entries: 3, head: { seq: 6 } });
      expect((await store.audit.entries('ws1', 0, 10)).map((e) => e.seq)).toEqual([4, 5, 6]);
      expect((await store.audit.entries('ws1', 5, 1))[0]).toMatchObject({ action: 'retention.purged' });
      expect(await trail.verify('ws2')).toMatchObject({ ok: true, entries: 1 });
      // A second purge with nothing older records nothing and keeps verifying.
      expect(await purgeBefore(T0 + 4500)).toMatchObject({ removed: 0, anchor: { seq: 3 } });
      expect(await trail.verify('ws1')).toMatchObject({ ok: true, entries: 3 });
    });

    it.each([
      ['an entry changed', "UPDATE audit_entries SET at = at + 1 WHERE workspace_id = 'ws1' AND seq = 4", 4, 'hash'],
      ['the first entry kept removed', "DELETE FROM audit_entries WHERE workspace_id = 'ws1' AND seq = 4", 4, 'sequence'],
      ['the anchor\'s hash changed', "UPDATE audit_anchors SET hash = 'ab' || substr(hash, 3) WHERE workspace_id = 'ws1'", 4, 'link'],
      ['the anchor removed', "DELETE FROM audit_anchors WHERE workspace_id = 'ws1'", 1, 'sequence'],
      [
        'the anchor moved on, and the entries up to it removed, to match',
        "UPDATE audit_anchors SET seq = 4, hash = (SELECT hash FROM audit_entries WHERE workspace_id = 'ws1' AND seq = 4) WHERE workspace_id = 'ws1'; DELETE FROM audit_entries WHERE workspace_id = 'ws1' AND seq = 4",
        5, 'anchor',
      ],
    ])('detects %s', async (_what, sql, position, fault) => {
      tamperAnchor(sql);
      expect(await trail.verify('ws1')).toMatchObject({ ok: false, position, fault });
    });

    it('lets SQLite delete only the prefix up to the anchor, and move the anchor only forward to an entry held', () => {
      expect(() => store.db.exec("DELETE FROM audit_entries WHERE workspace_id = 'ws1' AND seq = 4")).toThrow(/append-only/);
      expect(() => store.db.exec("UPDATE audit_anchors SET seq = 2 WHERE workspace_id = 'ws1'")).toThrow(/forward/);
      expect(() => store.db.exec("UPDATE audit_anchors SET seq = 5, hash = 'x' WHERE workspace_id = 'ws1'")).toThrow(/forward/);
      expect(() => store.db.exec("INSERT INTO audit_anchors VALUES ('ws2', 1, 'x', 0)")).toThrow(/entry held/);
      expect(() => store.db.exec("DELETE FROM audit_anchors WHERE workspace_id = 'ws1'")).toThrow(/not removed/);
    });
  });
});
