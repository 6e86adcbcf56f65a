import type { Page } from 'playwright-core';
import { launchChromium, openLocalPage } from '../../test/browser/localPage.js';
import type { Check } from './report.js';
import { loadPage, measuredPages, type PageContext } from './studioPageLoads.js';

/** Where the studio runs and what was created there (the verification's expectations). */
export interface StudioTarget {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly workspaceId: string;
  readonly email: string;
  readonly password: string;
  readonly repetitions: number;
  readonly profiles: number;
  readonly actions: number;
  readonly segments: number;
}

export interface PageLoad {
  readonly name: string;
  readonly path: string;
  /** Each measured load, ms from the navigation's start to the page being complete, in the order taken. */
  readonly millis: readonly number[];
  readonly p50Millis: number;
  readonly maxMillis: number;
}

/** An admin API path's answers during the measured loads, as Chromium timed them (request start to the response's end). */
export interface ApiTiming {
  readonly request: string;
  readonly count: number;
  readonly p50Millis: number;
  readonly maxMillis: number;
}

export interface PageLoads {
  readonly pages: readonly PageLoad[];
  /** Slowest first: which admin call holds a page up. */
  readonly api: readonly ApiTiming[];
  /** The largest per-page median. */
  readonly largestPageLoadMillis: number;
  /** The slowest single load of any page. */
  readonly largestPageLoadMaxMillis: number;
  readonly checks: readonly Check[];
}

const loadTimeoutMillis = 60_000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Failed loads the studio makes on purpose: signed out, GET /admin/v1/me answers 401 (before
 * the sign-in only); the experiments page's editor checks its default plan as soon as it
 * shows (POST /admin/v1/segments/:id/plan), which answers 400 when no model predicts a
 * baseline rate and none was typed, and says so on the page (the browser tests allow it too).
 */
function expectedFailure(response: string, beforeSignIn: boolean): boolean {
  return (beforeSignIn && response === 'GET /admin/v1/me 401') || /^POST \/admin\/v1\/segments\/[^/]+\/plan 400$/.test(response);
}

/** No console error but the failed loads of expectedFailure, each logged once. */
function consoleCheck(consoleErrors: readonly string[], failedResponses: readonly string[], failedAtSignIn: number): Check {
  const unexpected = failedResponses.filter((r, i) => !expectedFailure(r, i < failedAtSignIn));
  const otherErrors = consoleErrors.filter((e) => !/^Failed to load resource: the server responded with a status of (400|401)\b/.test(e));
  const loggedFailures = consoleErrors.length - otherErrors.length;
  return {
    name: 'no console error',
    ok: unexpected.length === 0 && otherErrors.length === 0 && loggedFailures === failedResponses.length,
    detail: unexpected.length + otherErrors.length === 0
      ? `none but ${failedResponses.length.toString()} expected failed loads (${[...new Set(failedResponses)].join(', ') || 'none'})`
      : [...unexpected.map((r) => `unexpected ${r}`), ...otherErrors].join('; '),
  };
}

/** Signs in through the studio's sign-in page, as a person would. */
async function signIn(page: Page, target: StudioTarget): Promise<void> {
  await page.goto(`${target.base}/studio`);
  await page.getByLabel('Workspace id').fill(target.workspaceId);
  await page.getByLabel('Email').fill(target.email);
  await page.getByLabel('Password', { exact: true }).fill(target.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').waitFor({ timeout: loadTimeoutMillis });
}

/**
 * Signs in, loads every page of measuredPages once and checks what it shows, then loads every
 * page `repetitions` times more (in rounds, so that a burst of other work on the machine
 * spreads over the pages), timing each load (studioPageLoads.ts says how).
 */
export async function measureStudioPages(target: StudioTarget): Promise<PageLoads> {
  const browser = await launchChromium();
  try {
    const local = await openLocalPage(browser);
    const { page } = local;
    await page.setViewportSize({ width: 1280, height: 720 });
    // Chromium's console names no address for a failed load: the responses do.
    const failedResponses: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failedResponses.push(`${response.request().method()} ${new URL(response.url()).pathname} ${response.status().toString()}`);
    });
    await signIn(page, target);
    const failedAtSignIn = failedResponses.length;
    // Each admin call's duration, by method and path with the ids of this run's data kept (few distinct ones).
    let timing = false;
    const apiMillis = new Map<string, number[]>();
    page.on('requestfinished', (request) => {
      const path = new URL(request.url()).pathname;
      const took = request.timing().responseEnd;
      if (!timing || !path.startsWith('/admin/') || took < 0) return;
      const key = `${request.method()} ${path}`;
      apiMillis.set(key, [...(apiMillis.get(key) ?? []), took]);
    });
    const context: PageContext = {
      page,
      api: async <T>(path: string) => {
        const res = await page.request.get(`${target.base}${path}`);
        if (!res.ok()) throw new Error(`GET ${path} answered ${res.status().toString()}: ${await res.text()}`);
        return (await res.json()) as T;
      },
      profiles: target.profiles, actions: target.actions, segments: target.segments,
    };
    const checks: Check[] = [];
    for (const measured of measuredPages) {
      const millis = await loadPage(page, target.base, measured, loadTimeoutMillis);
      console.log(`    first load of ${measured.name}: ${millis.toFixed(0)} ms`);
      const problems = await page.locator('.problem[role="alert"]').allTextContents();
      checks.push({ name: `${measured.name}: no failed section`, ok: problems.length === 0, detail: problems.length === 0 ? 'every section loaded' : problems.join('; ') });
      checks.push(...await measured.verify(context));
    }
    const times = new Map<string, number[]>(measuredPages.map((p) => [p.path, []]));
    timing = true;
    for (let round = 0; round < target.repetitions; round++) {
      for (const measured of measuredPages) times.get(measured.path)!.push(await loadPage(page, target.base, measured, loadTimeoutMillis));
      console.log(`    round ${(round + 1).toString()} of ${target.repetitions.toString()}: ${measuredPages.map((p) => times.get(p.path)!.at(-1)!.toFixed(0)).join(', ')} ms`);
    }
    checks.push(consoleCheck(local.consoleErrors, failedResponses, failedAtSignIn));
    checks.push(
      { name: 'no script error', ok: local.pageErrors.length === 0, detail: local.pageErrors.join('; ') || 'none' },
      { name: 'nothing off this machine', ok: local.blocked.length === 0, detail: local.blocked.join(', ') || 'no request left 127.0.0.1' },
    );
    await local.context.close();
    const pages = measuredPages.map((p): PageLoad => {
      const millis = times.get(p.path)!;
      return { name: p.name, path: p.path, millis, p50Millis: median(millis), maxMillis: Math.max(...millis) };
    });
    const api = [...apiMillis].map(([request, millis]): ApiTiming => ({ request, count: millis.length, p50Millis: median(millis), maxMillis: Math.max(...millis) }))
      .sort((a, b) => b.p50Millis - a.p50Millis);
    return {
      pages,
      api,
      largestPageLoadMillis: Math.max(...pages.map((p) => p.p50Millis)),
      largestPageLoadMaxMillis: Math.max(...pages.map((p) => p.maxMillis)),
      checks,
    };
  } finally {
    await browser.close();
  }
}
