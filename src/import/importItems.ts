import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import secureJson from 'secure-json-parse';
import type { CatalogService } from '../catalog/CatalogService.js';
import { parseCategoryPath } from '../core/catalog/categoryPath.js';
import { itemLimits } from '../core/catalog/Item.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { Workspace } from '../store/ports.js';
import type { ImportProgress, RejectedRow } from './importEvents.js';
import { readCell } from './importTraits.js';

export interface ItemImportSummary {
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
  readonly rejected: readonly RejectedRow[];
}

/** The CSV columns, besides `title.<locale>` and `attr.<name>` (docs/catalog.md). */
export const itemColumns = ['id', 'title', 'category', 'price', 'currency', 'availability', 'created_at'] as const;

/** The item's JSON pointer as the CSV column that held it: `/titles/de` is `title.de`. */
function csvField(pointer: string): string {
  const [, member = '', key] = pointer.split('/');
  const name = key?.replaceAll('~1', '/').replaceAll('~0', '~');
  switch (member) {
    case 'createdAt': return 'created_at';
    case 'titles': return name === undefined ? 'title.*' : `title.${name}`;
    case 'attributes': return name === undefined ? 'attr.*' : `attr.${name}`;
    default: return member;
  }
}

/** Sends checked rows through the CatalogService in chunks and adds up what became of them. */
class ItemAccumulator {
  rows = 0;
  created = 0;
  updated = 0;
  readonly rejected: RejectedRow[] = [];
  private chunk: unknown[] = [];
  private lines: number[] = [];

  constructor(private readonly catalog: CatalogService, private readonly workspaceId: string, private readonly fieldName: (pointer: string) => string) {}

  reject(row: RejectedRow): void {
    this.rows++;
    this.rejected.push(row);
  }

  async add(input: unknown, line: number): Promise<void> {
    this.rows++;
    this.chunk.push(input);
    this.lines.push(line);
    if (this.chunk.length >= itemLimits.perCall) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.chunk.length === 0) return;
    const [inputs, lines] = [this.chunk, this.lines];
    this.chunk = [];
    this.lines = [];
    const result = await this.catalog.putItems(this.workspaceId, inputs, { invalid: 'skip' });
    this.created += result.created;
    this.updated += result.updated;
    for (const r of result.rejected) this.rejected.push({ line: lines[r.index] ?? 0, code: r.code, field: this.fieldName(r.field), message: r.message });
  }

  summary(): ItemImportSummary {
    return { rows: this.rows, created: this.created, updated: this.updated, rejected: [...this.rejected].sort((a, b) => a.line - b.line) };
  }
}

/** A CSV row as an item input, or the column at fault (a cell that cannot be read at all). */
function itemFromRow(row: Record<string, string>): { ok: true; input: Record<string, unknown> } | { ok: false; field: string; message: string } {
  const input: Record<string, unknown> = { id: row['id']?.trim() ?? '', title: row['title']?.trim() ?? '' };
  const category = parseCategoryPath(row['category'] ?? '');
  if (!category.ok) return { ok: false, field: 'category', message: category.message };
  if (category.path.length > 0) input['category'] = category.path;
  const price = row['price']?.trim() ?? '';
  if (price !== '') {
    const value = Number(price);
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(price) || !Number.isFinite(value)) return { ok: false, field: 'price', message: `"${price}" is not a number (write 1234.5, without currency or thousands separators)` };
    input['price'] = value;
  }
  const currency = row['currency']?.trim() ?? '';
  if (currency !== '') input['currency'] = currency;
  const availability = row['availability']?.trim() ?? '';
  if (availability !== '') input['availability'] = availability;
  const createdAt = row['created_at']?.trim() ?? '';
  if (createdAt !== '') input['createdAt'] = createdAt;
  const titles: Record<string, string> = {};
  const attributes: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(row)) {
    if (cell === '') continue;
    if (column.startsWith('title.')) titles[column.slice('title.'.length)] = cell.trim();
    else if (column.startsWith('attr.')) attributes[column.slice('attr.'.length)] = readCell(cell, false);
  }
  if (Object.keys(titles).length > 0) input['titles'] = titles;
  if (Object.keys(attributes).length > 0) input['attributes'] = attributes;
  return { ok: true, input };
}

