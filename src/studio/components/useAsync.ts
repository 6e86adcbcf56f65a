import { useEffect, useState } from 'react';

/** A request's state: loading, its value, or the error it failed with. */
export type Loaded<T> = { readonly state: 'loading' } | { readonly state: 'done'; readonly value: T } | { readonly state: 'failed'; readonly error: Error };

/** Runs `load` when `key` changes; an answer that arrives after a newer request started is dropped. */
export function useAsync<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    load().then(
      (value) => { if (current) setLoaded({ state: 'done', value }); },
      (error: unknown) => { if (current) setLoaded({ state: 'failed', error: error instanceof Error ? error : new Error(String(error)) }); },
    );
    return () => { current = false; };
    // `key` names what `load` reads: the caller's closure changes every render.
  }, [key]);
  return loaded;
}
