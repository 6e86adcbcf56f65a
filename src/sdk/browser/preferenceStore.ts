import type { BrowserEnvironment } from './BrowserEnvironment.js';

/** Small values the SDK keeps across visits: ids and consent choices. */
export interface PreferenceStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

const COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

function readCookie(cookies: string, key: string): string | null {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== key) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * localStorage, or first-party cookies where the browser refuses localStorage (some privacy
 * modes, sandboxed frames), so that an anonymous visitor keeps one id across pages. Only
 * small values belong here: a cookie travels with every request to the site.
 */
export function preferenceStore(env: Pick<BrowserEnvironment, 'localStorage' | 'document' | 'location'>): PreferenceStore {
  const storage = env.localStorage;
  if (storage !== null) {
    return {
      get: (key) => {
        try {
          return storage.getItem(key);
        } catch {
          return null;
        }
      },
      set: (key, value) => {
        try {
          storage.setItem(key, value);
        } catch {
          // Full or revoked: the value lives for this page only.
        }
      },
      remove: (key) => {
        try {
          storage.removeItem(key);
        } catch {
          // As above.
        }
      },
    };
  }
  const document = env.document;
  const secure = env.location?.protocol === 'https:' ? '; Secure' : '';
  const write = (key: string, value: string, maxAge: number) => {
    if (document !== null) document.cookie = `${key}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAge}; SameSite=Lax${secure}`;
  };
  return {
    get: (key) => (document === null ? null : readCookie(document.cookie, key)),
    set: (key, value) => write(key, value, COOKIE_MAX_AGE_SECONDS),
    remove: (key) => write(key, '', 0),
  };
}
