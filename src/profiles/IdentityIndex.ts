import type { IdentityKey } from '../core/identity/types.js';

/**
 * Identifier -> profile id, for the profiles in memory; null: known to point nowhere. Nested
 * by workspace and kind so that the key is the identifier's own string (the one the profile's
 * identities hold), not a concatenation made per profile and per look-up: about 200 heap bytes
 * a cached profile less than one `workspace\0kind\0value` map.
 */
export class IdentityIndex {
  private readonly byWorkspace = new Map<string, Map<string, Map<string, string | null>>>();

  get(workspaceId: string, key: IdentityKey): string | null | undefined {
    return this.byWorkspace.get(workspaceId)?.get(key.kind)?.get(key.value);
  }

  has(workspaceId: string, key: IdentityKey): boolean {
    return this.byWorkspace.get(workspaceId)?.get(key.kind)?.has(key.value) ?? false;
  }

  set(workspaceId: string, key: IdentityKey, profileId: string | null): void {
    let kinds = this.byWorkspace.get(workspaceId);
    if (kinds === undefined) this.byWorkspace.set(workspaceId, (kinds = new Map()));
    let values = kinds.get(key.kind);
    if (values === undefined) kinds.set(key.kind, (values = new Map()));
    values.set(key.value, profileId);
  }

  delete(workspaceId: string, key: IdentityKey): void {
    this.byWorkspace.get(workspaceId)?.get(key.kind)?.delete(key.value);
  }

  deleteWorkspace(workspaceId: string): void {
    this.byWorkspace.delete(workspaceId);
  }

  /** Forgets the identifiers known to point nowhere (they are looked up again when needed). */
  deleteUnknown(): void {
    for (const kinds of this.byWorkspace.values()) {
      for (const values of kinds.values()) for (const [value, id] of values) if (id === null) values.delete(value);
    }
  }

  clear(): void {
    this.byWorkspace.clear();
  }
}
