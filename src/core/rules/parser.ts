import { spanBetween, type BinaryOperator, type Node, type Span } from './ast.js';
import { tokenize, type Token } from './lexer.js';
import { RuleError } from './RuleError.js';

/** Limits that keep parsing and evaluation cheap whatever the input. */
export const ruleLimits = { maxSourceLength: 20_000, maxDepth: 64, maxNodes: 2_000 } as const;

const comparisonNames = new Set(['in', 'contains', 'starts_with', 'ends_with']);
const comparisonOps = new Set(['==', '!=', '<', '<=', '>', '>=']);
/** Names the grammar keeps for itself: operators and literals, never paths (the studio's highlighting reads them too). */
export const reservedNames: ReadonlySet<string> = new Set(['and', 'or', 'not', 'in', 'contains', 'starts_with', 'ends_with', 'true', 'false', 'null']);

/**
 * Parses a rule into its syntax tree. Precedence, loosest first:
 * `or`, `and`, `not`, comparisons (`== != < <= > >= in, not in, contains, starts_with,
 * ends_with`, which do not chain), `??`, `+ -`, `* / %`, unary `-`, then `.name`, `[index]`
 * and calls. See docs/rules.md.
 */
export function parseRule(source: string): Node {
  if (source.length > ruleLimits.maxSourceLength) {
    throw new RuleError('too-complex', `a rule may be at most ${ruleLimits.maxSourceLength} characters`, source, { offset: 0, length: 1, line: 1, column: 1 });
  }
  return new Parser(source, tokenize(source)).parseAll();
}

class Parser {
  private position = 0;
  private depth = 0;
  private nodes = 0;

  constructor(private readonly source: string, private readonly tokens: readonly Token[]) {}

