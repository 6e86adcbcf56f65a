import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemoryChildMessage, MemoryParentMessage, MemoryUser } from './memoryServer.js';
import { BodySource } from './workload.js';

/** The memory benchmark's server child (bench/support/memoryServer.ts), driven over IPC. */
export interface MemoryServer {
  readonly ready: Extract<MemoryChildMessage, { type: 'ready' }>;
  readonly pid: number;
  /** Milliseconds from the fork to `ready` (process start, modules, recovery, listen). */
  readonly spawnMillis: number;
  flush(): Promise<number>;
  digest(users: readonly MemoryUser[]): Promise<readonly (string | null)[]>;
  stop(): Promise<void>;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
}

function reply<T extends MemoryChildMessage['type']>(child: ChildProcess, type: T): Promise<Extract<MemoryChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: MemoryChildMessage) => {
      if (m.type !== type) return;
      cleanup();
      resolve(m as Extract<MemoryChildMessage, { type: T }>);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`memory server exited (code ${String(code)}) before "${type}"`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

export async function spawnMemoryServer(env: Readonly<Record<string, string>>, execArgv: readonly string[] = []): Promise<MemoryServer> {
  const entry = fileURLToPath(new URL('./memoryServer.ts', import.meta.url));
  const started = performance.now();
  const child = fork(entry, [], { execArgv: ['--import', 'tsx', ...execArgv], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await reply(child, 'ready');
  const spawnMillis = performance.now() - started;
  const send = (m: MemoryParentMessage) => child.send(m);
  return {
    ready,
    pid: child.pid!,
    spawnMillis,
    async flush() {
      const r = reply(child, 'flushed');
      send({ type: 'flush' });
      return (await r).millis;
    },
    async digest(users) {
      const r = reply(child, 'digest');
      send({ type: 'digest', users });
      return (await r).rows;
    },
    async stop() {
      const r = reply(child, 'stopped');
      send({ type: 'stop' });
      await r;
      await exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Events sent and acknowledged (`accepted` of 2xx answers), and the requests that failed. */
export interface Sent {
  readonly events: number;
  readonly accepted: number;
  readonly failed: number;
  readonly firstFailure: string | null;
  readonly seconds: number;
}

/**
 * Sends `batches` bodies of `source` to POST /v1/batch, `concurrency` at a time; each answer
 * is awaited, so every event counted in `accepted` was acknowledged (durably appended).
 */
export async function sendBatches(port: number, writeKey: string, source: BodySource, batches: number, batchSize: number, concurrency: number): Promise<Sent> {
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  let next = 0;
  let accepted = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  const started = performance.now();
  const worker = async () => {
    while (next < batches) {
      next++;
      const res = await fetch(`http://127.0.0.1:${port.toString()}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: source.body() });
      const text = await res.text();
      const match = /"accepted":(\d+)/.exec(text);
      if (res.status >= 200 && res.status < 300 && match !== null) accepted += Number(match[1]);
      else {
        failed++;
        firstFailure ??= `${res.status.toString()} ${text.slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { events: batches * batchSize, accepted, failed, firstFailure, seconds: (performance.now() - started) / 1000 };
}
