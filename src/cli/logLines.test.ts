import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatLogLine, prettyLogStream, type LogRecord } from './logLines.js';

// A local time whose clock reading is known whatever the machine's time zone.
const time = new Date(2026, 11, 5, 7, 31, 2, 123).getTime();
const base = { time, pid: 1, hostname: 'h', reqId: 'req-1' };

describe('formatLogLine', () => {
  it.each<[string, LogRecord, string]>([
    ['a request: method, URL, status and time on one line',
      { ...base, level: 30, method: 'GET', url: '/healthz', status: 200, ms: 1.2, msg: 'request completed' }, '07:31:02.123 INFO  GET /healthz 200 1.2 ms'],
    ['another record: its message and other fields as key=value',
      { ...base, level: 40, msg: 'segment sweep stopped', workspaces: 3, note: 'two words' }, '07:31:02.123 WARN  segment sweep stopped workspaces=3 note="two words"'],
    ['nested fields as JSON',
      { ...base, level: 30, msg: 'key created', audit: { action: 'key.created', via: 'cli' } }, '07:31:02.123 INFO  key created audit={"action":"key.created","via":"cli"}'],
    ['an error: its type and message, then its stack indented',
      { ...base, level: 50, msg: 'request failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (a.js:1:1)' } }, '07:31:02.123 ERROR request failed Error: boom\n    at f (a.js:1:1)'],
  ])('%s', (_name, record, expected) => {
    expect(formatLogLine(record, { color: false })).toBe(expected);
  });

  it('colours the level and dims the time on a terminal', () => {
    const line = formatLogLine({ ...base, level: 50, msg: 'x' }, { color: true });
    expect(line).toBe('\u001b[2m07:31:02.123\u001b[0m \u001b[31mERROR\u001b[0m x');
  });
});

describe('prettyLogStream', () => {
  it('formats JSON lines split across chunks, and passes other text through', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const pretty = prettyLogStream(out, false);
    const json = JSON.stringify({ ...base, level: 30, method: 'POST', url: '/v1/track', status: 400, ms: 3, msg: 'request completed' });
    pretty.write(json.slice(0, 20));
    pretty.write(`${json.slice(20)}\nnot json\n`);
    await new Promise<void>((resolve) => pretty.end(resolve));
    expect(text).toBe('07:31:02.123 INFO  POST /v1/track 400 3 ms\nnot json\n');
  });
});
