import { unrecorded, type AuditRecorder } from '../core/audit/AuditRecorder.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { Clock } from '../core/common/ports.js';
import type { SecretKeyScope } from '../core/access/accessMatrix.js';
import { defaultIdentitySettings, type IdentitySettings } from '../core/identity/types.js';
import type { ApiKeyRecord, KeyKind, Workspace, WorkspaceStore } from '../store/ports.js';
import { generateKey, hashKey, isKeyLive, randomId } from './apiKeys.js';
import { generateIdentitySecret, userHashMatches } from './userHash.js';

export interface CreatedWorkspace {
  readonly id: string;
  readonly name: string;
  readonly writeKey: string;
  readonly secretKey: string;
  /** Signs user ids (userHash); shown only now, like the keys. */
  readonly identitySecret: string;
}

/** A workspace's identity verification, as shown to an administrator (never the secret itself). */
export interface IdentityVerificationState {
  readonly enabled: boolean;
  /** When the current secret was made; null when the workspace has none yet. */
  readonly secretCreatedAt: number | null;
}

export interface Principal {
  readonly workspace: Workspace;
  readonly key: ApiKeyRecord;
}

interface CachedPrincipal {
  readonly principal: Principal | undefined;
  readonly cachedAt: number;
}

interface CachedSecret {
  readonly secret: string | null;
  readonly cachedAt: number;
}

/** What the audit trail keeps of a key: never the key or its hash. */
function keyFields(key: ApiKeyRecord): Record<string, unknown> {
  return { id: key.id, kind: key.kind, scope: key.scope, prefix: key.prefix, createdAt: key.createdAt, expiresAt: key.expiresAt };
}

/** How long a key lookup is trusted; bounds how long a key revoked on another node still works. */
export const keyCacheMillis = 30_000;
const keyCacheLimit = 10_000;

/** Workspaces, their keys, and turning a presented key into a principal. */
export class WorkspaceService {
  /** By the key as presented, in least recently used order (see authenticate). */
  private readonly keyCache = new Map<string, CachedPrincipal>();
  /** Identity secrets by workspace, trusted as long as key lookups (a rotation on another node takes that long to apply). */
  private readonly secretCache = new Map<string, CachedSecret>();

  /** `audit`: where each change is recorded (the engine's audit trail); keys and secrets appear only by id, prefix and dates. */
  constructor(private readonly store: WorkspaceStore, private readonly clock: Clock, private readonly audit: AuditRecorder = unrecorded) {}

  /**
   * A new workspace with a write and a secret key and an identity secret; identity
   * verification is on unless `identity` says otherwise. `id` only for workspaces Attune
   * makes itself (the example shop).
   */
  async create(name: string, identity: Partial<IdentitySettings> = {}, id: string = randomId('ws_')): Promise<CreatedWorkspace> {
    const now = this.clock.now();
    const workspace: Workspace = { id, name, createdAt: now, identity: { ...defaultIdentitySettings, ...identity } };
    const write = generateKey(workspace.id, 'write', now);
    const secret = generateKey(workspace.id, 'secret', now);
    const identitySecret = generateIdentitySecret();
    await this.store.createWorkspace(workspace, [write.key, secret.key], { secret: identitySecret, createdAt: now });
    await this.audit.changed({ workspaceId: id, action: 'workspace.created', target: { kind: 'workspace', id }, after: { name, identity: workspace.identity, keys: [keyFields(write.key.record), keyFields(secret.key.record)] } });
    return { id: workspace.id, name, writeKey: write.plain, secretKey: secret.plain, identitySecret };
  }

  async list(): Promise<readonly Workspace[]> {
    return this.store.listWorkspaces();
  }

  async get(id: string): Promise<Workspace> {
    const workspace = await this.store.getWorkspace(id);
    if (workspace === undefined) throw new AttuneError('ATTUNE_WORKSPACE_NOT_FOUND', { detail: `no workspace "${id}"` });
    return workspace;
  }

