/**
 * Reads the README's shell snippets so that a test can run them: the text under a heading,
 * its ```sh blocks, the commands of a block as words (a small POSIX shell word splitter:
 * quotes, backslash continuations, comments, `&&` and `;`), and a curl command as a request.
 * Anything it does not understand is an error naming the command, never a silent skip.
 */

const headingLine = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const fenceLine = /^\s*(`{3,}|~{3,})(.*)$/;

interface Line {
  readonly text: string;
  /** Inside a fenced code block (a `# comment` there is not a heading). */
  readonly fenced: boolean;
}

function markdownLines(markdown: string): Line[] {
  const lines: Line[] = [];
  let fence: string | null = null;
  for (const text of markdown.split('\n')) {
    const match = fenceLine.exec(text);
    if (fence === null && match !== null) {
      fence = match[1]!;
      lines.push({ text, fenced: true });
    } else if (fence !== null) {
      if (match !== null && match[1]!.startsWith(fence) && match[2]!.trim() === '') fence = null;
      lines.push({ text, fenced: true });
    } else {
      lines.push({ text, fenced: false });
    }
  }
  return lines;
}

/**
 * The text under the heading titled `title` (any level), up to the next heading of any level:
 * a section's own text, without its subsections. Throws when no such heading exists.
 *
 * @example sectionBody('# A\nx\n## B\ny', 'A') // 'x'
 */
export function sectionBody(markdown: string, title: string): string {
  const lines = markdownLines(markdown);
  const isHeading = (line: Line) => !line.fenced && headingLine.test(line.text);
  const start = lines.findIndex((line) => isHeading(line) && headingLine.exec(line.text)![2] === title);
  if (start < 0) throw new Error(`no heading "${title}" in the document`);
  const end = lines.findIndex((line, i) => i > start && isHeading(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).map((line) => line.text).join('\n');
}

/** The contents of the fenced blocks of a language (```sh), in order. */
export function fencedBlocks(text: string, language: string): string[] {
  const blocks: string[] = [];
  let current: string[] | null = null;
  let fence = '';
  for (const line of text.split('\n')) {
    const match = fenceLine.exec(line);
    if (current === null) {
      if (match !== null && match[2]!.trim() === language) [current, fence] = [[], match[1]!];
    } else if (match !== null && match[1]!.startsWith(fence) && match[2]!.trim() === '') {
      blocks.push(current.join('\n'));
      current = null;
    } else {
      current.push(line);
    }
  }
  if (current !== null) throw new Error(`a \`\`\`${language} block is not closed`);
  return blocks;
}

/** Unquoted characters whose meaning the splitter would have to emulate: refused rather than misread. */
const unsupported = new Set(['$', '`', '|', '<', '>', '(', ')']);

/**
 * Splits a shell snippet into commands, each a list of words with quotes removed, as a POSIX
 * shell would before running them: '...' is literal, "..." keeps all but \" \\ \$ \` and a
 * backslash-newline, a backslash-newline outside quotes joins lines, `#` at the start of a
 * word comments out the rest of the line, and a newline, `;` or `&&` ends a command.
 * Expansions, pipes and redirections are refused (the test could not run them faithfully).
 *
 * @example shellCommands("curl -u 'k:' \\\n  http://x # c\nnpm test") // [['curl', '-u', 'k:', 'http://x'], ['npm', 'test']]
 */
export function shellCommands(snippet: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | null = null;
  const endWord = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  let i = 0;
  const fail = (what: string): never => {
    const line = snippet.slice(0, i).split('\n').length;
    throw new Error(`line ${line} of the snippet: ${what}`);
  };
  while (i < snippet.length) {
    const c = snippet[i]!;
    if (c === '\\') {
      const next = snippet[i + 1];
      if (next === undefined) fail('a backslash at the end');
      if (next !== '\n') word = (word ?? '') + next;
      i += 2;
    } else if (c === "'") {
      const close = snippet.indexOf("'", i + 1);
      if (close < 0) fail('an unclosed single quote');
      word = (word ?? '') + snippet.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      let text = '';
      i += 1;
      for (;;) {
        const d = snippet[i];
        if (d === undefined) fail('an unclosed double quote');
        if (d === '"') break;
        if (d === '$' || d === '`') fail(`"${d}" inside double quotes (an expansion the test does not perform)`);
        if (d === '\\' && '"\\$`\n'.includes(snippet[i + 1] ?? '')) {
          if (snippet[i + 1] !== '\n') text += snippet[i + 1];
          i += 2;
        } else {
          text += d;
          i += 1;
        }
      }
      word = (word ?? '') + text;
      i += 1;
    } else if (c === '#' && word === null) {
      const end = snippet.indexOf('\n', i);
      i = end < 0 ? snippet.length : end;
    } else if (c === '\n' || c === ';') {
      endCommand();
      i += 1;
    } else if (c === '&') {
      if (snippet[i + 1] !== '&') fail('"&" (a background job)');
      endCommand();
      i += 2;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      i += 1;
    } else if (unsupported.has(c)) {
      fail(`"${c}" (the test runs plain commands only)`);
    } else {
      word = (word ?? '') + c;
      i += 1;
    }
  }
  endCommand();
  return commands;
}

export interface CurlRequest {
  readonly method: string;
  readonly url: string;
  /** In the order given; `-u` adds the Authorization header curl would send. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | null;
}

/**
 * The request a curl command sends, for the options the README uses: -X/--request,
 * -H/--header, -d/--data/--data-raw (POST unless -X says otherwise), -u/--user (Basic), and
 * one URL. Any other option is an error, so that running the request with fetch instead of
 * curl never silently differs.
 *
 * @example parseCurl(['curl', '-u', 'k:', 'http://x/v1/track', '-d', '{}']) // { method: 'POST', url: 'http://x/v1/track', headers: [['authorization', 'Basic azo=']], body: '{}' }
 */
export function parseCurl(words: readonly string[]): CurlRequest {
  if (words[0] !== 'curl') throw new Error(`not a curl command: ${words.join(' ')}`);
  let method: string | null = null;
  let url: string | null = null;
  let body: string | null = null;
  const headers: [string, string][] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    const value = (): string => {
      const next = words[++i];
      if (next === undefined) throw new Error(`curl option ${word} has no value`);
      return next;
    };
    switch (word) {
      case '-X': case '--request': method = value(); break;
      case '-H': case '--header': {
        const header = value();
        const colon = header.indexOf(':');
        if (colon <= 0) throw new Error(`curl header without a name: ${header}`);
        headers.push([header.slice(0, colon).trim().toLowerCase(), header.slice(colon + 1).trim()]);
        break;
      }
      case '-d': case '--data': case '--data-raw': {
        const data = value();
        if (word !== '--data-raw' && data.startsWith('@')) throw new Error(`curl reads the body from a file (${data}): not supported by the docs test`);
        body = body === null ? data : `${body}&${data}`;
        break;
      }
      case '-u': case '--user': headers.push(['authorization', `Basic ${Buffer.from(value()).toString('base64')}`]); break;
      default:
        if (word.startsWith('-')) throw new Error(`curl option ${word} is not known to the docs test: teach parseCurl`);
        if (url !== null) throw new Error(`curl command with two URLs: ${url} and ${word}`);
        url = word;
    }
  }
  if (url === null) throw new Error(`curl command without a URL: ${words.join(' ')}`);
  // What curl sends with -d when the command names no type.
  if (body !== null && !headers.some(([name]) => name === 'content-type')) headers.push(['content-type', 'application/x-www-form-urlencoded']);
  return { method: method ?? (body === null ? 'GET' : 'POST'), url, headers, body };
}
