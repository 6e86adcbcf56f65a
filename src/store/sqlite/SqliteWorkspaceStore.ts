import { defaultIdentitySettings, type IdentitySettings } from '../../core/identity/types.js';
import type { ApiKeyRecord, IdentitySecret, KeyKind, NewApiKey, Workspace, WorkspaceStore } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import type { SecretKeyScope } from '../../core/access/accessMatrix.js';
import { writeTransaction } from './writeTransaction.js';

interface WorkspaceRow { id: string; name: string; created_at: number; settings: string }
interface KeyRow { id: string; workspace_id: string; kind: KeyKind; scope: SecretKeyScope | null; prefix: string; created_at: number; expires_at: number | null }

function toWorkspace(row: WorkspaceRow): Workspace {
  const settings = JSON.parse(row.settings) as { identity?: Partial<IdentitySettings> };
  // Settings written before identity verification existed have no `verification`: off, as
  // the migration that added it wrote (a workspace keeps its behaviour until turned on).
  return { id: row.id, name: row.name, createdAt: row.created_at, identity: { ...defaultIdentitySettings, verification: false, ...settings.identity } };
}

function toKey(row: KeyRow): ApiKeyRecord {
  // A secret key stored before scopes existed has every machine right, as it had then.
  const scope = row.kind === 'secret' ? row.scope ?? 'full' : null;
  return { id: row.id, workspaceId: row.workspace_id, kind: row.kind, scope, prefix: row.prefix, createdAt: row.created_at, expiresAt: row.expires_at };
}

const keyColumns = 'id, workspace_id, kind, scope, prefix, created_at, expires_at';

export class SqliteWorkspaceStore implements WorkspaceStore {
  private readonly stmts;
  private readonly createTx;

  constructor(db: SqliteDatabase) {
    this.stmts = {
      insertWorkspace: db.prepare('INSERT INTO workspaces (id, name, created_at, settings) VALUES (?, ?, ?, ?)'),
      getWorkspace: db.prepare('SELECT id, name, created_at, settings FROM workspaces WHERE id = ?'),
      listWorkspaces: db.prepare('SELECT id, name, created_at, settings FROM workspaces ORDER BY created_at, id'),
      insertKey: db.prepare('INSERT INTO api_keys (id, workspace_id, kind, scope, hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      listKeys: db.prepare(`SELECT ${keyColumns} FROM api_keys WHERE workspace_id = ? ORDER BY created_at, id`),
      getKey: db.prepare(`SELECT ${keyColumns} FROM api_keys WHERE workspace_id = ? AND id = ?`),
      keyByHash: db.prepare(`SELECT ${keyColumns} FROM api_keys WHERE hash = ?`),
      expireKey: db.prepare('UPDATE api_keys SET expires_at = ? WHERE workspace_id = ? AND id = ?'),
      setIdentity: db.prepare("UPDATE workspaces SET settings = json_set(settings, '$.identity', json(?)) WHERE id = ?"),
      identitySecret: db.prepare('SELECT identity_secret AS secret, identity_secret_created_at AS createdAt FROM workspaces WHERE id = ? AND identity_secret IS NOT NULL'),
      setIdentitySecret: db.prepare('UPDATE workspaces SET identity_secret = ?, identity_secret_created_at = ? WHERE id = ?'),
    };
    this.createTx = writeTransaction(db, (workspace: Workspace, keys: readonly NewApiKey[], secret: IdentitySecret | undefined) => {
      this.stmts.insertWorkspace.run(workspace.id, workspace.name, workspace.createdAt, JSON.stringify({ identity: workspace.identity }));
      if (secret !== undefined) this.stmts.setIdentitySecret.run(secret.secret, secret.createdAt, workspace.id);
      for (const key of keys) this.insertKey(key);
    });
  }

  private insertKey({ record: r, hash }: NewApiKey): void {
    this.stmts.insertKey.run(r.id, r.workspaceId, r.kind, r.kind === 'secret' ? r.scope ?? 'full' : null, hash, r.prefix, r.createdAt, r.expiresAt);
  }

  async createWorkspace(workspace: Workspace, keys: readonly NewApiKey[], identitySecret?: IdentitySecret): Promise<void> {
    this.createTx(workspace, keys, identitySecret);
  }

  async getWorkspace(id: string): Promise<Workspace | undefined> {
    const row = this.stmts.getWorkspace.get(id) as WorkspaceRow | undefined;
    return row === undefined ? undefined : toWorkspace(row);
  }

  async listWorkspaces(): Promise<readonly Workspace[]> {
    return (this.stmts.listWorkspaces.all() as WorkspaceRow[]).map(toWorkspace);
  }

  async addKey(key: NewApiKey): Promise<void> {
    this.insertKey(key);
  }

  async listKeys(workspaceId: string): Promise<readonly ApiKeyRecord[]> {
    return (this.stmts.listKeys.all(workspaceId) as KeyRow[]).map(toKey);
  }

  async getKey(workspaceId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
    const row = this.stmts.getKey.get(workspaceId, keyId) as KeyRow | undefined;
    return row === undefined ? undefined : toKey(row);
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = this.stmts.keyByHash.get(hash) as KeyRow | undefined;
    return row === undefined ? undefined : toKey(row);
  }

  async expireKey(workspaceId: string, keyId: string, at: number): Promise<void> {
    this.stmts.expireKey.run(at, workspaceId, keyId);
  }

  async setIdentitySettings(workspaceId: string, identity: IdentitySettings): Promise<void> {
    this.stmts.setIdentity.run(JSON.stringify(identity), workspaceId);
  }

  async identitySecret(workspaceId: string): Promise<IdentitySecret | undefined> {
    return this.stmts.identitySecret.get(workspaceId) as IdentitySecret | undefined;
  }

  async setIdentitySecret(workspaceId: string, secret: IdentitySecret): Promise<void> {
    this.stmts.setIdentitySecret.run(secret.secret, secret.createdAt, workspaceId);
  }
}
