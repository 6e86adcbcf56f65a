import { numberOrNote, readNumber, type UnreadableSink } from '../common/readNumber.js';
import type { CallType } from '../events/callTypes.js';
import { compileRule, type CompiledRule } from '../rules/compileRule.js';
import { RuleError } from '../rules/RuleError.js';
import { toRuleValue, type RuleValue } from '../rules/values.js';
import {
  decayedScore, distinctCount, lifetimeEdge, lifetimeNumeric, windowedEdge, windowedNumeric,
  type Aggregator, type FeatureState,
} from './aggregators.js';
import { parseDuration } from './duration.js';
import { aggregates, type FeatureDefinition } from './FeatureDefinition.js';

/** An event as features see it: its type, track name, corrected time and the stored call. */
export interface FeatureEvent {
  readonly type: CallType;
  readonly name: string | null;
  readonly timestamp: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/** Feature states of one profile, by feature name. */
export type FeatureStates = Record<string, FeatureState>;

export class FeatureDefinitionError extends Error {
  override readonly name = 'FeatureDefinitionError';
  constructor(readonly feature: string, readonly field: string, message: string, readonly rule?: RuleError) {
    super(`feature "${feature}": ${field}: ${message}`);
  }
}

interface CompiledFeature {
  readonly name: string;
  readonly types: ReadonlySet<CallType> | null;
  readonly events: ReadonlySet<string> | null;
  readonly where: CompiledRule | null;
  readonly property: readonly string[] | null;
  /** The dotted property path, as written: how an unreadable value is reported. */
  readonly propertyPath: string;
  readonly weight: readonly string[] | null;
  readonly weightPath: string;
  readonly numeric: boolean;
  readonly aggregator: Aggregator;
}

/** The compiled features of a workspace: update on each event, read at any time. */
export interface FeatureSet {
  readonly names: readonly string[];
  /**
   * Applies one event to a profile's states, in place; returns the names of the features it
   * changed. A numeric value (sum, min, max, a decayed weight) that is present but cannot be
   * read (`readNumber`) is skipped, not taken as 0, and reported in `unreadable` when given.
   */
  update(states: FeatureStates, event: FeatureEvent, unreadable?: UnreadableSink): string[];
  /** Every feature's value at `now`. */
  read(states: FeatureStates, now: number): Record<string, RuleValue>;
  readOne(states: FeatureStates, name: string, now: number): RuleValue;
  /** The states of a profile that absorbs another. */
  merge(survivor: FeatureStates, absorbed: FeatureStates): FeatureStates;
}

function pathOf(dotted: string | undefined): readonly string[] | null {
  return dotted === undefined ? null : dotted.split('.');
}

/** The value at a dotted path (own properties only); undefined when there is none. */
function rawAt(body: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let current: unknown = body;
  for (const part of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function copy(state: FeatureState | undefined): FeatureState | undefined {
  return state === undefined ? undefined : (JSON.parse(JSON.stringify(state)) as FeatureState);
}

function aggregatorFor(def: FeatureDefinition, windowMs: number | null, maxKeys: number, fail: (field: string, message: string) => never): Aggregator {
  switch (def.aggregate) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return windowMs === null ? lifetimeNumeric(def.aggregate) : windowedNumeric(def.aggregate, windowMs);
    case 'first':
    case 'last':
      return windowMs === null ? lifetimeEdge(def.aggregate) : windowedEdge(def.aggregate, windowMs);
    case 'distinct_count':
      return distinctCount(windowMs, maxKeys);
    case 'decayed': {
      if (windowMs !== null) fail('window', 'a decayed score has a half-life, not a window');
      const halfLife = def.halfLife === undefined ? fail('halfLife', 'decayed needs a halfLife such as 14d') : parseDuration(def.halfLife) ?? fail('halfLife', `"${def.halfLife}" is not a duration`);
      return decayedScore(halfLife, maxKeys);
    }
    default:
      return fail('aggregate', `unknown aggregate "${String(def.aggregate)}"; one of ${aggregates.join(', ')}`);
  }
}

/** The name pattern of FeatureDefinition, checked here too: definitions may reach the compiler unvalidated. */
const featureName = /^[a-z][a-z0-9_]{0,63}$/;

function compileOne(def: FeatureDefinition): CompiledFeature {
  const fail = (field: string, message: string): never => {
    throw new FeatureDefinitionError(def.name, field, message);
  };
  if (!featureName.test(def.name)) fail('name', 'a name is a lower-case letter, then up to 63 lower-case letters, digits or _');
  if (!(aggregates as readonly string[]).includes(def.aggregate)) fail('aggregate', `unknown aggregate "${String(def.aggregate)}"; one of ${aggregates.join(', ')}`);
  const windowMs = def.window === undefined || def.window === 'lifetime' ? null : parseDuration(def.window) ?? fail('window', `"${def.window}" is not a duration such as 7d`);
  const needsProperty = def.aggregate !== 'count';
  if (needsProperty && def.property === undefined) fail('property', `${def.aggregate} needs a property (e.g. properties.revenue)`);
  if (!needsProperty && def.property !== undefined) fail('property', 'count counts events; remove property, or use distinct_count');
  if (def.weight !== undefined && def.aggregate !== 'decayed') fail('weight', 'only decayed features take a weight');
  if (def.maxKeys !== undefined) {
    if (def.aggregate !== 'decayed' && def.aggregate !== 'distinct_count') fail('maxKeys', 'only decayed and distinct_count features keep keys');
    if (!Number.isInteger(def.maxKeys) || def.maxKeys < 1 || def.maxKeys > 1000) fail('maxKeys', 'a whole number from 1 to 1000');
  }
  const maxKeys = def.maxKeys ?? 50;
  const aggregator = aggregatorFor(def, windowMs, maxKeys, fail);
  if (def.halfLife !== undefined && def.aggregate !== 'decayed') fail('halfLife', 'only decayed features have a half-life');
  let where: CompiledRule | null = null;
  if (def.where !== undefined) {
    try {
      where = compileRule(def.where, { roots: ['event'] });
    } catch (error) {
      if (error instanceof RuleError) throw new FeatureDefinitionError(def.name, 'where', error.message, error);
      throw error;
    }
  }
  const types = def.types !== undefined ? new Set(def.types) : def.events !== undefined ? new Set<CallType>(['track']) : null;
  return {
    name: def.name,
    types,
    events: def.events === undefined ? null : new Set(def.events),
    where,
    property: pathOf(def.property),
    propertyPath: def.property ?? '',
    weight: pathOf(def.weight),
    weightPath: def.weight ?? '',
    numeric: def.aggregate === 'sum' || def.aggregate === 'min' || def.aggregate === 'max',
    aggregator,
  };
}

/**
 * Compiles a workspace's feature definitions. Throws FeatureDefinitionError, naming the
 * feature and field, for a definition that cannot work.
 *
 * @example compileFeatures([{ name: 'orders_90d', aggregate: 'count', events: ['Order Completed'], window: '90d' }])
 */
export function compileFeatures(definitions: readonly FeatureDefinition[]): FeatureSet {
  const seen = new Set<string>();
  for (const def of definitions) {
    if (seen.has(def.name)) throw new FeatureDefinitionError(def.name, 'name', 'two features have this name');
    seen.add(def.name);
  }
  const features = definitions.map(compileOne);
  const byName = new Map(features.map((f) => [f.name, f]));
  const stateOf = (states: FeatureStates, name: string) => (Object.hasOwn(states, name) ? states[name] : undefined);

  return {
    names: features.map((f) => f.name),
    update(states, event, unreadable) {
      const changed: string[] = [];
      for (const f of features) {
        if (f.types !== null && !f.types.has(event.type)) continue;
        if (f.events !== null && (event.name === null || !f.events.has(event.name))) continue;
        if (f.where !== null && !f.where.matches({ now: event.timestamp, event: event.body })) continue;
        let value: RuleValue = 1;
        if (f.property !== null) {
          const raw = rawAt(event.body, f.property);
          value = f.numeric ? numberOrNote(readNumber(raw), f.propertyPath, unreadable) : toRuleValue(raw);
          if (value === null || typeof value === 'object') continue;
        }
        const weight = f.weight === null ? 1 : numberOrNote(readNumber(rawAt(event.body, f.weight)), f.weightPath, unreadable);
        if (weight === null) continue;
        states[f.name] = f.aggregator.add(stateOf(states, f.name), value, weight, event.timestamp);
        changed.push(f.name);
      }
      return changed;
    },
    read(states, now) {
      // A loop, not Object.fromEntries: this runs on every event. Names match featureName
      // (no `__proto__`), so assigning defines an own property as fromEntries would.
      const values: Record<string, RuleValue> = {};
      for (const f of features) values[f.name] = f.aggregator.read(stateOf(states, f.name), now);
      return values;
    },
    readOne(states, name, now) {
      const f = byName.get(name);
      return f === undefined ? null : f.aggregator.read(stateOf(states, name), now);
    },
    merge(survivor, absorbed) {
      const merged: FeatureStates = {};
      for (const f of features) {
        const [a, b] = [stateOf(survivor, f.name), stateOf(absorbed, f.name)];
        // A state taken whole is copied: states are updated in place, and the inputs must not change.
        const state = a === undefined ? copy(b) : b === undefined ? copy(a) : f.aggregator.merge(a, b);
        if (state !== undefined) merged[f.name] = state;
      }
      return merged;
    },
  };
}
