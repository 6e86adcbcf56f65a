import { addClick, createSessionIndex, type SessionIndex } from './SessionIndex.js';
import { createSequentialRules, learnClick, type SequentialRules } from './SequentialRules.js';

/** The session index and the sequential rules, fed by the same clicks: what the live server keeps per workspace. */
export interface SessionModels {
  readonly index: SessionIndex;
  readonly rules: SequentialRules;
}

/** A session's click, for training from a log. */
export interface SessionClick {
  readonly session: string;
  readonly item: number;
  /** Unix seconds. */
  readonly time: number;
}

export function createSessionModels(options: { steps?: number } = {}): SessionModels {
  return { index: createSessionIndex(), rules: createSequentialRules(options) };
}

/** One click into both models; the live server calls this per `Product Viewed`. */
export function recordSessionClick(models: SessionModels, click: SessionClick): void {
  const before = addClick(models.index, click.session, click.item, click.time);
  learnClick(models.rules, before, click.item);
}

/**
 * Models from a log of clicks, each session's clicks in time order (sessions may interleave).
 *
 * @example trainSessionModels([{ session: 's1', item: 0, time: 1 }, { session: 's1', item: 4, time: 2 }])
 */
export function trainSessionModels(clicks: Iterable<SessionClick>, options: { steps?: number } = {}): SessionModels {
  const models = createSessionModels(options);
  for (const click of clicks) recordSessionClick(models, click);
  return models;
}