  async listKeys(workspaceId: string): Promise<readonly ApiKeyRecord[]> {
    return this.store.listKeys(workspaceId);
  }

  /** A new key; a secret key gets `scope` (default `full`: every machine right), a write key ignores it. */
  async createKey(workspaceId: string, kind: KeyKind, scope: SecretKeyScope = 'full'): Promise<{ plain: string; record: ApiKeyRecord }> {
    const { plain, key } = generateKey(workspaceId, kind, this.clock.now(), scope);
    await this.store.addKey(key);
    await this.audit.changed({ workspaceId, action: 'key.created', target: { kind: 'key', id: key.record.id }, after: keyFields(key.record) });
    return { plain, record: key.record };
  }

  /**
   * Replaces a key with a new one of the same kind. The old key keeps working for
   * `graceSeconds` (0: it stops at once), so clients can be redeployed without a gap.
   */
  async rotateKey(workspaceId: string, keyId: string, graceSeconds: number): Promise<{ plain: string; record: ApiKeyRecord; replaced: ApiKeyRecord }> {
    const old = await this.store.getKey(workspaceId, keyId);
    const now = this.clock.now();
    if (old === undefined || !isKeyLive(old, now)) throw new AttuneError('ATTUNE_KEY_NOT_FOUND', { detail: `no live key "${keyId}" in this workspace` });
    const created = await this.createKey(workspaceId, old.kind, old.scope ?? 'full');
    // Rotating a key already in its grace period never lengthens that period.
    const expiresAt = Math.min(now + graceSeconds * 1000, old.expiresAt ?? Number.POSITIVE_INFINITY);
    await this.store.expireKey(workspaceId, keyId, expiresAt);
    this.keyCache.clear();
    await this.audit.changed({ workspaceId, action: 'key.rotated', target: { kind: 'key', id: keyId }, before: keyFields(old), after: { ...keyFields({ ...old, expiresAt }), replacedBy: created.record.id } });
    return { ...created, replaced: { ...old, expiresAt } };
  }

  /** Ends a key now; resolves with its record as it is stored from then on. */
  async revokeKey(workspaceId: string, keyId: string): Promise<ApiKeyRecord> {
    const old = await this.store.getKey(workspaceId, keyId);
    const now = this.clock.now();
    if (old === undefined || !isKeyLive(old, now)) throw new AttuneError('ATTUNE_KEY_NOT_FOUND', { detail: `no live key "${keyId}" in this workspace` });
    await this.store.expireKey(workspaceId, keyId, now);
    this.keyCache.clear();
    await this.audit.changed({ workspaceId, action: 'key.revoked', target: { kind: 'key', id: keyId }, before: keyFields(old), after: keyFields({ ...old, expiresAt: now }) });
    return { ...old, expiresAt: now };
  }

  /** The workspace and key that a presented key stands for, or undefined when it is unknown or expired. */
  /**
   * The principal of a presented key. The cache is keyed by the key as presented, so a hit
   * costs one Map probe instead of a SHA-256 (the hash is computed only to ask the store);
   * a hit moves the entry to the back, and the least recently used entry goes when the cache
   * is full, so a flood of unknown keys cannot push out the keys in use.
   */
  async authenticate(plain: string): Promise<Principal | undefined> {
    const known = this.cachedAuthentication(plain);
    if (known !== null) return known;
    const now = this.clock.now();
    const principal = await this.lookup(hashKey(plain));
    this.keyCache.delete(plain);
    if (this.keyCache.size >= keyCacheLimit) this.keyCache.delete(this.keyCache.keys().next().value!);
    this.keyCache.set(plain, { principal, cachedAt: now });
    return principal !== undefined && isKeyLive(principal.key, now) ? principal : undefined;
  }

  /**
   * `authenticate` from the cache alone, synchronously (the request hook checks a key in use
   * without a promise): its answer when the key's lookup is cached and fresh, or null when the
   * store must be asked.
   */
  cachedAuthentication(plain: string): Principal | undefined | null {
    const now = this.clock.now();
    const cached = this.keyCache.get(plain);
    if (cached === undefined || now - cached.cachedAt >= keyCacheMillis) return null;
    this.keyCache.delete(plain);
    this.keyCache.set(plain, cached);
    const principal = cached.principal;
    return principal !== undefined && isKeyLive(principal.key, now) ? principal : undefined;
  }

