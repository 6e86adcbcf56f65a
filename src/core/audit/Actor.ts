/**
 * Who did something that the audit trail records: a person signed in (or using a personal
 * token), a machine key of the workspace, the command line on the server's machine, or the
 * engine itself (a scheduled job). `id` names the user, the key or the job; for the command
 * line it is the operating-system user. Shared by people and roles, the audit trail and the
 * privacy API so that each speaks of the same actor.
 */
export type ActorKind = 'user' | 'key' | 'cli' | 'system';

export interface Actor {
  readonly kind: ActorKind;
  readonly id: string;
  /** The role the actor acted in (a user's role, a key's scope), when it has one. */
  readonly role?: string;
}

/** Where a change came from: the request's address and client, or the command line. */
export interface ActorOrigin {
  readonly via: 'api' | 'cli' | 'job';
  readonly ip?: string;
  readonly userAgent?: string;
  readonly requestId?: string;
}
