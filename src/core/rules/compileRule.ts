import { closestName } from '../common/closestName.js';
import { staticPath, type BinaryOperator, type Node, type Span } from './ast.js';
import { ruleFunctions, type RuleEnvironment } from './functions.js';
import { parseRule } from './parser.js';
import { RuleError, type RuleErrorKind } from './RuleError.js';
import { compare, equals, finite, index, member, toRuleValue, type RuleType, type RuleValue } from './values.js';

/** Version of the rules grammar and semantics (docs/rules.md); stored with every saved rule. */
export const ruleGrammarVersion = 1;

export const ruleRoots = ['profile', 'features', 'session', 'context', 'event', 'predictions'] as const;
export type RuleRoot = (typeof ruleRoots)[number];

/** What a workspace knows about the fields and names a rule may use. */
export interface RuleSchema {
  /** Known fields by dotted path (`features.orders_90d`) with their types. */
  readonly fields?: Readonly<Record<string, RuleType>>;
  /** Roots whose fields are all known: an unknown field under them is an error. */
  readonly closedRoots?: readonly RuleRoot[];
  /** Roots a rule may use here (default: all). */
  readonly roots?: readonly RuleRoot[];
  readonly segments?: readonly string[];
  readonly consentPurposes?: readonly string[];
}

/** The data a rule reads, plus the environment (clock, segment and consent lookups). */
export interface RuleInput extends RuleEnvironment {
  readonly profile?: unknown;
  readonly features?: unknown;
  readonly session?: unknown;
  readonly context?: unknown;
  readonly event?: unknown;
  /** The profile's predictions (`core/predict/traits`), computed when a rule first reads them. */
  readonly predictions?: unknown;
  /**
   * Per prediction, the features that moved it most, from the same scoring as `predictions`
   * (so a decision's reasons can say why a rule on `predictions.churn_risk` held). Rules never
   * read it.
   */
  readonly explainPredictions?: () => Readonly<Record<string, readonly { readonly feature: string; readonly value: number; readonly contribution: number }[]>>;
}

export interface CompiledRule {
  readonly source: string;
  readonly version: number;
  readonly type: RuleType;
  /** The value of the rule; never throws. */
  evaluate(input: RuleInput): RuleValue;
  /** True only when the rule evaluates to exactly `true`. */
  matches(input: RuleInput): boolean;
  /** Static paths the rule reads (`features.orders_90d`): what must change for its value to change. */
  readonly reads: readonly string[];
  readonly roots: readonly RuleRoot[];
  readonly segments: readonly string[];
  /** Whether the value depends on the evaluation time (now(), days_since, hours_since). */
  readonly usesClock: boolean;
  /** Whether the rule calls has_consent(): consent changes must re-evaluate it. */
  readonly usesConsent: boolean;
  /** Number of syntax nodes: an upper bound on the work of one evaluation, besides data sizes. */
  readonly cost: number;
}

type Evaluator = (input: RuleInput) => RuleValue;
interface Compiled { readonly type: RuleType; readonly run: Evaluator; readonly constant?: boolean }

/**
 * Parses, checks and compiles a rule into a closure. No `eval`, no `new Function`: each node
 * becomes a small function. Member access reads own properties only.
 *
 * @example compileRule('features.orders_90d >= 2 and context.locale starts_with "de"', schema).matches(input)
 */
export function compileRule(source: string, schema: RuleSchema = {}, options: { expect?: 'boolean' | 'any' } = {}): CompiledRule {
  const ast = parseRule(source);
  const compiler = new Compiler(source, schema);
  const result = compiler.compile(ast);
  if ((options.expect ?? 'boolean') === 'boolean' && !['boolean', 'any', 'null'].includes(result.type)) {
    throw new RuleError('type', `a condition must be true or false, but this is a ${result.type}`, source, ast.span);
  }
  const run = result.run;
  return {
    source,
    version: ruleGrammarVersion,
    type: result.type,
    evaluate: run,
    matches: (input) => run(input) === true,
    reads: [...compiler.reads].sort(),
    roots: [...compiler.roots].sort(),
    segments: [...compiler.segments].sort(),
    usesClock: compiler.usesClock,
    usesConsent: compiler.usesConsent,
    cost: compiler.nodes,
  };
}

