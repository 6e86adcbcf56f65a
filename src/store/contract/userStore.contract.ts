import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultIdentitySettings } from '../../core/identity/types.js';
import type { NewUser, PersonalTokenRecord, SessionRecord, UserRecord, UserStore, WorkspaceStore } from '../ports.js';

export interface UserStoreUnderTest {
  readonly workspaces: WorkspaceStore;
  readonly users: UserStore;
  close(): Promise<void>;
}

const T0 = Date.parse('2026-01-05T09:00:00Z');

function user(id: string, workspaceId: string, fields: Partial<UserRecord> = {}): UserRecord {
  return { id, workspaceId, email: `${id}@example.com`, role: 'editor', reviewerKinds: [], status: 'invited', createdAt: T0, ...fields };
}

function invited(record: UserRecord): NewUser {
  return { record, invitationHash: `invitation-of-${record.id}`, invitationExpiresAt: T0 + 1000 };
}

function token(id: string, u: UserRecord, fields: Partial<PersonalTokenRecord> = {}): PersonalTokenRecord {
  return { id, workspaceId: u.workspaceId, userId: u.id, name: `token ${id}`, prefix: `atu_${id}`, createdAt: T0, expiresAt: null, ...fields };
}

function session(u: UserRecord, fields: Partial<SessionRecord> = {}): SessionRecord {
  return { workspaceId: u.workspaceId, userId: u.id, csrfHash: `csrf-of-${u.id}`, createdAt: T0, expiresAt: T0 + 3_600_000, ...fields };
}

/**
 * The contract of UserStore: users per workspace with their invitations, passwords (as hashes),
 * personal tokens and sessions. `open` gives a fresh, empty store.
 */
