import { tokenize, type Token } from '../../core/rules/lexer.js';
import { reservedNames } from '../../core/rules/parser.js';
import { RuleError } from '../../core/rules/RuleError.js';

export type HighlightKind = 'plain' | 'keyword' | 'function' | 'name' | 'string' | 'number' | 'op' | 'comment';

/** A run of the rule's text and how it is coloured; the runs, joined, are the text exactly. */
export interface HighlightRun {
  readonly text: string;
  readonly kind: HighlightKind;
}

/** The tokens of `source`, or of the part before the first fault while a rule is half typed. */
function tokensOf(source: string): Token[] {
  try {
    return tokenize(source);
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    try {
      return tokenize(source.slice(0, error.span.offset));
    } catch {
      return [];
    }
  }
}

/** The text between tokens: blanks, and comments from `#` to the end of the line. */
function gapRuns(text: string): HighlightRun[] {
  const runs: HighlightRun[] = [];
  const comment = /#[^\n]*/g;
  let at = 0;
  for (const match of text.matchAll(comment)) {
    if (match.index > at) runs.push({ text: text.slice(at, match.index), kind: 'plain' });
    runs.push({ text: match[0], kind: 'comment' });
    at = match.index + match[0].length;
  }
  if (at < text.length) runs.push({ text: text.slice(at), kind: 'plain' });
  return runs;
}

function kindOf(token: Token, next: Token | undefined): HighlightKind {
  if (token.type !== 'name') return token.type === 'eof' ? 'plain' : token.type;
  if (reservedNames.has(token.text)) return 'keyword';
  return next?.type === 'op' && next.text === '(' ? 'function' : 'name';
}

/**
 * A rule split into coloured runs with the core's own lexer, so the editor colours what the
 * engine reads: keywords (`and`, `in`, `true`), function calls, paths, strings, numbers,
 * operators and comments. From the first fault on (an unclosed string while it is typed) the
 * text is plain: the live check says what is wrong.
 *
 * @example highlightRule('a == 1') // [{ text: 'a', kind: 'name' }, { text: ' ', kind: 'plain' }, { text: '==', kind: 'op' }, ...]
 */
export function highlightRule(source: string): HighlightRun[] {
  const tokens = tokensOf(source).filter((t) => t.type !== 'eof');
  const runs: HighlightRun[] = [];
  let at = 0;
  tokens.forEach((token, i) => {
    const { offset, length } = token.span;
    runs.push(...gapRuns(source.slice(at, offset)));
    runs.push({ text: source.slice(offset, offset + length), kind: kindOf(token, tokens[i + 1]) });
    at = offset + length;
  });
  // After the last token: blanks and comments, or the text from a fault on.
  const rest = source.slice(at);
  runs.push(...(tokens.length === 0 || rest.trim() === '' || rest.trimStart().startsWith('#') ? gapRuns(rest) : [{ text: rest, kind: 'plain' as const }]));
  return runs.filter((r) => r.text !== '');
}
