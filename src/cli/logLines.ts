import { hostname } from 'node:os';
import { Writable } from 'node:stream';

/** A pino record as Fastify's logger writes it: one JSON object per line. */
export interface LogRecord {
  readonly level: number;
  readonly time: number;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

const levelNames: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const levelColors: Readonly<Record<number, string>> = { 40: '\u001b[33m', 50: '\u001b[31m', 60: '\u001b[31m' };
const dim = '\u001b[2m';
const reset = '\u001b[0m';
/** Fields every record carries, or that the line shows in its own place. */
const shownElsewhere = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'err', 'method', 'url', 'status', 'ms', 'v']);

function clockTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function fieldText(value: unknown): string {
  return typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

/**
 * One record as a line for a person at a terminal: time, level, then the request
 * (`GET /healthz 200 1.2 ms`) or the message and its other fields as key=value. An error's
 * stack follows on indented lines, the only case of more than one line.
 *
 * formatLogLine({ level: 30, time, method: 'GET', url: '/healthz', status: 200, ms: 1.2, msg: 'request completed' }, { color: false })
 *   // '07:31:02.123 INFO  GET /healthz 200 1.2 ms'
 */
export function formatLogLine(record: LogRecord, options: { readonly color: boolean }): string {
  const name = levelNames[record.level] ?? String(record.level);
  const color = options.color ? levelColors[record.level] : undefined;
  const level = color === undefined ? name.padEnd(5) : `${color}${name.padEnd(5)}${reset}`;
  const time = options.color ? `${dim}${clockTime(record.time)}${reset}` : clockTime(record.time);
  const isRequest = typeof record['method'] === 'string' && typeof record['url'] === 'string' && typeof record['status'] === 'number';
  const head = isRequest ? `${String(record['method'])} ${String(record['url'])} ${String(record['status'])} ${String(record['ms'])} ms` : record.msg ?? '';
  const fields = Object.entries(record).filter(([key]) => !shownElsewhere.has(key)).map(([key, value]) => `${key}=${fieldText(value)}`);
  const err = record['err'] as { type?: unknown; message?: unknown; stack?: unknown } | undefined;
  const errText = err === undefined ? [] : [`${String(err.type ?? 'Error')}: ${String(err.message ?? '')}`];
  const line = [time, level, head, ...errText, ...fields].filter((part) => part !== '').join(' ');
  const stack = typeof err?.stack === 'string' ? err.stack.split('\n').slice(1).map((l) => `    ${l.trim()}`) : [];
  return [line, ...stack].join('\n');
}

/** A stream that takes pino's JSON lines and writes them formatted for a terminal. Lines that are not JSON pass through. */
export function prettyLogStream(out: NodeJS.WritableStream, color: boolean): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      const text = lines.filter((l) => l !== '').map((l) => {
        try {
          return formatLogLine(JSON.parse(l) as LogRecord, { color });
        } catch {
          return l;
        }
      });
      if (text.length > 0) out.write(`${text.join('\n')}\n`);
      done();
    },
  });
}

/**
 * Where the logs go: formatted lines on a terminal, pino's JSON otherwise (a file, a pipe, a
 * log collector), so that people read one line per request and machines parse one object.
 */
export function logDestination(out: NodeJS.WriteStream): NodeJS.WritableStream {
  return out.isTTY === true ? prettyLogStream(out, true) : out;
}

/** Writes one record in pino's shape (the server's log format) to `out`, formatted as logDestination would. */
export function writeLogRecord(out: NodeJS.WriteStream, now: number, msg: string, fields: object): void {
  const record: LogRecord = { level: 30, time: now, pid: process.pid, hostname: hostname(), ...fields, msg };
  out.write(`${out.isTTY === true ? formatLogLine(record, { color: true }) : JSON.stringify(record)}\n`);
}
