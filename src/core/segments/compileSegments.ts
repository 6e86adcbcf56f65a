import type { Node } from '../rules/ast.js';
import { compileRule, ruleRoots, type CompiledRule, type RuleInput, type RuleSchema } from '../rules/compileRule.js';
import { parseRule } from '../rules/parser.js';
import { RuleError } from '../rules/RuleError.js';
import type { SegmentDefinition } from './SegmentDefinition.js';
import { WatchIndex, watchOf, type ChangedValues, type SegmentWatch } from './segmentWatch.js';

export class SegmentDefinitionError extends Error {
  override readonly name = 'SegmentDefinitionError';
  constructor(readonly segment: string, readonly field: string, message: string, readonly rule?: RuleError) {
    super(`segment "${segment}": ${message}`);
  }
}

/** What a segment's membership depends on, from its rule. */
export interface SegmentInputs {
  readonly features: ReadonlySet<string>;
  /** The rule reads `features` as a whole or by a computed name (`features[x]`): any feature may change it. */
  readonly allFeatures: boolean;
  readonly profile: boolean;
  readonly session: boolean;
  readonly consent: boolean;
  readonly segments: ReadonlySet<string>;
  /** The rule reads the request context: it is evaluated at decision time, never stored. */
  readonly context: boolean;
  /** The value changes with time alone (days_since, now, a clock field): re-evaluated when read. */
  readonly clock: boolean;
}

export interface SegmentOptions {
  /**
   * Fields whose value changes with time alone, as the result of now() does: windowed and
   * decayed features, features derived from the clock, the session (it expires). A segment
   * reading one, or a part of one, or the root above one, is treated as reading the clock.
   * `timeDependentFields` lists them for a workspace's features.
   */
  readonly clockFields?: readonly string[];
}

export interface CompiledSegment {
  readonly id: string;
  readonly name: string;
  readonly rule: CompiledRule;
  readonly inputs: SegmentInputs;
  readonly watch: SegmentWatch;
}

/** What an event changed on a profile; segments that read none of it keep their membership. */
export interface ChangedInputs {
  readonly features: ReadonlySet<string>;
  readonly profile: boolean;
  readonly session: boolean;
  readonly consent: boolean;
}

/** Segment id -> entered at (ms). */
export type Memberships = Record<string, number>;

export interface MembershipChange {
  readonly segment: string;
  readonly kind: 'enter' | 'leave';
  readonly at: number;
  /** Why, when not the segment's rule: `consent`, the person withheld personalization (they leave every segment). */
  readonly reason?: MembershipChangeReason;
}

/** The reasons a membership changes other than its rule; stored with the change. */
export type MembershipChangeReason = 'consent';

/** Whether reading `path` reads some of `field`: the same path, a part of it, or a path above it. */
function overlaps(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || field.startsWith(`${path}.`);
}

function inputsOf(rule: CompiledRule, clockFields: readonly string[]): SegmentInputs {
  const features = new Set<string>();
  let allFeatures = false;
  for (const path of rule.reads) {
    const [root, name] = path.split('.');
    if (root !== 'features') continue;
    if (name === undefined) allFeatures = true;
    else features.add(name);
  }
  return {
    features,
    allFeatures,
    profile: rule.roots.includes('profile'),
    session: rule.roots.includes('session'),
    consent: rule.usesConsent,
    segments: new Set(rule.segments),
    context: rule.roots.includes('context'),
    // Predictions change with time (recency, tenure) and with each retrained model: like the clock.
    clock: rule.usesClock || rule.roots.includes('predictions') || rule.reads.some((path) => clockFields.some((field) => overlaps(path, field))),
  };
}

/**
 * The argument of an in_segment() call that is not a literal id, if any: a computed id would
 * hide the segment's dependencies (its order, its re-evaluation, cycles).
 */
function computedSegmentArgument(node: Node): Node | null {
  switch (node.kind) {
    case 'literal':
    case 'path': return null;
    case 'list': {
      for (const item of node.items) {
        const found = computedSegmentArgument(item);
        if (found !== null) return found;
      }
      return null;
    }
    case 'member': return computedSegmentArgument(node.object);
    case 'index': return computedSegmentArgument(node.object) ?? computedSegmentArgument(node.index);
    case 'call': {
      for (const arg of node.args) {
        if (node.name === 'in_segment' && arg.kind !== 'literal') return arg;
        const found = computedSegmentArgument(arg);
        if (found !== null) return found;
      }
      return null;
    }
    case 'not':
    case 'negate': return computedSegmentArgument(node.operand);
    case 'and':
    case 'or':
    case 'binary': return computedSegmentArgument(node.left) ?? computedSegmentArgument(node.right);
  }
}

