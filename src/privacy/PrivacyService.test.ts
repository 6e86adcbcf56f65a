import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../core/common/random.js';
import { sequentialIds } from '../core/common/ports.js';
import { trustedCaller } from '../core/identity/identityCheck.js';
import { createEngine, type Engine } from '../engine/createEngine.js';
import { openStore } from '../engine/openStore.js';
import type { PrivacyAuditEntry, PrivacyCaller } from './PrivacyService.js';

const clock = { now: () => Date.parse('2026-01-05T10:00:00Z') };
const caller: PrivacyCaller = { actor: { kind: 'key', id: 'key_1', role: 'secret' }, origin: { via: 'api', ip: '127.0.0.1' } };

describe('PrivacyService', () => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.store.close();
    engine = undefined;
  });

  async function withPerson(audit: PrivacyAuditEntry[]): Promise<Engine> {
    const store = openStore({ path: ':memory:', synchronous: 'normal', maxPendingEvents: 1000, clock });
    engine = createEngine({ store, clock, ids: sequentialIds('t'), random: seededRandom(1), decisionSampleRate: 1, privacyAudit: (entry) => void audit.push(entry) });
    const created = await engine.workspaces.create('one', { verification: false }, 'ws_one');
    const workspace = (await store.workspaces.getWorkspace(created.id))!;
    const report = await engine.collector.collect(workspace, {
      caller: trustedCaller, routeType: null,
      events: [{ type: 'identify', userId: 'ada@example.com', anonymousId: 'device-1', traits: { plan: 'gold' }, messageId: 'm1' }],
    });
    expect(report.accepted).toBe(1);
    return engine;
  }

  it('records each request for the audit trail with the actor and the keyed hash of the identifier only', async () => {
    const audit: PrivacyAuditEntry[] = [];
    const e = await withPerson(audit);
    await e.privacy.export('ws_one', { kind: 'user', value: 'ada@example.com' }, caller);
    const receipt = await e.privacy.erase('ws_one', { kind: 'user', value: 'ada@example.com' }, caller);
    await e.privacy.unsuppress('ws_one', { kind: 'anonymous', value: 'device-1' }, caller);
    expect(audit.map((a) => a.action)).toEqual(['export', 'erase', 'unsuppress']);
    expect(audit[1]).toMatchObject({ workspaceId: 'ws_one', actor: caller.actor, origin: caller.origin, receiptId: receipt.id, subject: { kind: 'user', hash: receipt.subject.hash } });
    expect(audit[0]!.subject.hash).toBe(receipt.subject.hash);
    expect(JSON.stringify(audit)).not.toContain('ada@example.com');
    expect(JSON.stringify(audit)).not.toContain('device-1');
  });

  it('hashes an identifier the same way each time within a workspace, and a stored receipt equals the one returned', async () => {
    const e = await withPerson([]);
    const first = await e.privacy.suppress('ws_one', { kind: 'user', value: 'someone' }, caller);
    const again = await e.privacy.suppress('ws_one', { kind: 'user', value: 'someone' }, caller);
    expect(again.subject).toEqual(first.subject);
    expect(again.changed).toBe(0);
    const receipt = await e.privacy.erase('ws_one', { kind: 'anonymous', value: 'device-1' }, caller);
    expect(receipt.removed).toMatchObject({ events: 1, identities: 2, profiles: 1 });
    const report = await e.privacy.report('ws_one');
    expect(report.receipts).toEqual([JSON.parse(JSON.stringify(receipt))]);
  });
});
