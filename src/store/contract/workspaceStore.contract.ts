import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultIdentitySettings } from '../../core/identity/types.js';
import type { ApiKeyRecord, KeyKind, NewApiKey, Workspace, WorkspaceStore } from '../ports.js';

export interface WorkspaceStoreUnderTest {
  readonly workspaces: WorkspaceStore;
  close(): Promise<void>;
}

const T0 = Date.parse('2024-05-01T12:00:00Z');

function workspace(id: string, fields: Partial<Workspace> = {}): Workspace {
  return { id, name: `Workspace ${id}`, createdAt: T0, identity: defaultIdentitySettings, ...fields };
}

function key(id: string, workspaceId: string, kind: KeyKind = 'write', fields: Partial<ApiKeyRecord> = {}): NewApiKey {
  return { record: { id, workspaceId, kind, scope: kind === 'secret' ? 'full' : null, prefix: `${id.slice(0, 4)}_`, createdAt: T0, expiresAt: null, ...fields }, hash: `hash-of-${id}` };
}

const byId = <T extends { readonly id: string }>(items: readonly T[]): T[] => [...items].sort((x, y) => x.id.localeCompare(y.id));

/**
 * The contract of WorkspaceStore: workspaces, their settings and their API keys (stored as
 * hashes). `open` gives a fresh, empty store.
 */
