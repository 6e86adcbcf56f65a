import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { LoggedFeedback, LoggedRound } from '../core/ope/LoggedFeedback.js';

/** One campaign's logs of one logging policy of the Open Bandit Dataset (Saito et al. 2020). */
export interface OpenBanditLogs extends LoggedFeedback {
  /** The campaign, from the folder's name (men, women, all). */
  readonly campaign: string;
  /** Items of the campaign: the rows of item_context.csv (actions are item ids 0..nActions-1). */
  readonly nActions: number;
  /** Slots of the recommendation widget (3: left, centre, right). */
  readonly nPositions: number;
}

const required = ['item_id', 'position', 'click', 'propensity_score'] as const;

export interface ReadOpenBanditOptions {
  /**
   * Give every round a context: the user features one-hot (each feature's first value, in
   * sorted order, is the baseline, as OBP's get_dummies(drop_first=True)) followed by the
   * user-item affinities (OBP's "context set 2"). Off by default: it costs memory.
   */
  readonly context?: boolean;
  /** The flag named in errors (default --open-bandit). */
  readonly flag?: string;
}

/**
 * Reads `DIR/{campaign}.csv` and `DIR/item_context.csv` of one logging policy's campaign
 * folder (e.g. open-bandit/bts/men). As the Open Bandit Pipeline does, an action is the
 * item_id, the reward the click, the propensity the logged propensity_score, and the
 * positions 1, 2, 3 become 0, 1, 2 (dense ranks of the values found). The user features
 * and affinities are read only with `context: true`. Bad input throws an AttuneError naming
 * the flag.
 *
 * @example readOpenBandit('../shared/data/open-bandit/bts/men').rounds.length // 10000
 */
export function readOpenBandit(dir: string, options: ReadOpenBanditOptions = {}): OpenBanditLogs {
  const flag = options.flag ?? '--open-bandit';
  const campaign = basename(dir.replace(/[/\\]+$/, ''));
  const logFile = campaignFile(dir, campaign, flag);
  const nActions = dataLines(readText(join(dir, 'item_context.csv'), flag)).length - 1;
  if (nActions < 1) throw invalid(`${join(dir, 'item_context.csv')} lists no item`, flag);
  const text = readText(logFile, flag);
  const { rounds, nPositions } = parseOpenBanditLog(text, nActions, logFile, flag);
  if (options.context !== true) return { campaign, nActions, nPositions, rounds };
  const contexts = parseOpenBanditContext(text);
  return { campaign, nActions, nPositions, rounds: rounds.map((round, i) => ({ ...round, context: contexts[i]! })) };
}

/** The rounds of a campaign CSV (header with item_id, position, click, propensity_score). */
export function parseOpenBanditLog(text: string, nActions: number, file: string, flag: string): { rounds: LoggedRound[]; nPositions: number } {
  const lines = dataLines(text);
  const header = (lines[0] ?? '').split(',');
  const at = required.map((name) => header.indexOf(name));
  const absent = required.filter((_, i) => at[i] === -1);
  if (absent.length > 0) throw invalid(`${file} has no column ${absent.join(', ')} (found: ${header.join(', ')})`, flag);
  const [itemAt, positionAt, clickAt, propensityAt] = at as [number, number, number, number];
  const raw = lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    const row = i + 2;
    const action = Number(cells[itemAt]);
    const position = Number(cells[positionAt]);
    const reward = Number(cells[clickAt]);
    const cell = cells[propensityAt]?.trim() ?? '';
    if (!Number.isInteger(action) || action < 0 || action >= nActions) throw invalid(`${file} line ${row}: item_id must be an item of item_context.csv (0 to ${nActions - 1}), got "${cells[itemAt]}"`, flag);
    if (!Number.isInteger(position)) throw invalid(`${file} line ${row}: position must be an integer, got "${cells[positionAt]}"`, flag);
    if (reward !== 0 && reward !== 1) throw invalid(`${file} line ${row}: click must be 0 or 1, got "${cells[clickAt]}"`, flag);
    const propensity = cell === '' ? null : Number(cell);
    if (propensity !== null && !(propensity >= 0 && propensity <= 1)) throw invalid(`${file} line ${row}: propensity_score must be in [0, 1], got "${cell}"`, flag);
    return { action, position, reward, propensity };
  });
  const slots = [...new Set(raw.map((r) => r.position))].sort((a, b) => a - b);
  const slotOf = new Map(slots.map((value, rank) => [value, rank]));
  const rounds = raw.map((r): LoggedRound => ({ ...r, position: slotOf.get(r.position)! }));
  return { rounds, nPositions: slots.length };
}

/** Per row: the user features one-hot (first sorted value dropped), then the user-item affinities. */
export function parseOpenBanditContext(text: string): number[][] {
  const lines = dataLines(text);
  const header = (lines[0] ?? '').split(',');
  const categorical = header.flatMap((name, i) => (name.startsWith('user_feature') ? [i] : []));
  const numeric = header.flatMap((name, i) => (name.startsWith('user-item_affinity') ? [i] : []));
  const rows = lines.slice(1).map((line) => line.split(','));
  const levels = categorical.map((i) => [...new Set(rows.map((cells) => cells[i] ?? ''))].sort().slice(1));
  return rows.map((cells) => [
    ...categorical.flatMap((i, f) => levels[f]!.map((level) => (cells[i] === level ? 1 : 0))),
    ...numeric.map((i) => Number(cells[i])),
  ]);
}

/** `DIR/<campaign>.csv`, or else the folder's one CSV beside item_context.csv. */
function campaignFile(dir: string, campaign: string, flag: string): string {
  const named = join(dir, `${campaign}.csv`);
  if (existsSync(named)) return named;
  let others: string[];
  try {
    others = readdirSync(dir).filter((name) => name.endsWith('.csv') && name !== 'item_context.csv');
  } catch (error) {
    throw invalid(`cannot read the folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, flag, error);
  }
  if (others.length !== 1) throw invalid(`${dir} should hold item_context.csv and one campaign CSV (${campaign}.csv); found ${others.length === 0 ? 'none' : others.join(', ')}`, flag);
  return join(dir, others[0]!);
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw invalid(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, flag, error);
  }
}

function dataLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '');
}

function invalid(detail: string, field: string, cause?: unknown): AttuneError {
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${field}: ${detail}`, field, ...(cause === undefined ? {} : { cause }) });
}
