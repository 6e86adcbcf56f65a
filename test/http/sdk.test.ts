import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserEnvironment } from '../../src/sdk/browser/BrowserEnvironment.js';
import { AttuneBrowser } from '../../src/sdk/browser/AttuneBrowser.js';
import { AttuneClient } from '../../src/sdk/node/AttuneClient.js';
import { httpTransport } from '../../src/sdk/node/httpTransport.js';
import { userHash } from '../../src/sdk/node/index.js';
import { fakeBrowser, FakeDocument, FakeElement, response, type FakeBrowser } from '../../src/sdk/testing/fakeBrowser.js';
import type { Harness } from '../support/harness.js';
import { startHarness } from '../support/harness.js';
import { admin, findProfile } from './httpHelpers.js';

/**
 * Both SDKs against the real server (app.inject, no network): what they send is what the
 * collect and decide routes accept, and the server's answers are what they expect. The
 * browser SDK runs on a fake DOM here; test/browser/shop.test.ts runs it in Chromium.
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  const put = async (url: string, payload: Record<string, unknown>) => {
    const res = await admin(h, 'PUT', url, h.a.secretKey, payload);
    expect(res.statusCode, res.body).toBeLessThan(300);
  };
  await put('/admin/v1/placements/home-hero', { channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome to the shop' } });
  await put('/admin/v1/actions/hero-sale', { placements: ['home-hero'], priority: 10, variants: { default: { title: 'Spring sale for {{ profile.traits.name | "you" }}' } }, caps: { perProfile: [{ max: 1, window: 'day' }] } });
  await put('/admin/v1/actions/hero-new', { placements: ['home-hero'], priority: 1, variants: { default: { title: 'New arrivals' } } });
});
afterAll(async () => {
  await h?.close();
});

/** A fake browser whose requests go to the server, with real UUIDs (visitors of different tests must differ). */
function browserOnServer(document: FakeDocument, storage?: FakeBrowser['storage']): FakeBrowser & { readonly env: BrowserEnvironment } {
  const fake = fakeBrowser({ document, ...(storage === undefined ? {} : { storage }) });
  fake.respond = async (request) => {
    const res = await h.app.inject({ method: 'POST', url: new URL(request.url).pathname, headers: { ...request.init.headers }, payload: request.init.body });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers[name] = value;
    return response(res.statusCode, res.body.length > 0 ? res.json() : {}, headers);
  };
  return { ...fake, env: { ...fake.env, uuid: () => randomUUID() } };
}

function shopDocument(): { document: FakeDocument; hero: FakeElement } {
  const document = new FakeDocument();
  const hero = new FakeElement('section', { 'data-attune-placement': 'home-hero' });
  hero.innerHTML = '<h1>Welcome to the shop</h1>';
  document.elements.push(hero);
  return { document, hero };
}

describe('the browser SDK against the server', () => {
  it('renders the decision, its view and click are stored, and the cap hands the hero on at the next visit', async () => {
    const { document, hero } = shopDocument();
    const browser = browserOnServer(document);
    const attune = new AttuneBrowser({ writeKey: h.a.writeKey, host: 'http://attune.test', onError: (e) => { throw e; } }, browser.env);
    attune.template<{ title: string }>('home-hero', (c) => `<h1>${c.title}</h1><a href="#sale">Shop</a>`);
    attune.page('Home');
    const first = await attune.render(['home-hero', 'home-recs']);
    expect(first.response.placements.map((p) => [p.placement, p.error?.code ?? p.fallback])).toEqual([['home-hero', null], ['home-recs', 'ATTUNE_PLACEMENT_NOT_FOUND']]);
    expect(hero.innerHTML).toContain('<h1>Spring sale for you</h1>');
    new FakeElement('a', { href: '#sale' }, new FakeElement('div', { 'data-attune-decision': first.shown[0]!.decisionId }, hero)).click();
    await attune.flush();

    const profile = await findProfile(h, h.a.secretKey, attune.anonymousId);
    const names = profile?.recentEvents.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['Home', 'Decision Viewed', 'Decision Clicked']));
    // The page event went with the decision; the view and the click went by batch.
    expect(browser.requests.map((r) => new URL(r.url).pathname)).toEqual(['/v1/decide', '/v1/batch']);

    // The next page of the same visitor: same storage, new document.
    const next = shopDocument();
    const again = new AttuneBrowser({ writeKey: h.a.writeKey, host: 'http://attune.test' }, browserOnServer(next.document, browser.storage).env);
    expect(again.anonymousId).toBe(attune.anonymousId);
    again.template<{ title: string }>('home-hero', (c) => `<h1>${c.title}</h1>`);
    const second = await again.render(['home-hero']);
    expect(second.shown.map((d) => d.actionId)).toEqual(['hero-new']);
    expect(next.hero.innerHTML).toContain('New arrivals');
  });

  it('identify in the decide request personalizes the same answer', async () => {
    const browser = browserOnServer(new FakeDocument());
    const attune = new AttuneBrowser({ writeKey: h.a.writeKey, host: 'http://attune.test' }, browser.env);
    attune.identify('ada-sdk', { name: 'Ada' });
    const answer = await attune.decide(['home-hero']);
    expect(answer.placements[0]!.decisions[0]).toMatchObject({ actionId: 'hero-sale', content: { title: 'Spring sale for Ada' } });
  });
});