  private async lookup(hash: string): Promise<Principal | undefined> {
    const key = await this.store.findKeyByHash(hash);
    if (key === undefined) return undefined;
    const workspace = await this.store.getWorkspace(key.workspaceId);
    return workspace === undefined ? undefined : { workspace, key };
  }

  async identityVerification(workspaceId: string): Promise<IdentityVerificationState> {
    const [workspace, secret] = await Promise.all([this.get(workspaceId), this.store.identitySecret(workspaceId)]);
    return { enabled: workspace.identity.verification, secretCreatedAt: secret?.createdAt ?? null };
  }

  /**
   * Turns identity verification on or off. Turning it on for a workspace without a secret
   * (one stored before verification existed) makes one: it is returned this once.
   */
  async setIdentityVerification(workspaceId: string, enabled: boolean): Promise<IdentityVerificationState & { readonly secret?: string }> {
    const workspace = await this.get(workspaceId);
    let made: { secret: string; createdAt: number } | undefined;
    if (enabled && (await this.store.identitySecret(workspaceId)) === undefined) made = await this.rotateIdentitySecret(workspaceId);
    await this.store.setIdentitySettings(workspaceId, { ...workspace.identity, verification: enabled });
    // Cached principals carry the workspace's settings.
    this.keyCache.clear();
    await this.audit.changed({ workspaceId, action: 'identityVerification.updated', target: { kind: 'workspace', id: workspaceId }, before: { verification: workspace.identity.verification }, after: { verification: enabled } });
    const state = await this.identityVerification(workspaceId);
    return made === undefined ? state : { ...state, secret: made.secret };
  }

  /** A new identity secret, returned this once; hashes made with the old one stop matching at once. */
  async rotateIdentitySecret(workspaceId: string): Promise<{ secret: string; createdAt: number }> {
    await this.get(workspaceId);
    const previous = await this.store.identitySecret(workspaceId);
    const created = { secret: generateIdentitySecret(), createdAt: this.clock.now() };
    await this.store.setIdentitySecret(workspaceId, created);
    this.secretCache.delete(workspaceId);
    // Never the secret: only when the one in force was made.
    await this.audit.changed({ workspaceId, action: 'identitySecret.rotated', target: { kind: 'workspace', id: workspaceId }, before: { secretCreatedAt: previous?.createdAt ?? null }, after: { secretCreatedAt: created.createdAt } });
    return created;
  }

  /** Whether `hash` is the userHash of `userId` in this workspace (false when it has no secret). */
  async userHashMatches(workspaceId: string, userId: string, hash: string | undefined): Promise<boolean> {
    if (hash === undefined || hash.length === 0) return false;
    const secret = await this.identitySecretOf(workspaceId);
    return secret !== null && userHashMatches(userId, hash, secret);
  }

  /**
   * The userHash check of this workspace as a plain function, the secret loaded once: for a
   * request whose events each carry their own userHash.
   */
  async userHashMatcher(workspaceId: string): Promise<(userId: string, hash: string | undefined) => boolean> {
    const secret = await this.identitySecretOf(workspaceId);
    return (userId, hash) => secret !== null && hash !== undefined && hash.length > 0 && userHashMatches(userId, hash, secret);
  }

  private async identitySecretOf(workspaceId: string): Promise<string | null> {
    const now = this.clock.now();
    const cached = this.secretCache.get(workspaceId);
    if (cached !== undefined && now - cached.cachedAt < keyCacheMillis) return cached.secret;
    const secret = (await this.store.identitySecret(workspaceId))?.secret ?? null;
    if (this.secretCache.size >= keyCacheLimit) this.secretCache.clear();
    this.secretCache.set(workspaceId, { secret, cachedAt: now });
    return secret;
  }
}
