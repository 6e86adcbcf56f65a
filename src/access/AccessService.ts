import { can, type Role } from '../core/access/accessMatrix.js';
import { isEmail, normalizeEmail, passwordProblem, reviewerKindsProblem, userChangeProblem, type UserChanger } from '../core/access/userRules.js';
import type { Clock } from '../core/common/ports.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { PersonalTokenRecord, SessionRecord, UserRecord, UserStore, Workspace } from '../store/ports.js';
import { hashKey, randomId } from '../workspaces/apiKeys.js';
import type { WorkspaceService } from '../workspaces/WorkspaceService.js';
import { hashPassword, owaspScryptCost, verifyPassword, type ScryptCost } from './passwords.js';
import { newSecret } from './secrets.js';
import { unrecorded, type AuditRecorder } from '../core/audit/AuditRecorder.js';
import { SignInThrottle } from './SignInThrottle.js';
import type { FailurePolicy } from '../core/access/failureWindow.js';

export interface AccessSettings {
  readonly scrypt: ScryptCost;
  /** How long an invitation can be accepted. */
  readonly invitationHours: number;
  /** How long a browser session lasts from sign-in (absolute: no sliding renewal). */
  readonly sessionHours: number;
  /** Failed sign-ins allowed per account, and per client address, in a window. */
  readonly accountFailures: FailurePolicy;
  readonly addressFailures: FailurePolicy;
}

// OWASP's Authentication Cheat Sheet: slow guessing down per account without locking the person
// out for long; per address, a higher bound for many accounts tried from one place.
export const defaultAccessSettings: AccessSettings = {
  scrypt: owaspScryptCost, invitationHours: 72, sessionHours: 12,
  accountFailures: { maxFailures: 10, windowMs: 15 * 60_000 },
  addressFailures: { maxFailures: 100, windowMs: 15 * 60_000 },
};

export interface Invitation {
  readonly user: UserRecord;
  /** Shown once: whoever holds it sets the user's password. Hand it over out of band. */
  readonly token: string;
  readonly expiresAt: number;
}

export interface SignedIn {
  readonly user: UserRecord;
  /** The session cookie's value. */
  readonly session: string;
  /** Sent back in the X-Attune-CSRF header with every unsafe request made with the cookie. */
  readonly csrfToken: string;
  readonly expiresAt: number;
  /** The cookie's Max-Age. */
  readonly lifetimeSeconds: number;
}

/** A signed-in user or a personal token's user, with their workspace. */
export interface UserPrincipal {
  readonly workspace: Workspace;
  readonly user: UserRecord;
}

export interface UserChangeRequest {
  readonly role?: Role;
  readonly reviewerKinds?: readonly string[];
}

const userTarget = (user: UserRecord) => ({ kind: 'user', id: user.id });
/** What the audit trail keeps of a user: the email is the account's name, not a customer's data. */
const userFields = (u: UserRecord) => ({ email: u.email, role: u.role, reviewerKinds: [...u.reviewerKinds], status: u.status });
const tokenFields = (t: PersonalTokenRecord) => ({ userId: t.userId, name: t.name, prefix: t.prefix, createdAt: t.createdAt, expiresAt: t.expiresAt });

/**
 * People of a workspace: invitations, passwords, roles, personal API tokens and browser
 * sessions. The one path by which users change (admin API, `attune users`, `attune tokens`);
 * what a role may do is the core's (src/core/access), not this service's.
 */
export class AccessService {
  private dummyHash: Promise<string> | undefined;
  private readonly accountThrottle: SignInThrottle;
  private readonly addressThrottle: SignInThrottle;

  constructor(
    private readonly store: UserStore,
    private readonly workspaces: WorkspaceService,
    private readonly clock: Clock,
    private readonly settings: AccessSettings = defaultAccessSettings,
    private readonly audit: AuditRecorder = unrecorded,
  ) {
    this.accountThrottle = new SignInThrottle(settings.accountFailures);
    this.addressThrottle = new SignInThrottle(settings.addressFailures);
  }