function compileSegmentRule(def: SegmentDefinition, schema: RuleSchema, ids: readonly string[]): CompiledRule {
  try {
    // Segments read profile, features, session and context; never `event`, which no change flag covers.
    const roots = (schema.roots ?? ruleRoots).filter((root) => root !== 'event');
    const rule = compileRule(def.rule, { ...schema, roots, segments: ids });
    // compileRule has parsed the same source without an error, so this parse succeeds.
    const computed = computedSegmentArgument(parseRule(def.rule));
    if (computed !== null) {
      throw new RuleError('type', 'in_segment() takes a segment id in quotes, so that the segments it depends on are known when it is saved', def.rule, computed.span);
    }
    return rule;
  } catch (error) {
    if (error instanceof RuleError) throw new SegmentDefinitionError(def.id, 'rule', error.message, error);
    throw error;
  }
}

/**
 * The compiled segments of a workspace, in dependency order (a segment after the segments
 * its rule reads with in_segment; otherwise in definition order). A cycle, a rule that does
 * not compile, a reference to an unknown segment or a computed one (`in_segment(x)`), and a
 * rule reading `event` are SegmentDefinitionErrors.
 */
export class SegmentSet {
  readonly ordered: readonly CompiledSegment[];
  private readonly byId: ReadonlyMap<string, CompiledSegment>;

  constructor(definitions: readonly SegmentDefinition[], schema: RuleSchema, options: SegmentOptions = {}) {
    const ids = definitions.map((d) => d.id);
    const clockFields = options.clockFields ?? [];
    const compiled = new Map<string, CompiledSegment>();
    for (const def of definitions) {
      if (compiled.has(def.id)) throw new SegmentDefinitionError(def.id, 'id', 'two segments have this id');
      const rule = compileSegmentRule(def, schema, ids);
      compiled.set(def.id, { id: def.id, name: def.name, rule, inputs: inputsOf(rule, clockFields), watch: watchOf(rule) });
    }
    this.byId = compiled;
    this.ordered = topologicalOrder(compiled);
    const dynamic = new Set<string>();
    const contextual = new Set<string>();
    for (const segment of this.ordered) {
      const { context, clock, segments } = segment.inputs;
      if (context || [...segments].some((s) => contextual.has(s))) contextual.add(segment.id);
      if (context || clock || [...segments].some((s) => dynamic.has(s))) dynamic.add(segment.id);
    }
    this.dynamic = dynamic;
    this.contextual = contextual;
    this.stored = this.ordered.filter((segment) => !contextual.has(segment.id));
    this.storedIds = new Set(this.stored.map((segment) => segment.id));
    this.watchedKeys = new Set(this.stored.flatMap((segment) => segment.watch.keys));
    this.watchIndex = new WatchIndex(this.stored.map((segment) => ({ id: segment.id, watch: segment.watch, segments: segment.inputs.segments })));
  }

  private readonly watchIndex: WatchIndex;

  /**
   * The features an `update` with `changed` may read (`WatchIndex.featuresRead`): an event
   * builds only those into the rule input. Null: any.
   */
  featuresRead(changed: ChangedValues): ReadonlySet<string> | null {
    return this.watchIndex.featuresRead(changed);
  }

  /** The values (`SegmentWatch.keys`) the stored segments read: the only ones a `ChangedValues` needs to compare. */
  readonly watchedKeys: ReadonlySet<string>;

  /** The segments `update` keeps (not contextual), in dependency order: computed once, read on every event. */
  private readonly stored: readonly CompiledSegment[];
  private readonly storedIds: ReadonlySet<string>;

  /** Segments whose membership can change without an event: they read the context or the clock, or such a segment. */
  readonly dynamic: ReadonlySet<string>;
  /**
   * Segments that read the request context, or such a segment: they exist only at decision
   * time, so `update` never stores them (without the context, their value would be wrong).
   */
  readonly contextual: ReadonlySet<string>;

  get(id: string): CompiledSegment | undefined {
    return this.byId.get(id);
  }

  /**
   * Re-evaluates, in dependency order, the stored segments (those not reading the request
   * context, even through another segment) whose inputs changed, and returns the new
   * memberships (`current` itself when none changed; `current` is never changed) and the
   * enter and leave changes. `changed: 'all'` re-evaluates every stored segment (a rebuild, a
   * new rule). `ChangedInputs` (coarse: which kinds of input an event changed) re-evaluates
   * every segment reading the clock; `ChangedValues` (precise: which values differ from the
   * last evaluation, time included) only those whose values moved. Memberships of segments that are not stored (deleted, or now reading the
   * context) are dropped without a change.
   */
  update(current: Memberships, input: RuleInput, changed: ChangedInputs | ChangedValues | 'all', now: number): { memberships: Memberships; changes: MembershipChange[] } {
    // The caller's object is never changed. This runs on every event, and most events change
    // no membership: the stored memberships are copied on the first change only (copying them
    // on every event, key by key, was a third of this function's time).
    let memberships = this.onlyStored(current) ? current : this.storedCopy(current);
    const changes: MembershipChange[] = [];
    const flipped = new Set<string>();
    const env = withInSegment(input, (id) => Object.hasOwn(memberships, id));
    const marks = changed !== 'all' && 'kind' in changed ? this.watchIndex.marked(changed) : null;
    for (let i = 0; i < this.stored.length; i++) {
      const segment = this.stored[i]!;
      if (marks !== null) {
        if (marks[i] === 0) continue;
      } else if (changed !== 'all' && !affected(segment.inputs, changed as ChangedInputs, flipped)) continue;
      const member = segment.rule.matches(env);
      const was = Object.hasOwn(memberships, segment.id);
      if (member === was) continue;
      // Spread defines own properties, `__proto__` included, in the same order.
      if (memberships === current) memberships = { ...current };
      if (member) memberships[segment.id] = now;
      else Reflect.deleteProperty(memberships, segment.id);
      flipped.add(segment.id);
      if (marks !== null) for (const j of this.watchIndex.dependents[i]!) marks[j] = 1;
      changes.push({ segment: segment.id, kind: member ? 'enter' : 'leave', at: now });
    }
    return { memberships, changes };
  }

