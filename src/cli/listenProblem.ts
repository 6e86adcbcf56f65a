import { createServer } from 'node:net';
import { ConfigError } from '../config/config.js';

/**
 * The one-line usage error for a port that cannot be listened on (in use, or privileged), or
 * undefined for other errors. Said in terms of the settings that choose another port.
 */
export function listenProblem(error: unknown, host: string, port: number): ConfigError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const choose = 'choose another with --port N or ATTUNE_PORT=N (0 picks a free one)';
  if (code === 'EADDRINUSE') return new ConfigError(`port ${port} on ${host} is already in use by another process; ${choose}`);
  if (code === 'EACCES') return new ConfigError(`port ${port} on ${host} needs privileges this process does not have; ${choose}`);
  if (code === 'EADDRNOTAVAIL') return new ConfigError(`${host} is not an address of this machine; choose another with --host H or ATTUNE_HOST=H`);
  return undefined;
}

/**
 * Fails with listenProblem's usage error unless `host:port` can be listened on now, for
 * commands that do long work before they listen (the demo simulates for half a minute).
 */
export async function ensureCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(listenProblem(error, host, port) ?? error));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
