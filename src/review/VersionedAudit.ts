import type { AuditChange, AuditRecorder, PersonalDataRead } from '../core/audit/AuditRecorder.js';
import type { Clock } from '../core/common/ports.js';
import { changeTouches } from '../core/review/changeRate.js';
import { isReviewKind } from '../core/review/ReviewKind.js';
import { currentCaller } from '../audit/callerContext.js';
import type { ReviewStore } from '../store/ports.js';
import { publishingOf } from './publishContext.js';

/**
 * The audit recorder the configuration services get: it passes every entry on to the audit
 * trail and, for a change of a reviewable kind, appends the definition as it now is to the
 * version history. Every saved change already reports itself here once, with the definition
 * after it (file loads one entry per definition), so the history holds every published state
 * whatever path published it (a draft, a direct route, a definitions file, the demo), and no
 * service has to know about versions.
 */
export class VersionedAudit implements AuditRecorder {
  constructor(private readonly deps: { audit: AuditRecorder; store: ReviewStore; clock: Clock }) {}

  async changed(change: AuditChange): Promise<void> {
    await this.deps.audit.changed(change);
    const kind = change.target.kind;
    if (!isReviewKind(kind)) return;
    const id = change.target.id;
    const touches = changeTouches(kind, id, change.before, change.after);
    await this.deps.store.appendVersion({
      workspaceId: change.workspaceId, kind, targetId: id, at: this.deps.clock.now(), actor: currentCaller().actor,
      definition: change.after ?? null, draftId: publishingOf(change.workspaceId, kind, id)?.draftId ?? null, ...touches,
    });
  }

  read(read: PersonalDataRead): Promise<void> {
    return this.deps.audit.read(read);
  }
}