const clockFunctions = new Set(['now', 'days_since', 'hours_since']);
const arithmetic = new Set<BinaryOperator>(['-', '*', '/', '%']);
const ordering = new Set<BinaryOperator>(['<', '<=', '>', '>=']);

class Compiler {
  readonly reads = new Set<string>();
  readonly roots = new Set<RuleRoot>();
  readonly segments = new Set<string>();
  usesClock = false;
  usesConsent = false;
  nodes = 0;

  constructor(private readonly source: string, private readonly schema: RuleSchema) {}

  private fail(kind: RuleErrorKind, message: string, span: Span): never {
    throw new RuleError(kind, message, this.source, span);
  }

  private expectType(node: Node, compiled: Compiled, allowed: readonly RuleType[], what: string): void {
    if (compiled.type === 'any' || allowed.includes(compiled.type)) return;
    this.fail('type', `${what} needs ${allowed.join(' or ')}, but ${describeNode(node)} is ${article(compiled.type)}`, node.span);
  }

  compile(node: Node): Compiled {
    this.nodes++;
    switch (node.kind) {
      case 'literal': {
        const value = node.value;
        return { type: value === null ? 'null' : (typeof value as RuleType), run: () => value, constant: true };
      }
      case 'list': return this.list(node.items);
      case 'path':
      case 'member': return this.access(node);
      case 'index': {
        const object = this.compile(node.object);
        const key = this.compile(node.index);
        this.expectType(node.object, object, ['list', 'object'], 'indexing');
        this.expectType(node.index, key, ['number', 'string'], 'an index');
        const [o, k] = [object.run, key.run];
        return { type: 'any', run: (input) => index(o(input), k(input)) };
      }
      case 'call': return this.call(node);
      case 'not': {
        const operand = this.compile(node.operand);
        this.expectType(node.operand, operand, ['boolean', 'null'], 'not');
        const run = operand.run;
        return { type: 'boolean', run: (input) => run(input) !== true };
      }
      case 'negate': {
        const operand = this.compile(node.operand);
        this.expectType(node.operand, operand, ['number', 'null'], 'minus');
        const run = operand.run;
        return { type: 'number', run: (input) => { const v = run(input); return typeof v === 'number' ? finite(-v) : null; } };
      }
      case 'and':
      case 'or': {
        const left = this.compile(node.left);
        const right = this.compile(node.right);
        this.expectType(node.left, left, ['boolean', 'null'], node.kind);
        this.expectType(node.right, right, ['boolean', 'null'], node.kind);
        const [l, r] = [left.run, right.run];
        return node.kind === 'and'
          ? { type: 'boolean', run: (input) => l(input) === true && r(input) === true }
          : { type: 'boolean', run: (input) => l(input) === true || r(input) === true };
      }
      case 'binary': return this.binary(node.op, node.left, node.right, node.span);
    }
  }

  private list(items: readonly Node[]): Compiled {
    const compiled = items.map((item) => this.compile(item));
    const runs = compiled.map((c) => c.run);
    if (compiled.every((c) => c.constant === true)) {
      const value = Object.freeze(runs.map((r) => r({ now: 0 })));
      return { type: 'list', run: () => value, constant: true };
    }
    return { type: 'list', run: (input) => runs.map((r) => r(input)) };
  }

  private access(node: Node): Compiled {
    const path = staticPath(node);
    if (path !== null) return this.path(node, path);
    if (node.kind !== 'member') return this.compile(node);
    const object = this.compile(node.object);
    this.expectType(node.object, object, ['object'], `reading .${node.name}`);
    const [run, name] = [object.run, node.name];
    return { type: 'any', run: (input) => member(run(input), name) };
  }