export function describeWorkspaceStoreContract(adapterName: string, open: () => Promise<WorkspaceStoreUnderTest>): void {
  describe(`${adapterName}: workspace store contract`, () => {
    let store: WorkspaceStoreUnderTest;
    let ws: WorkspaceStore;
    beforeEach(async () => { store = await open(); ws = store.workspaces; });
    afterEach(async () => { await store.close(); });

    describe('workspaces', () => {
      it('returns a created workspace as it was given, identity settings included', async () => {
        const created = workspace('ws1', { name: 'Shop', identity: { traitMerge: 'survivor', maxMergedProfiles: 7, verification: false } });
        await ws.createWorkspace(created, []);
        expect(await ws.getWorkspace('ws1')).toEqual(created);
      });

      it('returns undefined for an unknown workspace', async () => {
        expect(await ws.getWorkspace('nope')).toBeUndefined();
      });

      it('lists every workspace', async () => {
        expect(await ws.listWorkspaces()).toEqual([]);
        const all = [workspace('ws2', { createdAt: T0 + 1 }), workspace('ws1'), workspace('ws3', { createdAt: T0 + 2 })];
        for (const w of all) await ws.createWorkspace(w, []);
        expect(byId(await ws.listWorkspaces())).toEqual(byId(all));
      });

      it('refuses a second workspace with the same id', async () => {
        await ws.createWorkspace(workspace('ws1', { name: 'first' }), []);
        await expect(ws.createWorkspace(workspace('ws1', { name: 'second' }), [])).rejects.toThrow();
        expect((await ws.getWorkspace('ws1'))?.name).toBe('first');
      });

      it('creates a workspace and its keys together, or neither', async () => {
        await ws.createWorkspace(workspace('ws1'), [key('k1', 'ws1')]);
        const clash = { ...key('k2', 'ws2'), hash: key('k1', 'ws1').hash };
        await expect(ws.createWorkspace(workspace('ws2'), [key('k3', 'ws2'), clash])).rejects.toThrow();
        expect(await ws.getWorkspace('ws2')).toBeUndefined();
        expect(await ws.listKeys('ws2')).toEqual([]);
        expect(await ws.getKey('ws2', 'k3')).toBeUndefined();
      });
    });

    describe('identity verification', () => {
      it('keeps the identity secret given at creation, and none when none was given', async () => {
        await ws.createWorkspace(workspace('ws1'), [], { secret: 'aid_one', createdAt: T0 });
        await ws.createWorkspace(workspace('ws2'), []);
        expect(await ws.identitySecret('ws1')).toEqual({ secret: 'aid_one', createdAt: T0 });
        expect(await ws.identitySecret('ws2')).toBeUndefined();
        expect(await ws.identitySecret('nope')).toBeUndefined();
      });

      it('replaces the secret of one workspace only', async () => {
        await ws.createWorkspace(workspace('ws1'), [], { secret: 'aid_one', createdAt: T0 });
        await ws.createWorkspace(workspace('ws2'), [], { secret: 'aid_two', createdAt: T0 });
        await ws.setIdentitySecret('ws1', { secret: 'aid_three', createdAt: T0 + 5 });
        expect(await ws.identitySecret('ws1')).toEqual({ secret: 'aid_three', createdAt: T0 + 5 });
        expect(await ws.identitySecret('ws2')).toEqual({ secret: 'aid_two', createdAt: T0 });
      });

      it('changes the identity settings of one workspace only, and never shows the secret in them', async () => {
        await ws.createWorkspace(workspace('ws1', { identity: { ...defaultIdentitySettings, verification: true } }), [], { secret: 'aid_one', createdAt: T0 });
        await ws.createWorkspace(workspace('ws2', { identity: { ...defaultIdentitySettings, verification: true } }), []);
        await ws.setIdentitySettings('ws1', { traitMerge: 'survivor', maxMergedProfiles: 9, verification: false });
        expect((await ws.getWorkspace('ws1'))?.identity).toEqual({ traitMerge: 'survivor', maxMergedProfiles: 9, verification: false });
        expect((await ws.getWorkspace('ws2'))?.identity.verification).toBe(true);
        expect(JSON.stringify(await ws.listWorkspaces())).not.toContain('aid_one');
      });
    });

    describe('keys', () => {
      beforeEach(async () => {
        await ws.createWorkspace(workspace('ws1'), [key('k1w', 'ws1', 'write'), key('k1s', 'ws1', 'secret')]);
        await ws.createWorkspace(workspace('ws2'), [key('k2w', 'ws2', 'write')]);
      });

      it('lists the keys of one workspace, without their hashes', async () => {
        const keys = await ws.listKeys('ws1');
        expect(byId(keys)).toEqual([key('k1s', 'ws1', 'secret').record, key('k1w', 'ws1', 'write').record]);
        for (const k of keys) expect(k).not.toHaveProperty('hash');
        expect((await ws.listKeys('ws2')).map((k) => k.id)).toEqual(['k2w']);
        expect(await ws.listKeys('nope')).toEqual([]);
      });

      it('gets a key by id within its workspace only', async () => {
        expect(await ws.getKey('ws1', 'k1s')).toEqual(key('k1s', 'ws1', 'secret').record);
        expect(await ws.getKey('ws2', 'k1s')).toBeUndefined();
        expect(await ws.getKey('ws1', 'nope')).toBeUndefined();
      });

      it('finds a key by its hash, with the workspace it belongs to', async () => {
        expect(await ws.findKeyByHash('hash-of-k2w')).toEqual(key('k2w', 'ws2', 'write').record);
        expect(await ws.findKeyByHash('hash-of-nothing')).toBeUndefined();
      });

      it('finds an expired key by its hash too: the caller decides what expiry means', async () => {
        await ws.expireKey('ws1', 'k1w', T0 + 10);
        expect(await ws.findKeyByHash('hash-of-k1w')).toEqual({ ...key('k1w', 'ws1').record, expiresAt: T0 + 10 });
      });

      it('adds a key to an existing workspace', async () => {
        const added = key('k1x', 'ws1', 'write', { createdAt: T0 + 5, expiresAt: T0 + 50 });
        await ws.addKey(added);
        expect(await ws.getKey('ws1', 'k1x')).toEqual(added.record);
        expect(await ws.findKeyByHash(added.hash)).toEqual(added.record);
        expect((await ws.listKeys('ws1')).map((k) => k.id).sort()).toEqual(['k1s', 'k1w', 'k1x']);
      });

      it('refuses a key whose hash is already stored', async () => {
        await expect(ws.addKey({ ...key('k9', 'ws2'), hash: 'hash-of-k1w' })).rejects.toThrow();
        expect(await ws.getKey('ws2', 'k9')).toBeUndefined();
        expect((await ws.findKeyByHash('hash-of-k1w'))?.id).toBe('k1w');
      });

      it('expireKey sets when a key stops working; a later call moves it (a revocation during a grace period)', async () => {
        await ws.expireKey('ws1', 'k1w', T0 + 3_600_000);
        expect((await ws.getKey('ws1', 'k1w'))?.expiresAt).toBe(T0 + 3_600_000);
        await ws.expireKey('ws1', 'k1w', T0 + 60_000);
        expect((await ws.getKey('ws1', 'k1w'))?.expiresAt).toBe(T0 + 60_000);
        expect((await ws.getKey('ws1', 'k1s'))?.expiresAt).toBeNull();
      });

      it('keeps a secret key\'s scope', async () => {
        for (const scope of ['read', 'decide', 'full'] as const) {
          const added = key(`k1${scope}`, 'ws1', 'secret', { scope });
          await ws.addKey(added);
          expect(await ws.getKey('ws1', added.record.id)).toEqual(added.record);
          expect((await ws.findKeyByHash(added.hash))?.scope).toBe(scope);
        }
      });

      it('expireKey through another workspace changes nothing', async () => {
        await ws.expireKey('ws2', 'k1w', T0);
        expect((await ws.getKey('ws1', 'k1w'))?.expiresAt).toBeNull();
      });
    });
  });
}
