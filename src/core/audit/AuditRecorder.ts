import type { AuditTarget } from './AuditEntry.js';

/** A configuration change as a service reports it: the definition before and after (undefined: absent). */
export interface AuditChange {
  readonly workspaceId: string;
  readonly action: string;
  readonly target: AuditTarget;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** A read of one person's data (a profile view, their decisions). */
export interface PersonalDataRead {
  readonly workspaceId: string;
  readonly action: string;
  /** The person's profile id: the recorder keeps only a keyed hash of it, as the entry's subject and target. */
  readonly profileId: string;
}

/**
 * The port through which the engine's services record what they change, and the shell what it
 * reads of a person. Who acts and from where is not a parameter: the recorder knows the caller
 * of the request or command in progress (`src/audit/callerContext.ts`). Recording happens
 * after the change is saved, so a refused change leaves no entry.
 */
export interface AuditRecorder {
  changed(change: AuditChange): Promise<void>;
  read(read: PersonalDataRead): Promise<void>;
}

/** Records nothing: for a service built alone in a unit test. The engine always passes a real recorder. */
export const unrecorded: AuditRecorder = {
  changed: async () => undefined,
  read: async () => undefined,
};
