import { useEffect, useRef, useState } from 'react';
import { ApiProblem } from '../AdminClient.js';
import { problemText } from './Section.js';

/** What a live check of a definition says: nothing yet, fine (with the server's answer), or the fault with its caret. */
export type LiveCheck<T> =
  | { readonly state: 'idle' }
  | { readonly state: 'valid'; readonly value: T }
  | { readonly state: 'invalid'; readonly message: string; readonly caret: string | null };

const checkDelayMillis = 300;

/** A refusal as the editor shows it: a 400 carries the rule fault's caret (docs/errors.md), anything else its text. */
export function checkOf(error: unknown): LiveCheck<never> {
  if (error instanceof ApiProblem && error.status === 400) {
    const caret = typeof error.body.caret === 'string' ? error.body.caret : null;
    return { state: 'invalid', message: error.detail, caret };
  }
  return { state: 'invalid', message: problemText(error instanceof Error ? error : new Error(String(error))), caret: null };
}

/**
 * Asks the server's validation endpoint about a definition as it is typed: `check` runs a
 * moment after `key` (what the definition is) stops changing, and only the latest answer
 * counts. A null `check` (nothing to check yet) is idle.
 */
export function useLiveCheck<T>(check: (() => Promise<T>) | null, key: string): LiveCheck<T> {
  const [state, setState] = useState<LiveCheck<T>>({ state: 'idle' });
  // The caller's closure changes every render; `key` says when what it checks has changed.
  const latest = useRef(check);
  latest.current = check;
  const idle = check === null;
  useEffect(() => {
    const run = latest.current;
    if (idle || run === null) {
      setState({ state: 'idle' });
      return undefined;
    }
    let current = true;
    const timer = setTimeout(() => {
      run().then(
        (value) => { if (current) setState({ state: 'valid', value }); },
        (error: unknown) => { if (current) setState(checkOf(error)); },
      );
    }, checkDelayMillis);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key, idle]);
  return state;
}

/** A failed check: the server's message and, for a rule, the caret under the place at fault. */
export function CheckFault({ check }: { readonly check: LiveCheck<unknown> }) {
  if (check.state !== 'invalid') return null;
  return (
    <div className="problem">
      <p>{check.message}</p>
      {check.caret === null ? null : <pre className="caret" aria-label="Where the fault is">{check.caret}</pre>}
    </div>
  );
}
