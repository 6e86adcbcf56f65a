import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogService } from '../../src/catalog/CatalogService.js';
import { fixedClock } from '../../src/core/common/ports.js';
import { systemClock } from '../../src/cli/systemClock.js';
import { lockDataFolder } from '../../src/engine/dataFolderLock.js';
import { openStore, type EmbeddedStore } from '../../src/engine/openStore.js';
import { importItems } from '../../src/import/importItems.js';
import type { Workspace } from '../../src/store/ports.js';
import { WorkspaceService } from '../../src/workspaces/WorkspaceService.js';
import { createWorkspaceIn, makeTempDir, removeTempDirs, runAttune } from './support.js';

const t0 = Date.parse('2026-03-02T10:00:00.000Z');

// Line 1 is the header; 11 rows (one over two lines), 7 rejected, each for one reason.
const csv = [
  'id,title,category,price,currency,availability,created_at,title.de,attr.brand,attr.organic,attr.weight_g',
  'sku-1,"Mug, large",Home > Kitchen,9.50,EUR,in_stock,2024-01-15,Becher,Acme,true,350',
  'sku-2,Plate,Home > > Kitchen,3,EUR,,,,,,',
  'sku-3,Bowl,,,,preorder,,,,,',
  'sku-4,Cup,,"1,200.00",EUR,,,,,,',
  'sku-5,Spoon,,2,,,,,,,',
  'sku-6,Fork,,2,EURO,,,,,,',
  ',Nameless,,,,,,,,,',
  'sku-7,"Knife',
  'with a line break",,,,,,,,,',
  'sku-8,Pan,,,,sold_out,,,,,',
  'sku-9,Pot,,,,,not a date,,,,',
  '',
  'sku-1,"Mug, large (new)",Home > Kitchen,8.00,EUR,out_of_stock,,Becher,Acme,true,350',
].join('\n');

afterAll(() => removeTempDirs());

