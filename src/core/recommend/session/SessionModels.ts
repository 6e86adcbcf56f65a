import { addClick, createSessionIndex, removeOldestSession, type IndexedSession, type SessionIndex } from './SessionIndex.js';
import { createSequentialRules, learnClick, unlearnSession, type SequentialRules } from './SequentialRules.js';

/** The session index and the sequential rules, fed by the same clicks: what the live server keeps per workspace. */
export interface SessionModels {
  readonly index: SessionIndex;
  readonly rules: SequentialRules;
  /**
   * The most sessions kept (unbounded when absent): past it, the session that started first
   * is dropped from the index and its clicks are taken back from the rules.
   */
  readonly maxSessions?: number;
}

export interface SessionModelOptions {
  readonly steps?: number;
  readonly maxSessions?: number;
}

/** A session's click, for training from a log. */
export interface SessionClick {
  readonly session: string;
  readonly item: number;
  /** Unix seconds. */
  readonly time: number;
}

export function createSessionModels(options: SessionModelOptions = {}): SessionModels {
  const { maxSessions } = options;
  if (maxSessions !== undefined && !(Number.isInteger(maxSessions) && maxSessions >= 1)) throw new RangeError(`maxSessions must be a positive integer, got ${maxSessions}`);
  return { index: createSessionIndex(), rules: createSequentialRules(options), ...(maxSessions === undefined ? {} : { maxSessions }) };
}

/**
 * One click into both models; the live server calls this per `Product Viewed`. Returns the
 * sessions a bounded model dropped to make room (usually none, at most one).
 */
export function recordSessionClick(models: SessionModels, click: SessionClick): IndexedSession[] {
  const before = addClick(models.index, click.session, click.item, click.time);
  learnClick(models.rules, before, click.item);
  const dropped: IndexedSession[] = [];
  while (models.maxSessions !== undefined && models.index.byKey.size > models.maxSessions) {
    const oldest = removeOldestSession(models.index)!;
    unlearnSession(models.rules, oldest.items);
    dropped.push(oldest);
  }
  return dropped;
}

/**
 * Models from a log of clicks, each session's clicks in time order (sessions may interleave).
 *
 * @example trainSessionModels([{ session: 's1', item: 0, time: 1 }, { session: 's1', item: 4, time: 2 }])
 */
export function trainSessionModels(clicks: Iterable<SessionClick>, options: SessionModelOptions = {}): SessionModels {
  const models = createSessionModels(options);
  for (const click of clicks) recordSessionClick(models, click);
  return models;
}