  private path(node: Node, path: string): Compiled {
    const parts = path.split('.');
    const root = parts[0]!;
    const allowedRoots = this.schema.roots ?? ruleRoots;
    if (!(allowedRoots as readonly string[]).includes(root)) {
      const hint = closestName(root, allowedRoots);
      this.fail('unknown-name', `unknown name "${root}"${hint === null ? '' : `; did you mean "${hint}"?`}; a path starts with ${allowedRoots.join(', ')}`, { ...node.span, length: root.length });
    }
    this.roots.add(root as RuleRoot);
    this.reads.add(path);
    // compile() counted the outermost node; count the root and the other member accesses too.
    this.nodes += parts.length - 1;
    const fields = this.schema.fields ?? {};
    let type: RuleType = parts.length === 1 ? 'object' : 'any';
    if (Object.hasOwn(fields, path)) type = fields[path]!;
    else if (parts.length > 1 && this.schema.closedRoots?.includes(root as RuleRoot)) {
      const prefix = `${parts.slice(0, 2).join('.')}`;
      // `session.page` is known when `session.page.path` is.
      if (!Object.hasOwn(fields, prefix) && !Object.keys(fields).some((f) => f.startsWith(`${prefix}.`))) {
        const known = Object.keys(fields).filter((f) => f.startsWith(`${root}.`));
        const hint = closestName(prefix, known);
        this.fail('unknown-name', `unknown field "${prefix}"${hint === null ? '' : `; did you mean "${hint}"?`}`, node.span);
      }
    }
    const rest = parts.slice(1);
    const getRoot = (input: RuleInput): RuleValue => toRuleValue(input[root as RuleRoot]);
    // Unrolled for the common depths: paths are on every hot rule.
    let run: Evaluator;
    if (rest.length === 0) run = getRoot;
    else if (rest.length === 1) { const [a] = rest as [string]; run = (input) => member(getRoot(input), a); }
    else if (rest.length === 2) { const [a, b] = rest as [string, string]; run = (input) => member(member(getRoot(input), a), b); }
    else run = (input) => rest.reduce<RuleValue>((value, name) => member(value, name), getRoot(input));
    return { type, run };
  }

  private call(node: Extract<Node, { kind: 'call' }>): Compiled {
    if (!Object.hasOwn(ruleFunctions, node.name)) {
      const hint = closestName(node.name, Object.keys(ruleFunctions));
      this.fail('unknown-name', `unknown function ${node.name}()${hint === null ? '' : `; did you mean ${hint}()?`}`, firstSpan(node));
    }
    const fn = ruleFunctions[node.name]!;
    if (node.args.length !== fn.params.length) {
      this.fail('type', `${node.name}() takes ${fn.params.length} argument${fn.params.length === 1 ? '' : 's'}, not ${node.args.length}`, node.span);
    }
    const args = node.args.map((arg, i) => {
      const compiled = this.compile(arg);
      const param = fn.params[i]!;
      if (param !== 'any') this.expectType(arg, compiled, [param, 'null'], `${node.name}()`);
      return compiled;
    });
    if (fn.namesFrom !== undefined) this.checkName(node, fn.namesFrom, args[0]);
    if (clockFunctions.has(node.name)) this.usesClock = true;
    if (node.name === 'has_consent') this.usesConsent = true;
    const runs = args.map((a) => a.run);
    const call = fn.call;
    if (runs.length === 1) {
      const [only] = runs as [Evaluator];
      return { type: fn.returns, run: (input) => call([only(input)], input) };
    }
    return { type: fn.returns, run: (input) => call(runs.map((r) => r(input)), input) };
  }

  private checkName(node: Extract<Node, { kind: 'call' }>, list: 'segments' | 'consentPurposes', arg: Compiled | undefined): void {
    const argNode = node.args[0];
    if (arg?.constant !== true || argNode === undefined) return;
    const name = arg.run({ now: 0 });
    if (typeof name !== 'string') return;
    if (list === 'segments') this.segments.add(name);
    const known = this.schema[list];
    if (known !== undefined && !known.includes(name)) {
      const hint = closestName(name, known);
      this.fail('unknown-name', `unknown ${list === 'segments' ? 'segment' : 'consent purpose'} "${name}"${hint === null ? '' : `; did you mean "${hint}"?`}`, argNode.span);
    }
  }

