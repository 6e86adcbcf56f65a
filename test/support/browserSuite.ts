import { existsSync } from 'node:fs';

/** Where the browser tests find Chromium: Debian's chromium package (.ci/run installs it). */
export const chromiumPath = '/usr/bin/chromium';

export interface BrowserSuite {
  /** The suite's title, saying why when it skips. */
  readonly title: string;
  readonly skip: boolean;
}

/** CI is set unless empty, `0` or `false` (.ci/run sets CI=true when it is unset). */
export function ciIsSet(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env['CI'];
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * Whether a browser suite runs, decided here for every file in test/browser: with Chromium it
 * runs; without it, it skips saying why, except in CI, where the browser tests must run, so a
 * missing Chromium fails the suite with a message instead.
 *
 *   const suite = browserSuite('the example shop in Chromium');
 *   describe.skipIf(suite.skip)(suite.title, () => { ... });
 */
export function browserSuite(title: string, env: Readonly<Record<string, string | undefined>> = process.env, exists: (path: string) => boolean = existsSync): BrowserSuite {
  if (exists(chromiumPath)) return { title, skip: false };
  if (ciIsSet(env)) {
    throw new Error(`${title}: ${chromiumPath} not found, and CI is set: the browser tests must run in CI (install Debian's chromium package; .ci/run does)`);
  }
  return { title: `${title} (skipped: ${chromiumPath} not found; install Debian's chromium package)`, skip: true };
}
