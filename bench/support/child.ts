import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Servers under test run in a child process (TypeScript through tsx, no build), the load
 * generator in the parent: on two cores each gets one, as far as the OS allows.
 * Parent and child talk over the IPC channel with these messages.
 */
export type ParentMessage = { readonly type: 'stats' } | { readonly type: 'stop' };

/** CPU time and group-commit totals of a server process since it started. */
export interface ServerStats {
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly commits: number;
  readonly commitJobs: number;
  readonly commitEvents: number;
  readonly commitMillis: number;
  /** Bytes the process sent to storage (Linux /proc/self/io write_bytes: WAL, checkpoints, everything); absent elsewhere. */
  readonly diskWriteBytes?: number;
}

export type ChildMessage =
  | { readonly type: 'ready'; readonly port: number; readonly writeKey: string | null; readonly dataFile: string | null }
  | { readonly type: 'stats'; readonly stats: ServerStats }
  | { readonly type: 'stopped'; readonly stats: ServerStats };

export interface ServerChild {
  readonly port: number;
  readonly writeKey: string | null;
  readonly dataFile: string | null;
  stats(): Promise<ServerStats>;
  /** Closes the server gracefully (commit queue flushed, database checkpointed and closed) and waits for the exit. */
  stop(): Promise<ServerStats>;
}

export interface SpawnOptions {
  /** The child's entry, relative to bench/support. */
  readonly entry: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Folder for a V8 CPU profile of the child (node --cpu-prof), or null. */
  readonly cpuProfileDir?: string | null;
}

function waitFor<T extends ChildMessage['type']>(child: ChildProcess, type: T): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`benchmark server exited (code ${String(code)}) before sending "${type}"`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

export async function spawnServer(options: SpawnOptions): Promise<ServerChild> {
  const entry = fileURLToPath(new URL(options.entry, import.meta.url));
  const profile = options.cpuProfileDir === undefined || options.cpuProfileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`];
  const child = fork(entry, [], {
    execArgv: ['--import', 'tsx', ...profile],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await waitFor(child, 'ready');
  const send = (message: ParentMessage) => child.send(message);
  return {
    port: ready.port,
    writeKey: ready.writeKey,
    dataFile: ready.dataFile,
    async stats() {
      const reply = waitFor(child, 'stats');
      send({ type: 'stats' });
      return (await reply).stats;
    },
    async stop() {
      const reply = waitFor(child, 'stopped');
      send({ type: 'stop' });
      const { stats } = await reply;
      await exited;
      return stats;
    },
  };
}

/** In the child: answers the parent's messages. `close` shuts the server down. */
export function serveParent(ready: Omit<Extract<ChildMessage, { type: 'ready' }>, 'type'>, stats: () => ServerStats, close: () => Promise<void>): void {
  const send = (message: ChildMessage) => process.send?.(message);
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') send({ type: 'stats', stats: stats() });
    else if (message.type === 'stop') {
      close().then(
        () => {
          // Exit once the reply is out (a --cpu-prof profile is written on exit).
          const reply: ChildMessage = { type: 'stopped', stats: stats() };
          process.send?.(reply, undefined, undefined, () => process.exit(0));
        },
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    }
  });
  send({ type: 'ready', ...ready });
}

/** CPU time of this process so far, and the bytes it wrote to storage where Linux tells, for ServerStats. */
export function cpuTimes(): { cpuUserMs: number; cpuSystemMs: number; diskWriteBytes?: number } {
  const usage = process.cpuUsage();
  const times = { cpuUserMs: usage.user / 1000, cpuSystemMs: usage.system / 1000 };
  try {
    const match = /^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return match === null ? times : { ...times, diskWriteBytes: Number(match[1]) };
  } catch {
    return times;
  }
}
