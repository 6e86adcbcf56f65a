import type { BrowserEnvironment } from './BrowserEnvironment.js';
import type { ConsentPreferences } from './ConsentStore.js';
import { sdkVersion } from '../shared/version.js';

export interface PageInfo {
  readonly url: string;
  readonly path: string;
  readonly search: string;
  readonly referrer: string;
  readonly title: string;
}

const pageKeys = ['url', 'path', 'search', 'referrer', 'title'] as const;

/**
 * The page as Segment's page call and context describe it, read when the event happens
 * (single-page apps change it). String members of `overrides` (a page call's properties)
 * win, as in Segment's libraries, so that a virtual page view describes its own page.
 */
export function pageInfo(env: Pick<BrowserEnvironment, 'location' | 'document'>, overrides: Readonly<Record<string, unknown>> = {}): PageInfo {
  const info: Record<(typeof pageKeys)[number], string> = {
    url: env.location?.href ?? '',
    path: env.location?.pathname ?? '',
    search: env.location?.search ?? '',
    referrer: env.document?.referrer ?? '',
    title: env.document?.title ?? '',
  };
  for (const key of pageKeys) {
    const value = overrides[key];
    if (typeof value === 'string') info[key] = value;
  }
  return info;
}

/**
 * Segment's `context` for an event or a decide request. Consent goes as
 * `consent.categoryPreferences` (only what the visitor chose; the server maps categories
 * to purposes), and Global Privacy Control as `globalPrivacyControl: true`, the context
 * member the server reads as an opt-out of sale and sharing (a browser with GPC also sends
 * `Sec-GPC: 1`; the SDK cannot add that header without a CORS preflight). `minimal` leaves
 * out what describes the visitor's device and page, for events sent without analytics
 * consent.
 */
export function eventContext(env: BrowserEnvironment, consent: ConsentPreferences, minimal = false, page: PageInfo = pageInfo(env)): Record<string, unknown> {
  const context: Record<string, unknown> = { library: { name: 'attune-browser', version: sdkVersion } };
  if (!minimal) {
    const language = env.navigator.language;
    if (typeof language === 'string' && language.length > 0) context['locale'] = language;
    if (env.timeZone !== undefined) context['timezone'] = env.timeZone;
    context['page'] = page;
    if (typeof env.navigator.userAgent === 'string') context['userAgent'] = env.navigator.userAgent;
  }
  if (Object.keys(consent).length > 0) context['consent'] = { categoryPreferences: { ...consent } };
  if (env.navigator.globalPrivacyControl === true) context['globalPrivacyControl'] = true;
  return context;
}
