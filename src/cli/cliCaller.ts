import { userInfo } from 'node:os';
import type { Caller } from '../audit/callerContext.js';

/** The operating-system user running the command; "unknown" where the system has no name for them (a container's bare uid). */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The command line as an actor of the audit trail: kind `cli`, id the operating-system user. */
export function cliCaller(): Caller {
  const actor = { kind: 'cli' as const, id: osUser() };
  return { actor: () => actor, origin: { via: 'cli' } };
}
