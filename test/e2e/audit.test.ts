import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/core/audit/AuditEntry.js';
import { databasePath, makeTempDir, removeTempDirs, runAttune } from './support.js';

describe('attune audit', () => {
  afterAll(() => removeTempDirs());

  it('records the command line\'s changes as the operating-system user\'s, lists, exports and verifies them, and reports a tampered file', { timeout: 240_000 }, async () => {
    const dataDir = makeTempDir();
    const run = (args: readonly string[]) => runAttune([...args, '--data', dataDir], {}, 90_000);
    const user = userInfo().username;
    const created = await run(['workspace', 'create', 'Shop', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const workspace = JSON.parse(created.stdout) as { id: string };

    expect((await run(['keys', 'create', 'write', '--json'])).code).toBe(0);
    const file = join(dataDir, 'segments.yaml');
    writeFileSync(file, 'segments:\n  - id: buyers\n    name: Buyers\n    rule: features.order_count >= 1\n');
    const loaded = await run(['segments', 'load', file]);
    expect(loaded.code, loaded.stderr).toBe(0);
    writeFileSync(file, 'segments:\n  - id: buyers\n    name: Buyers\n    rule: features.order_count >= 2\n');
    expect((await run(['segments', 'load', file])).code).toBe(0);

    const listed = await run(['audit', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const entries = JSON.parse(listed.stdout) as AuditEntry[];
    expect(entries.map((e) => e.action)).toEqual(['workspace.created', 'key.created', 'segment.created', 'segment.updated']);
    for (const entry of entries) {
      expect(entry.actor).toEqual({ kind: 'cli', id: user });
      expect(entry.origin).toEqual({ via: 'cli' });
    }
    expect(entries[3]!.changes).toEqual([{ op: 'replace', path: '/rule', was: 'features.order_count >= 1', value: 'features.order_count >= 2' }]);
    const filtered = await run(['audit', 'list', '--action', 'segment.', '--actor-kind', 'cli', '--actor', user]);
    expect(filtered.stdout.trim().split('\n')).toHaveLength(2);
    expect(filtered.stdout).toContain(`cli:${user}  [cli]  segment.updated segment:buyers  replace /rule`);
    const bad = await run(['audit', 'list', '--actor-kind', 'robot']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--actor-kind');

    const exported = join(dataDir, 'audit.ndjson');
    expect((await run(['audit', 'export', '--out', exported])).code).toBe(0);
    const verified = await run(['audit', 'verify', '--json']);
    expect(verified.code, verified.stderr).toBe(0);
    const head = (JSON.parse(verified.stdout) as { ok: boolean; head: { seq: number; hash: string } });
    expect(head).toMatchObject({ ok: true, head: { seq: 4 } });
    const offline = await run(['audit', 'verify', '--file', exported, '--anchor', `${head.head.seq}:${head.head.hash}`]);
    expect(offline.code, offline.stdout).toBe(0);
    expect(offline.stdout).toContain('intact, 4 entries');

    // Someone with the file edits an entry: the store's chain breaks there; the export still verifies alone.
    const db = new Database(databasePath(dataDir));
    db.exec('DROP TRIGGER audit_entries_no_update');
    db.prepare("UPDATE audit_entries SET detail = json_set(detail, '$.changes[0].value', 'true') WHERE workspace_id = ? AND seq = 4").run(workspace.id);
    db.close();
    const broken = await run(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('BROKEN at entry 4 (hash)');
    expect((await run(['audit', 'verify', '--file', exported])).code).toBe(0);
  });
});