  private onlyStored(memberships: Memberships): boolean {
    for (const id in memberships) if (!this.storedIds.has(id)) return false;
    return true;
  }

  /** The memberships of stored segments, in their order: a loop, not Object.entries and fromEntries. */
  private storedCopy(current: Memberships): Memberships {
    const memberships: Memberships = {};
    for (const id of Object.keys(current)) if (this.storedIds.has(id)) setOwn(memberships, id, current[id]!);
    return memberships;
  }

  /**
   * Membership as of now, for reading: stored memberships, with time-dependent and
   * context-dependent segments evaluated on the spot.
   */
  current(stored: Memberships, input: RuleInput): string[] {
    const live = new Set(Object.keys(stored).filter((id) => this.byId.has(id)));
    const env: RuleInput = { ...input, inSegment: (id) => live.has(id) };
    for (const segment of this.ordered) {
      if (!this.dynamic.has(segment.id)) continue;
      if (segment.rule.matches(env)) live.add(segment.id);
      else live.delete(segment.id);
    }
    return this.ordered.map((s) => s.id).filter((id) => live.has(id));
  }

  /**
   * Membership as `current` gives it, one segment at a time and only when asked: a stored
   * segment is read from the memberships, a dynamic one is evaluated on first use (with the
   * segments its rule reads, the same way) and remembered. For decisions, whose rules ask
   * about a few segments of many.
   */
  membership(stored: Memberships, input: RuleInput): (id: string) => boolean {
    const known = new Map<string, boolean>();
    const env: RuleInput = { ...input, inSegment: (id) => member(id) };
    const member = (id: string): boolean => {
      const memo = known.get(id);
      if (memo !== undefined) return memo;
      let value = false;
      if (this.byId.has(id)) {
        // No cycles (checked when compiled), so the recursion through inSegment ends.
        value = this.dynamic.has(id) ? this.byId.get(id)!.rule.matches(env) : Object.hasOwn(stored, id);
      }
      known.set(id, value);
      return value;
    };
    return member;
  }
}

/**
 * The input with a segment lookup, field by field: `{ ...input, inSegment }` on an input that
 * holds functions took about a microsecond (V8 leaves the fast clone when a property is added
 * after the spread), a tenth of an event's segment update. An absent field is undefined here
 * instead of missing, which rules read the same way (as null). `satisfies` lists every key of
 * RuleInput: a field added to it fails to compile here until it is copied.
 */
function withInSegment(input: RuleInput, inSegment: (id: string) => boolean): RuleInput {
  return {
    now: input.now, profile: input.profile, features: input.features, session: input.session, context: input.context, event: input.event,
    predictions: input.predictions, explainPredictions: input.explainPredictions, hasConsent: input.hasConsent, inSegment,
  } satisfies Record<keyof RuleInput, unknown>;
}

/** Defines an own property as Object.fromEntries does, `__proto__` included (ids are checked by the API, not here). */
function setOwn(target: Memberships, key: string, value: number): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function affected(inputs: SegmentInputs, changed: ChangedInputs, flipped: ReadonlySet<string>): boolean {
  if (inputs.clock) return true;
  if ((inputs.profile && changed.profile) || (inputs.session && changed.session) || (inputs.consent && changed.consent)) return true;
  if (inputs.allFeatures && changed.features.size > 0) return true;
  for (const f of inputs.features) if (changed.features.has(f)) return true;
  for (const s of inputs.segments) if (flipped.has(s)) return true;
  return false;
}

function topologicalOrder(segments: ReadonlyMap<string, CompiledSegment>): CompiledSegment[] {
  const ordered: CompiledSegment[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (segment: CompiledSegment, path: readonly string[]) => {
    const mark = state.get(segment.id);
    if (mark === 'done') return;
    if (mark === 'visiting') {
      throw new SegmentDefinitionError(segment.id, 'rule', `segments refer to each other in a cycle: ${[...path, segment.id].join(' -> ')}`);
    }
    state.set(segment.id, 'visiting');
    for (const dependency of segment.inputs.segments) {
      const target = segments.get(dependency);
      if (target !== undefined) visit(target, [...path, segment.id]);
    }
    state.set(segment.id, 'done');
    ordered.push(segment);
  };
  for (const segment of segments.values()) visit(segment, []);
  return ordered;
}
