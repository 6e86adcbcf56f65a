import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedWorkspace } from '../../src/workspaces/WorkspaceService.js';
import { openFileServer, rebuildQuietly, twoWorkspaces, type FileServer } from '../support/fileServer.js';
import { expectProblem } from './httpHelpers.js';

interface Report {
  dryRun: boolean;
  events: { removed: number; byEvent: Record<string, number>; byType: Record<string, number>; withoutAnalytics: number; oldestKept: string | null };
  decisions: { removed: number; oldestKept: string | null };
  audit: { removed: number; anchor: { seq: number; hash: string } | null; oldestKept: string | null };
  derivedState: string;
}

interface EventView { seq: number; messageId: string; name: string | null; type: string; timestamp: string }

const day = 86_400_000;

/**
 * Retention through the admin API on a SQLite file, with a clock the test moves: events older
 * than their period (default, per event name, per call type) leave the log and the person's
 * export while newer ones stay; events of a person without `analytics` follow that policy;
 * decision records and audit entries have their own periods (the trail still verifies); derived
 * state keeps what it derived until `attune rebuild`. Then recovery: the purge removed the
 * log's newest events, and a restart loads the state without replaying or renumbering.
 */
describe.each(['inline', 'worker'] as const)('retention (storage writer %s)', (writer) => {
  let dataDir: string;
  let running: FileServer | undefined;
  let a: CreatedWorkspace;
  let b: CreatedWorkspace;
  // The clock starts 60 days back, so that moving it 40 days on stays in the past.
  let now = Date.now() - 60 * day;
  const clock = { now: () => now };

  const open = (): Promise<FileServer> => openFileServer(dataDir, { clock, writer });
  const app = () => running!.server.app;
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, key: string, payload?: unknown, status = 200) => {
    const res = await app().inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
    return res.body === '' ? undefined : res.json<unknown>();
  };
  const events = async (key = a.secretKey) => ((await call('GET', '/admin/v1/events?limit=10000', key)) as { events: EventView[] }).events;
  const ids = async (key = a.secretKey) => (await events(key)).map((e) => e.messageId);
  const purge = async (body?: unknown) => (await call('POST', '/admin/v1/retention/purge', a.secretKey, body)) as Report;
  const send = (batch: unknown[], key = a.writeKey) => call('POST', '/v1/batch', key, { batch });
  const noAnalytics = { consent: { categoryPreferences: { analytics: false } } };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'attune-retention-'));
    running = await open();
    [a, b] = await twoWorkspaces(running, 'ws_retention');
  });
  afterAll(async () => {
    await running?.server.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a bad policy with the field, and keeps everything by default', async () => {
    const bad = async (policy: unknown, field: string) => {
      const res = await app().inject({ method: 'PUT', url: '/admin/v1/retention', headers: { authorization: `Bearer ${a.secretKey}` }, payload: policy as Record<string, unknown> });
      expect(expectProblem(res, 400, 'ATTUNE_INVALID_REQUEST').field).toBe(field);
    };
    await bad({ events: { keepDays: 0 } }, 'body/events/keepDays');
    await bad({ events: { byType: { click: 3 } } }, 'body/events/byType/click');
    await bad({ withoutAnalytics: { keepDays: -1 } }, 'body/withoutAnalytics');
    await bad({ audit: { keepDays: 1.5 } }, 'body/audit/keepDays');
    expect(await call('GET', '/admin/v1/retention', a.secretKey)).toEqual({ policy: {}, updatedAt: null });
  });

  it('collects old and new events, decisions and audit entries', async () => {
    await call('PUT', '/admin/v1/placements/hero', a.secretKey, { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'default' } }, 201);
    await call('PUT', '/admin/v1/actions/offer', a.secretKey, { placements: ['hero'], variants: { default: { title: 'offer' } } }, 201);
    // Day 0.
    await send([
      { type: 'identify', userId: 'ada', traits: { colour: 'teal' }, messageId: 'old-identify' },
      { type: 'track', userId: 'ada', event: 'Old Seen', messageId: 'old-seen' },
      { type: 'track', userId: 'ada', event: 'Order Completed', messageId: 'old-order', properties: { revenue: 10 } },
      { type: 'page', userId: 'ada', name: 'Home', messageId: 'old-page' },
    ]);
    await send([{ type: 'track', userId: 'ada', event: 'Old Seen', messageId: 'old-seen-b' }], b.writeKey);
    await call('POST', '/v1/decide', a.writeKey, { userId: 'ada', placements: ['hero'] });
    // Day 35: someone without analytics.
    now += 35 * day;
    await send([{ type: 'track', userId: 'quiet', event: 'Quiet', messageId: 'quiet-35', context: noAnalytics }]);
    // Day 40.
    now += 5 * day;
    await send([
      { type: 'track', userId: 'ada', event: 'New Seen', messageId: 'new-seen' },
      { type: 'page', userId: 'ada', name: 'Home', messageId: 'new-page' },
      { type: 'track', userId: 'quiet', event: 'Quiet', messageId: 'quiet-40' },
    ]);
    await call('POST', '/v1/decide', a.writeKey, { userId: 'ada', placements: ['hero'] });
    expect(await ids()).toEqual(expect.arrayContaining(['old-identify', 'old-seen', 'old-order', 'old-page', 'quiet-35', 'new-seen', 'new-page', 'quiet-40']));
  });

  const policy = {
    events: { keepDays: 30, byEvent: { 'Order Completed': 365 }, byType: { page: 10 } },
    withoutAnalytics: { keepDays: 2 },
    decisions: { keepDays: 30 },
    audit: { keepDays: 30 },
  };

  it('replaces the policy through the service, audited', async () => {
    expect(await call('PUT', '/admin/v1/retention', a.secretKey, policy)).toEqual({ policy, updatedAt: new Date(now).toISOString() });
    expect(await call('GET', '/admin/v1/retention', a.secretKey)).toEqual({ policy, updatedAt: new Date(now).toISOString() });
    const audit = (await call('GET', '/admin/v1/audit?action=retention.updated', a.secretKey)) as { entries: { action: string }[] };
    expect(audit.entries).toHaveLength(1);
  });

  let beforePurge: string[] = [];
  it('a dry run reports what would go and removes nothing', async () => {
    beforePurge = await ids();
    const report = await purge({ dryRun: true });
    expect(report).toMatchObject({ dryRun: true, events: { removed: 4, byEvent: { 'Old Seen': 1, Quiet: 1 }, byType: { identify: 1, page: 1 }, withoutAnalytics: 1 } });
    expect(report.decisions.removed).toBeGreaterThan(0);
    expect(report.audit.removed).toBeGreaterThan(0);
    expect(await ids()).toEqual(beforePurge);
    expect((await call('POST', '/admin/v1/audit/verify', a.secretKey, {}) as { ok: boolean }).ok).toBe(true);
  });

  let report: Report;
  it('purges: older events leave the log and the export, newer ones and overrides stay', async () => {
    report = await purge();
    expect(report).toMatchObject({
      dryRun: false, derivedState: 'retained',
      events: { removed: 4, byEvent: { 'Old Seen': 1, Quiet: 1 }, byType: { identify: 1, page: 1 }, withoutAnalytics: 1 },
    });
    const left = await ids();
    for (const gone of ['old-identify', 'old-seen', 'old-page', 'quiet-35']) expect(left).not.toContain(gone);
    // The name's override (365 days), the newer events, and the person without analytics within their 2 days.
    expect(left).toEqual(expect.arrayContaining(['old-order', 'new-seen', 'new-page', 'quiet-40']));
    // The oldest event kept is the order of day 0.
    expect(report.events.oldestKept).toBe((await events()).find((e) => e.messageId === 'old-order')!.timestamp);
    const exported = (await call('POST', '/admin/v1/privacy/export', a.secretKey, { userId: 'ada' })) as { events: { messageId: string }[] };
    expect(exported.events.map((e) => e.messageId).sort()).toEqual(['new-page', 'new-seen', 'old-order']);
    // Workspace B has no policy: its old event stays.
    expect(await ids(b.secretKey)).toContain('old-seen-b');
  });

  it('purges decision records and audit entries by their own periods; the trail verifies from its anchor', async () => {
    expect(report.decisions.removed).toBe(1);
    const exported = (await call('POST', '/admin/v1/privacy/export', a.secretKey, { userId: 'ada' })) as { decisions: unknown[] };
    expect(exported.decisions).toHaveLength(1);
    expect(report.audit.removed).toBeGreaterThan(0);
    expect(report.audit.anchor).not.toBeNull();
    const verified = (await call('POST', '/admin/v1/audit/verify', a.secretKey, {})) as { ok: boolean };
    expect(verified.ok).toBe(true);
    const page = (await call('GET', '/admin/v1/audit?limit=1000', a.secretKey)) as { entries: { seq: number; action: string; at: number }[] };
    expect(page.entries[0]!.seq).toBe(report.audit.anchor!.seq + 1);
    expect(page.entries.every((e) => e.at >= now - 30 * day)).toBe(true);
    expect(page.entries.map((e) => e.action)).toContain('retention.purged');
    // Workspace B's trail is whole.
    expect(((await call('GET', '/admin/v1/audit?limit=1', b.secretKey)) as { entries: { seq: number }[] }).entries[0]!.seq).toBe(1);
  });

  it('a second purge removes nothing and records nothing', async () => {
    const before = ((await call('GET', '/admin/v1/audit?limit=1000', a.secretKey)) as { entries: unknown[] }).entries.length;
    const again = await purge();
    expect(again).toMatchObject({ events: { removed: 0 }, decisions: { removed: 0 }, audit: { removed: 0, anchor: report.audit.anchor } });
    expect(((await call('GET', '/admin/v1/audit?limit=1000', a.secretKey)) as { entries: unknown[] }).entries).toHaveLength(before);
  });

  it('keeps derived state (retained aggregates): the trait of the purged identify is still held', async () => {
    const profile = (await call('GET', '/admin/v1/profiles/ada', a.secretKey)) as { traits: Record<string, unknown> };
    expect(profile.traits).toMatchObject({ colour: 'teal' });
  });

  it('removes the newest events of the log (no analytics, 0 days), and a restart recovers without replaying them or reusing their numbers', async () => {
    await call('PUT', '/admin/v1/retention', a.secretKey, { ...policy, withoutAnalytics: { keepDays: 0 } });
    await send([{ type: 'track', userId: 'quiet', event: 'Quiet', messageId: 'quiet-tail', context: noAnalytics }]);
    const tailSeq = (await events()).find((e) => e.messageId === 'quiet-tail')!.seq;
    now += 1000;
    const tail = await purge();
    expect(tail.events.withoutAnalytics).toBe(2);
    expect(await ids()).not.toContain('quiet-tail');

    await running!.server.app.close();
    running = await open();
    await running.store.recovered;
    await send([{ type: 'track', userId: 'ada', event: 'After Restart', messageId: 'after-restart' }]);
    const after = (await events()).find((e) => e.messageId === 'after-restart')!;
    expect(after.seq).toBeGreaterThan(tailSeq);
    expect(await ids()).not.toContain('quiet-tail');
    const profile = (await call('GET', '/admin/v1/profiles/ada', a.secretKey)) as { traits: Record<string, unknown> };
    expect(profile.traits).toMatchObject({ colour: 'teal' });
  });

  it('`attune rebuild` derives the state from the events kept only', async () => {
    await running!.server.app.close();
    running = undefined;
    expect(await rebuildQuietly(dataDir)).toBe(0);
    running = await open();
    const profile = (await call('GET', '/admin/v1/profiles/ada', a.secretKey)) as { traits: Record<string, unknown> };
    // The identify that set the colour was purged: a rebuild no longer knows it.
    expect(profile.traits.colour).toBeUndefined();
    expect(await ids()).toEqual(expect.arrayContaining(['old-order', 'new-seen', 'after-restart']));
    expect((await call('POST', '/admin/v1/audit/verify', a.secretKey, {}) as { ok: boolean }).ok).toBe(true);
  });
});
