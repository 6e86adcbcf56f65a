import { describe, expect, it } from 'vitest';
import type { DecideResponse, DecisionView } from '../../api/decideSchemas.js';
import { fakeBrowser, FakeDocument, FakeElement, MemoryStorage, response, type FakeBrowser, type RecordedRequest } from '../testing/fakeBrowser.js';
import { AttuneBrowser, type AttuneOptions } from './AttuneBrowser.js';
import { storageKeys } from './storageKeys.js';

const writeKey = 'atw_test';
const host = 'https://attune.example';

function start(browser: FakeBrowser, options: Partial<AttuneOptions> = {}): AttuneBrowser {
  return new AttuneBrowser({ writeKey, host: `${host}/`, onError: () => {}, ...options }, browser.env);
}

function decision(id: string, actionId: string | null, content: unknown): DecisionView {
  return {
    decisionId: id,
    actionId,
    variant: 'default',
    content,
    score: 1,
    probability: 1,
    reasons: { rule: null, segments: [], terms: [], strategy: 'priority', capped: [] },
  };
}

function heroAnswer(actionId: string | null = 'hero-sale'): DecideResponse {
  return {
    profileId: 'p-1',
    placements: [{ placement: 'home-hero', channel: 'web', fallback: actionId === null ? 'no_eligible_action' : null, decisions: [decision('d-1', actionId, { title: 'Spring sale' })] }],
  };
}

function batches(browser: FakeBrowser): Record<string, unknown>[][] {
  return browser.requests.filter((r) => r.url === `${host}/v1/batch`).map((r) => r.body['batch'] as Record<string, unknown>[]);
}

function sentEvents(browser: FakeBrowser): Record<string, unknown>[] {
  return batches(browser).flat();
}

function decides(browser: FakeBrowser): RecordedRequest[] {
  return browser.requests.filter((r) => r.url === `${host}/v1/decide`);
}

/** A page with a hero placement (default content inside) and a link in it. */
function shopPage(): { document: FakeDocument; hero: FakeElement } {
  const document = new FakeDocument();
  const hero = new FakeElement('section', { 'data-attune-placement': 'home-hero' });
  hero.innerHTML = '<h2>Welcome to the shop</h2>';
  document.elements.push(hero);
  return { document, hero };
}

describe('AttuneBrowser identity', () => {
  it('keeps one anonymous id in localStorage across page loads', () => {
    const browser = fakeBrowser();
    const first = start(browser).anonymousId;
    expect(browser.storage.getItem(storageKeys.anonymousId)).toBe(first);
    expect(start(browser).anonymousId).toBe(first);
  });

  it('falls back to a first-party cookie when localStorage is refused', () => {
    const browser = fakeBrowser({ storage: null });
    const id = start(browser).anonymousId;
    expect(browser.document.cookie).toContain(`${storageKeys.anonymousId}=${id}`);
    expect(browser.document.cookie).toContain('SameSite=Lax');
    expect(browser.document.cookie).toContain('Secure');
    // The fake document keeps the last cookie written, as document.cookie reads back.
    expect(start(browser).anonymousId).toBe(id);
  });

  it('sends the user id after identify, and forgets it on reset', async () => {
    const browser = fakeBrowser();
    const attune = start(browser);
    const anonymousId = attune.anonymousId;
    attune.identify('u-1', { name: 'Ada' });
    attune.track('Clicked');
    expect(start(browser).userId).toBe('u-1');
    attune.reset();
    attune.track('After logout');
    await attune.flush();
    const [identify, clicked, after] = sentEvents(browser);
    expect(identify).toMatchObject({ type: 'identify', userId: 'u-1', anonymousId, traits: { name: 'Ada' } });
    expect(clicked).toMatchObject({ type: 'track', event: 'Clicked', userId: 'u-1', anonymousId });
    expect(after!['userId']).toBeUndefined();
    expect(after!['anonymousId']).not.toBe(anonymousId);
  });
});

