import type { Span } from './ast.js';
import { RuleError } from './RuleError.js';

export type TokenType = 'number' | 'string' | 'name' | 'op' | 'eof';

export interface Token {
  readonly type: TokenType;
  /** The operator or name as written; for strings and numbers, the decoded value. */
  readonly text: string;
  readonly value: string | number | null;
  readonly span: Span;
}

// Longest first, so that `<=` wins over `<` and `??` over `?`.
const operators = ['==', '!=', '<=', '>=', '??', '<', '>', '+', '-', '*', '/', '%', '(', ')', '[', ']', ',', '.'];
const escapes: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\\': '\\', n: '\n', t: '\t', r: '\r', '/': '/' };

function isNameStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** Splits a rule into tokens, tracking line and column (1-based) for error messages. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const span = (start: number, end: number, startLine = line, startColumn = start - lineStart + 1): Span =>
    ({ offset: start, length: end - start, line: startLine, column: startColumn });
  const fail = (message: string, start: number, end = start + 1): never => {
    throw new RuleError('syntax', message, source, span(start, end));
  };

  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      // A comment runs to the end of the line.
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (isDigit(c)) {
      while (i < source.length && isDigit(source[i]!)) i++;
      if (source[i] === '.' && isDigit(source[i + 1] ?? '')) {
        i++;
        while (i < source.length && isDigit(source[i]!)) i++;
      }
      if (isNameStart(source[i] ?? '')) fail(`a number cannot run into a name`, start, i + 1);
      const text = source.slice(start, i);
      const value = Number(text);
      // 400 nines would be Infinity, which is not a rule value (nor JSON).
      if (!Number.isFinite(value)) fail('this number is too large', start, i);
      tokens.push({ type: 'number', text, value, span: span(start, i) });
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      i++;
      for (;;) {
        const d = source[i];
        if (d === undefined || d === '\n') fail('this string is not closed', start, i);
        if (d === c) break;
        if (d === '\\') {
          const e = source[i + 1] ?? '';
          if (e === 'u') {
            const hex = source.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('\\u needs four hex digits', i, i + 2);
            value += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            continue;
          }
          const decoded = escapes[e];
          if (decoded === undefined) fail(`unknown escape \\${e}`, i, i + 2);
          value += decoded;
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      i++;
      tokens.push({ type: 'string', text: source.slice(start, i), value, span: span(start, i) });
      continue;
    }
    if (isNameStart(c)) {
      while (i < source.length && (isNameStart(source[i]!) || isDigit(source[i]!))) i++;
      const text = source.slice(start, i);
      tokens.push({ type: 'name', text, value: text, span: span(start, i) });
      continue;
    }
    const op = operators.find((o) => source.startsWith(o, i));
    if (op === undefined) {
      if (c === '=' ) fail('use == to compare', start);
      if (c === '&' || c === '|' || c === '!') fail('use and, or, not', start, source[i + 1] === c ? i + 2 : i + 1);
      fail(`unexpected character ${JSON.stringify(c)}`, start);
    }
    i += op!.length;
    tokens.push({ type: 'op', text: op!, value: null, span: span(start, i) });
  }
  tokens.push({ type: 'eof', text: '', value: null, span: span(source.length, source.length + 1) });
  return tokens;
}
