import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { Interaction, InteractionData } from '../core/recommend/Recommender.js';

/** The roles a column can play, and the header names each role is found under by default. */
const defaultNames = {
  user: ['user_id', 'userid', 'user', 'sessionid', 'session_id', 'session'],
  item: ['item_id', 'itemid', 'item', 'product_id', 'movie_id', 'movieid'],
  rating: ['rating', 'weight', 'value'],
  time: ['timestamp', 'time', 'ts', 'date'],
  category: ['category', 'category_path', 'genre'],
} as const;

export type ColumnRole = keyof typeof defaultNames;
export type ColumnMap = Partial<Record<ColumnRole, string>>;

/** How the file was read: named columns, MovieLens u.data or u.item (no header). */
export type FileFormat = 'header' | 'movielens-u.data' | 'movielens-u.item';

export interface ReadInteractions {
  readonly data: InteractionData;
  readonly format: FileFormat;
  readonly rows: number;
}

/**
 * `--columns user=userId,item=movieId,time=ts`: other header names for the roles. A usage
 * error names the flag.
 */
export function parseColumnMap(text: string): ColumnMap {
  const map: ColumnMap = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [role, name] = part.split('=', 2).map((p) => p.trim()) as [string, string | undefined];
    if (!(role in defaultNames) || name === undefined || name === '') {
      throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `--columns takes role=column pairs with roles ${Object.keys(defaultNames).join(', ')}; got "${part}"`, field: '--columns' });
    }
    map[role as ColumnRole] = name;
  }
  return map;
}

function readRecords(file: string, flag: string): { records: string[][]; delimiter: string } {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (error) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, field: flag });
  }
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  const delimiter = firstLine.includes('\t') ? '\t' : firstLine.includes('|') ? '|' : firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  try {
    const records = parse(text, { delimiter, skip_empty_lines: true, relax_column_count: true, relax_quotes: true, trim: true }) as string[][];
    return { records, delimiter };
  } catch (error) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${file}: ${(error as Error).message}`, field: flag, cause: error });
  }
}

const isNumeric = (cell: string | undefined) => cell !== undefined && cell !== '' && Number.isFinite(Number(cell));

/** Column positions of the roles from a header row (mapped names first), or null for a role that is absent. */
function locate(header: readonly string[], columns: ColumnMap, roles: readonly ColumnRole[]): Partial<Record<ColumnRole, number>> {
  const lower = header.map((h) => h.toLowerCase());
  const found: Partial<Record<ColumnRole, number>> = {};
  for (const role of roles) {
    const mapped = columns[role];
    const at = mapped === undefined ? lower.findIndex((h) => (defaultNames[role] as readonly string[]).includes(h)) : header.indexOf(mapped);
    if (mapped !== undefined && at < 0) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `no column "${mapped}" (--columns ${role}=...) in ${header.join(', ')}`, field: '--columns' });
    if (at >= 0) found[role] = at;
  }
  return found;
}

/** Seconds from a number (unix seconds; milliseconds when it is too large for seconds) or an ISO date. */
function readTime(cell: string | undefined): number | null {
  if (cell === undefined || cell === '') return 0;
  if (isNumeric(cell)) {
    const n = Number(cell);
    return n > 1e11 ? n / 1000 : n;
  }
  const parsed = Date.parse(cell);
  return Number.isNaN(parsed) ? null : parsed / 1000;
}

/**
 * Reads a file of interactions: CSV or TSV with a header (`user_id,item_id,rating,timestamp`,
 * other names through `columns`), MovieLens `u.data` (tab-separated, no header), or a session
 * file (`SessionId ItemId Time`: the session plays the user). Rating and time are optional;
 * each row is one interaction, its weight the rating (1 without one).
 */
export function readInteractions(file: string, columns: ColumnMap = {}, flag = '--interactions'): ReadInteractions {
  const { records, delimiter } = readRecords(file, flag);
  const first = records[0];
  if (first === undefined) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${file} is empty`, field: flag });
  const headerless = delimiter === '\t' && first.length >= 2 && first.every(isNumeric);
  const format: FileFormat = headerless ? 'movielens-u.data' : 'header';
  const at: Partial<Record<ColumnRole, number>> = headerless ? { user: 0, item: 1, rating: 2, time: 3 } : locate(first, columns, ['user', 'item', 'rating', 'time']);
  if (at.user === undefined || at.item === undefined) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${file}: the header needs user and item columns (user_id, item_id; or --columns user=...,item=...), got ${first.join(', ')}`, field: flag });
  }
  const users = new Map<string, number>();
  const items = new Map<string, number>();
  const interactions: Interaction[] = [];
  const indexOf = (map: Map<string, number>, id: string) => {
    let index = map.get(id);
    if (index === undefined) map.set(id, (index = map.size));
    return index;
  };
  for (let row = headerless ? 0 : 1; row < records.length; row++) {
    const record = records[row]!;
    const line = row + 1;
    const user = record[at.user];
    const item = record[at.item];
    if (user === undefined || user === '' || item === undefined || item === '') throw rowError(file, flag, line, 'a user and an item are required');
    const rating = at.rating === undefined ? '1' : record[at.rating];
    const weight = rating === undefined || rating === '' ? 1 : Number(rating);
    if (!Number.isFinite(weight)) throw rowError(file, flag, line, `the rating "${rating}" is not a number`);
    const time = readTime(at.time === undefined ? undefined : record[at.time]);
    if (time === null) throw rowError(file, flag, line, `the time "${record[at.time!]}" is neither unix seconds nor an ISO date`);
    interactions.push({ user: indexOf(users, user), item: indexOf(items, item), weight, time });
  }
  return { data: { userIds: [...users.keys()], itemIds: [...items.keys()], interactions }, format, rows: interactions.length };
}

function rowError(file: string, flag: string, line: number, why: string): AttuneError {
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${file} line ${line}: ${why}`, field: flag });
}

/**
 * Reads an item file's categories: CSV or TSV with a header (`item_id,category`, or through
 * `columns`), or MovieLens `u.item` (`|`-separated, no header: the first genre flagged).
 */
export function readItemCategories(file: string, columns: ColumnMap = {}): Map<string, string> {
  const { records, delimiter } = readRecords(file, '--items');
  const first = records[0] ?? [];
  const categories = new Map<string, string>();
  if (delimiter === '|' && isNumeric(first[0])) {
    // u.item: id | title | release | video release | url | 19 genre flags.
    for (const record of records) {
      const flags = record.slice(-19);
      const genre = flags.indexOf('1');
      if (record[0] !== undefined) categories.set(record[0], genre < 0 ? 'unknown' : `genre-${genre}`);
    }
    return categories;
  }
  const at = locate(first, columns, ['item', 'category']);
  if (at.item === undefined || at.category === undefined) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${file}: the header needs item_id and category columns (or --columns item=...,category=...)`, field: '--items' });
  }
  for (const record of records.slice(1)) {
    const item = record[at.item];
    const category = record[at.category];
    if (item !== undefined && item !== '' && category !== undefined && category !== '') categories.set(item, category);
  }
  return categories;
}
