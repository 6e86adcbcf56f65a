import type { ReactNode } from 'react';
import { ApiProblem } from '../AdminClient.js';
import type { Loaded } from './useAsync.js';

/** A titled part of a page that shows its data once loaded, or why it could not be loaded. */
export function Section<T>({ title, loaded, children }: { readonly title: string; readonly loaded: Loaded<T>; readonly children: (value: T) => ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section className="card" aria-labelledby={id} aria-busy={loaded.state === 'loading'}>
      <h2 id={id}>{title}</h2>
      {loaded.state === 'loading' ? <p className="loading">Loading…</p> : null}
      {loaded.state === 'failed' ? <p className="problem" role="alert">{problemText(loaded.error)}</p> : null}
      {loaded.state === 'done' ? children(loaded.value) : null}
    </section>
  );
}

export function problemText(error: Error): string {
  if (error instanceof ApiProblem && error.status === 403) return `Not available to your role: ${error.detail}`;
  return error instanceof ApiProblem ? error.detail : `Could not load: ${error.message}`;
}
