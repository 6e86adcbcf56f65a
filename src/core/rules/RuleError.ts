import type { Span } from './ast.js';

export type RuleErrorKind = 'syntax' | 'unknown-name' | 'type' | 'too-complex';

/**
 * A fault in a rule's source, with its position and a caret drawing:
 *
 * ```
 * features.orders_90d = 2
 *                     ^
 * ```
 */
export class RuleError extends Error {
  override readonly name = 'RuleError';
  readonly line: number;
  readonly column: number;
  readonly caret: string;

  constructor(readonly kind: RuleErrorKind, message: string, readonly source: string, readonly span: Span) {
    super(`${message} (line ${span.line}, column ${span.column})`);
    this.line = span.line;
    this.column = span.column;
    this.caret = drawCaret(source, span);
  }
}

export function drawCaret(source: string, span: Span): string {
  const text = (source.split('\n')[span.line - 1] ?? '').replace(/\r$/, '');
  const width = Math.max(1, Math.min(span.length, text.length - (span.column - 1)));
  // Tabs are kept under tabs so that the caret lines up however wide a tab is shown.
  const indent = text.slice(0, span.column - 1).replace(/[^\t]/g, ' ').padEnd(span.column - 1);
  return `${text}\n${indent}${'^'.repeat(width)}`;
}