const injectFetch: typeof fetch = async (input, init) => {
  const res = await h.app.inject({ method: 'POST', url: new URL(String(input)).pathname, headers: init?.headers as Record<string, string>, payload: init?.body as string });
  return new Response(res.body, { status: res.statusCode, headers: { 'content-type': String(res.headers['content-type'] ?? '') } });
};

describe('both SDKs with identity verification on', () => {
  it('pass the userHash a backend made with userHash(): the user\'s profile is read only with it', async () => {
    await admin(h, 'PUT', '/admin/v1/identity-verification', h.a.secretKey, { enabled: true });
    try {
      const client = new AttuneClient({ transport: httpTransport({ host: 'http://attune.test', writeKey: h.a.writeKey, fetch: injectFetch }), onError: (e) => { throw e; } });
      client.identify({ userId: 'hedy', traits: { name: 'Hedy' } });
      await client.flush();
      const signed = await client.decide({ userId: 'hedy', userHash: userHash('hedy', h.a.identitySecret), placements: ['home-hero'] });
      expect(signed).toMatchObject({ identity: 'verified', placements: [{ decisions: [{ content: { title: 'Spring sale for Hedy' } }] }] });
      const unsigned = await client.decide({ userId: 'hedy', anonymousId: 'someone', placements: ['home-hero'] });
      expect(unsigned).toMatchObject({ identity: 'unverified', placements: [{ decisions: [{ content: { title: 'Spring sale for you' } }] }] });
      await client.close();

      const browser = browserOnServer(new FakeDocument());
      const attune = new AttuneBrowser({ writeKey: h.a.writeKey, host: 'http://attune.test', onError: (e) => { throw e; } }, browser.env);
      attune.identify('hedy', {}, { userHash: userHash('hedy', h.a.identitySecret) });
      const answer = await attune.decide(['home-hero']);
      expect(answer).toMatchObject({ identity: 'verified', placements: [{ decisions: [{ content: { title: 'Spring sale for Hedy' } }] }] });
    } finally {
      await admin(h, 'PUT', '/admin/v1/identity-verification', h.a.secretKey, { enabled: false });
    }
  });
});

describe('the Node SDK against the server', () => {
  it('sends batches and decides with events, over httpTransport', async () => {
    const client = new AttuneClient({ transport: httpTransport({ host: 'http://attune.test', writeKey: h.a.writeKey, fetch: injectFetch }), onError: (e) => { throw e; } });
    client.identify({ userId: 'grace', traits: { name: 'Grace' } });
    await client.flush();
    expect((await findProfile(h, h.a.secretKey, 'grace'))?.traits).toMatchObject({ name: 'Grace' });

    const answer = await client.decide({ anonymousId: 'anon-node', placements: ['home-hero'], events: [{ type: 'identify', traits: { name: 'Lin' } }] });
    expect(answer.events).toMatchObject({ accepted: 1 });
    expect(answer.placements[0]!.decisions[0]).toMatchObject({ actionId: 'hero-sale', content: { title: 'Spring sale for Lin' } });

    await expect(client.decide({ userId: 'grace', placements: ['nope'] })).rejects.toMatchObject({ status: 404, code: 'ATTUNE_PLACEMENT_NOT_FOUND' });
    await client.close();
  });
});
