import type { HttpSettings } from './http.js';

/** One command-line option, `--flag` or `--flag=value`. */
export interface Option {
  readonly arg: string;
  readonly flag: string;
  readonly value: string | undefined;
  /** The value as a positive number; throws otherwise. */
  number(): number;
}

/**
 * The options every HTTP benchmark takes (--seconds=N --warmup=N --connections=N
 * --pragma=name=value); `other` takes the benchmark's own and answers false for an unknown
 * one, which stops the run with `unknown option ...; <usage>`.
 */
export function parseHttpOptions(args: readonly string[], usage: string, other: (option: Option) => boolean): HttpSettings {
  let seconds = 10;
  let warmupSeconds = 2;
  let connections = 16;
  const pragmas: string[] = [];
  for (const arg of args) {
    const [flag, value] = arg.split('=', 2) as [string, string | undefined];
    const number = () => {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number, e.g. ${flag}=10`);
      return n;
    };
    if (flag === '--seconds') seconds = number();
    else if (flag === '--warmup') warmupSeconds = number();
    else if (flag === '--connections') connections = Math.round(number());
    else if (flag === '--pragma' && value !== undefined) pragmas.push(arg.slice('--pragma='.length));
    else if (!other({ arg, flag, value, number })) throw new Error(`unknown option ${arg}; ${usage}`);
  }
  return { seconds, warmupSeconds, connections, pragmas };
}
