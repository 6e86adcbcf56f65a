import { Type, type Static } from 'typebox';
import { parseDuration } from '../features/duration.js';

/**
 * Reads an own property only. Ids come from clients (interaction events) and from
 * definitions: `constructor` or `toString` must name nothing until set, never a method
 * inherited from Object.prototype.
 */
function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The actions a profile's cap state keeps; beyond it, the one shown longest ago is forgotten. */
export const MAX_CAPPED_ACTIONS = 500;

/** The most impressions a windowed cap may allow, and so the most timestamps kept per list. */
export const MAX_CAP = 100;
/** The longest rolling window or cool-down; older impressions and dismisses are dropped. */
export const MAX_WINDOW_MS = 90 * 86_400_000;
const DAY_BUCKETS_KEPT = 2;

const CapWindow = Type.String({
  pattern: '^(session|day|lifetime|\\d{1,5}[mhdw])$',
  description: 'A rolling window (30m, 1h, 24h, 7d, 30d, up to 90d), session (since the session started), day (the calendar day in the profile\'s time zone) or lifetime',
});

const WindowCap = Type.Object(
  {
    max: Type.Integer({ minimum: 1, maximum: MAX_CAP, description: 'Impressions allowed within the window' }),
    window: CapWindow,
  },
  { additionalProperties: false },
);
export type WindowCap = Static<typeof WindowCap>;

/**
 * The frequency caps of one action. Every cap present must pass; the first that does not, in
 * the order of the fields below, is reported.
 *
 * @example { "perProfile": [{ "max": 3, "window": "24h" }, { "max": 10, "window": "lifetime" }], "perChannelPerDay": 2, "dismissCooldown": "7d" }
 */
export const CapRules = Type.Object(
  {
    perProfile: Type.Optional(Type.Array(WindowCap, { maxItems: 6, description: 'Impressions of this action to one profile, per window' })),
    perPlacement: Type.Optional(Type.Array(WindowCap, { maxItems: 6, description: 'Impressions of this action to one profile in the placement asked for, per window' })),
    perChannelPerDay: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CAP, description: 'Impressions of any action on the channel asked for, to one profile, per calendar day in the profile\'s time zone, at which this action is no longer shown' })),
    dismissCooldown: Type.Optional(Type.String({ pattern: '^\\d{1,5}[mhdw]$', description: 'Time after the profile dismissed this action during which it is not shown (up to 90d)' })),
    clickCooldown: Type.Optional(Type.String({ pattern: '^\\d{1,5}[mhdw]$', description: 'Time after the profile clicked this action during which it is not shown again (up to 90d): the offer was taken' })),
    budget: Type.Optional(Type.Integer({ minimum: 1, description: 'Impressions of this action across all profiles (counted by the shell, passed as budgetUsed)' })),
  },
  { additionalProperties: false, title: 'CapRules' },
);
export type CapRules = Static<typeof CapRules>;

/** Problems the schema cannot express: rolling windows and cool-downs beyond 90d. Empty when valid. */
export function capRuleProblems(rules: CapRules): string[] {
  const problems: string[] = [];
  const windows = [...(rules.perProfile ?? []).map((c, i) => [`perProfile[${i}].window`, c.window] as const), ...(rules.perPlacement ?? []).map((c, i) => [`perPlacement[${i}].window`, c.window] as const)];
  for (const [where, window] of windows) {
    if (window === 'session' || window === 'day' || window === 'lifetime') continue;
    const ms = parseDuration(window);
    if (ms === null || ms > MAX_WINDOW_MS) problems.push(`${where}: ${window} is not a duration of at most 90d`);
  }
  for (const key of ['dismissCooldown', 'clickCooldown'] as const) {
    const value = rules[key];
    if (value === undefined) continue;
    const ms = parseDuration(value);
    if (ms === null || ms > MAX_WINDOW_MS) problems.push(`${key}: ${value} is not a duration of at most 90d`);
  }
  return problems;
}

/** Recent impression times (ascending, at most MAX_CAP, within MAX_WINDOW_MS) and a lifetime count (saturating at MAX_CAP). */
export interface ImpressionLog {
  t: number[];
  n: number;
}

export interface ActionCapState extends ImpressionLog {
  /** Per placement. */
  p: Record<string, ImpressionLog>;
  /** The last dismiss, while a cool-down may still need it. */
  d?: number;
  /** The last click, while a cool-down may still need it. */
  k?: number;
}