describe('AttuneBrowser identity verification', () => {
  /** Every event sent, in decide requests and batches alike. */
  const allEvents = (browser: FakeBrowser) => [...decides(browser).flatMap((r) => (r.body['events'] ?? []) as Record<string, unknown>[]), ...sentEvents(browser)];
  const userIdOf = (request: RecordedRequest) => [request.body['userId'], request.body['userHash']];

  it('sends the userHash given to identify with every decide, keeps it across pages, and forgets it on reset', async () => {
    const browser = fakeBrowser();
    browser.respond = () => response(200, heroAnswer());
    const attune = start(browser);
    await attune.decide(['home-hero']);
    attune.identify('u-1', { name: 'Ada' }, { userHash: 'hash-of-u-1' });
    await attune.decide(['home-hero']);
    // The next page: the id and its hash come from storage.
    await start(browser).decide(['home-hero']);
    attune.reset();
    await attune.decide(['home-hero']);
    expect(decides(browser).map(userIdOf)).toEqual([[undefined, undefined], ['u-1', 'hash-of-u-1'], ['u-1', 'hash-of-u-1'], [undefined, undefined]]);
    expect(browser.storage.getItem(storageKeys.userHash)).toBeNull();
    // Every event sent as u-1 carries the hash too (the server checks each event on its own:
    // without it, the event could not link this device to the user); no other event does.
    attune.track('After Reset');
    await attune.flush();
    const events = allEvents(browser);
    expect(events.filter((e) => e['userId'] === 'u-1').map((e) => [e['type'], e['userHash']])).toEqual([['identify', 'hash-of-u-1']]);
    expect(events.filter((e) => e['userId'] !== 'u-1').length).toBeGreaterThan(0);
    for (const event of events.filter((e) => e['userId'] !== 'u-1')) expect(event['userHash']).toBeUndefined();
  });

  it('keeps the hash when the same user identifies again without one, and drops it for another user', async () => {
    const browser = fakeBrowser();
    browser.respond = () => response(200, heroAnswer());
    const attune = start(browser);
    attune.identify('u-1', {}, { userHash: 'hash-of-u-1' });
    attune.identify('u-1', { plan: 'pro' });
    await attune.decide(['home-hero']);
    attune.identify('u-2');
    await attune.decide(['home-hero']);
    expect(decides(browser).map(userIdOf)).toEqual([['u-1', 'hash-of-u-1'], ['u-2', undefined]]);
    attune.track('Signed', { n: 1 });
    await attune.flush();
    expect(allEvents(browser).map((e) => [e['type'], e['userId'], e['userHash']])).toEqual([
      ['identify', 'u-1', 'hash-of-u-1'], ['identify', 'u-1', 'hash-of-u-1'], ['identify', 'u-2', undefined], ['track', 'u-2', undefined],
    ]);
  });

  it('takes the user id and its hash from load, without an identify call', async () => {
    const browser = fakeBrowser();
    browser.respond = () => response(200, heroAnswer());
    const attune = start(browser, { userId: 'u-9', userHash: 'hash-of-u-9' });
    expect(attune.userId).toBe('u-9');
    await attune.decide(['home-hero']);
    expect(decides(browser).map(userIdOf)).toEqual([['u-9', 'hash-of-u-9']]);
    expect(decides(browser)[0]!.body['events']).toBeUndefined();
    // A hash alone at load signs the user id kept from an earlier page.
    const later = start(browser, { userHash: 'fresh-hash' });
    await later.decide(['home-hero']);
    expect(userIdOf(decides(browser)[1]!)).toEqual(['u-9', 'fresh-hash']);
  });
});