export function describeUserStoreContract(adapterName: string, open: () => Promise<UserStoreUnderTest>): void {
  describe(`${adapterName}: user store contract`, () => {
    let store: UserStoreUnderTest;
    let users: UserStore;
    const ada = user('u_ada', 'ws1', { role: 'owner', reviewerKinds: ['legal', 'brand'] });
    const bob = user('u_bob', 'ws1', { role: 'analyst' });
    const eve = user('u_eve', 'ws2');
    beforeEach(async () => {
      store = await open();
      users = store.users;
      for (const id of ['ws1', 'ws2']) await store.workspaces.createWorkspace({ id, name: id, createdAt: T0, identity: defaultIdentitySettings }, []);
      for (const u of [ada, bob, eve]) await users.addUser(invited(u));
    });
    afterEach(async () => { await store.close(); });

    it('returns an invited user as given, within its workspace only', async () => {
      expect(await users.getUser('ws1', 'u_ada')).toEqual(ada);
      expect(await users.getUser('ws2', 'u_ada')).toBeUndefined();
      expect((await users.listUsers('ws1')).map((u) => u.id).sort()).toEqual(['u_ada', 'u_bob']);
      expect(await users.listUsers('ws2')).toEqual([eve]);
    });

    it('refuses a second user with the same email in a workspace, not in another', async () => {
      await expect(users.addUser(invited(user('u_ada2', 'ws1', { email: ada.email })))).rejects.toThrow();
      await users.addUser({ ...invited(user('u_ada3', 'ws2', { email: ada.email })), invitationHash: 'other' });
      expect((await users.findUserByEmail('ws2', ada.email))?.user.id).toBe('u_ada3');
    });

    it('finds an invitation by its hash; accepting it sets the password and ends the invitation', async () => {
      expect(await users.findInvitation('invitation-of-u_bob')).toEqual({ user: bob, expiresAt: T0 + 1000 });
      expect(await users.findUserByEmail('ws1', bob.email)).toEqual({ user: bob, passwordHash: null });
      await users.activateUser('ws1', 'u_bob', 'scrypt$hash');
      expect(await users.findInvitation('invitation-of-u_bob')).toBeUndefined();
      expect(await users.findUserByEmail('ws1', bob.email)).toEqual({ user: { ...bob, status: 'active' }, passwordHash: 'scrypt$hash' });
      await users.setPasswordHash('ws1', 'u_bob', 'scrypt$other');
      expect((await users.findUserByEmail('ws1', bob.email))?.passwordHash).toBe('scrypt$other');
    });

    it('changes a role and reviewer kinds within the workspace only', async () => {
      await users.updateUser('ws1', 'u_bob', { role: 'reviewer', reviewerKinds: ['brand'] });
      expect(await users.getUser('ws1', 'u_bob')).toEqual({ ...bob, role: 'reviewer', reviewerKinds: ['brand'] });
      await users.updateUser('ws2', 'u_ada', { role: 'analyst', reviewerKinds: [] });
      expect(await users.getUser('ws1', 'u_ada')).toEqual(ada);
    });

    it('keeps personal tokens by hash, with their user, and expires them', async () => {
      const t1 = token('t1', ada);
      await users.addToken(t1, 'token-hash-1');
      await users.addToken(token('t2', bob), 'token-hash-2');
      expect(await users.listTokens('ws1', 'u_ada')).toEqual([t1]);
      expect(await users.listTokens('ws2', 'u_ada')).toEqual([]);
      expect(await users.findToken('token-hash-1')).toEqual({ token: t1, user: ada });
      expect(await users.findToken('nope')).toBeUndefined();
      await users.expireToken('ws2', 'u_ada', 't1', T0 + 5);
      expect((await users.findToken('token-hash-1'))?.token.expiresAt).toBeNull();
      await users.expireToken('ws1', 'u_ada', 't1', T0 + 5);
      expect((await users.findToken('token-hash-1'))?.token.expiresAt).toBe(T0 + 5);
      await expect(users.addToken(token('t3', ada), 'token-hash-1')).rejects.toThrow();
    });

    it('keeps sessions by hash, with their user, and ends them one or all', async () => {
      await users.addSession(session(ada), 's1');
      await users.addSession(session(ada, { csrfHash: 'c2' }), 's2');
      await users.addSession(session(bob), 's3');
      expect(await users.findSession('s1')).toEqual({ session: session(ada), user: ada });
      await users.deleteSession('s1');
      expect(await users.findSession('s1')).toBeUndefined();
      await users.deleteSessionsOf('ws2', 'u_ada');
      expect(await users.findSession('s2')).toBeDefined();
      await users.deleteSessionsOf('ws1', 'u_ada');
      expect(await users.findSession('s2')).toBeUndefined();
      expect((await users.findSession('s3'))?.user).toEqual(bob);
    });

    it('a session and a token show the user as they are now', async () => {
      await users.addSession(session(bob), 's1');
      await users.addToken(token('t1', bob), 'th1');
      await users.updateUser('ws1', 'u_bob', { role: 'admin', reviewerKinds: [] });
      expect((await users.findSession('s1'))?.user.role).toBe('admin');
      expect((await users.findToken('th1'))?.user.role).toBe('admin');
    });

    it('removes a user with their tokens and sessions, in that workspace only', async () => {
      await users.addSession(session(ada), 's1');
      await users.addToken(token('t1', ada), 'th1');
      await users.removeUser('ws2', 'u_ada');
      expect(await users.getUser('ws1', 'u_ada')).toBeDefined();
      await users.removeUser('ws1', 'u_ada');
      expect(await users.getUser('ws1', 'u_ada')).toBeUndefined();
      expect(await users.findSession('s1')).toBeUndefined();
      expect(await users.findToken('th1')).toBeUndefined();
      expect(await users.findUserByEmail('ws1', ada.email)).toBeUndefined();
      await users.addUser({ ...invited(user('u_ada_again', 'ws1', { email: ada.email })), invitationHash: 'again' });
      expect((await users.findUserByEmail('ws1', ada.email))?.user.id).toBe('u_ada_again');
    });
  });
}