/**
 * What caps need to know about one profile: impressions per action and per action and
 * placement, impressions per channel per local calendar day, and the last dismiss per
 * action. Plain JSON; bounded by the number of actions, placements and channels.
 */
export interface CapState {
  a: Record<string, ActionCapState>;
  /** channel -> local day (YYYY-MM-DD) -> impressions, the latest two days. */
  c: Record<string, Record<string, number>>;
}

export function emptyCapState(): CapState {
  return { a: {}, c: {} };
}

export interface ImpressionInput {
  readonly actionId: string;
  readonly placementId: string;
  readonly channel: string;
  readonly at: number;
  /** The profile's IANA time zone; UTC when missing or unknown. */
  readonly timeZone?: string | null | undefined;
}

/** A dismiss or a click: what a cool-down starts from. */
export interface DismissInput {
  readonly actionId: string;
  readonly at: number;
}

export interface CapCheck {
  readonly actionId: string;
  readonly placementId: string;
  readonly channel: string;
  readonly now: number;
  readonly timeZone?: string | null | undefined;
  /** When the profile's live session started; none means the next impression starts one. */
  readonly sessionStart?: number | undefined;
  /** Impressions of the action across all profiles so far; required when the rules have a budget. */
  readonly budgetUsed?: number | undefined;
}

export type CapKind = 'perProfile' | 'perPlacement' | 'perChannelPerDay' | 'dismissCooldown' | 'clickCooldown' | 'budget';
export type CapResult = { readonly ok: true } | { readonly ok: false; readonly cap: CapKind; readonly detail: string };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string | null | undefined): Intl.DateTimeFormat {
  const zone = typeof timeZone === 'string' && timeZone !== '' ? timeZone : 'UTC';
  const cached = formatters.get(zone);
  if (cached !== undefined) return cached;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, calendar: 'gregory', numberingSystem: 'latn', year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    formatter = formatterFor('UTC');
  }
  // Zones come from profiles: keep the memo small.
  if (formatters.size >= 256) formatters.clear();
  formatters.set(zone, formatter);
  return formatter;
}

/**
 * The calendar day (`2026-03-29`) that the instant `ms` falls on in an IANA time zone; UTC for
 * a missing or unknown zone.
 */
export function localDay(ms: number, timeZone: string | null | undefined): string {
  // Since mid-1972 (Liberia's last odd offset) every zone's offset is a whole number of
  // quarter hours, so the local day cannot change inside a UTC quarter hour: one Intl
  // formatting per zone and quarter hour, the rest from the memo (a decision checks many
  // capped actions against the same few instants).
  if (ms < quarterHourOffsetsSince) return formatDay(ms, timeZone);
  const key = `${timeZone ?? ''}\u0000${Math.floor(ms / quarterHourMs)}`;
  const known = days.get(key);
  if (known !== undefined) return known;
  const day = formatDay(ms, timeZone);
  if (days.size >= 4096) days.clear();
  days.set(key, day);
  return day;
}

const quarterHourMs = 15 * 60_000;
const quarterHourOffsetsSince = Date.UTC(1972, 5, 1);
const days = new Map<string, string>();

function formatDay(ms: number, timeZone: string | null | undefined): string {
  let year = '';
  let month = '';
  let day = '';
  for (const part of formatterFor(timeZone).formatToParts(ms)) {
    if (part.type === 'year') year = part.value;
    else if (part.type === 'month') month = part.value;
    else if (part.type === 'day') day = part.value;
  }
  return `${year.padStart(4, '0')}-${month}-${day}`;
}

function record(log: ImpressionLog, at: number): void {
  const newest = log.t.length > 0 ? Math.max(log.t[log.t.length - 1]!, at) : at;
  let i = log.t.length;
  while (i > 0 && log.t[i - 1]! > at) i--;
  log.t.splice(i, 0, at);
  const fresh = log.t.filter((t) => t > newest - MAX_WINDOW_MS);
  log.t = fresh.slice(Math.max(0, fresh.length - MAX_CAP));
  log.n = Math.min(log.n + 1, MAX_CAP);
}

