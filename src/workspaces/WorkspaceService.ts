import { AttuneError } from '../core/errors/AttuneError.js';
import type { Clock } from '../core/common/ports.js';
import { defaultIdentitySettings, type IdentitySettings } from '../core/identity/types.js';
import type { ApiKeyRecord, KeyKind, Workspace, WorkspaceStore } from '../store/ports.js';
import { generateKey, hashKey, isKeyLive, randomId } from './apiKeys.js';

export interface CreatedWorkspace {
  readonly id: string;
  readonly name: string;
  readonly writeKey: string;
  readonly secretKey: string;
}

export interface Principal {
  readonly workspace: Workspace;
  readonly key: ApiKeyRecord;
}

interface CachedPrincipal {
  readonly principal: Principal | undefined;
  readonly cachedAt: number;
}

/** How long a key lookup is trusted; bounds how long a key revoked on another node still works. */
export const keyCacheMillis = 30_000;
const keyCacheLimit = 10_000;

/** Workspaces, their keys, and turning a presented key into a principal. */
export class WorkspaceService {
  private readonly keyCache = new Map<string, CachedPrincipal>();

  constructor(private readonly store: WorkspaceStore, private readonly clock: Clock) {}

  /** A new workspace with a write and a secret key; `id` only for workspaces Attune makes itself (the example shop). */
  async create(name: string, identity: Partial<IdentitySettings> = {}, id: string = randomId('ws_')): Promise<CreatedWorkspace> {
    const now = this.clock.now();
    const workspace: Workspace = { id, name, createdAt: now, identity: { ...defaultIdentitySettings, ...identity } };
    const write = generateKey(workspace.id, 'write', now);
    const secret = generateKey(workspace.id, 'secret', now);
    await this.store.createWorkspace(workspace, [write.key, secret.key]);
    return { id: workspace.id, name, writeKey: write.plain, secretKey: secret.plain };
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

  async createKey(workspaceId: string, kind: KeyKind): Promise<{ plain: string; record: ApiKeyRecord }> {
    const { plain, key } = generateKey(workspaceId, kind, this.clock.now());
    await this.store.addKey(key);
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
    const created = await this.createKey(workspaceId, old.kind);
    // Rotating a key already in its grace period never lengthens that period.
    const expiresAt = Math.min(now + graceSeconds * 1000, old.expiresAt ?? Number.POSITIVE_INFINITY);
    await this.store.expireKey(workspaceId, keyId, expiresAt);
    this.keyCache.clear();
    return { ...created, replaced: { ...old, expiresAt } };
  }

  /** Ends a key now; resolves with its record as it is stored from then on. */
  async revokeKey(workspaceId: string, keyId: string): Promise<ApiKeyRecord> {
    const old = await this.store.getKey(workspaceId, keyId);
    const now = this.clock.now();
    if (old === undefined || !isKeyLive(old, now)) throw new AttuneError('ATTUNE_KEY_NOT_FOUND', { detail: `no live key "${keyId}" in this workspace` });
    await this.store.expireKey(workspaceId, keyId, now);
    this.keyCache.clear();
    return { ...old, expiresAt: now };
  }

  /** The workspace and key that a presented key stands for, or undefined when it is unknown or expired. */
  async authenticate(plain: string): Promise<Principal | undefined> {
    const now = this.clock.now();
    const hash = hashKey(plain);
    const cached = this.keyCache.get(hash);
    let principal: Principal | undefined;
    if (cached !== undefined && now - cached.cachedAt < keyCacheMillis) principal = cached.principal;
    else {
      principal = await this.lookup(hash);
      if (this.keyCache.size >= keyCacheLimit) this.keyCache.clear();
      this.keyCache.set(hash, { principal, cachedAt: now });
    }
    return principal !== undefined && isKeyLive(principal.key, now) ? principal : undefined;
  }

  private async lookup(hash: string): Promise<Principal | undefined> {
    const key = await this.store.findKeyByHash(hash);
    if (key === undefined) return undefined;
    const workspace = await this.store.getWorkspace(key.workspaceId);
    return workspace === undefined ? undefined : { workspace, key };
  }
}
