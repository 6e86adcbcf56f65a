import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killChildren, makeTempDir, removeTempDirs, runAttune, startServerChild } from '../e2e/support.js';
import { fencedBlocks, parseCurl, sectionBody, shellCommands, type CurlRequest } from './readmeSnippets.js';

/*
 * The README's curl flows, run as written against a real server, so that they cannot drift
 * from the code. Sections are found by their heading, so new sections do not disturb this.
 */
const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The sections whose ```sh blocks are run, in order: each builds on the one before. */
const flow = ['Quick start', 'Deciding', 'Measuring'] as const;
/** Commands the test stands in for: it starts the server itself (and is itself run by npm test). */
const standIns = new Set(['npm ci', 'npm start', 'npm test']);

interface Keys {
  readonly id: string;
  readonly writeKey: string;
  readonly secretKey: string;
}

interface Step {
  readonly section: string;
  readonly command: string;
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

interface DecideAnswer {
  readonly placements: readonly { fallback: string | null; decisions: readonly { reasons: { experiment?: { id: string; arm: string } } }[] }[];
}

const curlAvailable = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;
const execFileAsync = promisify(execFile);

/** The README's placeholders and what stands for them here. */
function substitute(words: readonly string[], server: string, keys: Keys | null): string[] {
  return words.map((word) => {
    let text = word.replaceAll('http://127.0.0.1:4700', server);
    if (keys !== null) text = text.replaceAll('atw_...', keys.writeKey).replaceAll('ats_...', keys.secretKey).replaceAll('ws_...', keys.id);
    const left = /\b[a-z]+_\.\.\./.exec(text);
    if (left !== null) throw new Error(`the README uses the placeholder "${left[0]}" before a snippet creates it, or one this test does not know: teach substitute()`);
    return text;
  });
}

function fetchRequest(request: CurlRequest): Promise<Response> {
  return fetch(request.url, { method: request.method, headers: request.headers.map(([name, value]) => [name, value]), ...(request.body === null ? {} : { body: request.body }) });
}

/**
 * Sends a curl command with curl itself when the machine has it, else the same request with
 * fetch. With curl, a GET (no side effect) is also sent with fetch, which must agree, so the
 * fallback stays true where curl exists.
 */
async function send(words: readonly string[]): Promise<{ status: number; body: string }> {
  const request = parseCurl(words);
  if (!curlAvailable) {
    const response = await fetchRequest(request);
    return { status: response.status, body: await response.text() };
  }
  const { stdout } = await execFileAsync('curl', ['-sS', '-w', '\n%{http_code}', ...words.slice(1)]);
  const cut = stdout.lastIndexOf('\n');
  const answer = { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
  if (request.method === 'GET') expect((await fetchRequest(request)).status, `fetch ${request.url}`).toBe(answer.status);
  return answer;
}

/** `npx attune ARGS`, run on the server's data folder; `workspace create --json` gives the keys. */
async function attune(args: readonly string[], dataDir: string): Promise<Keys | null> {
  const result = await runAttune([...args, '--data', dataDir]);
  if (result.code !== 0) throw new Error(`attune ${args.join(' ')} exited ${String(result.code)}: ${result.stderr}`);
  if (args[0] !== 'workspace' || args[1] !== 'create') return null;
  return JSON.parse(result.stdout) as Keys;
}

/** Runs the flow's sections in order against the server; each curl must answer 2xx. */
async function runFlow(server: string, dataDir: string): Promise<Step[]> {
  const steps: Step[] = [];
  let keys: Keys | null = null;
  for (const section of flow) {
    const commands = fencedBlocks(sectionBody(readme, section), 'sh').flatMap(shellCommands);
    if (!commands.some((words) => words[0] === 'curl')) throw new Error(`the README's "${section}" section has no curl command`);
    for (const words of commands) {
      const command = words.join(' ');
      if (words[0] === 'npx' && words[1] === 'attune') {
        keys = (await attune(words.slice(2), dataDir)) ?? keys;
      } else if (words[0] === 'curl') {
        const sent = substitute(words, server, keys);
        const { status, body } = await send(sent);
        expect(status, `${section}: ${command}\n${body}`).toBeGreaterThanOrEqual(200);
        expect(status, `${section}: ${command}\n${body}`).toBeLessThan(300);
        steps.push({ section, command, url: parseCurl(sent).url, status, body });
      } else if (!standIns.has(command)) {
        throw new Error(`the README's "${section}" section runs "${command}", which this test does not know how to run`);
      }
    }
  }
  return steps;
}