/** Records an impression, in place, and drops what no cap can still need. */
export function recordImpression(state: CapState, input: ImpressionInput): CapState {
  const action = actionState(state, input.actionId);
  record(action, input.at);
  const placement = own(action.p, input.placementId) ?? { t: [], n: 0 };
  action.p[input.placementId] = placement;
  record(placement, input.at);
  const days = own(state.c, input.channel) ?? {};
  const today = localDay(input.at, input.timeZone);
  days[today] = (own(days, today) ?? 0) + 1;
  const kept = Object.keys(days).sort().slice(-DAY_BUCKETS_KEPT);
  state.c[input.channel] = Object.fromEntries(kept.map((day) => [day, days[day]!]));
  if (action.d !== undefined && action.d <= input.at - MAX_WINDOW_MS) delete action.d;
  if (action.k !== undefined && action.k <= input.at - MAX_WINDOW_MS) delete action.k;
  return state;
}

/** The state of one action, created when missing; the state keeps at most MAX_CAPPED_ACTIONS actions. */
function actionState(state: CapState, actionId: string): ActionCapState {
  const existing = own(state.a, actionId);
  if (existing !== undefined) return existing;
  const ids = Object.keys(state.a);
  if (ids.length >= MAX_CAPPED_ACTIONS) {
    const last = (id: string) => Math.max(state.a[id]!.t[state.a[id]!.t.length - 1] ?? 0, state.a[id]!.d ?? 0, state.a[id]!.k ?? 0);
    const oldest = ids.reduce((a, b) => (last(b) < last(a) ? b : a));
    Reflect.deleteProperty(state.a, oldest);
  }
  const created: ActionCapState = { t: [], n: 0, p: {} };
  state.a[actionId] = created;
  return created;
}

/** Records that the profile dismissed an action, in place. */
export function recordDismiss(state: CapState, input: DismissInput): CapState {
  const action = actionState(state, input.actionId);
  if (action.d === undefined || input.at > action.d) action.d = input.at;
  return state;
}

/** Records that the profile clicked an action, in place. */
export function recordClick(state: CapState, input: DismissInput): CapState {
  const action = actionState(state, input.actionId);
  if (action.k === undefined || input.at > action.k) action.k = input.at;
  return state;
}

function duration(ms: number): string {
  if (ms >= 86_400_000) return `${Math.ceil(ms / 86_400_000)}d`;
  if (ms >= 3_600_000) return `${Math.ceil(ms / 3_600_000)}h`;
  return `${Math.max(1, Math.ceil(ms / 60_000))}m`;
}

/** Impressions of a log within a cap's window at `now`, or null for a malformed window. */
function countIn(log: ImpressionLog | undefined, window: string, check: CapCheck): number | null {
  const ms = window === 'lifetime' || window === 'session' || window === 'day' ? 0 : parseDuration(window);
  if (ms === null || ms > MAX_WINDOW_MS) return null;
  if (log === undefined) return 0;
  if (window === 'lifetime') return log.n;
  if (window === 'session') {
    const start = check.sessionStart;
    return start === undefined ? 0 : log.t.filter((t) => t >= start).length;
  }
  if (window === 'day') {
    const today = localDay(check.now, check.timeZone);
    // No local day is longer than 26 hours.
    return log.t.filter((t) => t > check.now - 26 * 3_600_000 && localDay(t, check.timeZone) === today).length;
  }
  return log.t.filter((t) => t > check.now - ms).length;
}

function checkWindows(caps: readonly WindowCap[] | undefined, log: ImpressionLog | undefined, check: CapCheck, kind: 'perProfile' | 'perPlacement', what: string): CapResult | null {
  for (const cap of caps ?? []) {
    const count = countIn(log, cap.window, check);
    if (count === null) return { ok: false, cap: kind, detail: `invalid window ${cap.window}` };
    if (count >= cap.max) {
      const span = cap.window === 'lifetime' ? 'in total' : cap.window === 'session' ? 'this session' : cap.window === 'day' ? 'today' : `in ${cap.window}`;
      return { ok: false, cap: kind, detail: `${count} of ${cap.max} impressions${what} ${span}` };
    }
  }
  return null;
}

/**
 * Whether one more impression of an action is allowed by its caps at `now`: `{ ok: true }`, or
 * the first cap that is hit and why (for the decision's explanation). Never throws.
 */
