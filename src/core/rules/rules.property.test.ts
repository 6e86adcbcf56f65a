import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRule, ruleRoots, type CompiledRule, type RuleInput, type RuleSchema } from './compileRule.js';
import type { Node } from './ast.js';
import { ruleFunctions } from './functions.js';
import { parseRule, ruleLimits } from './parser.js';
import { RuleError } from './RuleError.js';

/**
 * Properties of the rules language (docs/rules.md): no input crashes the parser or the
 * compiler (they return or throw a RuleError, never anything else, never a stack overflow),
 * and a rule that compiles never throws when evaluated, returns a JSON value, and returns the
 * same value for the same input. Fixed seeds keep the runs reproducible and short.
 */
const settings = { seed: 20240601, numRuns: 400 } as const;

const closedFeatures: RuleSchema = { closedRoots: ['features'], fields: { 'features.orders_90d': 'number' }, segments: ['vip'] };

/** Compiles, or returns the RuleError; any other error fails the test. */
function tryCompile(source: string, schema: RuleSchema, options: { expect?: 'boolean' | 'any' } = {}): CompiledRule | RuleError {
  try {
    return compileRule(source, schema, options);
  } catch (error) {
    if (error instanceof RuleError) return error;
    throw error;
  }
}

function checkPosition(source: string, error: RuleError): void {
  const lines = source.split('\n');
  expect(error.line).toBeGreaterThanOrEqual(1);
  expect(error.line).toBeLessThanOrEqual(lines.length);
  expect(error.column).toBeGreaterThanOrEqual(1);
  expect(error.column).toBeLessThanOrEqual((lines[error.line - 1] ?? '').length + 1);
  expect(error.caret).toMatch(/\n[ \t]*\^+$/);
}

function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  if (typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && Object.values(value).every(isJson);
}

// The language's own vocabulary, so that random soups get past the lexer.
const names = ['a', 'b', 'n', 's', 'tags', 'traits', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'length', 'valueOf'];
const keywords = ['and', 'or', 'not', 'in', 'contains', 'starts_with', 'ends_with', 'true', 'false', 'null'];
const operators = ['==', '!=', '<', '<=', '>', '>=', '??', '+', '-', '*', '/', '%', '(', ')', '[', ']', ',', '.'];
const tokens = [
  ...names, ...keywords, ...operators, ...ruleRoots, ...Object.keys(ruleFunctions),
  '0', '1', '2.5', '-1', '"s"', "'t'", '"\\u00e9"', '"\\n"', '"', '\\', '#', '# c\n', '\n', '\t', '=', '!', '&&', '?', 'é', '😀',
];

const tokenSoup = fc
  .array(fc.constantFrom(...tokens), { maxLength: 40 })
  .chain((parts) => fc.array(fc.constantFrom(' ', '', '\n'), { minLength: parts.length, maxLength: parts.length })
    .map((gaps) => parts.map((part, i) => part + (gaps[i] ?? '')).join('')));

const nested = fc.tuple(fc.constantFrom('(', 'not ', '-', '[', 'lower(', 'profile[', '- -'), fc.integer({ min: 0, max: 200 }), fc.constantFrom('1', 'true', 'profile.a', ''))
  .chain(([open, depth, core]) => fc.boolean().map((close) => open.repeat(depth) + core + (close ? ')'.repeat(depth) : '')));

const anyText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: fc.constantFrom(...'()[]"\'\\#.,-+!=<>?&| \n\tnotandor01profile'.split('')), maxLength: 60 }),
  tokenSoup,
  nested,
);

// Grammar-based rules: every construct of the language, parenthesized so that the tree is the one
// generated. Many do not type-check (`1 and "a"`); those must fail with a RuleError.
function quote(text: string, q: '"' | "'"): string {
  const escaped = [...text].map((c) => {
    if (c === q || c === '\\') return `\\${c}`;
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '/') return '\\/';
    if (c.length === 1 && c.charCodeAt(0) >= 32) return c;
    // Control characters and astral characters (two code units) as \uXXXX escapes.
    return c.split('').map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  });
  return q + escaped.join('') + q;
}