function checkHeader(columns: readonly string[]): void {
  const unknown = columns.filter((c) => !(itemColumns as readonly string[]).includes(c) && !/^(title|attr)\.[^.].*$/.test(c));
  const missing = ['id', 'title'].filter((c) => !columns.includes(c));
  if (unknown.length > 0 || missing.length > 0) {
    const parts = [
      ...(missing.length > 0 ? [`the CSV has no column ${missing.map((c) => `"${c}"`).join(' or ')}`] : []),
      ...(unknown.length > 0 ? [`unknown column${unknown.length === 1 ? '' : 's'} ${unknown.map((c) => `"${c}"`).join(', ')}`] : []),
    ];
    throw new AttuneError('ATTUNE_INVALID_REQUEST', {
      detail: `${parts.join('; ')}. The columns are ${itemColumns.join(', ')}, title.<locale> and attr.<name> (docs/catalog.md); nothing was stored`,
      field: '<file>',
    });
  }
}

async function importCsv(path: string, acc: ItemAccumulator, totalBytes: number, onProgress?: ImportProgress): Promise<void> {
  const parser = createReadStream(path).pipe(parse({ columns: (header: string[]) => {
    const columns = header.map((c) => c.trim());
    checkHeader(columns);
    return columns;
  }, bom: true, skip_empty_lines: true, relax_column_count: true, info: true }));
  for await (const record of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; bytes: number } }>) {
    const { record: row, info } = record;
    const read = itemFromRow(row);
    if (read.ok) await acc.add(read.input, info.lines);
    else acc.reject({ line: info.lines, code: 'ATTUNE_ITEM_INVALID', field: read.field, message: read.message });
    if (acc.rows % itemLimits.perCall === 0) onProgress?.({ bytes: info.bytes, totalBytes, rows: acc.rows });
  }
}

async function importJsonl(path: string, acc: ItemAccumulator, totalBytes: number, onProgress?: ImportProgress): Promise<void> {
  let bytes = 0;
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })) {
    line++;
    bytes += Buffer.byteLength(text) + 1;
    if (text.trim().length === 0) continue;
    let item: unknown;
    try {
      item = secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
    } catch (error) {
      acc.reject({ line, code: 'ATTUNE_MALFORMED_JSON', message: error instanceof Error ? error.message : 'not JSON' });
      continue;
    }
    await acc.add(item, line);
    if (line % itemLimits.perCall === 0) onProgress?.({ bytes, totalBytes, rows: acc.rows });
  }
}

export type ItemFileFormat = 'csv' | 'jsonl';

/** The format by the file's extension: .csv, or .jsonl / .ndjson / .json (one item per line). */
export function itemFileFormat(path: string): ItemFileFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'jsonl';
  throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${path}: name the file .csv or .jsonl so that its format is known`, field: '<file>' });
}

/**
 * Imports catalog items from a CSV file with a header row (columns in docs/catalog.md) or a
 * JSONL file (one item per line, as the admin API takes it), through the CatalogService, so
 * each row is checked as an API call is. Valid rows are created or replaced whole in chunks;
 * rejected rows are reported by line with the column (CSV) or JSON pointer (JSONL) at fault.
 * Importing the same file again updates every item and creates none.
 */
export async function importItems(path: string, catalog: CatalogService, workspace: Workspace, onProgress?: ImportProgress): Promise<ItemImportSummary> {
  const format = itemFileFormat(path);
  const totalBytes = (await stat(path)).size;
  const acc = new ItemAccumulator(catalog, workspace.id, format === 'csv' ? csvField : (pointer) => pointer);
  if (format === 'csv') await importCsv(path, acc, totalBytes, onProgress);
  else await importJsonl(path, acc, totalBytes, onProgress);
  await acc.flush();
  onProgress?.({ bytes: totalBytes, totalBytes, rows: acc.rows });
  return acc.summary();
}
