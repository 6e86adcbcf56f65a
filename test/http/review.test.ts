import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Static } from 'typebox';
import type { DecideResponse } from '../../src/api/decideSchemas.js';
import type { ConfigVersionView, DraftView, VersionDiff } from '../../src/api/reviewSchemas.js';
import type { Role } from '../../src/core/access/accessMatrix.js';
import { fixedClock } from '../../src/core/common/ports.js';
import { parseDefinitionsFile } from '../../src/knowledge/definitionsFile.js';
import { startHarness, type Harness } from '../support/harness.js';
import { testPassword } from './accessHelpers.js';
import { admin, collect, expectProblem, type JsonPayload } from './httpHelpers.js';

/**
 * Draft, review, publish over HTTP (docs/review.md): the direct routes refused under a review
 * policy, a draft approved by others (never its author) and by the sign-offs its content needs,
 * approvals reset by an edit, stale and racing publishes refused, scheduled publishing driven by
 * the clock, the version history with its diffs, a revert serving exactly the earlier content,
 * and the weekly change limits with an owner's recorded override.
 */

type Draft = Static<typeof DraftView>;
type Version = Static<typeof ConfigVersionView>;

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const DAY = 86_400_000;

describe('draft, review, publish', () => {
  const clock = fixedClock(t0);
  let h: Harness;
  let people: Record<'owner' | 'admin' | 'editor' | 'brand' | 'legal', string>;

  /** A user of workspace A with a role and reviewer kinds, and their personal token. */
  async function person(role: Role, reviewerKinds: string[] = []): Promise<string> {
    const invited = await h.engine.access.invite(h.a.id, { kind: 'operator' }, { email: `${role}-${reviewerKinds.join('-')}-${Math.random().toString(36).slice(2)}@example.com`, role, reviewerKinds });
    const user = await h.engine.access.acceptInvitation(invited.token, testPassword);
    return (await h.engine.access.createToken(h.a.id, user.id, 'tests', null)).plain;
  }

  beforeEach(async () => {
    clock.set(t0);
    h = await startHarness({ clock });
    people = { owner: await person('owner'), admin: await person('admin'), editor: await person('editor'), brand: await person('reviewer', ['brand']), legal: await person('reviewer', ['legal']) };
  });
  afterEach(async () => { await h.close(); });

  async function call<T>(token: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: JsonPayload, status?: number): Promise<T> {
    const res = await admin(h, method, url, token, payload);
    if (status === undefined) expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    else expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
    return res.json<T>();
  }
  const problem = async (token: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload: JsonPayload | undefined, status: number, code: string) =>
    expectProblem(await admin(h, method, url, token, payload), status, code);

  const placement = { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } };
  const sale = (title: string, extra: Record<string, unknown> = {}) => ({ id: 'sale', placements: ['hero'], variants: { default: { title, body: { lines: [title, 'fine print'] } }, de: { title: `${title} (de)` } }, ...extra });
  const newDraft = (token: string, body: JsonPayload, status = 201) => call<Draft>(token, 'POST', '/admin/v1/drafts', body, status);
  const approve = (token: string, draft: Draft, revision = draft.revision) => call<Draft>(token, 'POST', `/admin/v1/drafts/${draft.id}/approvals`, { revision });
  const publish = (token: string, draft: Draft, body: Record<string, unknown> = {}) => call<Draft>(token, 'POST', `/admin/v1/drafts/${draft.id}/publish`, { expectedRevision: draft.revision, ...body });
  const setPolicy = (policy: Record<string, unknown>) => call(h.a.secretKey, 'PUT', '/admin/v1/review/policy', policy);
  const putPlacement = () => call(h.a.secretKey, 'PUT', '/admin/v1/placements/hero', placement);

  /** What POST /v1/decide renders in `hero` for a visitor (in `locale`, when given). */
  async function served(locale?: string): Promise<unknown> {
    const res = await collect(h, '/v1/decide', { anonymousId: 'visitor-1', placements: ['hero'], ...(locale === undefined ? {} : { context: { locale } }) }, h.a.writeKey);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<DecideResponse>().placements[0]!.decisions[0]!.content;
  }

  it('refuses direct changes under a review policy, and publishes a draft once others and the required sign-offs approved its current revision', async () => {
    await putPlacement();
    await setPolicy({ approvers: 1, required: [{ reviewerKind: 'legal', kinds: ['action'], locales: ['de'] }] });

    const direct = await problem(h.a.secretKey, 'PUT', '/admin/v1/actions/sale', sale('v1'), 409, 'ATTUNE_REVIEW_REQUIRED');
    expect(direct).toMatchObject({ draftApi: '/admin/v1/drafts', kind: 'action', id: 'sale' });
    await problem(people.editor, 'DELETE', '/admin/v1/placements/hero', undefined, 409, 'ATTUNE_REVIEW_REQUIRED');

    const draft = await newDraft(people.admin, { kind: 'action', definition: sale('v1') });
    expect(draft).toMatchObject({ kind: 'action', targetId: 'sale', revision: 1, state: 'open', baseVersion: 0, author: { kind: 'user', role: 'admin' } });
    expect(draft.definition).toMatchObject({ priority: 0, value: 0 });
    expect(draft.approval.satisfied).toBe(false);
    expect(draft.approval.missing).toHaveLength(2);
    await problem(people.admin, 'POST', `/admin/v1/drafts/${draft.id}/publish`, { expectedRevision: 1 }, 409, 'ATTUNE_APPROVALS_MISSING');
    // Not served before it is published.
    expect(await served()).toEqual({ title: 'Welcome' });

    // Its author cannot approve it, though an admin may approve others' drafts; an editor cannot approve at all.
    await problem(people.admin, 'POST', `/admin/v1/drafts/${draft.id}/approvals`, { revision: 1 }, 403, 'ATTUNE_SELF_APPROVAL');
    const denied = await problem(people.editor, 'POST', `/admin/v1/drafts/${draft.id}/approvals`, { revision: 1 }, 403, 'ATTUNE_FORBIDDEN');
    expect(denied.detail).toContain('review.approve');

    const byBrand = await approve(people.brand, draft);
    expect(byBrand.approval).toEqual({ satisfied: false, missing: ['an approval by a legal reviewer (content in de)'] });
    expect((await approve(people.legal, draft)).approval).toEqual({ satisfied: true, missing: [] });

    // An edit is a new revision: the approvals are gone.
    const edited = await call<Draft>(people.admin, 'PUT', `/admin/v1/drafts/${draft.id}`, { expectedRevision: 1, definition: sale('v1b') });
    expect(edited).toMatchObject({ revision: 2, approvals: [] });
    expect(edited.approval.satisfied).toBe(false);
    await problem(people.admin, 'PUT', `/admin/v1/drafts/${draft.id}`, { expectedRevision: 1, definition: sale('v1c') }, 409, 'ATTUNE_VERSION_CONFLICT');
    await problem(people.legal, 'POST', `/admin/v1/drafts/${draft.id}/approvals`, { revision: 1 }, 409, 'ATTUNE_VERSION_CONFLICT');
    expect((await approve(people.legal, edited)).approval.satisfied).toBe(true);

    // A publish of the revision the publisher did not see is stale.
    await problem(people.editor, 'POST', `/admin/v1/drafts/${draft.id}/publish`, { expectedRevision: 1 }, 409, 'ATTUNE_VERSION_CONFLICT');
    const published = await publish(people.editor, edited);
    expect(published).toMatchObject({ state: 'published', publishedVersion: 1 });
    expect(await served()).toEqual(sale('v1b').variants.default);
    expect(await served('de-CH')).toEqual(sale('v1b').variants.de);
    await problem(people.editor, 'POST', `/admin/v1/drafts/${draft.id}/publish`, { expectedRevision: 2 }, 409, 'ATTUNE_DRAFT_CLOSED');

    const versions = (await call<{ versions: Version[] }>(people.editor, 'GET', '/admin/v1/versions/action/sale')).versions;
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ version: 1, draftId: draft.id, placements: ['hero'], actor: { kind: 'user', role: 'editor' } });

    // A draft without German content needs no legal sign-off.
    const plain = await newDraft(people.admin, { kind: 'placement', definition: { id: 'hero', ...placement, defaultContent: { title: 'Hello' } } });
    expect((await approve(people.brand, plain)).approval.satisfied).toBe(true);
  });

  it('asks the author for changes with a comment: back to open, the reviewer\'s approval withdrawn, the comment on the draft until the next edit', async () => {
    await putPlacement();
    await setPolicy({ approvers: 1 });
    const draft = await newDraft(people.editor, { kind: 'action', definition: sale('Sale') });
    await approve(people.brand, draft);
    const scheduled = await publish(people.editor, draft, { at: new Date(t0 + DAY).toISOString() });
    expect(scheduled.state).toBe('scheduled');
    await problem(people.editor, 'POST', `/admin/v1/drafts/${draft.id}/request-changes`, { revision: 1, comment: 'mine' }, 403, 'ATTUNE_FORBIDDEN');
    await problem(people.legal, 'POST', `/admin/v1/drafts/${draft.id}/request-changes`, { revision: 2, comment: 'which one?' }, 409, 'ATTUNE_VERSION_CONFLICT');
    await problem(people.legal, 'POST', `/admin/v1/drafts/${draft.id}/request-changes`, { revision: 1, comment: '' }, 400, 'ATTUNE_INVALID_REQUEST');
    const asked = await call<Draft>(people.brand, 'POST', `/admin/v1/drafts/${draft.id}/request-changes`, { revision: 1, comment: 'Say when the sale ends.' });
    expect(asked).toMatchObject({ state: 'open', publishAt: null, approvals: [], approval: { satisfied: false }, changesRequested: { comment: 'Say when the sale ends.', revision: 1, at: t0 } });
    const { entries } = await call<{ entries: { action: string; actor: { id: string }; changes: { path: string; value?: unknown }[] }[] }>(h.a.secretKey, 'GET', '/admin/v1/audit?action=draft.changesRequested');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.actor.id).toBe(asked.changesRequested!.by);
    expect(entries[0]!.changes).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/comment', value: 'Say when the sale ends.' })]));
    const edited = await call<Draft>(people.editor, 'PUT', `/admin/v1/drafts/${draft.id}`, { expectedRevision: 1, definition: sale('Sale until Sunday') });
    expect(edited).toMatchObject({ revision: 2, changesRequested: null });
  });

  it('publishes features, segments, experiments, metrics, the measurement and the consent settings through their services, and refuses their direct changes under review', async () => {
    await putPlacement();
    await setPolicy({ approvers: 1 });
    const publishApproved = async (body: JsonPayload) => {
      const draft = await newDraft(people.editor, body);
      await approve(people.brand, draft);
      return publish(people.editor, draft);
    };
    await problem(h.a.secretKey, 'PUT', '/admin/v1/features/orders_30d', { aggregate: 'count', events: ['Order Completed'], window: '30d' }, 409, 'ATTUNE_REVIEW_REQUIRED');
    await publishApproved({ kind: 'feature', definition: { name: 'orders_30d', aggregate: 'count', events: ['Order Completed'], window: '30d' } });
    await problem(h.a.secretKey, 'POST', '/admin/v1/segments', { id: 'buyers', name: 'Buyers', rule: 'features.orders_30d >= 1' }, 409, 'ATTUNE_REVIEW_REQUIRED');
    await publishApproved({ kind: 'segment', definition: { id: 'buyers', name: 'Buyers', rule: 'features.orders_30d >= 1' } });
    await publishApproved({ kind: 'segment', definition: { id: 'buyers', name: 'Buyers', rule: 'features.orders_30d >= 2' } });
    expect(await call(h.a.secretKey, 'GET', '/admin/v1/segments/buyers')).toMatchObject({ rule: 'features.orders_30d >= 2' });
    await publishApproved({ kind: 'metric', definition: { id: 'orders', kind: 'conversion', event: 'Order Completed', window: '7d' } });
    await publishApproved({ kind: 'experiment', definition: { id: 'hero-test', placement: 'hero', primaryMetric: 'orders', arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'personal', weight: 0.5, serve: { kind: 'personalized' } }] } });
    expect(await call(h.a.secretKey, 'GET', '/admin/v1/experiments/hero-test')).toMatchObject({ definition: { id: 'hero-test', placement: 'hero' } });
    // A definitions file (attune segments load) is a direct change too; one that changes nothing passes.
    const file = (rule: string) => parseDefinitionsFile(JSON.stringify({ segments: [{ id: 'buyers', name: 'Buyers', rule }] }), 'segments.json', 'segments');
    await expect(h.engine.knowledgeAdmin.loadDefinitions(h.a.id, file('features.orders_30d >= 3'), false)).rejects.toMatchObject({ code: 'ATTUNE_REVIEW_REQUIRED' });
    await h.engine.knowledgeAdmin.loadDefinitions(h.a.id, file('features.orders_30d >= 2'), false);
    await problem(h.a.secretKey, 'PUT', '/admin/v1/measurement', { holdoutShare: 0.1 }, 409, 'ATTUNE_REVIEW_REQUIRED');
    await publishApproved({ kind: 'measurement', definition: { holdoutShare: 0.1 } });
    expect(await call(h.a.secretKey, 'GET', '/admin/v1/measurement')).toMatchObject({ settings: { holdoutShare: 0.1 } });
    // The consent settings decide what is assumed of everyone who decided nothing: reviewed too.
    await problem(h.a.secretKey, 'PUT', '/admin/v1/consent', { defaults: { personalization: false } }, 409, 'ATTUNE_REVIEW_REQUIRED');
    await problem(people.editor, 'POST', '/admin/v1/drafts', { kind: 'consent', definition: { defaults: { personalization: 'no' } } }, 400, 'ATTUNE_INVALID_REQUEST');
    await publishApproved({ kind: 'consent', definition: { defaults: { personalization: false } } });
    expect(await call(h.a.secretKey, 'GET', '/admin/v1/consent')).toMatchObject({ resolved: { defaults: { personalization: false } } });
    expect((await call<{ versions: Version[] }>(people.editor, 'GET', `/admin/v1/versions/consent/${h.a.id}`)).versions).toHaveLength(1);
    await publishApproved({ kind: 'segment', id: 'buyers' });
    await problem(h.a.secretKey, 'GET', '/admin/v1/segments/buyers', undefined, 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    const segmentVersions = (await call<{ versions: Version[] }>(people.editor, 'GET', '/admin/v1/versions/segment/buyers')).versions;
    expect(segmentVersions.map((v) => [v.version, v.definition === null])).toEqual([[1, false], [2, false], [3, true]]);
    expect((await call<{ versions: Version[] }>(people.editor, 'GET', `/admin/v1/versions/measurement/${h.a.id}`)).versions).toHaveLength(1);
  });

  it('refuses a publish racing a newer published version', async () => {
    await setPolicy({ approvers: 1 });
    const first = await newDraft(people.editor, { kind: 'placement', definition: { id: 'hero', ...placement } });
    const second = await newDraft(people.admin, { kind: 'placement', definition: { id: 'hero', ...placement, defaultContent: { title: 'Other' } } });
    await approve(people.brand, first);
    await approve(people.brand, second);
    await publish(people.editor, first);
    const raced = await problem(people.admin, 'POST', `/admin/v1/drafts/${second.id}/publish`, { expectedRevision: 1 }, 409, 'ATTUNE_VERSION_CONFLICT');
    expect(raced).toMatchObject({ baseVersion: 0, latestVersion: 1 });
    expect(await served()).toEqual({ title: 'Welcome' });
  });

  it('reverts to an earlier version, which serves exactly its content again, and shows the diffs between versions', async () => {
    await putPlacement();
    await call(h.a.secretKey, 'PUT', '/admin/v1/actions/sale', sale('v1'));
    expect(await served()).toEqual(sale('v1').variants.default);
    await call(h.a.secretKey, 'PUT', '/admin/v1/actions/sale', sale('v2', { priority: 5 }));
    expect(await served()).toEqual(sale('v2').variants.default);

    const versions = (await call<{ versions: Version[] }>(people.editor, 'GET', '/admin/v1/versions/action/sale')).versions;
    expect(versions.map((v) => [v.version, v.draftId, v.actor.kind])).toEqual([[1, null, 'key'], [2, null, 'key']]);
    const diff = await call<Static<typeof VersionDiff>>(people.editor, 'GET', '/admin/v1/versions/action/sale/diff');
    expect(diff).toEqual({
      from: 1, to: 2, changes: [
        { op: 'replace', path: '/priority', was: 0, value: 5 },
        { op: 'replace', path: '/variants/de/title', was: 'v1 (de)', value: 'v2 (de)' },
        { op: 'replace', path: '/variants/default/body/lines/0', was: 'v1', value: 'v2' },
        { op: 'replace', path: '/variants/default/title', was: 'v1', value: 'v2' },
      ],
    });
    expect((await call<Static<typeof VersionDiff>>(people.editor, 'GET', '/admin/v1/versions/action/sale/diff?from=0&to=1')).changes).toEqual([{ op: 'add', path: '', value: versions[0]!.definition }]);
    await problem(people.editor, 'GET', '/admin/v1/versions/action/sale/7', undefined, 404, 'ATTUNE_VERSION_NOT_FOUND');

    // No review required: the revert publishes at once, as version 3 with version 1's definition.
    const reverted = await call<Draft>(people.editor, 'POST', '/admin/v1/versions/action/sale/revert', { version: 1 });
    expect(reverted).toMatchObject({ state: 'published', revertOf: 1, publishedVersion: 3 });
    const v3 = await call<Version>(people.editor, 'GET', '/admin/v1/versions/action/sale/3');
    expect(v3.definition).toEqual(versions[0]!.definition);
    expect(await served()).toEqual(sale('v1').variants.default);
    expect(await served('de')).toEqual(sale('v1').variants.de);
    expect((await call<Static<typeof VersionDiff>>(people.editor, 'GET', '/admin/v1/versions/action/sale/diff?from=1&to=3')).changes).toEqual([]);

    // Under review, a revert is a draft that waits for the same approvals.
    await setPolicy({ approvers: 1 });
    const pending = await call<Draft>(people.editor, 'POST', '/admin/v1/versions/action/sale/revert', { version: 2 });
    expect(pending).toMatchObject({ state: 'open', revertOf: 2, baseVersion: 3 });
    expect(await served()).toEqual(sale('v1').variants.default);
    await approve(people.brand, pending);
    await publish(people.editor, pending);
    expect(await served()).toEqual(sale('v2').variants.default);
  });

  it('publishes a scheduled draft when the clock reaches its time, and deletes through drafts', async () => {
    await putPlacement();
    const draft = await newDraft(people.editor, { kind: 'action', definition: sale('later') });
    const scheduled = await publish(people.editor, draft, { at: new Date(t0 + 3_600_000).toISOString() });
    expect(scheduled).toMatchObject({ state: 'scheduled', publishAt: t0 + 3_600_000 });
    expect(await h.engine.review.publishDue()).toEqual({ published: [], failed: [] });
    expect(await served()).toEqual({ title: 'Welcome' });
    clock.advance(3_600_000);
    expect(await h.engine.review.publishDue()).toEqual({ published: [draft.id], failed: [] });
    expect(await served()).toEqual(sale('later').variants.default);
    const audit = (await call<{ entries: { action: string; actor: { kind: string } }[] }>(h.a.secretKey, 'GET', '/admin/v1/audit?action=draft.published')).entries;
    expect(audit.map((e) => e.actor.kind)).toEqual(['system']);

    const deletion = await newDraft(people.editor, { kind: 'action', id: 'sale' });
    expect(deletion.definition).toBeNull();
    await publish(people.editor, deletion);
    expect(await served()).toEqual({ title: 'Welcome' });
    const versions = (await call<{ versions: Version[] }>(people.editor, 'GET', '/admin/v1/versions/action/sale')).versions;
    expect(versions.map((v) => v.definition === null)).toEqual([false, true]);
  });

  it('refuses a scheduled draft whose approvals no longer hold, and reopens it', async () => {
    await setPolicy({ approvers: 1 });
    const draft = await newDraft(people.editor, { kind: 'placement', definition: { id: 'hero', ...placement } });
    await approve(people.brand, draft);
    await publish(people.editor, draft, { at: new Date(t0 + 60_000).toISOString() });
    await setPolicy({ approvers: 2 });
    clock.advance(60_000);
    const round = await h.engine.review.publishDue();
    expect(round.published).toEqual([]);
    expect(round.failed[0]?.reason).toContain('1 more approval');
    expect(await call<Draft>(people.editor, 'GET', `/admin/v1/drafts/${draft.id}`)).toMatchObject({ state: 'open', publishAt: null });
  });

  it('refuses bad drafts with the field at fault', async () => {
    const bad = await problem(people.editor, 'POST', '/admin/v1/drafts', { kind: 'action', definition: { id: 'sale', placements: [] , variants: { default: {} } } }, 400, 'ATTUNE_INVALID_REQUEST');
    expect(bad.field).toBe('/definition/placements');
    const rule = await problem(people.editor, 'POST', '/admin/v1/drafts', { kind: 'segment', definition: { id: 'vip', name: 'VIP', rule: 'features.nope >' } }, 400, 'ATTUNE_RULE_INVALID');
    expect(rule.field).toBeDefined();
    await problem(people.editor, 'POST', '/admin/v1/drafts', { kind: 'placement', id: 'other', definition: { id: 'hero', ...placement } }, 400, 'ATTUNE_INVALID_REQUEST');
    await problem(people.editor, 'POST', '/admin/v1/drafts', { kind: 'measurement' }, 400, 'ATTUNE_INVALID_REQUEST');
    await problem(people.editor, 'GET', '/admin/v1/drafts/drf_missing', undefined, 404, 'ATTUNE_DRAFT_NOT_FOUND');
  });

  describe('weekly change limits', () => {
    it('refuses a change past a placement\'s limit with the reason, until an owner overrides it (recorded) or the week has passed', async () => {
      await setPolicy({ changeLimits: { placement: 2 } });
      await putPlacement();
      await call(h.a.secretKey, 'PUT', '/admin/v1/actions/sale', sale('v1'));
      const refused = await problem(h.a.secretKey, 'PUT', '/admin/v1/actions/other', { ...sale('x'), id: 'other' }, 409, 'ATTUNE_CHANGE_RATE_EXCEEDED');
      expect(refused).toMatchObject({ limit: 'placement', subject: 'hero', max: 2, count: 2 });
      expect(refused.detail).toContain('placement "hero"');

      // A change elsewhere is not counted against hero.
      await call(h.a.secretKey, 'PUT', '/admin/v1/placements/cart', placement);

      const draft = await newDraft(people.editor, { kind: 'action', definition: { ...sale('x'), id: 'other' } });
      await problem(people.editor, 'POST', `/admin/v1/drafts/${draft.id}/publish`, { expectedRevision: 1 }, 409, 'ATTUNE_CHANGE_RATE_EXCEEDED');
      const notOwner = await problem(people.admin, 'POST', `/admin/v1/drafts/${draft.id}/publish`, { expectedRevision: 1, override: { reason: 'launch' } }, 403, 'ATTUNE_FORBIDDEN');
      expect(notOwner.field).toBe('/override');
      expect(await publish(people.owner, draft, { override: { reason: 'spring launch, agreed with the team' } })).toMatchObject({ state: 'published', override: { reason: 'spring launch, agreed with the team' } });
      const entries = (await call<{ entries: { action: string; changes?: { path: string; value?: unknown }[] }[] }>(h.a.secretKey, 'GET', '/admin/v1/audit?action=draft.published')).entries;
      expect(entries[0]!.changes).toContainEqual(expect.objectContaining({ path: '/override', value: expect.objectContaining({ reason: 'spring launch, agreed with the team' }) }));

      // A rolling week: once the first changes are older than 7 days, hero takes changes again.
      clock.advance(7 * DAY + 1);
      await call(h.a.secretKey, 'PUT', '/admin/v1/actions/sale', sale('v2'));
    });

    it('counts an action whose rule reads a segment against the segment, and every change against the workspace', async () => {
      await putPlacement();
      await setPolicy({ changeLimits: { segment: 1 } });
      await call(h.a.secretKey, 'POST', '/admin/v1/segments', { id: 'vip', name: 'VIP', rule: 'profile.traits.plan == "pro"' });
      const refused = await problem(h.a.secretKey, 'PUT', '/admin/v1/actions/sale', sale('v1', { rule: 'in_segment("vip")' }), 409, 'ATTUNE_CHANGE_RATE_EXCEEDED');
      expect(refused).toMatchObject({ limit: 'segment', subject: 'vip', max: 1, count: 1 });
      await call(h.a.secretKey, 'PUT', '/admin/v1/actions/sale', sale('v1'));

      await setPolicy({ changeLimits: { workspace: 3 } });
      expect(await problem(h.a.secretKey, 'PUT', '/admin/v1/placements/cart', placement, 409, 'ATTUNE_CHANGE_RATE_EXCEEDED')).toMatchObject({ limit: 'workspace', max: 3, count: 3 });
      // Workspace B has its own count.
      await call(h.b.secretKey, 'PUT', '/admin/v1/placements/cart', placement);
    });
  });
});