const name = fc.constantFrom(...names);
const numberLiteral = fc.oneof(fc.nat(1_000_000).map(String), fc.tuple(fc.nat(1000), fc.nat(999)).map(([a, b]) => `${a}.${b}`));
const stringLiteral = fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom<'"' | "'">('"', "'")).map(([text, q]) => quote(text, q));
const path = fc
  .tuple(fc.constantFrom(...ruleRoots), fc.array(fc.oneof(name.map((n) => `.${n}`), fc.integer({ min: -3, max: 3 }).map((i) => `[${i}]`), name.map((n) => `[${quote(n, '"')}]`)), { maxLength: 4 }))
  .map(([root, parts]) => root + parts.join(''));
const space = fc.constantFrom(' ', '\n', '\t', ' # comment\n');
const binaryOperators = ['or', 'and', '==', '!=', '<', '<=', '>', '>=', 'in', 'not in', 'contains', 'starts_with', 'ends_with', '??', '+', '-', '*', '/', '%'];
const functionNames = Object.keys(ruleFunctions);

const { expr } = fc.letrec<{ expr: string; leaf: string; node: string }>((tie) => ({
  expr: fc.oneof({ maxDepth: 4, depthIdentifier: 'expr' }, tie('leaf'), tie('node'), tie('node')),
  leaf: fc.oneof(numberLiteral, stringLiteral, fc.constantFrom('true', 'false', 'null', 'in_segment("vip")', 'has_consent("marketing")'), path, path),
  node: fc.oneof(
    fc.tuple(fc.constantFrom('not ', '-'), tie('expr')).map(([op, e]) => `${op}(${e})`),
    fc.tuple(tie('expr'), space, fc.constantFrom(...binaryOperators), space, tie('expr')).map(([l, s1, op, s2, r]) => `(${l}${s1}${op}${s2}${r})`),
    fc.constantFrom(...functionNames).chain((f) => {
      const arity = ruleFunctions[f]!.params.length;
      return fc.array(tie('expr'), { minLength: arity, maxLength: arity }).map((args) => `${f}(${args.join(', ')})`);
    }),
    fc.array(tie('expr'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
    fc.tuple(tie('expr'), tie('expr')).map(([object, key]) => `(${object})[${key}]`),
    fc.tuple(tie('expr'), name).map(([object, field]) => `(${object}).${field}`),
  ),
}));

// Inputs: arbitrary JSON, and objects parsed from JSON text whose keys are the names the rules
// read, including `__proto__` and `constructor` as own fields.
const trickyObject: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'tricky' },
    fc.jsonValue({ maxDepth: 1 }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.tuple(name, tie('value')), { maxLength: 5 })
      .map((entries) => JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`) as unknown),
  ),
})).value;

const data = fc.oneof(fc.jsonValue(), trickyObject);
const input: fc.Arbitrary<RuleInput> = fc
  .record({ profile: data, features: data, session: data, context: data, event: data, now: fc.integer({ min: 0, max: 4_000_000_000_000 }), segments: fc.subarray(['vip', 'churned']) })
  .map(({ segments, ...rest }) => ({ ...rest, inSegment: (s: string) => segments.includes(s), hasConsent: (p: string) => p === 'marketing' }));

describe('rules: the parser and compiler never crash', () => {
  it('compile returns or throws a RuleError for any text', () => {
    fc.assert(
      fc.property(anyText, (source) => {
        for (const expect of ['boolean', 'any'] as const) {
          const result = tryCompile(source, closedFeatures, { expect });
          if (result instanceof RuleError) checkPosition(source, result);
          else expectJson(result.evaluate({ now: 0 }));
        }
      }),
      { ...settings, numRuns: 1000 },
    );
  });

  it.each([
    ['10,000 parentheses', `${'('.repeat(10_000)}1${')'.repeat(10_000)}`],
    ['10,000 open parentheses', '('.repeat(10_000)],
    ['4,999 nots', `${'not '.repeat(4_999)}true`],
    ['10,000 nots', `${'not '.repeat(10_000)}true`],
    ['10,000 minus signs', `${'-'.repeat(10_000)}1`],
    ['a long subtraction', `1${'-1'.repeat(9_999)}`],
    ['10,000 open lists', '['.repeat(10_000)],
    ['10,000 nested calls', `${'abs('.repeat(4_999)}1${')'.repeat(4_999)}`],
    ['10,000 indexes', `profile${'[0]'.repeat(6_000)}`],
    ['a long path', `profile${'.a'.repeat(9_000)}`],
    ['a long or chain', `true${' or true'.repeat(2_400)}`],
  ])('%s throws a RuleError, not a RangeError', (_name, source) => {
    const result = tryCompile(source, closedFeatures);
    expect(result).toBeInstanceOf(RuleError);
    if (result instanceof RuleError) checkPosition(source, result);
  });
});

describe('rules: the largest rules compile and evaluate', () => {
  // Long chains make deep trees without parentheses: at the limit of 2,000 parts they must
  // still compile and evaluate without exhausting the stack.
  it.each([
    ['999 ors', `false${' or false'.repeat(998)} or true`, true],
    ['999 ands', `true${' and true'.repeat(999)}`, true],
    ['999 subtractions', `1${' - 1'.repeat(999)}`, -998],
    ['999 ??', `null${' ?? null'.repeat(998)} ?? 1`, 1],
    ['a path of 1,999 fields', `profile${'.a'.repeat(1_999)}`, null],
    ['999 indexes', `profile.l${'[0]'.repeat(998)}`, null],
  ])('%s', (_name, source, expected) => {
    const rule = compileRule(source, {}, { expect: 'any' });
    expect(rule.evaluate({ now: 0, profile: { l: [[1]] } })).toEqual(expected);
  });
});

/** The number of syntax nodes: the cost a compiled rule must report. */
function countNodes(node: Node): number {
  switch (node.kind) {
    case 'literal':
    case 'path': return 1;
    case 'list': return 1 + node.items.reduce((sum, item) => sum + countNodes(item), 0);
    case 'call': return 1 + node.args.reduce((sum, arg) => sum + countNodes(arg), 0);
    case 'member': return 1 + countNodes(node.object);
    case 'index': return 1 + countNodes(node.object) + countNodes(node.index);
    case 'not':
    case 'negate': return 1 + countNodes(node.operand);
    case 'and':
    case 'or':
    case 'binary': return 1 + countNodes(node.left) + countNodes(node.right);
  }
}

function expectJson(value: unknown): void {
  expect(isJson(value), JSON.stringify(value)).toBe(true);
}

describe('rules: compiled rules never throw', () => {
  it('grammar-generated rules compile or fail with a RuleError, cost their size, and evaluate to JSON', () => {
    let compiled = 0;
    fc.assert(
      fc.property(expr, fc.array(input, { minLength: 1, maxLength: 3 }), (source, inputs) => {
        const rule = tryCompile(source, {}, { expect: 'any' });
        if (rule instanceof RuleError) return checkPosition(source, rule);
        compiled++;
        expect(rule.cost).toBe(countNodes(parseRule(source)));
        expect(rule.cost).toBeLessThanOrEqual(ruleLimits.maxNodes);
        for (const one of inputs) {
          expectJson(rule.evaluate(one));
          expect(typeof rule.matches(one)).toBe('boolean');
          expect(rule.matches(one)).toBe(rule.evaluate(one) === true);
        }
      }),
      settings,
    );
    // Enough of the generated rules type-check for the property to say something.
    expect(compiled).toBeGreaterThan(settings.numRuns / 4);
  });

  it('evaluation is deterministic and leaves its input unchanged', () => {
    fc.assert(
      fc.property(expr, input, (source, one) => {
        const rule = tryCompile(source, {}, { expect: 'any' });
        if (rule instanceof RuleError) return;
        const before = JSON.stringify(one);
        const first = rule.evaluate(one);
        expect(rule.evaluate(one)).toStrictEqual(first);
        const again = compileRule(source, {}, { expect: 'any' });
        expect(again.evaluate(one)).toStrictEqual(first);
        expect(JSON.stringify(one)).toBe(before);
      }),
      settings,
    );
  });
});
