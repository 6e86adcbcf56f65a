import { useCallback, useEffect, useState } from 'react';
import { pagePath, studioBase } from './studioPages.js';

export interface Location {
  /** The page's path below /studio, e.g. `/customers/u1`. */
  readonly path: string;
  navigate(path: string): void;
}

/**
 * Client-side routing with the History API: a page path maps to /studio + path, which the
 * server answers with the studio's index.html, so every page has a URL that can be shared and
 * reloaded. A few lines instead of a router library keep the bundle small.
 */
export function useLocation(): Location {
  const [path, setPath] = useState(() => pagePath(window.location.pathname));
  useEffect(() => {
    const onPop = () => setPath(pagePath(window.location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((next: string) => {
    const target = next.startsWith(studioBase) ? pagePath(next) : next;
    window.history.pushState(null, '', `${studioBase}${target === '/' ? '' : target}`);
    setPath(target);
  }, []);
  return { path, navigate };
}