describe('import items, in-process', () => {
  let dir: string;
  let store: EmbeddedStore;
  let catalog: CatalogService;
  let workspace: Workspace;

  beforeEach(async () => {
    dir = makeTempDir('attune-items-');
    store = openStore({ path: join(dir, 'attune.db'), synchronous: 'normal', maxPendingEvents: 100_000 });
    const created = await new WorkspaceService(store.workspaces, systemClock).create('items');
    workspace = (await store.workspaces.getWorkspace(created.id))!;
    catalog = new CatalogService({ store: store.catalog, clock: fixedClock(t0) });
  });
  afterEach(async () => { await store.close(); });

  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('CSV: stores the valid rows, reports each rejected row by line, column and reason, and a later row replaces an earlier one', async () => {
    const summary = await importItems(write('items.csv', csv), catalog, workspace);
    expect(summary.rows).toBe(11);
    expect(summary.rejected.map((r) => [r.line, r.code, r.field])).toEqual([
      [3, 'ATTUNE_ITEM_INVALID', 'category'],
      [5, 'ATTUNE_ITEM_INVALID', 'price'],
      [6, 'ATTUNE_ITEM_INVALID', 'currency'],
      [7, 'ATTUNE_ITEM_INVALID', 'currency'],
      [8, 'ATTUNE_ITEM_INVALID', 'id'],
      [11, 'ATTUNE_ITEM_INVALID', 'availability'],
      [12, 'ATTUNE_ITEM_INVALID', 'created_at'],
    ]);
    for (const r of summary.rejected) expect(r.message.length).toBeGreaterThan(0);
    // sku-1 twice (the second replaces the first), sku-3 and sku-7 (a quoted line break).
    expect([summary.created, summary.updated]).toEqual([3, 1]);
    const [mug, bowl, knife] = await catalog.getItems(workspace.id, ['sku-1', 'sku-3', 'sku-7']);
    expect(mug).toEqual({
      id: 'sku-1', title: 'Mug, large (new)', category: ['Home', 'Kitchen'], price: 8, currency: 'EUR', availability: 'out_of_stock',
      attributes: { brand: 'Acme', organic: true, weight_g: 350 }, titles: { de: 'Becher' },
      // The second row gives no created_at: the first row's is kept.
      createdAt: '2024-01-15T00:00:00.000Z', updatedAt: new Date(t0).toISOString(),
    });
    expect(bowl).toMatchObject({ availability: 'preorder', price: null, category: [] });
    expect(knife?.title).toBe('Knife\nwith a line break');
    expect(await store.catalog.countItems(workspace.id)).toBe(3);

    const again = await importItems(write('items.csv', csv), catalog, workspace);
    expect([again.created, again.updated, again.rejected.length]).toEqual([0, 4, 7]);
  });

  it('CSV: an unknown column or a missing id column stores nothing and names the columns', async () => {
    await expect(importItems(write('bad.csv', 'id,title,colour\nsku-1,Mug,red\n'), catalog, workspace)).rejects.toThrow(/unknown column "colour"/);
    await expect(importItems(write('bad2.csv', 'sku,title\nsku-1,Mug\n'), catalog, workspace)).rejects.toThrow(/no column "id"/);
    expect(await store.catalog.countItems(workspace.id)).toBe(0);
  });

  it('JSONL: one item per line as the API takes it, rejected lines with the JSON pointer at fault', async () => {
    const lines = [
      JSON.stringify({ id: 'a', title: 'A', category: ['Toys'], price: 5, currency: 'USD', attributes: { age: 3 } }),
      '',
      '{"id": "b", "title": ',
      JSON.stringify({ id: 'c', title: 'C', titles: { 'not a locale': 'x' } }),
      JSON.stringify({ id: 'd', title: 'D', category: 'Toys > Cars' }),
      JSON.stringify({ id: 'e', title: 'E', availability: 'discontinued' }),
    ];
    const summary = await importItems(write('items.jsonl', lines.join('\n')), catalog, workspace);
    expect(summary.rejected.map((r) => [r.line, r.code, r.field ?? null])).toEqual([
      [3, 'ATTUNE_MALFORMED_JSON', null],
      [4, 'ATTUNE_ITEM_INVALID', '/titles/not a locale'],
      [5, 'ATTUNE_ITEM_INVALID', '/category'],
    ]);
    expect([summary.rows, summary.created, summary.updated]).toEqual([5, 2, 0]);
    expect((await catalog.getItems(workspace.id, ['a']))[0]).toMatchObject({ category: ['Toys'], price: 5, currency: 'USD', attributes: { age: 3 } });
  });
});

describe('attune import items', () => {
  it('prints a summary naming the workspace, exits 1 with rejected rows, and refuses while another process holds the data folder', { timeout: 90_000 }, async () => {
    const dataDir = makeTempDir('attune-items-cli-');
    const workspace = await createWorkspaceIn(dataDir, 'Shop');
    const file = join(dataDir, 'items.csv');
    writeFileSync(file, csv);

    const json = await runAttune(['import', 'items', file, '--data', dataDir, '--json']);
    expect(json.code, json.stderr).toBe(1);
    const summary = JSON.parse(json.stdout) as { workspace: { id: string; name: string }; rows: number; created: number; updated: number; rejected: { line: number; field: string }[] };
    expect(summary).toMatchObject({ workspace: { id: workspace.id, name: 'Shop' }, rows: 11, created: 3, updated: 1 });
    expect(summary.rejected.map((r) => r.line)).toEqual([3, 5, 6, 7, 8, 11, 12]);

    writeFileSync(file, 'id,title\nsku-1,Mug\n');
    const text = await runAttune(['import', 'items', file, '--data', dataDir, '--workspace', workspace.id]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`1 rows into the catalog of workspace ${workspace.id} (Shop): 0 created, 1 updated, 0 rejected`);

    // A server holds the folder: the import refuses and says so (send the items to its API instead).
    const release = lockDataFolder(dataDir, 'serve');
    try {
      const refused = await runAttune(['import', 'items', file, '--data', dataDir]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('ATTUNE_DATA_FOLDER_IN_USE');
    } finally {
      release();
    }
    const unknownFormat = join(dataDir, 'items.txt');
    writeFileSync(unknownFormat, 'id,title\n');
    expect((await runAttune(['import', 'items', unknownFormat, '--data', dataDir])).code).toBe(2);
  });
});
