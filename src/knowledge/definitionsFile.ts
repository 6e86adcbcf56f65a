import { Compile } from 'typebox/compile';
import type { TLocalizedValidationError } from 'typebox/error';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { builtinFeatures } from '../core/features/builtinFeatures.js';
import { FeatureDefinitionError } from '../core/features/compileFeatures.js';
import { FeatureDefinition } from '../core/features/FeatureDefinition.js';
import { compileKnowledgeModel, type KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import { SegmentDefinition } from '../core/segments/SegmentDefinition.js';
import { SegmentDefinitionError } from '../core/segments/compileSegments.js';
import type { DefinitionChanges } from '../store/ports.js';
import { derivedFeatureNames } from './checkKnowledgeConfig.js';

/**
 * Feature and segment definitions from a JSON or YAML file (`attune features load FILE`,
 * `attune segments load FILE`): parsed, each item checked against its TypeBox schema, then the
 * workspace's whole resulting configuration compiled, before anything is saved. Faults name
 * the file, the item (a JSON pointer, and the file's line when it is known) and the field;
 * faults in a rule add the rule's line, column and a caret.
 */

export type DefinitionKind = 'features' | 'segments';

/** One fault of a definitions file. */
export interface DefinitionProblem {
  /** JSON pointer into the file's document, e.g. `/features/2/window`; '' for the whole file. */
  readonly pointer: string;
  /** Line and column in the file (1-based), when known. */
  readonly line: number | null;
  readonly column: number | null;
  /** The definition at fault, e.g. `feature "orders_90d"`, when known. */
  readonly subject: string | null;
  readonly message: string;
  /** For faults in a rule: the rule's line with a caret under the fault. */
  readonly caret: string | null;
}

export class DefinitionsFileError extends Error {
  override readonly name = 'DefinitionsFileError';
  constructor(readonly file: string, readonly problems: readonly DefinitionProblem[]) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
  }
}

/** `file:line:column: /pointer (subject): message`, then the caret drawing indented. */
export function formatProblem(file: string, problem: DefinitionProblem): string {
  const where = problem.line === null ? file : `${file}:${problem.line}:${problem.column ?? 1}`;
  const what = [problem.pointer === '' ? null : problem.pointer, problem.subject === null ? null : `(${problem.subject})`].filter((x) => x !== null).join(' ');
  const head = `${where}: ${what === '' ? '' : `${what}: `}${problem.message}`;
  return problem.caret === null ? head : `${head}\n${problem.caret.split('\n').map((line) => `    ${line}`).join('\n')}`;
}

export interface DefinitionsFile<T> {
  readonly kind: DefinitionKind;
  readonly file: string;
  readonly items: readonly T[];
  /** The JSON pointer of each item, e.g. `/features/0`, or `/0` for a file that is a list. */
  readonly pointers: readonly string[];
  /** Definitions of the other kind in the same file, which this load leaves alone. */
  readonly ignored: number;
  /** The line and column (1-based) of the value at a JSON pointer, when known. */
  locate(pointer: string): { line: number; column: number } | null;
}

const schemas = { features: Compile(FeatureDefinition), segments: Compile(SegmentDefinition) } as const;
const fieldsOf = {
  features: Object.keys(FeatureDefinition.properties),
  segments: Object.keys(SegmentDefinition.properties),
} as const;
const keyOf = { features: 'name', segments: 'id' } as const;
const singular = { features: 'feature', segments: 'segment' } as const;

type Format = 'json' | 'yaml';

