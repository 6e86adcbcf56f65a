import { afterEach, describe, expect, it } from 'vitest';
import { runAs } from '../audit/callerContext.js';
import { seededRandom } from '../core/common/random.js';
import { sequentialIds } from '../core/common/ports.js';
import { trustedCaller } from '../core/identity/identityCheck.js';
import { createEngine, type Engine } from '../engine/createEngine.js';
import { openStore } from '../engine/openStore.js';

const clock = { now: () => Date.parse('2026-01-05T10:00:00Z') };
const caller = { actor: () => ({ kind: 'key' as const, id: 'key_1', role: 'secret' }), origin: { via: 'api' as const, ip: '127.0.0.1' } };

describe('PrivacyService', () => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.store.close();
    engine = undefined;
  });

  async function withPerson(): Promise<Engine> {
    const store = openStore({ path: ':memory:', synchronous: 'normal', maxPendingEvents: 1000, clock });
    engine = createEngine({ store, clock, ids: sequentialIds('t'), random: seededRandom(1), decisionSampleRate: 1 });
    const created = await engine.workspaces.create('one', { verification: false }, 'ws_one');
    const workspace = (await store.workspaces.getWorkspace(created.id))!;
    const report = await engine.collector.collect(workspace, {
      caller: trustedCaller, routeType: null,
      events: [{ type: 'identify', userId: 'ada@example.com', anonymousId: 'device-1', traits: { plan: 'gold' }, messageId: 'm1' }],
    });
    expect(report.accepted).toBe(1);
    return engine;
  }

  it('records each request in the audit trail for the caller, naming the person by keyed hashes only', async () => {
    const e = await withPerson();
    const receipt = await runAs(caller, async () => {
      await e.privacy.export('ws_one', { kind: 'user', value: 'ada@example.com' });
      const erased = await e.privacy.erase('ws_one', { kind: 'user', value: 'ada@example.com' });
      await e.privacy.unsuppress('ws_one', { kind: 'anonymous', value: 'device-1' });
      return erased;
    });
    // The export's read of the predictions is recorded by PredictionService as well.
    const entries = (await e.audit.query('ws_one', { limit: 100 })).filter((entry) => entry.action !== 'profile.predictionsViewed' && entry.action !== 'workspace.created');
    expect(entries.map((entry) => entry.action)).toEqual(['profile.exported', 'person.erased', 'person.unsuppressed']);
    expect(entries.every((entry) => entry.actor.kind === 'key' && entry.actor.id === 'key_1')).toBe(true);
    expect(entries[0]!.subject).toMatch(/^hmac-sha256:/);
    expect(entries[1]!.target).toEqual({ kind: 'person', id: receipt.subject.hash });
    expect(JSON.stringify(entries[1]!.changes)).toContain(receipt.id);
    expect(JSON.stringify(entries)).not.toContain('ada@example.com');
    expect(JSON.stringify(entries)).not.toContain('device-1');
    expect((await e.audit.verify('ws_one')).ok).toBe(true);
  });

  it('hashes an identifier the same way each time within a workspace, and a stored receipt equals the one returned', async () => {
    const e = await withPerson();
    const first = await e.privacy.suppress('ws_one', { kind: 'user', value: 'someone' });
    const again = await e.privacy.suppress('ws_one', { kind: 'user', value: 'someone' });
    expect(again.subject).toEqual(first.subject);
    expect(again.changed).toBe(0);
    const receipt = await e.privacy.erase('ws_one', { kind: 'anonymous', value: 'device-1' });
    expect(receipt.removed).toMatchObject({ events: 1, identities: 2, profiles: 1 });
    const report = await e.privacy.report('ws_one');
    expect(report.receipts).toEqual([JSON.parse(JSON.stringify(receipt))]);
  });
});
