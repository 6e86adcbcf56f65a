import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockDataFolder } from '../../src/engine/dataFolderLock.js';
import { openSqliteStore } from '../../src/store/sqlite/openSqliteStore.js';
import { createWorkspaceIn, databasePath, makeTempDir, removeTempDirs, runAttune, seededRandom } from './support.js';

afterAll(() => removeTempDirs());

/** Segment calls of a shop with two tastes (even visitors view a-items, odd ones b-items; every third buys one), one per line. */
function twoTastesJsonl(visitors: number): string {
  const random = seededRandom(11);
  const lines: string[] = [];
  const t0 = Date.parse('2026-03-01T10:00:00.000Z');
  for (let v = 0; v < visitors; v++) {
    const taste = v % 2 === 0 ? 'a' : 'b';
    const picks = new Set<number>();
    while (picks.size < 5) picks.add(Math.floor(random() * 10));
    let at = t0 + v * 60_000;
    for (const p of picks) {
      lines.push(JSON.stringify({ type: 'track', event: 'Product Viewed', anonymousId: `v-${v}`, messageId: `m-${v}-${p}`, timestamp: new Date(at += 1000).toISOString(), properties: { product_id: `${taste}${p}` } }));
    }
    if (v % 3 === 0) {
      lines.push(JSON.stringify({ type: 'track', event: 'Order Completed', anonymousId: `v-${v}`, messageId: `o-${v}`, timestamp: new Date(at + 1000).toISOString(), properties: { products: [{ product_id: `${taste}${[...picks][0]}` }] } }));
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('attune train recommend', () => {
  it('trains a version from the event log and activates it, prints the summary, and refuses while another process holds the data folder', { timeout: 120_000 }, async () => {
    const dataDir = makeTempDir('attune-train-');
    const workspace = await createWorkspaceIn(dataDir, 'Shop');
    const events = join(dataDir, 'events.jsonl');
    writeFileSync(events, twoTastesJsonl(200));
    const imported = await runAttune(['import', 'events', events, '--data', dataDir]);
    expect(imported.code, imported.stderr).toBe(0);

    const json = await runAttune(['train', 'recommend', '--data', dataDir, '--json'], {}, 60_000);
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout) as Record<string, unknown> & { hitRate: number; popularHitRate: number; seconds: number };
    expect(summary).toMatchObject({
      workspace: { id: workspace.id, name: 'Shop' }, version: 1, kind: 'ease-norm', active: true,
      items: 20, users: 200, events: 1067, protocol: 'leave-last-out', k: 10, judgedUsers: 200, modelBytes: 20 * 20 * 4 + 20 * 8, notice: null,
    });
    expect(summary.hitRate).toBeGreaterThan(summary.popularHitRate);
    expect(summary.seconds).toBeGreaterThan(0);

    const text = await runAttune(['train', 'recommend', '--data', dataDir, '--workspace', workspace.id, '--kind', 'item-knn', '--no-activate'], {}, 60_000);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Recommender model version 2 (item-knn) of workspace ${workspace.id} (Shop), not activated`);
    expect(text.stdout).toMatch(/20 items, 200 users, [\d,]+ interactions from 1,067 events/);
    expect(text.stdout).toMatch(/holdout \(leave-last-out, 200 users\): nDCG@10 0\.\d{3}, HR@10 [01]\.\d{3}; popularity nDCG@10 0\.\d{3}/);

    const store = openSqliteStore({ path: databasePath(dataDir), synchronous: 'normal' });
    try {
      expect((await store.recommenderModels.listModels(workspace.id)).map((m) => [m.version, m.kind, m.active])).toEqual([[2, 'item-knn', false], [1, 'ease-norm', true]]);
    } finally {
      await store.close();
    }

    // A server holds the folder: the command refuses and says so (train through its admin API instead).
    const release = lockDataFolder(dataDir, 'serve');
    try {
      const refused = await runAttune(['train', 'recommend', '--data', dataDir]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('ATTUNE_DATA_FOLDER_IN_USE');
    } finally {
      release();
    }
    expect((await runAttune(['train', 'recommend', '--data', dataDir, '--kind', 'svd'])).code).toBe(2);
  });
});

describe('attune train predict', () => {
  it('fits the workspace\'s prediction model from its profiles and prints its figures as JSON', { timeout: 120_000 }, async () => {
    const dataDir = makeTempDir('attune-train-predict-');
    await createWorkspaceIn(dataDir, 'Shop');
    const events = join(dataDir, 'events.jsonl');
    writeFileSync(events, twoTastesJsonl(200));
    expect((await runAttune(['import', 'events', events, '--data', dataDir])).code).toBe(0);
    const run = await runAttune(['train', 'predict', '--data', dataDir, '--horizon-days', '30', '--json'], {}, 60_000);
    expect(run.code, run.stderr).toBe(0);
    const model = JSON.parse(run.stdout) as { version: number; customers: number; profilesRead: number; clusters: { segments: { size: number }[] } | null; notes: string[] };
    // Every third of the 200 visitors ordered once.
    expect(model).toMatchObject({ version: 1, customers: 67, profilesRead: 200 });
    expect(model.clusters!.segments.reduce((sum, s) => sum + s.size, 0)).toBe(67);
    const bad = await runAttune(['train', 'predict', '--data', dataDir, '--horizon-days', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--horizon-days/);
    // Usage errors of the map's flags name the flag at fault and train nothing.
    for (const [args, flag] of [[['--som', '3by3'], /--som/], [['--som', '0x3'], /--som rows/], [['--som', '3x11'], /--som cols/], [['--hexagonal'], /--hexagonal/]] as const) {
      const usage = await runAttune(['train', 'predict', '--data', dataDir, ...args]);
      expect(usage.code, usage.stderr).toBe(2);
      expect(usage.stderr).toMatch(flag);
    }
    const again = await runAttune(['train', 'predict', '--data', dataDir, '--json'], {}, 60_000);
    expect((JSON.parse(again.stdout) as { version: number }).version).toBe(2);
  });
});
