import type { Role } from '../../core/access/accessMatrix.js';
import type { NewUser, PersonalTokenRecord, SessionRecord, UserRecord, UserStore } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { writeTransaction } from './writeTransaction.js';

interface UserRow { id: string; workspace_id: string; email: string; role: Role; reviewer_kinds: string; password_hash: string | null; created_at: number }
interface TokenRow { id: string; workspace_id: string; user_id: string; name: string; prefix: string; created_at: number; expires_at: number | null }

const userColumns = 'u.id, u.workspace_id, u.email, u.role, u.reviewer_kinds, u.password_hash, u.created_at';

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id, workspaceId: row.workspace_id, email: row.email, role: row.role,
    reviewerKinds: JSON.parse(row.reviewer_kinds) as string[], status: row.password_hash === null ? 'invited' : 'active', createdAt: row.created_at,
  };
}

function toToken(row: TokenRow): PersonalTokenRecord {
  return { id: row.id, workspaceId: row.workspace_id, userId: row.user_id, name: row.name, prefix: row.prefix, createdAt: row.created_at, expiresAt: row.expires_at };
}

// Joined rows name the user's columns as in UserRow and the other table's with a prefix.
const tokenJoin = `SELECT ${userColumns}, t.id AS t_id, t.name AS t_name, t.prefix AS t_prefix, t.created_at AS t_created_at, t.expires_at AS t_expires_at
  FROM user_tokens t JOIN users u ON u.id = t.user_id AND u.workspace_id = t.workspace_id WHERE t.hash = ?`;
const sessionJoin = `SELECT ${userColumns}, s.csrf_hash AS s_csrf_hash, s.created_at AS s_created_at, s.expires_at AS s_expires_at
  FROM user_sessions s JOIN users u ON u.id = s.user_id AND u.workspace_id = s.workspace_id WHERE s.hash = ?`;

/** UserStore on the users, user_tokens and user_sessions tables. */
export class SqliteUserStore implements UserStore {
  private readonly stmts;
  private readonly removeTx;

