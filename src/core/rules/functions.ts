import { readNumber } from '../common/readNumber.js';
import { finite, toMillis, type RuleType, type RuleValue } from './values.js';

/** What a rule can see besides its inputs: the time and the lookups of the workspace. */
export interface RuleEnvironment {
  /** Evaluation time, ms since the epoch (from the caller's injected clock). */
  readonly now: number;
  readonly inSegment?: (name: string) => boolean;
  readonly hasConsent?: (purpose: string) => boolean;
}

export interface RuleFunction {
  /** Parameter types; 'any' accepts everything. */
  readonly params: readonly RuleType[];
  readonly returns: RuleType;
  /** A literal string argument is checked against this list of known names, if the schema gives one. */
  readonly namesFrom?: 'segments' | 'consentPurposes';
  readonly call: (args: readonly RuleValue[], env: RuleEnvironment) => RuleValue;
}

const dayMs = 86_400_000;
const hourMs = 3_600_000;

function elapsed(unit: number) {
  return ([t]: readonly RuleValue[], env: RuleEnvironment): RuleValue => {
    const ms = toMillis(t ?? null);
    return ms === null ? null : finite(Math.floor((env.now - ms) / unit));
  };
}

function numeric(f: (n: number) => number) {
  return ([n]: readonly RuleValue[]): RuleValue => (typeof n === 'number' ? finite(f(n)) : null);
}

/** The built-in functions; the grammar has no user-defined functions. */
export const ruleFunctions: Readonly<Record<string, RuleFunction>> = {
  now: { params: [], returns: 'number', call: (_args, env) => finite(env.now) },
  days_since: { params: ['any'], returns: 'number', call: elapsed(dayMs) },
  hours_since: { params: ['any'], returns: 'number', call: elapsed(hourMs) },
  lower: { params: ['string'], returns: 'string', call: ([s]) => (typeof s === 'string' ? s.toLowerCase() : null) },
  upper: { params: ['string'], returns: 'string', call: ([s]) => (typeof s === 'string' ? s.toUpperCase() : null) },
  len: {
    params: ['any'],
    returns: 'number',
    call: ([x]) => {
      if (typeof x === 'string' || Array.isArray(x)) return x.length;
      if (typeof x === 'object' && x !== null) return Object.keys(x).length;
      return null;
    },
  },
  exists: { params: ['any'], returns: 'boolean', call: ([x]) => x !== null && x !== undefined },
  // Comparisons stay exact (a string never equals a number); this reads a numeric string as
  // features and metrics do (readNumber), for `number(event.properties.revenue) >= 100`.
  number: {
    params: ['any'], returns: 'number',
    call: ([x]) => {
      const n = readNumber(x);
      return typeof n === 'number' ? n : null;
    },
  },
  abs: { params: ['number'], returns: 'number', call: numeric(Math.abs) },
  round: { params: ['number'], returns: 'number', call: numeric(Math.round) },
  floor: { params: ['number'], returns: 'number', call: numeric(Math.floor) },
  ceil: { params: ['number'], returns: 'number', call: numeric(Math.ceil) },
  min: { params: ['number', 'number'], returns: 'number', call: ([a, b]) => (typeof a === 'number' && typeof b === 'number' ? Math.min(a, b) : null) },
  max: { params: ['number', 'number'], returns: 'number', call: ([a, b]) => (typeof a === 'number' && typeof b === 'number' ? Math.max(a, b) : null) },
  in_segment: {
    params: ['string'], returns: 'boolean', namesFrom: 'segments',
    call: ([name], env) => typeof name === 'string' && env.inSegment?.(name) === true,
  },
  has_consent: {
    params: ['string'], returns: 'boolean', namesFrom: 'consentPurposes',
    call: ([purpose], env) => typeof purpose === 'string' && env.hasConsent?.(purpose) === true,
  },
};
