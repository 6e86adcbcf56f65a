import { AttuneError } from '../errors/AttuneError.js';
import { DAY_MS, dayOf } from './qualityCounters.js';

/** A period of whole UTC days, both ends included, as reports take it. */
export interface DayPeriodInput {
  /** `YYYY-MM-DD`; default `defaultDays - 1` days before `to`. */
  readonly from?: string;
  /** `YYYY-MM-DD`; default the day of `now` (UTC). */
  readonly to?: string;
}

export interface DayPeriod {
  readonly fromDay: number;
  readonly toDay: number;
  /** The first millisecond of `from`. */
  readonly since: number;
  /** The first millisecond after `to`. */
  readonly until: number;
}

function readDay(value: string, field: string): number {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { field, detail: `${field.slice(1)} "${value}" is not a date (YYYY-MM-DD)` });
  }
  return dayOf(ms);
}

/**
 * Reads a report's period, refusing a date that is not one, `from` after `to` and more than
 * `maxDays` days, with the field at fault.
 *
 * @example dayPeriod({ from: '2026-12-01', to: '2026-12-07' }, now, 7, 366) // since 2026-12-01T00:00Z, until 2026-12-08T00:00Z
 */
export function dayPeriod(input: DayPeriodInput, now: number, defaultDays: number, maxDays: number): DayPeriod {
  const toDay = input.to === undefined ? dayOf(now) : readDay(input.to, '/to');
  const fromDay = input.from === undefined ? toDay - (defaultDays - 1) : readDay(input.from, '/from');
  if (fromDay > toDay) throw new AttuneError('ATTUNE_INVALID_REQUEST', { field: '/from', detail: `from ${input.from ?? ''} is after to` });
  if (toDay - fromDay + 1 > maxDays) throw new AttuneError('ATTUNE_INVALID_REQUEST', { field: '/from', detail: `a report covers at most ${maxDays} days` });
  return { fromDay, toDay, since: fromDay * DAY_MS, until: (toDay + 1) * DAY_MS };
}
