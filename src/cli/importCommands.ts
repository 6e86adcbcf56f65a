import { statSync, type Stats } from 'node:fs';
import { Collector } from '../collect/Collector.js';
import type { AttuneConfig } from '../config/config.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { importEvents, type ImportSummary } from '../import/importEvents.js';
import { importTraits } from '../import/importTraits.js';
import { importItems, itemFileFormat, type ItemImportSummary } from '../import/importItems.js';
import { createEngine } from '../engine/createEngine.js';
import { seededRandom } from '../core/common/random.js';
import type { Workspace } from '../store/ports.js';
import { chooseWorkspace } from './chooseWorkspace.js';
import { openStore } from './openStore.js';
import { progressBar } from './progressBar.js';
import { systemClock, uuidIds } from './systemClock.js';
import { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { QualityCounters } from '../quality/QualityCounters.js';

export interface ImportCommandOptions {
  readonly workspace?: string;
  readonly json: boolean;
}

/** The summary names the workspace: when --workspace was left out, the command chose it. */
function printSummary(summary: ImportSummary, workspace: Workspace, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ workspace: { id: workspace.id, name: workspace.name }, ...summary })}\n`);
    return;
  }
  process.stdout.write(`${summary.rows} rows into workspace ${workspace.id} (${workspace.name}): ${summary.accepted} stored, ${summary.duplicates} already stored, ${summary.rejected.length} rejected\n`);
  const byCode = new Map<string, number>();
  for (const r of summary.rejected) byCode.set(r.code, (byCode.get(r.code) ?? 0) + 1);
  for (const [code, n] of byCode) process.stdout.write(`  ${code}: ${n}\n`);
  for (const r of summary.rejected.slice(0, 50)) process.stdout.write(`  line ${r.line}: ${r.code}${r.field ? ` at ${r.field}` : ''}: ${r.message}\n`);
  if (summary.rejected.length > 50) process.stdout.write(`  ... and ${summary.rejected.length - 50} more (use --json for all)\n`);
}

/** The file's modification time; a file that cannot be read is a usage error (exit 2), not a crash. */
function inputFileTime(file: string): Date {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, field: '<file>' });
  }
  if (!stats.isFile()) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${file} is not a file`, field: '<file>' });
  return stats.mtime;
}

async function runImport(config: AttuneConfig, options: ImportCommandOptions, label: string, run: (collector: Collector, workspace: Workspace, bar: ReturnType<typeof progressBar>) => Promise<ImportSummary>): Promise<number> {
  const store = openStore(config, 'import');
  try {
    const workspace = await chooseWorkspace(store.workspaces, options.workspace);
    // Imported events count in the data-quality report as collected ones do; a failed write of the counts loses them, not the import.
    const counters = new QualityCounters(store.quality, { onError: () => undefined });
    const collector = new Collector({
      committer: store.committer, clock: systemClock, ids: uuidIds, models: new KnowledgeModels(store.knowledgeConfig, systemClock, { experiments: store.experiments }), tally: counters,
    });
    const bar = progressBar(process.stderr, label);
    const summary = await run(collector, workspace, bar);
    await counters.flush().catch(() => undefined);
    bar.finish();
    printSummary(summary, workspace, options.json);
    return summary.rejected.length === 0 ? 0 : 1;
  } finally {
    await store.close();
  }
}

export async function importEventsCommand(config: AttuneConfig, file: string, options: ImportCommandOptions): Promise<number> {
  inputFileTime(file);
  // An admin importing history: exposures to Attune's experiments (e.g. exported from another instance) are kept.
  return runImport(config, options, 'events', (collector, workspace, bar) => importEvents(file, collector, workspace, (p) => bar.update(p), { exposures: 'accept' }));
}

export async function importTraitsCommand(config: AttuneConfig, file: string, options: ImportCommandOptions & { idColumn: string; timestamp?: string; raw: boolean }): Promise<number> {
  // The default is the file's modification time, not now: the timestamp is part of each row's
  // messageId, so importing the same file again must give the same ids (and store nothing twice).
  const timestamp = options.timestamp ?? inputFileTime(file).toISOString();
  return runImport(config, options, 'traits', (collector, workspace, bar) =>
    importTraits(file, collector, workspace, { idColumn: options.idColumn, timestamp, raw: options.raw }, (p) => bar.update(p)));
}

function printItemSummary(summary: ItemImportSummary, workspace: Workspace, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ workspace: { id: workspace.id, name: workspace.name }, ...summary })}\n`);
    return;
  }
  process.stdout.write(`${summary.rows} rows into the catalog of workspace ${workspace.id} (${workspace.name}): ${summary.created} created, ${summary.updated} updated, ${summary.rejected.length} rejected\n`);
  for (const r of summary.rejected.slice(0, 50)) process.stdout.write(`  line ${r.line}: ${r.code}${r.field ? ` at ${r.field}` : ''}: ${r.message}\n`);
  if (summary.rejected.length > 50) process.stdout.write(`  ... and ${summary.rejected.length - 50} more (use --json for all)\n`);
}

/**
 * `attune import items FILE`: catalog items from CSV or JSONL through the engine's
 * CatalogService, as the admin API stores them. Like the other imports it takes the data
 * folder, so it refuses (ATTUNE_DATA_FOLDER_IN_USE) while a server runs on it: send the items
 * to that server's `POST /admin/v1/items` instead.
 */
export async function importItemsCommand(config: AttuneConfig, file: string, options: ImportCommandOptions): Promise<number> {
  inputFileTime(file);
  itemFileFormat(file);
  const store = openStore(config, 'import items');
  try {
    const workspace = await chooseWorkspace(store.workspaces, options.workspace);
    const engine = createEngine({ store, clock: systemClock, ids: uuidIds, random: seededRandom(0), decisionSampleRate: 0 });
    const bar = progressBar(process.stderr, 'items');
    const summary = await importItems(file, engine.catalog, workspace, (p) => bar.update(p));
    bar.finish();
    printItemSummary(summary, workspace, options.json);
    return summary.rejected.length === 0 ? 0 : 1;
  } finally {
    await store.close();
  }
}
