import type { AuditEntry, ChainHead } from './AuditEntry.js';

/** The action of the entry every retention purge appends (`src/retention`). */
export const retentionPurgedAction = 'retention.purged';

/**
 * The purge anchor a `retention.purged` entry recorded (the last audit entry purged, or null
 * while none was), or undefined for any other entry. The entry is appended in the transaction
 * that moves the anchor, and is itself chained, so verification compares the stored anchor
 * with the one the latest purge recorded: an anchor moved by hand is found.
 */
export function recordedPurgeAnchor(entry: AuditEntry): ChainHead | null | undefined {
  if (entry.action !== retentionPurgedAction) return undefined;
  const whole = entry.changes?.find((c) => c.path === '' && c.op === 'add');
  if (whole === undefined || whole.op !== 'add' || whole.value === null || typeof whole.value !== 'object' || Array.isArray(whole.value)) return undefined;
  const anchor = (whole.value as { readonly auditAnchor?: unknown }).auditAnchor;
  if (anchor === null) return null;
  if (typeof anchor !== 'object') return undefined;
  const { seq, hash } = anchor as { readonly seq?: unknown; readonly hash?: unknown };
  return typeof seq === 'number' && typeof hash === 'string' ? { seq, hash } : undefined;
}