describe('reading the README snippets', () => {
  it('takes a section\'s own text, not its subsections, and no heading inside a code block', () => {
    const doc = '# Top\n## Quick start\nintro\n```sh\n# a comment, not a heading\ncurl x\n```\n### Sub\nnot this\n## Next\n';
    expect(sectionBody(doc, 'Quick start')).toBe('intro\n```sh\n# a comment, not a heading\ncurl x\n```');
    expect(fencedBlocks(sectionBody(doc, 'Quick start'), 'sh')).toEqual(['# a comment, not a heading\ncurl x']);
    expect(() => sectionBody(doc, 'Missing')).toThrow(/no heading "Missing"/);
  });

  it('splits commands as a shell does: quotes, continuations, comments, && and ;', () => {
    const snippet = [
      'npm ci && npm start      # set up',
      '# {"id":"ws_..."}',
      'curl -u "atw_...:" http://h/v1/track \\',
      `  -d '{"title":"Thanks, {{ name | \\"friend\\" }}",`,
      `       "n":1}'; curl "a\\"b" 'c'd`,
    ].join('\n');
    expect(shellCommands(snippet)).toEqual([
      ['npm', 'ci'], ['npm', 'start'],
      ['curl', '-u', 'atw_...:', 'http://h/v1/track', '-d', '{"title":"Thanks, {{ name | \\"friend\\" }}",\n       "n":1}'],
      ['curl', 'a"b', 'cd'],
    ]);
  });

  it('refuses what it cannot run faithfully', () => {
    expect(() => shellCommands('curl -u "$KEY:" http://h')).toThrow(/expansion/);
    expect(() => shellCommands('curl http://h | jq .')).toThrow(/"\|"/);
    expect(() => shellCommands("curl -d '{\"a\":1}")).toThrow(/unclosed single quote/);
    expect(() => parseCurl(['curl', '--compressed', 'http://h'])).toThrow(/--compressed/);
  });

  it('reads a curl command as the request curl sends', () => {
    expect(parseCurl(['curl', '-u', 'atw_k:', 'http://h/v1/track', '-H', 'Content-Type: application/json', '-d', '{}'])).toEqual({
      method: 'POST', url: 'http://h/v1/track', headers: [['authorization', 'Basic YXR3X2s6'], ['content-type', 'application/json']], body: '{}',
    });
    expect(parseCurl(['curl', '-X', 'PUT', 'http://h/x', '-d', 'a'])).toMatchObject({ method: 'PUT', headers: [['content-type', 'application/x-www-form-urlencoded']] });
    expect(parseCurl(['curl', '-H', 'authorization: Bearer s', 'http://h/y'])).toEqual({ method: 'GET', url: 'http://h/y', headers: [['authorization', 'Bearer s']], body: null });
  });

  it.each(flow)('parses every command of the "%s" section', (section) => {
    const commands = fencedBlocks(sectionBody(readme, section), 'sh').flatMap(shellCommands);
    const curls = commands.filter((words) => words[0] === 'curl');
    expect(curls.length).toBeGreaterThan(0);
    for (const words of curls) expect(parseCurl(words).url).toMatch(/^http:\/\/127\.0\.0\.1:4700\//);
  });
});

describe('the README\'s curl flows', () => {
  afterEach(() => killChildren());
  afterAll(() => removeTempDirs());

  it('run as written on a fresh server: every step answers 2xx and the experiment counts the user', { timeout: 180_000 }, async () => {
    const dataDir = makeTempDir('attune-readme-');
    const server = await startServerChild(dataDir);
    // One profile in 20 falls in the workspace holdout (a hash of the random workspace id),
    // which the README explains; the flow then runs again in a new workspace.
    for (let attempt = 1; ; attempt++) {
      const steps = await runFlow(server.url, dataDir);
      const measuring = steps.filter((step) => step.section === 'Measuring');
      const decide = measuring.find((step) => step.url.endsWith('/v1/decide'));
      const analysis = measuring.find((step) => step.url.includes('/analysis'));
      expect(decide, 'the Measuring section decides for the user after the experiment exists').toBeDefined();
      expect(analysis, 'the Measuring section reads the analysis').toBeDefined();
      const answer = JSON.parse(decide!.body) as DecideAnswer;
      if (answer.placements.some((p) => p.fallback === 'held_out') && attempt < 5) continue;

      const profile = steps.find((step) => step.section === 'Quick start' && step.url.includes('/admin/v1/profiles/'));
      expect(JSON.parse(profile!.body)).toMatchObject({ eventCounts: { track: expect.any(Number) } });
      const experiments = answer.placements.flatMap((p) => p.decisions.map((d) => d.reasons.experiment?.id));
      expect(experiments).toContain('hero-test');
      const units = (JSON.parse(analysis!.body) as { units: Record<string, number> }).units;
      expect(Object.values(units).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
      break;
    }
  });
});
