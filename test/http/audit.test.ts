import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { AuditEntry } from '../../src/core/audit/AuditEntry.js';
import { verifyChain } from '../../src/core/audit/hashChain.js';
import { sha256Hex } from '../../src/store/auditHash.js';
import { startHarness, type Harness } from '../support/harness.js';
import { collect, expectCollected, expectProblem, uniqueId, type JsonPayload } from './httpHelpers.js';

type Entry = AuditEntry & { time: string };

describe('the audit trail over HTTP', () => {
  let h: Harness;
  let secretKeyId: string;
  const userAgent = 'audit-test/1.0';
  const ip = '203.0.113.7';

  /** An admin call from a known address and client, as the audit trail should record them. */
  function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: JsonPayload, key = h.a.secretKey): Promise<LightMyRequestResponse> {
    return h.app.inject({
      method, url, remoteAddress: ip,
      headers: { authorization: `Bearer ${key}`, 'user-agent': userAgent },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  }

  async function entries(query = ''): Promise<Entry[]> {
    const res = await call('GET', `/admin/v1/audit?limit=1000${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ entries: Entry[] }>().entries;
  }

  async function lastFor(targetKind: string, targetId: string): Promise<Entry> {
    const found = await entries(`&targetKind=${targetKind}&targetId=${encodeURIComponent(targetId)}`);
    expect(found.length, `no entry for ${targetKind} ${targetId}`).toBeGreaterThan(0);
    return found[found.length - 1]!;
  }

  function expectCaller(entry: Entry, keyId = secretKeyId): void {
    expect(entry.actor).toEqual({ kind: 'key', id: keyId, role: 'secret:full' });
    expect(entry.origin).toMatchObject({ via: 'api', ip, userAgent });
    expect(entry.origin.requestId).toEqual(expect.any(String));
    expect(entry.workspaceId).toBe(h.a.id);
  }

  beforeAll(async () => {
    h = await startHarness();
    const keys = (await call('GET', '/admin/v1/keys')).json<{ id: string; kind: string }[]>();
    secretKeyId = keys.find((k) => k.kind === 'secret')!.id;
  });
  afterAll(async () => h.close());

  it('records a workspace\'s creation as the first entry of its chain, by the system', async () => {
    const [first] = await entries();
    expect(first).toMatchObject({ seq: 1, prevHash: null, action: 'workspace.created', target: { kind: 'workspace', id: h.a.id }, actor: { kind: 'system' } });
    expect(JSON.stringify(first)).not.toContain(h.a.secretKey);
  });

  it('records a segment\'s creation, change and deletion with the key, the address, the client and the diff', async () => {
    const id = uniqueId('audit-seg');
    expect((await call('POST', '/admin/v1/segments', { id, name: 'Big spenders', rule: 'features.revenue > 100' })).statusCode).toBe(201);
    const created = await lastFor('segment', id);
    expectCaller(created);
    expect(created.action).toBe('segment.created');
    expect(created.changes).toEqual([{ op: 'add', path: '', value: { id, name: 'Big spenders', rule: 'features.revenue > 100' } }]);

    expect((await call('PUT', `/admin/v1/segments/${id}`, { name: 'Big spenders', rule: 'features.revenue > 500' })).statusCode).toBe(200);
    const updated = await lastFor('segment', id);
    expectCaller(updated);
    expect(updated).toMatchObject({ action: 'segment.updated', seq: created.seq + 1, prevHash: created.hash });
    expect(updated.changes).toEqual([{ op: 'replace', path: '/rule', was: 'features.revenue > 100', value: 'features.revenue > 500' }]);

    // The same definition again changes nothing, and is not recorded.
    expect((await call('PUT', `/admin/v1/segments/${id}`, { name: 'Big spenders', rule: 'features.revenue > 500' })).statusCode).toBe(200);
    expect((await lastFor('segment', id)).seq).toBe(updated.seq);

    expect((await call('DELETE', `/admin/v1/segments/${id}`)).statusCode).toBe(204);
    const deleted = await lastFor('segment', id);
    expect(deleted).toMatchObject({ action: 'segment.deleted', changes: [{ op: 'remove', path: '', was: { id, rule: 'features.revenue > 500' } }] });
  });

  it('records nothing for a change that is refused', async () => {
    const before = (await entries()).length;
    expectProblem(await call('POST', '/admin/v1/segments', { id: uniqueId('bad'), name: 'x', rule: 'features.nope >' }), 400, 'ATTUNE_RULE_INVALID');
    expect((await entries()).length).toBe(before);
  });

  it('records an action\'s change and an experiment\'s change with their diffs', async () => {
    const [placement, action, experiment] = [uniqueId('audit-place'), uniqueId('audit-act'), uniqueId('audit-exp')];
    expect((await call('PUT', `/admin/v1/placements/${placement}`, { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'default' } })).statusCode).toBe(201);
    expect((await lastFor('placement', placement)).action).toBe('placement.created');
    expect((await call('PUT', `/admin/v1/actions/${action}`, { placements: [placement], variants: { default: { title: 'Hello' } } })).statusCode).toBe(201);
    expect((await call('PUT', `/admin/v1/actions/${action}`, { placements: [placement], variants: { default: { title: 'Hello there' } } })).statusCode).toBe(200);
    const actionEntry = await lastFor('action', action);
    expectCaller(actionEntry);
    expect(actionEntry.action).toBe('action.updated');
    expect(actionEntry.changes).toEqual([{ op: 'replace', path: '/variants/default/title', was: 'Hello', value: 'Hello there' }]);

    const definition = (name: string) => ({
      id: experiment, name, placement, primaryMetric: 'conversion',
      arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'treated', weight: 0.5, serve: { kind: 'personalized' } }],
    });
    expect((await call('PUT', `/admin/v1/experiments/${experiment}`, definition('First name'))).statusCode).toBe(201);
    expect((await call('PUT', `/admin/v1/experiments/${experiment}`, definition('Second name'))).statusCode).toBe(200);
    const [created, updated] = (await entries(`&targetKind=experiment&targetId=${experiment}`));
    expect(created!.action).toBe('experiment.created');
    expectCaller(updated!);
    expect(updated).toMatchObject({ action: 'experiment.updated', changes: [{ op: 'replace', path: '/name', was: 'First name', value: 'Second name' }] });
  });

  it('records a key\'s rotation (never the key) and the new key\'s creation', async () => {
    const created = await call('POST', '/admin/v1/keys', { kind: 'write' });
    expect(created.statusCode).toBe(201);
    const key = created.json<{ id: string; key: string }>();
    const rotated = await call('POST', `/admin/v1/keys/${key.id}/rotate`, { graceSeconds: 60 });
    expect(rotated.statusCode).toBe(201);
    const newKey = rotated.json<{ key: { id: string; key: string } }>().key;
    const entry = await lastFor('key', key.id);
    expectCaller(entry);
    expect(entry.action).toBe('key.rotated');
    expect(entry.changes).toEqual([
      { op: 'replace', path: '/expiresAt', was: null, value: expect.any(Number) },
      { op: 'add', path: '/replacedBy', value: newKey.id },
    ]);
    expect((await lastFor('key', newKey.id)).action).toBe('key.created');
    const all = JSON.stringify(await entries());
    expect(all).not.toContain(key.key);
    expect(all).not.toContain(newKey.key);
  });

  it('records profile views and decision reads with a keyed hash of the person, never their identifiers', async () => {
    const userId = uniqueId('audit-person');
    expectCollected(await collect(h, '/v1/identify', { userId, traits: { email: `${userId}@example.com` } }));
    const profile = await call('GET', `/admin/v1/profiles/${userId}`);
    expect(profile.statusCode).toBe(200);
    const profileId = profile.json<{ id: string }>().id;
    expect((await call('GET', `/admin/v1/profiles/${userId}/decisions`)).statusCode).toBe(200);
    const reads = await entries('&action=profile.');
    const [viewed, decisions] = reads.slice(-2);
    expectCaller(viewed!);
    expect(viewed).toMatchObject({ action: 'profile.viewed', subject: expect.stringMatching(/^hmac-sha256:[0-9a-f]{64}$/) });
    expect(decisions).toMatchObject({ action: 'profile.decisionsViewed', subject: viewed!.subject });
    expect(viewed!.target).toEqual({ kind: 'profile', id: viewed!.subject });
    expect(viewed!.changes).toBeUndefined();
    const all = JSON.stringify(await entries());
    for (const identifier of [userId, profileId]) expect(all).not.toContain(identifier);
    // The person's entries are found by hashing their profile id with the workspace's key.
    expect(await h.engine.audit.subjectOf(h.a.id, profileId)).toBe(viewed!.subject);
    // An unknown person was not read: nothing is recorded.
    const count = (await entries()).length;
    expectProblem(await call('GET', `/admin/v1/profiles/${uniqueId('nobody')}`), 404, 'ATTUNE_PROFILE_NOT_FOUND');
    expect((await entries()).length).toBe(count);
  });

  it('records the other services\' changes too: features, measurement, catalog items (one entry per call), identity verification', async () => {
    const feature = uniqueId('audit_f').replace(/-/g, '_');
    expect((await call('PUT', `/admin/v1/features/${feature}`, { aggregate: 'count', events: ['Order Completed'] })).statusCode).toBe(201);
    expect((await call('PUT', `/admin/v1/features/${feature}`, { aggregate: 'count', events: ['Order Completed'], window: '30d' })).statusCode).toBe(200);
    expect(await lastFor('feature', feature)).toMatchObject({ action: 'feature.updated', changes: [{ op: 'add', path: '/window', value: '30d' }] });

    expect((await call('PUT', '/admin/v1/measurement', { holdoutShare: 0.1, monthlyCost: 1000, currency: 'EUR' })).statusCode).toBe(200);
    const measurement = await lastFor('measurement', h.a.id);
    expectCaller(measurement);
    expect(measurement.action).toBe('measurement.updated');
    expect(measurement.changes).toEqual(expect.arrayContaining([{ op: 'replace', path: '/holdoutShare', was: 0, value: 0.1 }, { op: 'add', path: '/monthlyCost', value: 1000 }]));

    const [one, two] = [uniqueId('audit-item'), uniqueId('audit-item')];
    expect((await call('PUT', `/admin/v1/items/${one}`, { title: 'Red shoe' })).statusCode).toBe(201);
    expect((await lastFor('item', one)).action).toBe('item.created');
    const before = (await entries()).length;
    expect((await call('POST', '/admin/v1/items', { items: [{ id: one, title: 'Blue shoe' }, { id: two, title: 'Hat' }] })).statusCode).toBeLessThan(300);
    const after = await entries();
    expect(after.length).toBe(before + 1);
    const bulk = after[after.length - 1]!;
    expect(bulk).toMatchObject({ action: 'items.put', target: { kind: 'catalog', id: h.a.id } });
    expect(bulk.changes).toEqual(expect.arrayContaining([
      { op: 'replace', path: `/${one}/title`, was: 'Red shoe', value: 'Blue shoe' },
      { op: 'add', path: `/${two}`, value: expect.objectContaining({ id: two, title: 'Hat' }) },
    ]));
    expect((await call('DELETE', `/admin/v1/items/${two}`)).statusCode).toBe(204);
    expect((await lastFor('item', two)).action).toBe('item.deleted');

    expect((await call('PUT', '/admin/v1/identity-verification', { enabled: true })).statusCode).toBe(200);
    const identity = (await entries('&action=identityVerification.updated'))[0]!;
    expectCaller(identity);
    expect(identity.changes).toEqual([{ op: 'replace', path: '/verification', was: false, value: true }]);
  });

  it('records pages of many people\'s data (the event log, a segment\'s members) as reads of what was paged', async () => {
    const id = uniqueId('audit-members');
    expect((await call('POST', '/admin/v1/segments', { id, name: 'Everyone', rule: 'true' })).statusCode).toBe(201);
    expect((await call('GET', `/admin/v1/segments/${id}/members?limit=10`)).statusCode).toBe(200);
    expect(await lastFor('segment', id)).toMatchObject({ action: 'segment.membersViewed' });
    expect((await call('GET', '/admin/v1/events?after=0&limit=5')).statusCode).toBe(200);
    const read = await lastFor('eventLog', '0');
    expectCaller(read);
    expect(read).toMatchObject({ action: 'events.read' });
    expect(read.changes).toBeUndefined();
    expect(read.subject).toBeUndefined();
  });

  it('filters by action prefix, actor and time, and pages with a cursor', async () => {
    const all = await entries();
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect((await entries('&action=segment.')).every((e) => e.action.startsWith('segment.'))).toBe(true);
    expect((await entries('&actorKind=system')).map((e) => e.action)).toEqual(['workspace.created']);
    expect((await entries(`&actorKind=key&actorId=${secretKeyId}`)).length).toBe(all.length - 1);
    const middle = all[Math.floor(all.length / 2)]!;
    const since = await entries(`&since=${encodeURIComponent(middle.time)}`);
    expect(since.every((e) => e.at >= middle.at)).toBe(true);
    const until = await entries(`&until=${encodeURIComponent(middle.time)}`);
    expect(until.every((e) => e.at < middle.at)).toBe(true);
    const first = (await call('GET', '/admin/v1/audit?limit=2')).json<{ entries: Entry[]; next: number }>();
    expect(first.entries.map((e) => e.seq)).toEqual([1, 2]);
    const second = (await call('GET', `/admin/v1/audit?limit=2&after=${first.next}`)).json<{ entries: Entry[] }>();
    expect(second.entries.map((e) => e.seq)).toEqual([3, 4]);
  });

  it('refuses bad filters with the field at fault', async () => {
    expect(expectProblem(await call('GET', '/admin/v1/audit?limit=0'), 400, 'ATTUNE_INVALID_REQUEST').field).toMatch(/limit/);
    expect(expectProblem(await call('GET', '/admin/v1/audit?since=yesterday'), 400, 'ATTUNE_INVALID_REQUEST').field).toMatch(/since/);
    expect(expectProblem(await call('GET', '/admin/v1/audit?actorKind=robot'), 400, 'ATTUNE_INVALID_REQUEST').field).toMatch(/actorKind/);
    expectProblem(await call('GET', '/admin/v1/audit', undefined, h.a.writeKey), 403, 'ATTUNE_FORBIDDEN');
    expectProblem(await call('POST', '/admin/v1/audit/verify', { anchors: [{ seq: 1, hash: 'nothex' }] }), 400, 'ATTUNE_INVALID_REQUEST');
  });

  it('exports the chain as JSON lines that verify alone, and verifies it', async () => {
    const res = await call('GET', '/admin/v1/audit/export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = res.body.trimEnd().split('\n').map((line) => JSON.parse(line) as AuditEntry);
    expect(lines.map((e) => e.seq)).toEqual(lines.map((_, i) => i + 1));
    const last = lines[lines.length - 1]!;
    expect(verifyChain(h.a.id, lines, { seq: last.seq, hash: last.hash }, sha256Hex)).toMatchObject({ ok: true, entries: lines.length });
    const verdict = (await call('POST', '/admin/v1/audit/verify')).json<{ ok: boolean; entries: number; head: { seq: number; hash: string } }>();
    expect(verdict).toEqual({ ok: true, entries: lines.length, head: { seq: last.seq, hash: last.hash } });
    expect((await call('POST', '/admin/v1/audit/verify', { anchors: [{ seq: 2, hash: lines[1]!.hash }] })).json()).toMatchObject({ ok: true });
  });

  it('reports an entry changed in the file, with its position', async () => {
    const target = (await entries('&action=segment.updated'))[0]!;
    h.store.db.exec('DROP TRIGGER audit_entries_no_update');
    h.store.db.prepare("UPDATE audit_entries SET actor_id = 'someone-else' WHERE workspace_id = ? AND seq = ?").run(h.a.id, target.seq);
    const verdict = (await call('POST', '/admin/v1/audit/verify')).json();
    expect(verdict).toMatchObject({ ok: false, position: target.seq, fault: 'hash', entries: target.seq - 1 });
    // The other workspace's chain is untouched.
    expect((await call('POST', '/admin/v1/audit/verify', {}, h.b.secretKey)).json()).toMatchObject({ ok: true });
  });
});