describe('AttuneBrowser events', () => {
  it('sends Segment calls in one batch to /v1/batch as text/plain with the write key in the body', async () => {
    const browser = fakeBrowser();
    const attune = start(browser);
    attune.page('Home', { section: 'shop' });
    attune.track('Product Viewed', { product_id: 'p-1' });
    await browser.scheduler.advance(1000);
    expect(browser.requests).toHaveLength(1);
    const [request] = browser.requests;
    expect(request!.url).toBe(`${host}/v1/batch`);
    expect(request!.init.headers).toEqual({ 'content-type': 'text/plain' });
    expect(request!.init.keepalive).toBe(true);
    expect(request!.body).toMatchObject({ writeKey, sentAt: '2025-03-01T00:00:01.000Z' });
    const [page, track] = request!.body['batch'] as Record<string, unknown>[];
    expect(page).toMatchObject({
      type: 'page',
      name: 'Home',
      messageId: expect.any(String),
      timestamp: '2025-03-01T00:00:00.000Z',
      properties: { url: 'https://shop.example/spring?ref=mail', path: '/spring', search: '?ref=mail', title: 'Shop', referrer: 'https://search.example/', section: 'shop' },
    });
    expect(track).toMatchObject({ type: 'track', event: 'Product Viewed', properties: { product_id: 'p-1' } });
    expect(track!['messageId']).not.toBe(page!['messageId']);
    expect(track!['context']).toEqual({
      library: { name: 'attune-browser', version: expect.any(String) },
      locale: 'de-CH',
      timezone: 'Europe/Zurich',
      page: { url: 'https://shop.example/spring?ref=mail', path: '/spring', search: '?ref=mail', referrer: 'https://search.example/', title: 'Shop' },
      userAgent: 'FakeBrowser/1.0',
    });
  });

  it('describes a virtual page view by the properties given, in properties and context alike', async () => {
    const browser = fakeBrowser();
    const attune = start(browser);
    attune.page('Trail runner', { path: '/shoes/trail-runner', url: 'https://shop.example/shoes/trail-runner', price: 89 });
    await attune.flush();
    const [page] = sentEvents(browser);
    const expected = { url: 'https://shop.example/shoes/trail-runner', path: '/shoes/trail-runner', search: '?ref=mail', referrer: 'https://search.example/', title: 'Shop' };
    expect(page!['properties']).toEqual({ ...expected, price: 89 });
    expect((page!['context'] as { page: unknown }).page).toEqual(expected);
  });

  it('retries a batch the server answers 503 with the same messageIds, after Retry-After', async () => {
    const browser = fakeBrowser();
    const attune = start(browser);
    let calls = 0;
    browser.respond = () => (++calls === 1 ? response(503, {}, { 'retry-after': '2' }) : response(200));
    attune.track('A');
    await browser.scheduler.advance(1000);
    expect(calls).toBe(1);
    await browser.scheduler.advance(1999);
    expect(calls).toBe(1);
    await browser.scheduler.advance(1);
    expect(calls).toBe(2);
    const [first, second] = batches(browser);
    expect(second!.map((e) => e['messageId'])).toEqual(first!.map((e) => e['messageId']));
    expect(browser.storage.getItem(`${storageKeys.queuePrefix}${writeKey}`)).toBeNull();
  });

  it('retries after a network error, and drops a batch the server rejects as invalid', async () => {
    const browser = fakeBrowser();
    const errors: unknown[] = [];
    const attune = start(browser, { onError: (e) => errors.push(e) });
    let calls = 0;
    browser.respond = () => {
      calls += 1;
      if (calls === 1) throw new TypeError('Failed to fetch');
      return response(400, { code: 'ATTUNE_INVALID_EVENTS' });
    };
    attune.track('A');
    await browser.scheduler.advance(1000);
    await browser.scheduler.advance(1000);
    expect(calls).toBe(2);
    await browser.scheduler.advance(60_000);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('keeps unsent events in localStorage, and the next page sends them', async () => {
    const browser = fakeBrowser();
    start(browser).track('Before reload');
    expect(browser.storage.getItem(`${storageKeys.queuePrefix}${writeKey}`)).toContain('Before reload');
    const next = start(browser);
    await next.flush();
    expect(sentEvents(browser).map((e) => e['event'])).toEqual(['Before reload']);
  });

  it('hands queued events to sendBeacon when the page goes away', () => {
    const browser = fakeBrowser();
    const attune = start(browser);
    attune.track('Leaving');
    browser.hidePage();
    expect(browser.beacons).toHaveLength(1);
    expect(browser.beacons[0]!.url).toBe(`${host}/v1/batch`);
    expect(browser.beacons[0]!.body).toMatchObject({ writeKey, batch: [{ event: 'Leaving' }] });
    expect(browser.storage.getItem(`${storageKeys.queuePrefix}${writeKey}`)).toBeNull();
  });
});

describe('AttuneBrowser decide', () => {
  it('asks for all placements in one request that carries the queued events, and resolves with the answer', async () => {
    const browser = fakeBrowser();
    const attune = start(browser);
    attune.identify('u-1');
    attune.page('Home');
    browser.respond = () => response(200, heroAnswer());
    const answer = await attune.decide(['home-hero', { id: 'home-recs', count: 3 }], { context: { campaign: { name: 'spring' } } });
    expect(answer).toEqual(heroAnswer());
    expect(browser.requests).toHaveLength(1);
    const body = decides(browser)[0]!.body;
    expect(body).toMatchObject({
      writeKey,
      userId: 'u-1',
      anonymousId: attune.anonymousId,
      placements: ['home-hero', { id: 'home-recs', count: 3 }],
      context: { locale: 'de-CH', timezone: 'Europe/Zurich', campaign: { name: 'spring' }, page: { path: '/spring' } },
    });
    expect((body['events'] as Record<string, unknown>[]).map((e) => [e['type'], typeof e['sentAt']])).toEqual([['identify', 'string'], ['page', 'string']]);
    // The events went with the decision: none is sent again.
    await browser.scheduler.advance(5000);
    expect(browser.requests).toHaveLength(1);
  });

  it('resolves with a timeout fallback when the answer is late, and ignores the late answer', async () => {
    const browser = fakeBrowser();
    const attune = start(browser);
    attune.page('Home');
    let answer: (r: ReturnType<typeof response>) => void = () => {};
    browser.respond = () => new Promise((resolve) => { answer = resolve; });
    const decided = attune.decide(['home-hero', 'home-recs'], { timeout: 800 });
    await browser.scheduler.advance(800);
    expect(await decided).toEqual({
      profileId: null,
      placements: [
        { placement: 'home-hero', channel: null, fallback: 'timeout', decisions: [] },
        { placement: 'home-recs', channel: null, fallback: 'timeout', decisions: [] },
      ],
    });
    // The late answer settles the events it carried, and changes nothing else.
    answer(response(200, heroAnswer()));
    await browser.scheduler.advance(5000);
    expect(browser.requests).toHaveLength(1);
  });

  it('falls back with error at once on a failed request, reports it, and sends its events by batch instead', async () => {
    const browser = fakeBrowser();
    const errors: unknown[] = [];
    const attune = start(browser, { onError: (e) => errors.push(e) });
    attune.track('Viewed');
    browser.respond = (r) => (r.url.endsWith('/v1/decide') ? response(500) : response(200));
    const answer = await attune.decide(['home-hero']);
    expect(answer.placements[0]).toMatchObject({ fallback: 'error', decisions: [] });
    expect(errors).toEqual([new Error('POST /v1/decide answered 500')]);
    await browser.scheduler.advance(1000);
    expect(sentEvents(browser).map((e) => e['event'])).toEqual(['Viewed']);
  });
});

describe('AttuneBrowser consent and Global Privacy Control', () => {
  it('sends no track, page or identify without analytics consent, but records the choice and still decides', async () => {
    const browser = fakeBrowser();
    const attune = start(browser);
    expect(attune.consent({ analytics: false })).toEqual({ analytics: false });
    attune.track('A');
    attune.page();
    attune.identify('u-1', { plan: 'pro' });
    await browser.scheduler.advance(0);
    const events = sentEvents(browser);
    expect(events.map((e) => e['event'])).toEqual(['Segment Consent Preference Updated']);
    // Without analytics consent the record says nothing of the page or device.
    expect(events[0]!['context']).toEqual({ library: expect.any(Object), consent: { categoryPreferences: { analytics: false } } });
    browser.respond = () => response(200, heroAnswer());
    expect(await attune.decide(['home-hero'])).toEqual(heroAnswer());
    expect(decides(browser)[0]!.body).toMatchObject({ userId: 'u-1', context: { consent: { categoryPreferences: { analytics: false } } } });
  });

  it('decides locally (no_consent) without personalization consent, calling no server', async () => {
    const browser = fakeBrowser();
    const attune = start(browser);
    attune.consent({ personalization: false });
    await browser.scheduler.advance(0);
    const before = browser.requests.length;
    const answer = await attune.decide(['home-hero']);
    expect(answer.placements).toEqual([{ placement: 'home-hero', channel: null, fallback: 'no_consent', decisions: [] }]);
    expect(browser.requests).toHaveLength(before);
  });

  it('keeps the choices across pages and sends them on every event', async () => {
    const browser = fakeBrowser();
    start(browser).consent({ analytics: true, marketing: false });
    const attune = start(browser);
    expect(attune.consentChoices()).toEqual({ analytics: true, marketing: false });
    attune.track('A');
    await attune.flush();
    expect(sentEvents(browser).at(-1)!['context']).toMatchObject({ consent: { categoryPreferences: { analytics: true, marketing: false } } });
  });

  it('applies the site\'s defaults to undecided categories (opt-in)', async () => {
    const browser = fakeBrowser();
    const attune = start(browser, { defaultConsent: { analytics: false, personalization: false } });
    attune.track('A');
    expect((await attune.decide(['home-hero'])).placements[0]!.fallback).toBe('no_consent');
    attune.consent({ analytics: true, personalization: true });
    attune.track('B');
    await attune.flush();
    expect(sentEvents(browser).map((e) => e['event'])).toEqual(['Segment Consent Preference Updated', 'B']);
  });

  it('sends navigator.globalPrivacyControl as context.globalPrivacyControl', async () => {
    const browser = fakeBrowser({ navigator: { language: 'en', globalPrivacyControl: true } });
    const attune = start(browser);
    attune.track('A');
    await attune.flush();
    expect(sentEvents(browser)[0]!['context']).toMatchObject({ globalPrivacyControl: true });
    browser.respond = () => response(200, heroAnswer());
    await attune.decide(['home-hero']);
    expect(decides(browser)[0]!.body).toMatchObject({ context: { globalPrivacyControl: true } });
  });
});

describe('AttuneBrowser render', () => {
  it('renders a decision that came in time through the template, then sends Decision Viewed at once', async () => {
    const { document, hero } = shopPage();
    const browser = fakeBrowser({ document });
    const attune = start(browser);
    attune.template<{ title: string }>('home-hero', (content, d) => `<h2>${content.title}</h2><a href="#sale">${d.actionId}</a>`);
    browser.respond = (r) => (r.url.endsWith('/v1/decide') ? response(200, heroAnswer()) : response(200));
    const result = await attune.render(['home-hero'], { timeout: 800 });
    expect(hero.innerHTML).toBe('<div data-attune-decision="d-1"><h2>Spring sale</h2><a href="#sale">hero-sale</a></div>');
    expect(result.shown).toEqual([{ ...heroAnswer().placements[0]!.decisions[0], placement: 'home-hero', channel: 'web' }]);
    await browser.scheduler.advance(0);
    expect(sentEvents(browser)).toEqual([expect.objectContaining({
      type: 'track',
      event: 'Decision Viewed',
      properties: { decisionId: 'd-1', actionId: 'hero-sale', placement: 'home-hero', channel: 'web' },
    })]);
  });

  it('sends Decision Clicked for clicks on links, buttons and marked elements in a rendered placement', async () => {
    const { document, hero } = shopPage();
    const browser = fakeBrowser({ document });
    const attune = start(browser);
    attune.template('home-hero', () => '<a href="#sale">Shop</a>');
    browser.respond = (r) => (r.url.endsWith('/v1/decide') ? response(200, heroAnswer()) : response(200));
    await attune.render(['home-hero']);
    const wrapper = new FakeElement('div', { 'data-attune-decision': 'd-1' }, hero);
    const link = new FakeElement('a', { href: '#sale' }, wrapper);
    const text = new FakeElement('span', {}, link);
    new FakeElement('p', {}, wrapper).click();
    text.click();
    await browser.scheduler.advance(0);
    const names = sentEvents(browser).map((e) => e['event']);
    expect(names).toEqual(['Decision Viewed', 'Decision Clicked']);
    expect(sentEvents(browser)[1]!['properties']).toEqual({ decisionId: 'd-1', actionId: 'hero-sale', placement: 'home-hero', channel: 'web' });
  });

  it('keeps the default content when the answer is late, and never swaps it afterwards', async () => {
    const { document, hero } = shopPage();
    const browser = fakeBrowser({ document });
    const attune = start(browser);
    attune.template('home-hero', () => '<h2>Personalized</h2>');
    let answer: (r: ReturnType<typeof response>) => void = () => {};
    browser.respond = (r) => (r.url.endsWith('/v1/decide') ? new Promise((resolve) => { answer = resolve; }) : response(200));
    const rendered = attune.render(['home-hero'], { timeout: 800 });
    await browser.scheduler.advance(800);
    expect((await rendered).shown).toEqual([]);
    answer(response(200, heroAnswer()));
    await browser.scheduler.advance(5000);
    expect(hero.innerHTML).toBe('<h2>Welcome to the shop</h2>');
    expect(sentEvents(browser)).toEqual([]);
  });

  it('keeps the default content for a fallback, an unknown placement, or a placement without a template', async () => {
    const { document, hero } = shopPage();
    const recs = new FakeElement('div', { 'data-attune-placement': 'home-recs' });
    recs.innerHTML = 'Popular now';
    const banner = new FakeElement('div', { 'data-attune-placement': 'banner' });
    banner.innerHTML = 'Default banner';
    document.elements.push(recs, banner);
    const browser = fakeBrowser({ document });
    const attune = start(browser);
    attune.template('home-hero', () => '<h2>Personalized</h2>');
    attune.template('home-recs', () => '<p>Recommended</p>');
    browser.respond = () => response(200, {
      profileId: 'p-1',
      placements: [
        { placement: 'home-hero', channel: 'web', fallback: 'all_capped', decisions: [decision('d-0', null, { title: 'Welcome' })] },
        { placement: 'home-recs', channel: null, fallback: null, decisions: [], error: { code: 'ATTUNE_PLACEMENT_NOT_FOUND', message: 'no placement', field: '/placements/1' } },
        { placement: 'banner', channel: 'web', fallback: null, decisions: [decision('d-2', 'promo', { text: 'x' })] },
      ],
    } satisfies DecideResponse);
    const result = await attune.render();
    expect(decides(browser)[0]!.body['placements']).toEqual(['home-hero', 'home-recs', 'banner']);
    expect(result.shown).toEqual([]);
    expect([hero.innerHTML, recs.innerHTML, banner.innerHTML]).toEqual(['<h2>Welcome to the shop</h2>', 'Popular now', 'Default banner']);
  });

  it('on a later render, restores the page\'s default for a server fallback, and keeps what is shown on a timeout', async () => {
    const { document, hero } = shopPage();
    const browser = fakeBrowser({ document });
    const attune = start(browser);
    attune.template<{ title: string }>('home-hero', (c) => `<h2>${c.title}</h2>`);
    const answers: DecideResponse[] = [heroAnswer(), heroAnswer()];
    let late = false;
    browser.respond = (r) => {
      if (!r.url.endsWith('/v1/decide')) return response(200);
      if (late) return new Promise(() => {});
      return response(200, answers.shift() ?? heroAnswer(null));
    };
    await attune.render(['home-hero']);
    expect(hero.innerHTML).toContain('Spring sale');
    // Logged in, say: the timeout keeps the sale on screen, with its click still reported.
    late = true;
    const rendered = attune.render(['home-hero'], { timeout: 800 });
    await browser.scheduler.advance(800);
    await rendered;
    expect(hero.innerHTML).toContain('Spring sale');
    late = false;
    await attune.render(['home-hero']);
    await attune.render(['home-hero']);
    expect(hero.innerHTML).toBe('<h2>Welcome to the shop</h2>');
    await attune.flush();
    const before = sentEvents(browser).length;
    new FakeElement('a', {}, hero).click();
    await attune.flush();
    expect(sentEvents(browser)).toHaveLength(before);
  });

  it('wraps each of several decisions so that a click names the right one', async () => {
    const document = new FakeDocument();
    const recs = new FakeElement('div', { 'data-attune-placement': 'home-recs' });
    document.elements.push(recs);
    const browser = fakeBrowser({ document });
    const attune = start(browser);
    attune.template<{ name: string }>('home-recs', (c) => `<button>${c.name}</button>`);
    browser.respond = (r) => (r.url.endsWith('/v1/decide')
      ? response(200, { profileId: null, placements: [{ placement: 'home-recs', channel: 'web', fallback: null, decisions: [decision('d-a', 'a', { name: 'A' }), decision('d-b', 'b', { name: 'B' })] }] })
      : response(200));
    await attune.render(['home-recs']);
    expect(recs.innerHTML).toBe('<div data-attune-decision="d-a"><button>A</button></div><div data-attune-decision="d-b"><button>B</button></div>');
    new FakeElement('button', {}, new FakeElement('div', { 'data-attune-decision': 'd-b' }, recs)).click();
    await browser.scheduler.advance(0);
    expect(sentEvents(browser).map((e) => [e['event'], (e['properties'] as { decisionId: string }).decisionId])).toEqual([
      ['Decision Viewed', 'd-a'], ['Decision Viewed', 'd-b'], ['Decision Clicked', 'd-b'],
    ]);
  });

  it('keeps the default content when a template throws, and reports it', async () => {
    const { document, hero } = shopPage();
    const browser = fakeBrowser({ document });
    const errors: unknown[] = [];
    const attune = start(browser, { onError: (e) => errors.push(e) });
    attune.template('home-hero', () => {
      throw new Error('bad template');
    });
    browser.respond = () => response(200, heroAnswer());
    expect((await attune.render(['home-hero'])).shown).toEqual([]);
    expect(hero.innerHTML).toBe('<h2>Welcome to the shop</h2>');
    expect(errors).toEqual([new Error('bad template')]);
  });

  it('waits for the document to be parsed before rendering, while the request is already out', async () => {
    const { document, hero } = shopPage();
    document.readyState = 'loading';
    const browser = fakeBrowser({ document });
    const attune = start(browser);
    attune.template('home-hero', () => 'Personalized');
    browser.respond = () => response(200, heroAnswer());
    const rendered = attune.render(['home-hero']);
    await browser.scheduler.advance(0);
    expect(decides(browser)).toHaveLength(1);
    expect(hero.innerHTML).toBe('<h2>Welcome to the shop</h2>');
    document.readyState = 'interactive';
    document.dispatch('DOMContentLoaded');
    await rendered;
    expect(hero.innerHTML).toContain('Personalized');
  });
});

describe('AttuneBrowser dismiss and convert', () => {
  it('sends Decision Dismissed and Decision Converted (with its value) at once; nothing for default content', async () => {
    const browser = fakeBrowser({ storage: new MemoryStorage() });
    const attune = start(browser);
    const shown = { decisionId: 'd-1', actionId: 'hero-sale', placement: 'home-hero', channel: 'web' };
    attune.dismiss(shown);
    attune.convert(shown, 42.5);
    attune.convert({ ...shown, actionId: null });
    await browser.scheduler.advance(0);
    expect(sentEvents(browser).map((e) => [e['event'], e['properties']])).toEqual([
      ['Decision Dismissed', { decisionId: 'd-1', actionId: 'hero-sale', placement: 'home-hero', channel: 'web' }],
      ['Decision Converted', { decisionId: 'd-1', actionId: 'hero-sale', placement: 'home-hero', channel: 'web', value: 42.5 }],
    ]);
  });
});
