import type { SuppressionFilter } from '../collect/Collector.js';
import type { Clock } from '../core/common/ports.js';
import type { CollectedEvent } from '../core/events/CollectedEvent.js';
import type { PrivacyStore } from '../store/ports.js';
import { generatePrivacySecret, identifierHash } from './identifierHash.js';

interface Listed {
  readonly secret: string;
  readonly hashes: ReadonlySet<string>;
}

/**
 * The suppression list as collection reads it: per workspace the hashes of suppressed user and
 * anonymous ids, in memory. An event naming one is dropped and counted (per hash, in the
 * store). A workspace with nothing suppressed costs one map lookup per request; only a
 * workspace with a list hashes the identifiers of its events.
 *
 * Changes go through `PrivacyService`, which calls `changed`; the privacy CLI commands take
 * the data folder, so no other process changes the list beside a running server.
 */
export class SuppressionList implements SuppressionFilter {
  private readonly listed = new Map<string, Promise<Listed>>();

  constructor(private readonly deps: { readonly store: PrivacyStore; readonly clock: Clock }) {}

  /** The workspace's privacy secret (created on first use). */
  secret(workspaceId: string): Promise<string> {
    return this.deps.store.secret(workspaceId, generatePrivacySecret, this.deps.clock.now());
  }

  /** The list was changed: read it again on next use. */
  changed(workspaceId: string): void {
    this.listed.delete(workspaceId);
  }

  async suppressed(workspaceId: string, events: readonly CollectedEvent[]): Promise<ReadonlySet<number>> {
    const { secret, hashes } = await this.load(workspaceId);
    if (hashes.size === 0) return noneSuppressed;
    const found = new Set<number>();
    const dropped = new Map<string, number>();
    events.forEach((event, index) => {
      const named = [
        ...(event.userId === null ? [] : [identifierHash(secret, 'user', event.userId)]),
        ...(event.anonymousId === null ? [] : [identifierHash(secret, 'anonymous', event.anonymousId)]),
      ].filter((hash) => hashes.has(hash));
      if (named.length === 0) return;
      found.add(index);
      for (const hash of named) dropped.set(hash, (dropped.get(hash) ?? 0) + 1);
    });
    if (dropped.size > 0) await this.deps.store.countDropped(workspaceId, dropped, this.deps.clock.now());
    return found;
  }

  private load(workspaceId: string): Promise<Listed> {
    let listed = this.listed.get(workspaceId);
    if (listed === undefined) {
      listed = (async () => {
        const rows = await this.deps.store.suppressions(workspaceId);
        // No secret is made for a workspace that never suppressed anyone.
        const secret = rows.length === 0 ? '' : await this.secret(workspaceId);
        return { secret, hashes: new Set(rows.map((r) => r.hash)) };
      })();
      listed.catch(() => this.listed.delete(workspaceId));
      this.listed.set(workspaceId, listed);
    }
    return listed;
  }
}

const noneSuppressed: ReadonlySet<number> = new Set();
