import type { Page } from 'playwright-core';
import { studioBase, studioPages, type StudioPage } from '../../src/studio/studioPages.js';
import { userIdOf } from './decideWorkspace.js';
import type { Check } from './report.js';

/**
 * The page loads of the `studio` benchmark. A load is a fresh navigation (page.goto: the
 * document, the script as the browser caches it, then the page's admin API calls); it is
 * complete at the first animation frame where the page's heading (`main h1`) shows the
 * expected text, its main content (`ready`, CSS selectors) is present, and no `.loading`
 * placeholder or `[aria-busy="true"]` section is left. Its time is that frame's
 * performance.now(): milliseconds since the navigation started (the document's time origin).
 */

/** The experiment the results page shows (created by studioServer.ts). */
export const studioExperimentId = 'studio-hero';
/** Its name, which the results page's heading shows once the read-out is in. */
export const studioExperimentName = 'Home hero personalization';
/** Profiles that get a decision (and maybe an order): the first ones, at most this many. */
export const studioVisitors = 2_000;
/** The customer whose 360 view is measured: the first visitor, who has a decision. */
export const studioCustomerId = userIdOf(0);

/** What the verification of a page knows: the server's own answers and the counts created. */
export interface PageContext {
  readonly page: Page;
  /** GET an admin API path with the signed-in browser's session. */
  readonly api: <T>(path: string) => Promise<T>;
  readonly profiles: number;
  readonly actions: number;
  readonly segments: number;
}

export interface MeasuredPage {
  readonly name: string;
  /** Under /studio. */
  readonly path: string;
  readonly heading: string;
  /** The main content's selectors: each present once the page shows its data. */
  readonly ready: readonly string[];
  /** Checks of what the page shows once loaded, against the API and the data created. */
  readonly verify: (context: PageContext) => Promise<Check[]>;
}

const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent()) ?? '';
const digits = (s: string) => Number(s.replace(/[^\d]/g, ''));

/** Each page of studioPages (the compiler insists on every one), and what it must show. */
const navigationPages: Record<StudioPage['path'], Omit<MeasuredPage, 'path'>> = {
  '/': {
    name: 'overview',
    heading: 'Overview',
    ready: ['.stat-value'],
    verify: async ({ page, profiles }) => {
      const shown = digits(await page.locator('.stat', { has: page.getByText('Profiles', { exact: true }) }).locator('.stat-value').textContent() ?? '');
      return [{ name: 'overview: profiles', ok: shown === profiles, detail: `shows ${shown.toString()} profiles of ${profiles.toString()} created` }];
    },
  },
  '/customers': {
    name: 'customers (search)',
    heading: 'Customers',
    ready: ['input[type="search"]'],
    verify: async ({ page }) => [{ name: 'customers: search', ok: (await page.getByLabel('User id, anonymous id or profile id').count()) === 1, detail: 'the look-up field is shown' }],
  },
  '/segments': {
    name: 'segments (with the history chart)',
    heading: 'Segments',
    ready: ['[data-testid="segments"] tbody tr', '[data-testid="segment-history"] canvas'],
    verify: async ({ page, api, segments }) => {
      const listed = await api<{ id: string; size: number | null }[]>('/admin/v1/segments');
      const rows = await page.locator('[data-testid="segments"] tbody tr').count();
      let same = 0;
      for (const s of listed) {
        const shown = await text(page, `[data-testid="size-${s.id}"]`);
        if (s.size === null ? shown === 'at decision time' : digits(shown) === s.size) same++;
      }
      const members = listed.reduce((sum, s) => sum + (s.size ?? 0), 0);
      const history = page.getByTestId('segment-history');
      const charts = await history.locator('canvas').count();
      // The size table beside the chart: its last day is today, whose size is the segment's now.
      const today = await history.locator('.visually-hidden table').first().locator('tbody tr').last().locator('td').first().textContent();
      const first = listed[0];
      return [
        { name: 'segments: rows', ok: rows === segments && listed.length === segments, detail: `${rows.toString()} rows, ${listed.length.toString()} listed by the API, ${segments.toString()} created` },
        { name: 'segments: sizes', ok: same === listed.length && members > 0, detail: `${same.toString()} of ${listed.length.toString()} sizes as the API counts them; ${members.toString()} members in all` },
        {
          name: 'segments: history chart', ok: charts === 2 && first !== undefined && Number(today) === first.size,
          detail: `${charts.toString()} charts (size, entries and exits) for ${first?.id ?? 'no segment'}, today's size ${today ?? 'missing'} (the API's: ${String(first?.size)})`,
        },
      ];
    },
  },
  '/review': {
    name: 'review',
    heading: 'Review',
    ready: ['[data-testid="review-required"]'],
    verify: async ({ page }) => {
      const entries = await page.locator('[data-testid="audit-entries"] tbody tr').count();
      return [{ name: 'review: audit trail', ok: entries > 0, detail: `${entries.toString()} audit entries shown` }];
    },
  },
  '/actions': {
    name: 'actions and placements',
    heading: 'Actions and placements',
    ready: ['[data-testid="actions"] tbody tr'],
    verify: async ({ page, actions }) => {
      const rows = await page.locator('[data-testid="actions"] tbody tr').count();
      return [{ name: 'actions: rows', ok: rows === actions, detail: `${rows.toString()} rows of ${actions.toString()} actions created` }];
    },
  },
  '/experiments': {
    name: 'experiments',
    heading: 'Experiments',
    ready: [`[data-testid="status-${studioExperimentId}"]`],
    verify: async ({ page }) => {
      const status = await text(page, `[data-testid="status-${studioExperimentId}"]`);
      return [{ name: 'experiments: status', ok: status === 'running', detail: `${studioExperimentId} shown as ${status}` }];
    },
  },
};