export function checkCaps(state: CapState, rules: CapRules, check: CapCheck): CapResult {
  const action = own(state.a, check.actionId);
  const perProfile = checkWindows(rules.perProfile, action, check, 'perProfile', '');
  if (perProfile !== null) return perProfile;
  const perPlacement = checkWindows(rules.perPlacement, action === undefined ? undefined : own(action.p, check.placementId), check, 'perPlacement', ` in placement ${check.placementId}`);
  if (perPlacement !== null) return perPlacement;
  if (rules.perChannelPerDay !== undefined) {
    const today = localDay(check.now, check.timeZone);
    const days = own(state.c, check.channel);
    const count = (days === undefined ? undefined : own(days, today)) ?? 0;
    if (count >= rules.perChannelPerDay) return { ok: false, cap: 'perChannelPerDay', detail: `${count} of ${rules.perChannelPerDay} impressions on channel ${check.channel} on ${today}` };
  }
  if (rules.dismissCooldown !== undefined) {
    const ms = parseDuration(rules.dismissCooldown);
    if (ms === null || ms > MAX_WINDOW_MS) return { ok: false, cap: 'dismissCooldown', detail: `invalid cool-down ${rules.dismissCooldown}` };
    if (action?.d !== undefined && check.now < action.d + ms) {
      return { ok: false, cap: 'dismissCooldown', detail: `dismissed ${duration(check.now - action.d)} ago; cool-down ${rules.dismissCooldown}, ${duration(action.d + ms - check.now)} left` };
    }
  }
  if (rules.clickCooldown !== undefined) {
    const ms = parseDuration(rules.clickCooldown);
    if (ms === null || ms > MAX_WINDOW_MS) return { ok: false, cap: 'clickCooldown', detail: `invalid cool-down ${rules.clickCooldown}` };
    if (action?.k !== undefined && check.now < action.k + ms) {
      return { ok: false, cap: 'clickCooldown', detail: `clicked ${duration(check.now - action.k)} ago; cool-down ${rules.clickCooldown}, ${duration(action.k + ms - check.now)} left` };
    }
  }
  if (rules.budget !== undefined) {
    if (check.budgetUsed === undefined) return { ok: false, cap: 'budget', detail: `budget of ${rules.budget} impressions; usage unknown` };
    if (check.budgetUsed >= rules.budget) return { ok: false, cap: 'budget', detail: `${check.budgetUsed} of ${rules.budget} impressions of the budget used` };
  }
  return { ok: true };
}

function mergeLogs(a: ImpressionLog | undefined, b: ImpressionLog | undefined): ImpressionLog {
  const times = [...(a?.t ?? []), ...(b?.t ?? [])].sort((x, y) => x - y);
  const newest = times.length > 0 ? times[times.length - 1]! : 0;
  const fresh = times.filter((t) => t > newest - MAX_WINDOW_MS);
  return { t: fresh.slice(Math.max(0, fresh.length - MAX_CAP)), n: Math.min((a?.n ?? 0) + (b?.n ?? 0), MAX_CAP) };
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/**
 * The cap state of a profile that absorbs another (an anonymous visitor who logs in): both
 * profiles' impressions count, as if one person had seen them all, and the later dismiss and
 * click win. A new object; the inputs are not changed.
 */
export function mergeCapStates(a: CapState | undefined, b: CapState | undefined): CapState {
  const merged = emptyCapState();
  for (const id of new Set([...Object.keys(a?.a ?? {}), ...Object.keys(b?.a ?? {})])) {
    const x = a === undefined ? undefined : own(a.a, id);
    const y = b === undefined ? undefined : own(b.a, id);
    const placements: Record<string, ImpressionLog> = {};
    for (const p of new Set([...Object.keys(x?.p ?? {}), ...Object.keys(y?.p ?? {})])) placements[p] = mergeLogs(x === undefined ? undefined : own(x.p, p), y === undefined ? undefined : own(y.p, p));
    const action: ActionCapState = { ...mergeLogs(x, y), p: placements };
    const d = later(x?.d, y?.d);
    const k = later(x?.k, y?.k);
    if (d !== undefined) action.d = d;
    if (k !== undefined) action.k = k;
    merged.a[id] = action;
  }
  for (const channel of new Set([...Object.keys(a?.c ?? {}), ...Object.keys(b?.c ?? {})])) {
    const days: Record<string, number> = {};
    for (const source of [a === undefined ? undefined : own(a.c, channel), b === undefined ? undefined : own(b.c, channel)]) {
      for (const [day, n] of Object.entries(source ?? {})) days[day] = (own(days, day) ?? 0) + n;
    }
    const kept = Object.keys(days).sort().slice(-DAY_BUCKETS_KEPT);
    merged.c[channel] = Object.fromEntries(kept.map((day) => [day, days[day]!]));
  }
  return merged;
}