  parseAll(): Node {
    if (this.peek().type === 'eof') this.fail('the rule is empty', this.peek().span);
    const node = this.parseOr();
    const next = this.peek();
    if (next.type !== 'eof') this.fail(`unexpected ${describe(next)} after a complete expression`, next.span);
    return node;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.position + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'eof') this.position++;
    return token;
  }

  private isName(text: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.type === 'name' && t.text === text;
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.type === 'op' && t.text === text;
  }

  private expectOp(text: string, what: string): Token {
    if (!this.isOp(text)) this.fail(`expected ${what}, found ${describe(this.peek())}`, this.peek().span);
    return this.next();
  }

  private fail(message: string, span: Span): never {
    throw new RuleError('syntax', message, this.source, span);
  }

  private node<N extends Node>(node: N): N {
    if (++this.nodes > ruleLimits.maxNodes) throw new RuleError('too-complex', `a rule may have at most ${ruleLimits.maxNodes} parts`, this.source, node.span);
    return node;
  }

  private nested<T>(span: Span, parse: () => T): T {
    if (++this.depth > ruleLimits.maxDepth) throw new RuleError('too-complex', `a rule may nest at most ${ruleLimits.maxDepth} levels deep`, this.source, span);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.isName('or')) {
      this.next();
      const right = this.parseAnd();
      left = this.node({ kind: 'or', left, right, span: spanBetween(left.span, right.span) });
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseNot();
    while (this.isName('and')) {
      this.next();
      const right = this.parseNot();
      left = this.node({ kind: 'and', left, right, span: spanBetween(left.span, right.span) });
    }
    return left;
  }

  private parseNot(): Node {
    if (this.isName('not')) {
      const start = this.next().span;
      const operand = this.nested(start, () => this.parseNot());
      return this.node({ kind: 'not', operand, span: spanBetween(start, operand.span) });
    }
    return this.parseComparison();
  }

  private comparisonOperator(): { op: BinaryOperator; width: number } | null {
    const t = this.peek();
    if (t.type === 'op' && comparisonOps.has(t.text)) return { op: t.text as BinaryOperator, width: 1 };
    if (t.type === 'name' && comparisonNames.has(t.text)) return { op: t.text as BinaryOperator, width: 1 };
    if (this.isName('not') && this.isName('in', 1)) return { op: 'not in', width: 2 };
    return null;
  }

  private parseComparison(): Node {
    const left = this.parseCoalesce();
    const operator = this.comparisonOperator();
    if (operator === null) return left;
    for (let i = 0; i < operator.width; i++) this.next();
    const right = this.parseCoalesce();
    const again = this.comparisonOperator();
    if (again !== null) this.fail('comparisons do not chain: join them with and', this.peek().span);
    return this.node({ kind: 'binary', op: operator.op, left, right, span: spanBetween(left.span, right.span) });
  }

  private parseCoalesce(): Node {
    let left = this.parseAdditive();
    while (this.isOp('??')) {
      this.next();
      const right = this.parseAdditive();
      left = this.node({ kind: 'binary', op: '??', left, right, span: spanBetween(left.span, right.span) });
    }
    return left;
  }

  private parseAdditive(): Node {
    let left = this.parseMultiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().text as BinaryOperator;
      const right = this.parseMultiplicative();
      left = this.node({ kind: 'binary', op, left, right, span: spanBetween(left.span, right.span) });
    }
    return left;
  }

  private parseMultiplicative(): Node {
    let left = this.parseUnary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.next().text as BinaryOperator;
      const right = this.parseUnary();
      left = this.node({ kind: 'binary', op, left, right, span: spanBetween(left.span, right.span) });
    }
    return left;
  }

  private parseUnary(): Node {
    if (this.isOp('-')) {
      const start = this.next().span;
      const operand = this.nested(start, () => this.parseUnary());
      return this.node({ kind: 'negate', operand, span: spanBetween(start, operand.span) });
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(node: Node): Node {
    let current = node;
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const name = this.next();
        if (name.type !== 'name') this.fail(`expected a field name after ".", found ${describe(name)}`, name.span);
        current = this.node({ kind: 'member', object: current, name: name.text, span: spanBetween(current.span, name.span) });
      } else if (this.isOp('[')) {
        const open = this.next();
        const index = this.nested(open.span, () => this.parseOr());
        const close = this.expectOp(']', '"]" to close the index');
        current = this.node({ kind: 'index', object: current, index, span: spanBetween(current.span, close.span) });
      } else return current;
    }
  }

  private parsePrimary(): Node {
    const token = this.next();
    switch (token.type) {
      case 'number':
      case 'string':
        return this.node({ kind: 'literal', value: token.value, span: token.span });
      case 'eof':
        return this.fail('the rule ends where a value was expected', token.span);
      case 'op':
        if (token.text === '(') {
          const inner = this.nested(token.span, () => this.parseOr());
          this.expectOp(')', '")" to close "("');
          return inner;
        }
        if (token.text === '[') return this.nested(token.span, () => this.parseList(token));
        return this.fail(`expected a value, found ${describe(token)}`, token.span);
      case 'name':
        return this.parseName(token);
    }
  }

  private parseName(token: Token): Node {
    if (token.text === 'true' || token.text === 'false') return this.node({ kind: 'literal', value: token.text === 'true', span: token.span });
    if (token.text === 'null') return this.node({ kind: 'literal', value: null, span: token.span });
    if (reservedNames.has(token.text)) this.fail(`expected a value, found the keyword "${token.text}"`, token.span);
    if (!this.isOp('(')) return this.node({ kind: 'path', root: token.text, span: token.span });
    this.next();
    const args: Node[] = [];
    while (!this.isOp(')')) {
      args.push(this.nested(token.span, () => this.parseOr()));
      if (!this.isOp(',')) break;
      this.next();
    }
    const close = this.expectOp(')', `"," or ")" in the arguments of ${token.text}()`);
    return this.node({ kind: 'call', name: token.text, args, span: spanBetween(token.span, close.span) });
  }

  private parseList(open: Token): Node {
    const items: Node[] = [];
    while (!this.isOp(']')) {
      items.push(this.parseOr());
      if (!this.isOp(',')) break;
      this.next();
    }
    const close = this.expectOp(']', '"," or "]" in the list');
    return this.node({ kind: 'list', items, span: spanBetween(open.span, close.span) });
  }
}

function describe(token: Token): string {
  if (token.type === 'eof') return 'the end of the rule';
  if (token.type === 'string') return `the string ${token.text}`;
  return `"${token.text}"`;
}
