import type { AuditTarget } from './AuditEntry.js';

/** A configuration change as a service reports it: the definition before and after (undefined: absent). */
export interface AuditChange {
  readonly workspaceId: string;
  readonly action: string;
  readonly target: AuditTarget;
  readonly before?: unknown;
  readonly after?: unknown;
}

/**
 * A read of personal data: of one person (a profile view, their decisions), named by their
 * profile id, of which the recorder keeps only a keyed hash (the entry's subject and target);
 * or of many people at once (a page of the event log, a segment's members), named by what
 * was read.
 */
export type PersonalDataRead =
  | { readonly workspaceId: string; readonly action: string; readonly profileId: string }
  | { readonly workspaceId: string; readonly action: string; readonly target: AuditTarget };

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
