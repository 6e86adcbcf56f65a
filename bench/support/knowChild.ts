import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The pure-core parts of the `know` benchmark (rule evaluation, memory per profile) each run
 * in a fresh child process: a clean heap and JIT, and `--expose-gc` for heap figures. The
 * child computes, sends one `result` message and exits.
 */
export function runInChild<T>(entry: string, args: readonly string[], execArgv: readonly string[] = []): Promise<T> {
  const file = fileURLToPath(new URL(entry, import.meta.url));
  const child = fork(file, [...args], { execArgv: ['--import', 'tsx', '--expose-gc', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<T>((resolve, reject) => {
    let result: { value: T } | null = null;
    child.on('message', (message: { type: string; value: T }) => {
      if (message.type === 'result') result = { value: message.value };
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result !== null) resolve(result.value);
      else reject(new Error(`${entry} exited (code ${String(code)}) without a result`));
    });
  });
}

/** In the child: sends the result, then exits once it is out. */
export function sendResult(value: unknown): void {
  if (process.send === undefined) {
    console.log(JSON.stringify(value, null, 2));
    return;
  }
  process.send({ type: 'result', value }, undefined, undefined, () => process.exit(0));
}

/** Runs `main` in the child and reports a failure as a non-zero exit. */
export function childMain(main: () => unknown): void {
  try {
    sendResult(main());
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}

/** The `global.gc` of `--expose-gc`, run twice so that weak references and finalizers settle. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  gc();
}
