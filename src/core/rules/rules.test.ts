import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRule, ruleGrammarVersion, type RuleInput, type RuleSchema } from './compileRule.js';
import { ruleLimits } from './parser.js';
import { RuleError, type RuleErrorKind } from './RuleError.js';

/**
 * The cases in rules.cases.json are the executable form of docs/rules.md:
 * - evaluate: `[name, source, input, expected]`: the value of the rule (compiled with
 *   `expect: 'any'`); `matches` must agree (true only for exactly `true`).
 * - matches: `[name, source, input, expected]`: `matches` of the rule compiled as a condition.
 * - compiles: `[name, source, schema]`: the rule compiles as a condition under the schema.
 * - errors: `[name, source, schema, { kind, line, column, caret, messageContains }]`: the
 *   RuleError thrown when compiling as a condition (the default of compileRule).
 *
 * An input is `{ profile, features, session, context, event, now, segments, consents }`, all
 * optional: `segments` and `consents` become the inSegment and hasConsent lookups, and `now`
 * (ms or an ISO string) defaults to 2024-06-01T00:00:00Z.
 *
 * The file is read with JSON.parse rather than imported so that a `"__proto__"` key in an
 * input stays an own field, as it would be in a parsed request body.
 */
interface CaseInput {
  readonly profile?: unknown;
  readonly features?: unknown;
  readonly session?: unknown;
  readonly context?: unknown;
  readonly event?: unknown;
  readonly now?: string | number;
  readonly segments?: readonly string[];
  readonly consents?: readonly string[];
}

interface ExpectedError {
  readonly kind: RuleErrorKind;
  readonly line: number;
  readonly column: number;
  readonly caret: string;
  readonly messageContains: string;
}

interface Cases {
  readonly evaluate: readonly (readonly [string, string, CaseInput, unknown])[];
  readonly matches: readonly (readonly [string, string, CaseInput, boolean])[];
  readonly compiles: readonly (readonly [string, string, RuleSchema])[];
  readonly errors: readonly (readonly [string, string, RuleSchema, ExpectedError])[];
}

const cases = JSON.parse(readFileSync(new URL('./rules.cases.json', import.meta.url), 'utf8')) as Cases;
const defaultNow = Date.parse('2024-06-01T00:00:00Z');

function toInput(input: CaseInput): RuleInput {
  const { now, segments, consents, ...data } = input;
  return {
    ...data,
    now: typeof now === 'string' ? Date.parse(now) : (now ?? defaultNow),
    ...(segments === undefined ? {} : { inSegment: (name: string) => segments.includes(name) }),
    ...(consents === undefined ? {} : { hasConsent: (purpose: string) => consents.includes(purpose) }),
  };
}

function compileError(compile: () => unknown): RuleError {
  try {
    compile();
  } catch (error) {
    if (error instanceof RuleError) return error;
    throw error;
  }
  throw new Error('expected a RuleError, but the rule compiled');
}

describe('rules spec cases', () => {
  it('has at least 180 cases', () => {
    const count = cases.evaluate.length + cases.matches.length + cases.compiles.length + cases.errors.length;
    expect(count).toBeGreaterThanOrEqual(180);
  });

  it.each(cases.evaluate)('evaluate: %s', (_name, source, input, expected) => {
    const rule = compileRule(source, {}, { expect: 'any' });
    expect(rule.evaluate(toInput(input))).toEqual(expected);
    expect(rule.matches(toInput(input))).toBe(expected === true);
  });

  it.each(cases.matches)('matches: %s', (_name, source, input, expected) => {
    expect(compileRule(source).matches(toInput(input))).toBe(expected);
  });

  it.each(cases.compiles)('compiles: %s', (_name, source, schema) => {
    expect(compileRule(source, schema).source).toBe(source);
  });

  it.each(cases.errors)('error: %s', (_name, source, schema, expected) => {
    const error = compileError(() => compileRule(source, schema));
    expect({ kind: error.kind, line: error.line, column: error.column, caret: error.caret }).toEqual({
      kind: expected.kind,
      line: expected.line,
      column: expected.column,
      caret: expected.caret,
    });
    expect(error.message).toContain(expected.messageContains);
    expect(error.message).toMatch(new RegExp(`\\(line ${expected.line}, column ${expected.column}\\)$`));
    expect(error.name).toBe('RuleError');
  });
});