/** The pages measured: the navigation's, a customer's 360 view and an experiment's results. */
export const measuredPages: readonly MeasuredPage[] = [
  ...studioPages.map((p) => ({ ...navigationPages[p.path], path: p.path })),
  {
    name: 'customer 360 view', path: `/customers/${studioCustomerId}`, heading: 'Customers', ready: ['[data-testid="profile-id"]'],
    verify: async ({ page, api }) => {
      const profile = await api<{ id: string }>(`/admin/v1/profiles/${studioCustomerId}`);
      const recorded = await api<unknown[]>(`/admin/v1/profiles/${studioCustomerId}/decisions?limit=50`);
      const decisions = await page.locator('section', { has: page.getByRole('heading', { name: 'Decisions' }) }).locator('tbody tr').count();
      const shown = await text(page, '[data-testid="profile-id"]');
      return [
        { name: 'customer: profile', ok: shown === profile.id, detail: `shows ${shown}, the API resolves ${studioCustomerId} to ${profile.id}` },
        { name: 'customer: decisions', ok: decisions >= 1 && decisions === recorded.length, detail: `${decisions.toString()} decisions shown, ${recorded.length.toString()} recorded` },
      ];
    },
  },
  {
    name: 'experiment results', path: `/experiments/${studioExperimentId}`, heading: `Results of ${studioExperimentName}`, ready: ['[data-testid="effects-chart"] svg[role="img"]'],
    verify: async ({ page }) => {
      const units = digits(await text(page, '[data-testid="units-control"]')) + digits(await text(page, '[data-testid="units-personalized"]'));
      const roi = await page.locator(`[data-testid="roi-${studioExperimentId}"]`).count();
      return [
        { name: 'results: units', ok: units > 0, detail: `${units.toString()} units in the two arms` },
        { name: 'results: ROI', ok: roi === 1, detail: 'the experiment\'s ROI report is shown' },
      ];
    },
  },
];

/** The few browser globals the page-side functions below read (this project's types are Node's). */
interface PageGlobals {
  readonly document: {
    querySelector(selector: string): { readonly textContent: string | null } | null;
    querySelectorAll(selector: string): ArrayLike<{ readonly textContent: string | null }>;
  };
  readonly performance: { now(): number };
}

interface Expected {
  readonly heading: string;
  readonly ready: readonly string[];
}

/** Run in the page at each animation frame: the time (performance.now()) once the page is complete, else false. */
function completeAt({ heading, ready }: Expected): number | false {
  const { document, performance } = globalThis as unknown as PageGlobals;
  const h1 = document.querySelector('main h1');
  const complete = h1 !== null && h1.textContent === heading && ready.every((selector) => document.querySelector(selector) !== null)
    && document.querySelector('.loading, [aria-busy="true"]') === null;
  return complete ? performance.now() : false;
}

/** Run in the page when it did not complete in time: what it showed, for the error. */
function pageState({ ready }: Expected) {
  const { document } = globalThis as unknown as PageGlobals;
  return {
    h1: document.querySelector('main h1')?.textContent ?? null,
    missing: ready.filter((selector) => document.querySelector(selector) === null),
    loading: document.querySelectorAll('.loading, [aria-busy="true"]').length,
    problems: Array.from(document.querySelectorAll('.problem'), (e) => e.textContent),
  };
}

/** Milliseconds from the navigation's start to the page being complete (see the module comment). */
export async function loadPage(page: Page, base: string, measured: MeasuredPage, timeoutMillis: number): Promise<number> {
  await page.goto(`${base}${studioBase}${measured.path === '/' ? '' : measured.path}`, { waitUntil: 'commit' });
  const expected: Expected = { heading: measured.heading, ready: measured.ready };
  const done = await page.waitForFunction(completeAt, expected, { polling: 'raf', timeout: timeoutMillis }).catch(async (error: unknown) => {
    const state = await page.evaluate(pageState, expected).catch(() => null);
    throw new Error(`${measured.name} (${measured.path}) did not complete: ${JSON.stringify(state)}`, { cause: error });
  });
  const millis = await done.jsonValue();
  if (typeof millis !== 'number') throw new Error(`${measured.name}: the page answered ${JSON.stringify(millis)}, not a time`);
  return millis;
}