  private binary(op: BinaryOperator, leftNode: Node, rightNode: Node, span: Span): Compiled {
    const left = this.compile(leftNode);
    const right = this.compile(rightNode);
    const [l, r] = [left.run, right.run];
    const known = (c: Compiled) => c.type !== 'any' && c.type !== 'null';
    if (op === '??') return { type: left.type === right.type ? left.type : 'any', run: (input) => l(input) ?? r(input) };
    if (op === '==' || op === '!=') {
      if (known(left) && known(right) && left.type !== right.type) {
        this.fail('type', `${describeNode(leftNode)} is ${article(left.type)} and ${describeNode(rightNode)} is ${article(right.type)}: they are never equal`, span);
      }
      return op === '==' ? { type: 'boolean', run: (input) => equals(l(input), r(input)) } : { type: 'boolean', run: (input) => !equals(l(input), r(input)) };
    }
    if (ordering.has(op)) {
      this.expectType(leftNode, left, ['number', 'string', 'null'], op);
      this.expectType(rightNode, right, ['number', 'string', 'null'], op);
      if (known(left) && known(right) && left.type !== right.type) {
        this.fail('type', `${op} compares a ${left.type} with a ${right.type}`, span);
      }
      const test = op === '<' ? (c: number) => c < 0 : op === '<=' ? (c: number) => c <= 0 : op === '>' ? (c: number) => c > 0 : (c: number) => c >= 0;
      return { type: 'boolean', run: (input) => { const c = compare(l(input), r(input)); return c !== null && test(c); } };
    }
    if (op === '+') {
      this.expectType(leftNode, left, ['number', 'string', 'null'], '+');
      this.expectType(rightNode, right, ['number', 'string', 'null'], '+');
      if (known(left) && known(right) && left.type !== right.type) this.fail('type', `+ adds two numbers or joins two strings, not a ${left.type} and a ${right.type}`, span);
      return {
        type: known(left) ? left.type : known(right) ? right.type : 'any',
        run: (input) => {
          const [a, b] = [l(input), r(input)];
          if (typeof a === 'number' && typeof b === 'number') return finite(a + b);
          if (typeof a === 'string' && typeof b === 'string') return a + b;
          return null;
        },
      };
    }
    if (arithmetic.has(op)) {
      this.expectType(leftNode, left, ['number', 'null'], op);
      this.expectType(rightNode, right, ['number', 'null'], op);
      const f = op === '-' ? (a: number, b: number) => a - b : op === '*' ? (a: number, b: number) => a * b : op === '/' ? (a: number, b: number) => a / b : (a: number, b: number) => a % b;
      return { type: 'number', run: (input) => { const [a, b] = [l(input), r(input)]; return typeof a === 'number' && typeof b === 'number' ? finite(f(a, b)) : null; } };
    }
    if (op === 'starts_with' || op === 'ends_with') {
      this.expectType(leftNode, left, ['string', 'null'], op);
      this.expectType(rightNode, right, ['string', 'null'], op);
      return op === 'starts_with'
        ? { type: 'boolean', run: (input) => { const [a, b] = [l(input), r(input)]; return typeof a === 'string' && typeof b === 'string' && a.startsWith(b); } }
        : { type: 'boolean', run: (input) => { const [a, b] = [l(input), r(input)]; return typeof a === 'string' && typeof b === 'string' && a.endsWith(b); } };
    }
    // in, not in, contains: membership in a list, or a substring in a string.
    const [needle, haystack, haystackNode] = op === 'contains' ? [right, left, leftNode] : [left, right, rightNode];
    this.expectType(haystackNode, haystack, ['list', 'string', 'null'], op);
    const contains = this.membership(needle, haystack);
    return op === 'not in' ? { type: 'boolean', run: (input) => !contains(input) } : { type: 'boolean', run: contains };
  }

  private membership(needle: Compiled, haystack: Compiled): (input: RuleInput) => boolean {
    const [n, h] = [needle.run, haystack.run];
    if (haystack.constant === true && haystack.type === 'list') {
      const items = h({ now: 0 }) as readonly RuleValue[];
      if (items.every((item) => item === null || typeof item !== 'object')) {
        // A literal list of scalars: a Set makes `x in [...]` constant-time.
        const set = new Set(items);
        return (input) => { const v = n(input); return (v === null || typeof v !== 'object') && set.has(v); };
      }
    }
    return (input) => {
      const [v, container] = [n(input), h(input)];
      if (typeof container === 'string') return typeof v === 'string' && container.includes(v);
      if (Array.isArray(container)) return (container as readonly RuleValue[]).some((item) => equals(item, v));
      return false;
    };
  }
}

function firstSpan(node: Extract<Node, { kind: 'call' }>): Span {
  return { ...node.span, length: node.name.length };
}

function describeNode(node: Node): string {
  const path = staticPath(node);
  if (path !== null) return path;
  if (node.kind === 'literal') return JSON.stringify(node.value);
  if (node.kind === 'call') return `${node.name}()`;
  return 'this expression';
}

function article(type: RuleType): string {
  return type === 'null' ? 'null' : `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}