/** JSON for `.json`, YAML for `.yaml`/`.yml`; otherwise JSON when the text starts like JSON. */
function formatOf(file: string, text: string): Format {
  const lower = file.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return /^\s*[[{]/.test(text) ? 'json' : 'yaml';
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((part) => {
    const member = part.replaceAll('~1', '/').replaceAll('~0', '~');
    return /^(0|[1-9]\d*)$/.test(member) ? Number(member) : member;
  });
}

function pointerTo(parent: string, member: string | number): string {
  return `${parent}/${String(member).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/** Where values sit in the text: through the YAML parser, which reads JSON too. */
function locator(text: string, parsed?: { doc: Document; lines: LineCounter }): (pointer: string) => { line: number; column: number } | null {
  let source = parsed;
  if (source === undefined) {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines });
    source = doc.errors.length === 0 ? { doc, lines } : undefined;
  }
  if (source === undefined) return () => null;
  const { doc, lines } = source;
  return (pointer) => {
    // The deepest node that exists on the way to the pointer: a missing field points at its item.
    const path = pointerSegments(pointer);
    for (let depth = path.length; depth >= 0; depth--) {
      const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      const range = (node as { range?: readonly number[] } | null | undefined)?.range;
      if (range?.[0] !== undefined) {
        const { line, col } = lines.linePos(range[0]);
        return { line, column: col };
      }
    }
    return null;
  };
}

function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function fault(file: string, message: string, at: { line: number; column: number } | null = null, pointer = ''): DefinitionsFileError {
  return new DefinitionsFileError(file, [{ pointer, line: at?.line ?? null, column: at?.column ?? null, subject: null, message, caret: null }]);
}

/** Parses the text of a file; a syntax error is a DefinitionsFileError with its line and column. */
function parseText(withBom: string, file: string): { value: unknown; locate: DefinitionsFile<unknown>['locate'] } {
  // Editors on Windows may start a UTF-8 file with a byte order mark, which JSON.parse refuses.
  const text = withBom.replace(/^\uFEFF/, '');
  if (formatOf(file, text) === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const position = /at position (\d+)/.exec(message);
      throw fault(file, `not valid JSON: ${message}`, position === null ? null : lineColumnAt(text, Number(position[1])));
    }
    return { value, locate: locator(text) };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const { line, col } = lines.linePos(first.pos[0]);
    throw fault(file, `not valid YAML: ${first.message}`, { line, column: col });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw fault(file, `not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { value, locate: locator(text, { doc, lines }) };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The literals a value at `pointer` may take, when the schema there is a union of literals (`aggregate`, `types/0`). */
function literalsAt(schema: unknown, pointer: string): unknown[] | null {
  let node = schema as Record<string, unknown> | undefined;
  for (const part of pointerSegments(pointer)) {
    if (node === undefined) return null;
    if (typeof part === 'number') node = node['items'] as Record<string, unknown> | undefined;
    else node = (node['properties'] as Record<string, Record<string, unknown>> | undefined)?.[part];
  }
  const anyOf = node?.['anyOf'];
  if (!Array.isArray(anyOf) || !anyOf.every((alternative) => isPlainObject(alternative) && Object.hasOwn(alternative, 'const'))) return null;
  return anyOf.map((alternative) => (alternative as { const: unknown }).const);
}

/** The first faults of a value against its schema, one per field, in words a person can act on. */
function schemaProblems(kind: DefinitionKind, errors: readonly TLocalizedValidationError[]): { pointer: string; message: string }[] {
  const out = new Map<string, string>();
  const alternatives = new Map<string, string[]>();
  const schema = kind === 'features' ? FeatureDefinition : SegmentDefinition;
  for (const error of errors) {
    const literals = error.keyword === 'const' || error.keyword === 'anyOf' ? literalsAt(schema, error.instancePath) : null;
    if (literals !== null) {
      alternatives.set(error.instancePath, literals.map((value) => JSON.stringify(value)));
      continue;
    }
    if (error.keyword === 'required') {
      for (const member of error.params.requiredProperties) {
        const at = pointerTo(error.instancePath, member);
        if (!out.has(at)) out.set(at, 'is required');
      }
    } else if (error.keyword === 'additionalProperties') {
      for (const member of error.params.additionalProperties) {
        out.set(pointerTo(error.instancePath, member), `unknown field "${member}"; a ${singular[kind]} has ${fieldsOf[kind].join(', ')}`);
      }
    } else if (error.keyword !== 'boolean' && error.keyword !== 'anyOf' && !out.has(error.instancePath)) {
      out.set(error.instancePath, error.message);
    }
  }
  for (const [pointer, values] of alternatives) if (!out.has(pointer)) out.set(pointer, `must be one of ${values.join(', ')}`);
  return [...out].map(([pointer, message]) => ({ pointer, message }));
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function parseDefinitionsFile(text: string, file: string, kind: 'features'): DefinitionsFile<FeatureDefinition>;
export function parseDefinitionsFile(text: string, file: string, kind: 'segments'): DefinitionsFile<SegmentDefinition>;
/**
 * Reads a file of definitions: a list of them, or an object with a `features` (or
 * `segments`) list. An object may hold both lists; the other kind is counted in `ignored`.
 * Every item is checked against its schema, and names (ids) must be unique in the file.
 * Throws a DefinitionsFileError with every fault found.
 */
export function parseDefinitionsFile(text: string, file: string, kind: DefinitionKind): DefinitionsFile<FeatureDefinition | SegmentDefinition> {
  const { value, locate } = parseText(text, file);
  const other: DefinitionKind = kind === 'features' ? 'segments' : 'features';
  let list: unknown;
  let base = '';
  let ignored = 0;
  const expected = `a list of ${kind}, or an object with a "${kind}" list`;
  if (Array.isArray(value)) list = value;
  else if (isPlainObject(value)) {
    const unknown = Object.keys(value).filter((key) => key !== kind && key !== other);
    if (unknown.length > 0) throw fault(file, `unknown member "${unknown[0]}": expected ${expected}`, locate(pointerTo('', unknown[0]!)), pointerTo('', unknown[0]!));
    if (!Object.hasOwn(value, kind)) {
      const hint = Object.hasOwn(value, other) ? `; this file holds ${other}: load it with attune ${other} load` : '';
      throw fault(file, `no "${kind}" list${hint}`, locate(''));
    }
    list = value[kind];
    base = `/${kind}`;
    if (!Array.isArray(list)) throw fault(file, `"${kind}" is ${describe(list)}, not a list`, locate(base), base);
    const others = value[other];
    ignored = Array.isArray(others) ? others.length : 0;
  } else {
    throw fault(file, `the file holds ${describe(value)}; expected ${expected}`, locate(''));
  }

  const items = list as unknown[];
  const schema = schemas[kind];
  const problems: DefinitionProblem[] = [];
  const seen = new Map<string, string>();
  const pointers = items.map((_, index) => `${base}/${index}`);
  items.forEach((item, index) => {
    const pointer = pointers[index]!;
    const key = isPlainObject(item) && typeof item[keyOf[kind]] === 'string' ? (item[keyOf[kind]] as string) : null;
    const subject = key === null ? `${singular[kind]} ${index}` : `${singular[kind]} "${key}"`;
    const add = (at: string, message: string) => {
      const position = locate(at);
      problems.push({ pointer: at, line: position?.line ?? null, column: position?.column ?? null, subject, message, caret: null });
    };
    if (!schema.Check(item)) {
      const found = isPlainObject(item) ? schemaProblems(kind, schema.Errors(item)) : [{ pointer: '', message: `is ${describe(item)}; a ${singular[kind]} is an object` }];
      for (const p of found) add(`${pointer}${p.pointer}`, p.message);
      return;
    }
    if (key !== null) {
      const earlier = seen.get(key);
      if (earlier !== undefined) add(pointerTo(pointer, keyOf[kind]), `${keyOf[kind]} "${key}" is already used by ${earlier}`);
      else seen.set(key, pointer);
    }
  });
  // In file order: by item, then by line within an item where the lines are known.
  const order = (p: DefinitionProblem) => [pointers.findIndex((at) => p.pointer === at || p.pointer.startsWith(`${at}/`)), p.line ?? 0, p.column ?? 0];
  problems.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
  });
  if (problems.length > 0) throw new DefinitionsFileError(file, problems);
  return { kind, file, items: items as (FeatureDefinition | SegmentDefinition)[], pointers, ignored, locate };
}

export interface StoredDefinitions {
  readonly features: readonly FeatureDefinition[];
  readonly segments: readonly SegmentDefinition[];
}

/** What loading a file does: the changes to save, and what the profiles need afterwards. */
export interface DefinitionsLoadPlan {
  readonly changes: DefinitionChanges;
  /** The workspace's model after the load. */
  readonly model: KnowledgeModel;
  /** Features whose behaviour changes or that go away: their state is cleared on every profile. */
  readonly resetFeatures: readonly string[];
  /** Segments the workspace did not have: a membership left from an older segment of the id is forgotten. */
  readonly newSegments: readonly string[];
  /** Whether the profiles must be evaluated again (a feature reset, a new segment or a changed rule). */
  readonly reevaluate: boolean;
}

const builtinByName = new Map(builtinFeatures.map((f) => [f.name, f]));

/** A feature as it behaves: its description changes nothing, and key order does not matter. */
function behaviour(definition: FeatureDefinition): string {
  return JSON.stringify(Object.entries(definition).filter(([key]) => key !== 'description').sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * What loading a file changes, once the workspace's resulting configuration compiles: the
 * file's definitions are put (added, or replacing the stored ones of the same name or id);
 * with `replace`, stored definitions of the same kind that the file does not hold are
 * deleted. A fault (a rule that does not compile, a segment reading a feature that is gone)
 * throws a DefinitionsFileError naming the item of the file, or the stored definition.
 * The profiles are then brought in line as the admin API does (see KnowledgeAdmin).
 */
export function planDefinitionsLoad(loaded: DefinitionsFile<FeatureDefinition> | DefinitionsFile<SegmentDefinition>, stored: StoredDefinitions, replace: boolean): DefinitionsLoadPlan {
  // Stored definitions keep their places (and their order, which evaluation follows); new ones come after.
  const merge = <T>(current: readonly T[], incoming: readonly T[], key: (d: T) => string): T[] => {
    const byKey = new Map(incoming.map((d) => [key(d), d]));
    const known = new Set(current.map(key));
    const kept = current.flatMap((d) => (byKey.has(key(d)) ? [byKey.get(key(d))!] : replace ? [] : [d]));
    return [...kept, ...incoming.filter((d) => !known.has(key(d)))];
  };
  const featureKey = (d: FeatureDefinition) => d.name;
  const segmentKey = (d: SegmentDefinition) => d.id;
  const fileFeatures = loaded.kind === 'features' ? (loaded.items as readonly FeatureDefinition[]) : null;
  const fileSegments = loaded.kind === 'segments' ? (loaded.items as readonly SegmentDefinition[]) : null;
  const features = fileFeatures === null ? [...stored.features] : merge(stored.features, fileFeatures, featureKey);
  const segments = fileSegments === null ? [...stored.segments] : merge(stored.segments, fileSegments, segmentKey);

  const itemProblem = (kind: DefinitionKind, key: string, field: string, message: string, caret: string | null): DefinitionsFileError => {
    const index = kind === 'features' ? (fileFeatures?.findIndex((d) => d.name === key) ?? -1) : (fileSegments?.findIndex((d) => d.id === key) ?? -1);
    if (index < 0) {
      return new DefinitionsFileError(loaded.file, [{
        pointer: '', line: null, column: null, subject: null, caret,
        message: `the stored ${singular[kind]} "${key}" (not in this file) would no longer compile: ${field}: ${message}`,
      }]);
    }
    const pointer = pointerTo(loaded.pointers[index]!, field);
    const position = loaded.locate(pointer);
    return new DefinitionsFileError(loaded.file, [{
      pointer, line: position?.line ?? null, column: position?.column ?? null, subject: `${singular[kind]} "${key}"`, message, caret,
    }]);
  };

  // As the admin API: a name of a value derived from the built-ins when read would be overwritten by it.
  const derived = fileFeatures?.find((d) => derivedFeatureNames.includes(d.name));
  if (derived !== undefined) throw itemProblem('features', derived.name, 'name', `"${derived.name}" is derived from the built-in features when read; choose another name`, null);

  let model: KnowledgeModel;
  try {
    model = compileKnowledgeModel({ features, segments });
  } catch (error) {
    if (!(error instanceof FeatureDefinitionError) && !(error instanceof SegmentDefinitionError)) throw error;
    const kind: DefinitionKind = error instanceof FeatureDefinitionError ? 'features' : 'segments';
    const key = error instanceof FeatureDefinitionError ? error.feature : error.segment;
    const prefix = kind === 'features' ? `feature "${key}": ${error.field}: ` : `segment "${key}": `;
    const reason = error.rule?.message ?? (error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message);
    throw itemProblem(kind, key, error.field, reason, error.rule?.caret ?? null);
  }

  if (fileFeatures !== null) {
    const names = new Set(fileFeatures.map(featureKey));
    const deleted = replace ? stored.features.filter((d) => !names.has(d.name)) : [];
    const storedByName = new Map(stored.features.map((d) => [d.name, d]));
    const resetFeatures = [
      ...fileFeatures.filter((d) => {
        const before = storedByName.get(d.name) ?? builtinByName.get(d.name);
        return before !== undefined && behaviour(before) !== behaviour(d);
      }).map(featureKey),
      // A deleted redefinition of a built-in brings the built-in back: a reset unless it behaves the same.
      ...deleted.filter((d) => !builtinByName.has(d.name) || behaviour(builtinByName.get(d.name)!) !== behaviour(d)).map(featureKey),
    ];
    return {
      changes: { putFeatures: fileFeatures, deleteFeatures: deleted.map(featureKey) },
      model, resetFeatures, newSegments: [], reevaluate: resetFeatures.length > 0,
    };
  }
  const incoming = fileSegments ?? [];
  const ids = new Set(incoming.map(segmentKey));
  const storedById = new Map(stored.segments.map((d) => [d.id, d]));
  const newSegments = incoming.filter((d) => !storedById.has(d.id)).map(segmentKey);
  const changedRules = incoming.filter((d) => storedById.has(d.id) && storedById.get(d.id)!.rule !== d.rule);
  return {
    changes: { putSegments: incoming, deleteSegments: replace ? stored.segments.map(segmentKey).filter((id) => !ids.has(id)) : [] },
    model, resetFeatures: [], newSegments, reevaluate: newSegments.length + changedRules.length > 0,
  };
}
