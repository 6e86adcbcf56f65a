/** An identifier a profile is known by. */
export type IdentityKind = 'user' | 'anonymous';

export interface IdentityKey {
  readonly kind: IdentityKind;
  readonly value: string;
}

/** What identity resolution needs to know of a profile an identifier points to. */
export interface ProfileFacts {
  readonly id: string;
  /** How many profiles were merged into this one (it stays under the fan-out bound). */
  readonly mergedCount: number;
  /** The user ids the profile is known by. */
  readonly userIds: readonly string[];
}

/** How traits combine when two profiles merge. */
export type TraitMergeStrategy = 'latest' | 'survivor';

export interface IdentitySettings {
  readonly traitMerge: TraitMergeStrategy;
  /** The most profiles one profile may absorb (Apache Unomi caps a merge at 50). */
  readonly maxMergedProfiles: number;
  /**
   * Identity verification: on public routes (the write key) a userId counts only with its
   * userHash (an HMAC of the id with the workspace's identity secret); without it, reads
   * treat the caller as anonymous. On for new workspaces; workspaces stored before it
   * existed read as off (see SqliteWorkspaceStore).
   */
  readonly verification: boolean;
}

/** The settings of a new workspace. */
export const defaultIdentitySettings: IdentitySettings = { traitMerge: 'latest', maxMergedProfiles: 50, verification: true };

export function identityKeyString(key: IdentityKey): string {
  return `${key.kind}:${key.value}`;
}