describe('compiled rule metadata', () => {
  it('lists the static paths it reads and their roots, sorted', () => {
    const rule = compileRule('features.orders_90d >= 2 and profile.traits.plan == "pro" and profile.tags[0] == context.x["y"]');
    expect(rule.reads).toEqual(['context.x', 'features.orders_90d', 'profile.tags', 'profile.traits.plan']);
    expect(rule.roots).toEqual(['context', 'features', 'profile']);
  });

  it('lists the literal segments it tests, once each', () => {
    const rule = compileRule('in_segment("vip") or not in_segment("churned") or in_segment("vip") or in_segment(profile.s)');
    expect(rule.segments).toEqual(['churned', 'vip']);
    expect(compileRule('has_consent("marketing")').segments).toEqual([]);
  });

  it.each([
    ['now() > 0', true],
    ['days_since(profile.t) < 3', true],
    ['hours_since(profile.t) < 3', true],
    ['features.orders_90d > 2 and in_segment("vip")', false],
  ])('usesClock of %s is %s', (source, usesClock) => {
    expect(compileRule(source).usesClock).toBe(usesClock);
  });

  it.each([
    ['true', 1],
    ['1 + 2 == 3', 5],
    ['profile.traits.plan == "pro"', 5],
    ['not (profile.tags[0] in ["a", "b"])', 9],
    ['max(1, 2) > 1', 5],
  ])('cost of %s is its number of syntax nodes, %i', (source, cost) => {
    expect(compileRule(source).cost).toBe(cost);
  });

  it('carries its source, grammar version and type', () => {
    const rule = compileRule('1 + 1', {}, { expect: 'any' });
    expect(rule).toMatchObject({ source: '1 + 1', version: ruleGrammarVersion, type: 'number' });
    expect(compileRule('profile.x == 1').type).toBe('boolean');
    expect(compileRule('profile.x').type).toBe('any');
  });
});

describe('the clock', () => {
  it('reads a time without an offset as UTC, whatever the time zone of the server', () => {
    const zone = process.env['TZ'];
    process.env['TZ'] = 'America/New_York';
    try {
      const rule = compileRule('hours_since("2024-06-01T00:00:00")', {}, { expect: 'any' });
      expect(rule.evaluate({ now: Date.parse('2024-06-01T01:00:00Z') })).toBe(1);
    } finally {
      if (zone === undefined) delete process.env['TZ'];
      else process.env['TZ'] = zone;
    }
  });

  it('gives null, not NaN, for a clock that is not a finite number', () => {
    for (const source of ['now()', 'days_since(0)', 'hours_since("2024-06-01")']) {
      expect(compileRule(source, {}, { expect: 'any' }).evaluate({ now: Number.NaN })).toBeNull();
    }
  });
});

describe('equality of deep values', () => {
  const nest = (depth: number): unknown => (depth === 0 ? 1 : [nest(depth - 1)]);
  const rule = compileRule('profile.a == context.a');

  it('compares a list inside 32 others item by item', () => {
    expect(rule.matches({ now: 0, profile: { a: nest(33) }, context: { a: nest(33) } })).toBe(true);
  });

  it('never finds a list inside 33 others equal to another', () => {
    expect(rule.matches({ now: 0, profile: { a: nest(34) }, context: { a: nest(34) } })).toBe(false);
  });
});

describe('limits', () => {
  it(`accepts ${ruleLimits.maxSourceLength} characters and refuses one more`, () => {
    const source = `true${' '.repeat(ruleLimits.maxSourceLength - 4)}`;
    expect(compileRule(source).matches({ now: 0 })).toBe(true);
    const error = compileError(() => compileRule(`${source} `));
    expect([error.kind, error.line, error.column]).toEqual(['too-complex', 1, 1]);
  });

  it(`accepts ${ruleLimits.maxNodes} parts and refuses one more`, () => {
    // A root and n member accesses are n + 1 parts.
    const path = (members: number) => `profile${'.a'.repeat(members)}`;
    expect(compileRule(path(ruleLimits.maxNodes - 1)).cost).toBe(ruleLimits.maxNodes);
    const error = compileError(() => compileRule(path(ruleLimits.maxNodes)));
    expect(error.kind).toBe('too-complex');
    expect(error.message).toContain(`at most ${ruleLimits.maxNodes} parts`);
  });
});

describe('no eval', () => {
  const directory = new URL('./', import.meta.url);
  const sources = readdirSync(directory).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
  const code = (file: string): string =>
    readFileSync(new URL(file, directory), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

  it('checks every source file of the rules module', () => {
    expect(sources).toEqual(expect.arrayContaining(['compileRule.ts', 'functions.ts', 'lexer.ts', 'parser.ts', 'values.ts']));
  });

  it.each(sources)('%s has no eval, Function, prototype or global access', (file) => {
    const text = code(file);
    for (const pattern of [/\beval\s*\(/, /\bFunction\s*\(/, /\bnew\s+Function\b/, /__proto__/, /\.prototype\b/, /\bglobalThis\b/, /\bReflect\./]) {
      expect(text).not.toMatch(pattern);
    }
  });
});