  constructor(db: SqliteDatabase) {
    this.stmts = {
      insertUser: db.prepare('INSERT INTO users (id, workspace_id, email, role, reviewer_kinds, password_hash, invitation_hash, invitation_expires_at, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)'),
      getUser: db.prepare(`SELECT ${userColumns} FROM users u WHERE u.workspace_id = ? AND u.id = ?`),
      listUsers: db.prepare(`SELECT ${userColumns} FROM users u WHERE u.workspace_id = ? ORDER BY u.created_at, u.id`),
      userByEmail: db.prepare(`SELECT ${userColumns} FROM users u WHERE u.workspace_id = ? AND u.email = ?`),
      invitation: db.prepare(`SELECT ${userColumns}, u.invitation_expires_at AS i_expires_at FROM users u WHERE u.invitation_hash = ?`),
      activate: db.prepare('UPDATE users SET password_hash = ?, invitation_hash = NULL, invitation_expires_at = NULL WHERE workspace_id = ? AND id = ?'),
      setPassword: db.prepare('UPDATE users SET password_hash = ? WHERE workspace_id = ? AND id = ?'),
      update: db.prepare('UPDATE users SET role = ?, reviewer_kinds = ? WHERE workspace_id = ? AND id = ?'),
      deleteUser: db.prepare('DELETE FROM users WHERE workspace_id = ? AND id = ?'),
      deleteTokensOf: db.prepare('DELETE FROM user_tokens WHERE workspace_id = ? AND user_id = ?'),
      deleteSessionsOf: db.prepare('DELETE FROM user_sessions WHERE workspace_id = ? AND user_id = ?'),
      insertToken: db.prepare('INSERT INTO user_tokens (id, workspace_id, user_id, name, hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      listTokens: db.prepare('SELECT id, workspace_id, user_id, name, prefix, created_at, expires_at FROM user_tokens WHERE workspace_id = ? AND user_id = ? ORDER BY created_at, id'),
      token: db.prepare(tokenJoin),
      expireToken: db.prepare('UPDATE user_tokens SET expires_at = ? WHERE workspace_id = ? AND user_id = ? AND id = ?'),
      insertSession: db.prepare('INSERT INTO user_sessions (hash, workspace_id, user_id, csrf_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
      session: db.prepare(sessionJoin),
      deleteSession: db.prepare('DELETE FROM user_sessions WHERE hash = ?'),
    };
    this.removeTx = writeTransaction(db, (workspaceId: string, userId: string) => {
      this.stmts.deleteTokensOf.run(workspaceId, userId);
      this.stmts.deleteSessionsOf.run(workspaceId, userId);
      this.stmts.deleteUser.run(workspaceId, userId);
    });
  }

  async addUser({ record: u, invitationHash, invitationExpiresAt }: NewUser): Promise<void> {
    this.stmts.insertUser.run(u.id, u.workspaceId, u.email, u.role, JSON.stringify(u.reviewerKinds), invitationHash, invitationExpiresAt, u.createdAt);
  }

  async getUser(workspaceId: string, userId: string): Promise<UserRecord | undefined> {
    const row = this.stmts.getUser.get(workspaceId, userId) as UserRow | undefined;
    return row === undefined ? undefined : toUser(row);
  }

  async listUsers(workspaceId: string): Promise<readonly UserRecord[]> {
    return (this.stmts.listUsers.all(workspaceId) as UserRow[]).map(toUser);
  }

  async findUserByEmail(workspaceId: string, email: string): Promise<{ user: UserRecord; passwordHash: string | null } | undefined> {
    const row = this.stmts.userByEmail.get(workspaceId, email) as UserRow | undefined;
    return row === undefined ? undefined : { user: toUser(row), passwordHash: row.password_hash };
  }

  async findInvitation(hash: string): Promise<{ user: UserRecord; expiresAt: number } | undefined> {
    const row = this.stmts.invitation.get(hash) as (UserRow & { i_expires_at: number }) | undefined;
    return row === undefined ? undefined : { user: toUser(row), expiresAt: row.i_expires_at };
  }

  async activateUser(workspaceId: string, userId: string, passwordHash: string): Promise<void> {
    this.stmts.activate.run(passwordHash, workspaceId, userId);
  }

  async setPasswordHash(workspaceId: string, userId: string, passwordHash: string): Promise<void> {
    this.stmts.setPassword.run(passwordHash, workspaceId, userId);
  }

  async updateUser(workspaceId: string, userId: string, change: { role: Role; reviewerKinds: readonly string[] }): Promise<void> {
    this.stmts.update.run(change.role, JSON.stringify(change.reviewerKinds), workspaceId, userId);
  }

  async removeUser(workspaceId: string, userId: string): Promise<void> {
    this.removeTx(workspaceId, userId);
  }

  async addToken(t: PersonalTokenRecord, hash: string): Promise<void> {
    this.stmts.insertToken.run(t.id, t.workspaceId, t.userId, t.name, hash, t.prefix, t.createdAt, t.expiresAt);
  }

  async listTokens(workspaceId: string, userId: string): Promise<readonly PersonalTokenRecord[]> {
    return (this.stmts.listTokens.all(workspaceId, userId) as TokenRow[]).map(toToken);
  }

  async findToken(hash: string): Promise<{ token: PersonalTokenRecord; user: UserRecord } | undefined> {
    const row = this.stmts.token.get(hash) as (UserRow & { t_id: string; t_name: string; t_prefix: string; t_created_at: number; t_expires_at: number | null }) | undefined;
    if (row === undefined) return undefined;
    const token = { id: row.t_id, workspaceId: row.workspace_id, userId: row.id, name: row.t_name, prefix: row.t_prefix, createdAt: row.t_created_at, expiresAt: row.t_expires_at };
    return { token, user: toUser(row) };
  }

  async expireToken(workspaceId: string, userId: string, tokenId: string, at: number): Promise<void> {
    this.stmts.expireToken.run(at, workspaceId, userId, tokenId);
  }

  async addSession(s: SessionRecord, hash: string): Promise<void> {
    this.stmts.insertSession.run(hash, s.workspaceId, s.userId, s.csrfHash, s.createdAt, s.expiresAt);
  }

  async findSession(hash: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined> {
    const row = this.stmts.session.get(hash) as (UserRow & { s_csrf_hash: string; s_created_at: number; s_expires_at: number }) | undefined;
    if (row === undefined) return undefined;
    return { session: { workspaceId: row.workspace_id, userId: row.id, csrfHash: row.s_csrf_hash, createdAt: row.s_created_at, expiresAt: row.s_expires_at }, user: toUser(row) };
  }

  async deleteSession(hash: string): Promise<void> {
    this.stmts.deleteSession.run(hash);
  }

  async deleteSessionsOf(workspaceId: string, userId: string): Promise<void> {
    this.stmts.deleteSessionsOf.run(workspaceId, userId);
  }
}
