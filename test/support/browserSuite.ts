import { existsSync } from 'node:fs';

/** Where the browser tests find Chromium: Debian's chromium package (.ci/run installs it). */
export const chromiumPath = '/usr/bin/chromium';

/** Where they find Firefox: Debian's firefox-esr package (.ci/run installs it too). */
export const firefoxPath = '/usr/bin/firefox-esr';

/** A browser the suites need: its executable and the Debian package that provides it. */
export interface SuiteBrowser {
  readonly path: string;
  readonly debianPackage: string;
}

export const chromiumBrowser: SuiteBrowser = { path: chromiumPath, debianPackage: 'chromium' };
export const firefoxBrowser: SuiteBrowser = { path: firefoxPath, debianPackage: 'firefox-esr' };

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
 * Whether a browser suite runs, decided here for every file in test/browser: with its browser
 * (Chromium unless it names Firefox) it runs; without it, it skips saying why, except in CI,
 * where the browser tests must run, so a missing browser fails the suite with a message instead.
 *
 *   const suite = browserSuite('the example shop in Chromium');
 *   describe.skipIf(suite.skip)(suite.title, () => { ... });
 */
export function browserSuite(
  title: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  exists: (path: string) => boolean = existsSync,
  browser: SuiteBrowser = chromiumBrowser,
): BrowserSuite {
  if (exists(browser.path)) return { title, skip: false };
  if (ciIsSet(env)) {
    throw new Error(`${title}: ${browser.path} not found, and CI is set: the browser tests must run in CI (install Debian's ${browser.debianPackage} package; .ci/run does)`);
  }
  return { title: `${title} (skipped: ${browser.path} not found; install Debian's ${browser.debianPackage} package)`, skip: true };
}
