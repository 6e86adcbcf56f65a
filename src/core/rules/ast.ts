/** Where a node or token starts in the source, and how long it is (for the caret). */
export interface Span {
  readonly offset: number;
  readonly length: number;
  readonly line: number;
  readonly column: number;
}

export type BinaryOperator =
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '+' | '-' | '*' | '/' | '%'
  | 'in' | 'not in' | 'contains' | 'starts_with' | 'ends_with' | '??';

export type Node =
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null; readonly span: Span }
  | { readonly kind: 'list'; readonly items: readonly Node[]; readonly span: Span }
  /** A root name (profile, features, session, context) followed by member and index accesses. */
  | { readonly kind: 'path'; readonly root: string; readonly span: Span }
  | { readonly kind: 'member'; readonly object: Node; readonly name: string; readonly span: Span }
  | { readonly kind: 'index'; readonly object: Node; readonly index: Node; readonly span: Span }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Node[]; readonly span: Span }
  | { readonly kind: 'not'; readonly operand: Node; readonly span: Span }
  | { readonly kind: 'negate'; readonly operand: Node; readonly span: Span }
  | { readonly kind: 'and' | 'or'; readonly left: Node; readonly right: Node; readonly span: Span }
  | { readonly kind: 'binary'; readonly op: BinaryOperator; readonly left: Node; readonly right: Node; readonly span: Span };

/** The dotted path of a node made only of a root and member accesses (`profile.traits.plan`), else null. */
export function staticPath(node: Node): string | null {
  if (node.kind === 'path') return node.root;
  if (node.kind === 'member') {
    const parent = staticPath(node.object);
    return parent === null ? null : `${parent}.${node.name}`;
  }
  return null;
}

export function spanBetween(start: Span, end: Span): Span {
  return { offset: start.offset, line: start.line, column: start.column, length: Math.max(1, end.offset + end.length - start.offset) };
}
