import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor, ActorOrigin } from '../core/audit/Actor.js';

/**
 * Who is calling and from where, for the request or command in progress. `actor` is a
 * function because a request's caller is known only once it has been authenticated, after the
 * context is set.
 */
export interface Caller {
  readonly actor: () => Actor;
  readonly origin: ActorOrigin;
}

/** What acts when no request or command does: a scheduled job, a training finishing later. */
export const systemCaller: Caller = { actor: () => ({ kind: 'system', id: 'attune' }), origin: { via: 'job' } };

const storage = new AsyncLocalStorage<Caller>();

/**
 * Runs `work` (and everything it starts, awaited or not) as `caller`. The server's request
 * hook and the CLI's entry are the only callers; the services read it through `currentCaller`.
 *
 * @example await runAs({ actor: () => ({ kind: 'cli', id: 'alice' }), origin: { via: 'cli' } }, () => program.parseAsync())
 */
export function runAs<T>(caller: Caller, work: () => T): T {
  return storage.run(caller, work);
}

/**
 * Runs `work` as nobody in particular (the system), whatever called it: `attune serve`, whose
 * requests name their own callers and whose own work is the system's.
 */
export function runAsSystem<T>(work: () => T): T {
  return storage.exit(work);
}

/** The caller of the request or command in progress; the system when there is none. */
export function currentCaller(): { readonly actor: Actor; readonly origin: ActorOrigin } {
  const caller = storage.getStore() ?? systemCaller;
  return { actor: caller.actor(), origin: caller.origin };
}
