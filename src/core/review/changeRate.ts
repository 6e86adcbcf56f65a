import { compileRule } from '../rules/compileRule.js';
import type { ChangeLimits } from './ReviewPolicy.js';
import type { ReviewKind } from './ReviewKind.js';

/** The rolling window the change limits count over: a week. */
export const changeRateWindowMs = 7 * 24 * 60 * 60 * 1000;

/** What a published change touches, as the change-rate guard counts it. */
export interface ChangeTouches {
  readonly placements: readonly string[];
  readonly segments: readonly string[];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? value as Record<string, unknown> : {};
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The segments a rule reads (in_segment): none when it does not parse (the service refuses it anyway). */
function ruleSegments(rule: unknown): string[] {
  if (typeof rule !== 'string') return [];
  try {
    return [...compileRule(rule).segments];
  } catch {
    return [];
  }
}

const unique = (list: readonly string[]): string[] => [...new Set(list)].sort();

/**
 * What a change of one definition touches, before and after (a change that moves an action
 * from one placement to another changes both): a placement is touched by itself, by an action
 * that can fill it and by an experiment on it; a segment by itself and by an action whose rule
 * reads it (that changes what its members see). Features, metrics and the measurement settings
 * touch only the workspace.
 *
 * @example changeTouches('action', 'sale', { placements: ['home'] }, { placements: ['home', 'cart'], rule: 'in_segment("vip")' })
 * // { placements: ['cart', 'home'], segments: ['vip'] }
 */
export function changeTouches(kind: ReviewKind, id: string, before: unknown, after: unknown): ChangeTouches {
  const both = [record(before), record(after)];
  switch (kind) {
    case 'placement': return { placements: [id], segments: [] };
    case 'segment': return { placements: [], segments: [id] };
    case 'action': return { placements: unique(both.flatMap((d) => stringList(d['placements']))), segments: unique(both.flatMap((d) => ruleSegments(d['rule']))) };
    case 'experiment': return { placements: unique(both.flatMap((d) => (typeof d['placement'] === 'string' ? [d['placement']] : []))), segments: [] };
    default: return { placements: [], segments: [] };
  }
}

/** A limit a change would exceed: which one, for which subject, the limit and the changes already in the window. */
export interface ChangeRateExcess {
  readonly limit: 'placement' | 'segment' | 'workspace';
  readonly subject: string;
  readonly max: number;
  readonly count: number;
}

/**
 * The first limit a new change would exceed, or null: the changes published in the week
 * before `now` (from the version history) plus this one, counted per placement and segment it
 * touches and for the workspace. Placements first, then segments, then the workspace.
 *
 * @example changeRateExcess({ placement: 1 }, [{ at: 0, placements: ['home'], segments: [] }], { placements: ['home'], segments: [] }, 1000)
 * // { limit: 'placement', subject: 'home', max: 1, count: 1 }
 */
export function changeRateExcess(
  limits: ChangeLimits,
  recent: readonly (ChangeTouches & { readonly at: number })[],
  change: ChangeTouches,
  now: number,
): ChangeRateExcess | null {
  const inWindow = recent.filter((r) => r.at > now - changeRateWindowMs && r.at <= now);
  const check = (limit: 'placement' | 'segment', max: number | undefined, subjects: readonly string[], of: (r: ChangeTouches) => readonly string[]): ChangeRateExcess | null => {
    if (max === undefined) return null;
    for (const subject of subjects) {
      const count = inWindow.filter((r) => of(r).includes(subject)).length;
      if (count + 1 > max) return { limit, subject, max, count };
    }
    return null;
  };
  return check('placement', limits.placement, change.placements, (r) => r.placements)
    ?? check('segment', limits.segment, change.segments, (r) => r.segments)
    ?? (limits.workspace !== undefined && inWindow.length + 1 > limits.workspace ? { limit: 'workspace', subject: 'workspace', max: limits.workspace, count: inWindow.length } : null);
}