  /** Invites a person with a role; the returned token lets them set their password. */
  async invite(workspaceId: string, changer: UserChanger, request: { readonly email: string; readonly role: Role; readonly reviewerKinds?: readonly string[] }): Promise<Invitation> {
    await this.workspaces.get(workspaceId);
    const email = normalizeEmail(request.email);
    if (!isEmail(email)) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `"${request.email}" is not an email address`, field: '/email' });
    const reviewerKinds = this.checkedReviewerKinds(request.reviewerKinds ?? []);
    const users = await this.store.listUsers(workspaceId);
    this.judge(changer, users, null, request.role);
    if (users.some((u) => u.email === email)) throw new AttuneError('ATTUNE_USER_EXISTS', { detail: `${email} is a user of this workspace already`, field: '/email' });
    const now = this.clock.now();
    const user: UserRecord = { id: randomId('usr_'), workspaceId, email, role: request.role, reviewerKinds, status: 'invited', createdAt: now };
    const invitation = newSecret('invitation');
    const expiresAt = now + this.settings.invitationHours * 3_600_000;
    await this.store.addUser({ record: user, invitationHash: invitation.hash, invitationExpiresAt: expiresAt });
    await this.audit.changed({ workspaceId, action: 'user.invited', target: userTarget(user), after: userFields(user) });
    return { user, token: invitation.plain, expiresAt };
  }

  /** Accepts an invitation by setting a password; the user is active from then on. */
  async acceptInvitation(token: string, password: string): Promise<UserRecord> {
    const found = await this.store.findInvitation(hashKey(token));
    if (found === undefined || found.expiresAt <= this.clock.now()) throw new AttuneError('ATTUNE_INVITATION_NOT_FOUND', { detail: 'the invitation is unknown, used or expired; ask for a new one', field: '/token' });
    this.checkPassword(password, '/password');
    await this.store.activateUser(found.user.workspaceId, found.user.id, await hashPassword(password, this.settings.scrypt));
    const active: UserRecord = { ...found.user, status: 'active' };
    await this.audit.changed({ workspaceId: active.workspaceId, action: 'user.activated', target: userTarget(active), before: userFields(found.user), after: userFields(active) });
    return active;
  }

  async listUsers(workspaceId: string): Promise<readonly UserRecord[]> {
    return this.store.listUsers(workspaceId);
  }

  async getUser(workspaceId: string, userId: string): Promise<UserRecord> {
    const user = await this.store.getUser(workspaceId, userId);
    if (user === undefined) throw new AttuneError('ATTUNE_USER_NOT_FOUND', { detail: `no user "${userId}" in this workspace` });
    return user;
  }

  /** Changes a user's role or reviewer kinds; taking a role away ends their sessions. */
  async changeUser(workspaceId: string, changer: UserChanger, userId: string, change: UserChangeRequest): Promise<UserRecord> {
    const user = await this.getUser(workspaceId, userId);
    const role = change.role ?? user.role;
    const reviewerKinds = change.reviewerKinds === undefined ? user.reviewerKinds : this.checkedReviewerKinds(change.reviewerKinds);
    this.judge(changer, await this.store.listUsers(workspaceId), user, role);
    await this.store.updateUser(workspaceId, userId, { role, reviewerKinds });
    // A session asks the store for the role on every request, so a change applies at once;
    // ending the sessions of a demoted user also drops what an open page has loaded.
    if (role !== user.role) await this.store.deleteSessionsOf(workspaceId, userId);
    const changed: UserRecord = { ...user, role, reviewerKinds };
    await this.audit.changed({ workspaceId, action: 'user.changed', target: userTarget(user), before: userFields(user), after: userFields(changed) });
    return changed;
  }

  /** Removes a user with their tokens and sessions. */
  async removeUser(workspaceId: string, changer: UserChanger, userId: string): Promise<UserRecord> {
    const user = await this.getUser(workspaceId, userId);
    this.judge(changer, await this.store.listUsers(workspaceId), user, null);
    await this.store.removeUser(workspaceId, userId);
    await this.audit.changed({ workspaceId, action: 'user.removed', target: userTarget(user), before: userFields(user) });
    return user;
  }

  /**
   * Signs a user in with their password. An unknown email costs the same scrypt as a wrong
   * password and answers the same, so sign-in does not reveal who has an account. Too many
   * failures for an account, or from an address, answer 429 until their window ends.
   */
  async signIn(workspaceId: string, email: string, password: string, address = ''): Promise<SignedIn> {
    const account = `${workspaceId}\n${normalizeEmail(email)}`;
    const wait = Math.max(this.accountThrottle.wait(account, this.clock.now()), this.addressThrottle.wait(address, this.clock.now()));
    if (wait > 0) {
      const retryAfterSeconds = Math.ceil(wait / 1000);
      throw new AttuneError('ATTUNE_SIGN_IN_THROTTLED', { detail: `too many failed sign-ins; try again in ${retryAfterSeconds} s`, extensions: { retryAfterSeconds } });
    }
    const found = await this.store.findUserByEmail(workspaceId, normalizeEmail(email));
    const hash = found?.passwordHash ?? await this.dummy();
    const matches = await verifyPassword(password, hash);
    if (found === undefined || found.passwordHash === null || !matches) {
      this.accountThrottle.failed(account, this.clock.now());
      this.addressThrottle.failed(address, this.clock.now());
      throw new AttuneError('ATTUNE_SIGN_IN_FAILED');
    }
    this.accountThrottle.succeeded(account);
    const now = this.clock.now();
    const session = newSecret('session');
    const csrf = newSecret('csrf');
    const expiresAt = now + this.settings.sessionHours * 3_600_000;
    const record: SessionRecord = { workspaceId, userId: found.user.id, csrfHash: csrf.hash, createdAt: now, expiresAt };
    await this.store.addSession(record, session.hash);
    return { user: found.user, session: session.plain, csrfToken: csrf.plain, expiresAt, lifetimeSeconds: this.settings.sessionHours * 3600 };
  }

  async signOut(session: string): Promise<void> {
    await this.store.deleteSession(hashKey(session));
  }

  /** The user of a live session cookie, with the CSRF token's hash; undefined when unknown or expired. */
  async session(plain: string): Promise<(UserPrincipal & { readonly csrfHash: string }) | undefined> {
    const hash = hashKey(plain);
    const found = await this.store.findSession(hash);
    if (found === undefined) return undefined;
    if (found.session.expiresAt <= this.clock.now()) {
      await this.store.deleteSession(hash);
      return undefined;
    }
    const workspace = await this.workspaces.get(found.user.workspaceId);
    return { workspace, user: found.user, csrfHash: found.session.csrfHash };
  }

  /** Changes a user's own password; every session of theirs ends (the caller signs in again). */
  async changePassword(workspaceId: string, userId: string, current: string, next: string): Promise<void> {
    const user = await this.getUser(workspaceId, userId);
    const found = await this.store.findUserByEmail(workspaceId, user.email);
    if (found?.passwordHash == null || !(await verifyPassword(current, found.passwordHash))) throw new AttuneError('ATTUNE_SIGN_IN_FAILED', { detail: 'the current password is wrong', field: '/currentPassword' });
    this.checkPassword(next, '/newPassword');
    await this.store.setPasswordHash(workspaceId, userId, await hashPassword(next, this.settings.scrypt));
    await this.store.deleteSessionsOf(workspaceId, userId);
    // Never the hash: that the password changed is the record.
    await this.audit.changed({ workspaceId, action: 'user.passwordChanged', target: userTarget(user) });
  }

  /** A personal API token of an active user, shown once; it acts with the user's role of the moment. */
  async createToken(workspaceId: string, userId: string, name: string, expiresInDays: number | null): Promise<{ plain: string; record: PersonalTokenRecord }> {
    const user = await this.getUser(workspaceId, userId);
    if (user.status !== 'active') throw new AttuneError('ATTUNE_CONFLICT', { detail: 'the user has not accepted their invitation yet' });
    const secret = newSecret('token');
    const now = this.clock.now();
    const record: PersonalTokenRecord = {
      id: randomId('tok_'), workspaceId, userId, name, prefix: secret.plain.slice(0, 10), createdAt: now,
      expiresAt: expiresInDays === null ? null : now + expiresInDays * 86_400_000,
    };
    await this.store.addToken(record, secret.hash);
    await this.audit.changed({ workspaceId, action: 'token.created', target: { kind: 'token', id: record.id }, after: tokenFields(record) });
    return { plain: secret.plain, record };
  }

  async listTokens(workspaceId: string, userId: string): Promise<readonly PersonalTokenRecord[]> {
    return this.store.listTokens(workspaceId, userId);
  }

  async revokeToken(workspaceId: string, userId: string, tokenId: string): Promise<PersonalTokenRecord> {
    const now = this.clock.now();
    const token = (await this.store.listTokens(workspaceId, userId)).find((t) => t.id === tokenId);
    if (token === undefined || (token.expiresAt !== null && token.expiresAt <= now)) throw new AttuneError('ATTUNE_TOKEN_NOT_FOUND', { detail: `no live token "${tokenId}" of this user` });
    await this.store.expireToken(workspaceId, userId, tokenId, now);
    const revoked = { ...token, expiresAt: now };
    await this.audit.changed({ workspaceId, action: 'token.revoked', target: { kind: 'token', id: tokenId }, before: tokenFields(token), after: tokenFields(revoked) });
    return revoked;
  }

  /** The user of a live personal token of an active user; undefined otherwise. */
  async token(plain: string): Promise<(UserPrincipal & { readonly token: PersonalTokenRecord }) | undefined> {
    const found = await this.store.findToken(hashKey(plain));
    if (found === undefined || found.user.status !== 'active') return undefined;
    if (found.token.expiresAt !== null && found.token.expiresAt <= this.clock.now()) return undefined;
    return { workspace: await this.workspaces.get(found.user.workspaceId), user: found.user, token: found.token };
  }

  /** Refuses a change the core's rules refuse: 403 naming owners.manage, or 409 for the last owner. */
  private judge(changer: UserChanger, users: readonly UserRecord[], user: UserRecord | null, to: Role | null): void {
    const activeOwners = users.filter((u) => u.role === 'owner' && u.status === 'active').length;
    const problem = userChangeProblem(changer, {
      from: user?.role ?? null, to, userId: user?.id ?? null, activeOwners, isActiveOwner: user !== null && user.role === 'owner' && user.status === 'active',
    });
    if (problem === null) return;
    if (problem.code === 'conflict') throw new AttuneError('ATTUNE_CONFLICT', { detail: problem.detail });
    const ownersManaged = changer.kind === 'user' && !can({ kind: 'role', role: changer.role }, 'owners.manage');
    throw new AttuneError('ATTUNE_FORBIDDEN', { detail: problem.detail, ...(ownersManaged ? { extensions: { permission: 'owners.manage' } } : {}) });
  }

  private checkedReviewerKinds(kinds: readonly string[]): readonly string[] {
    const problem = reviewerKindsProblem(kinds);
    if (problem !== null) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: problem, field: '/reviewerKinds' });
    return [...kinds];
  }

  private checkPassword(password: string, field: string): void {
    const problem = passwordProblem(password);
    if (problem !== null) throw new AttuneError('ATTUNE_PASSWORD_WEAK', { detail: problem, field });
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword('not a password of anyone', this.settings.scrypt);
    return this.dummyHash;
  }
}
