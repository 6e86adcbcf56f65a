import { describe, expect, it } from 'vitest';
import { browserSuite, chromiumPath, ciIsSet, firefoxBrowser, firefoxPath } from './browserSuite.js';

describe('browserSuite', () => {
  const present = () => true;
  const missing = () => false;

  it('runs the suite when Chromium is there, in CI or not', () => {
    expect(browserSuite('shop', {}, present)).toEqual({ title: 'shop', skip: false });
    expect(browserSuite('shop', { CI: 'true' }, present)).toEqual({ title: 'shop', skip: false });
  });

  it('skips, saying why, without Chromium outside CI', () => {
    const suite = browserSuite('shop', {}, missing);
    expect(suite.skip).toBe(true);
    expect(suite.title).toBe(`shop (skipped: ${chromiumPath} not found; install Debian's chromium package)`);
    expect(browserSuite('shop', { CI: 'false' }, missing).skip).toBe(true);
  });

  it('fails with a message without Chromium in CI', () => {
    expect(() => browserSuite('shop', { CI: 'true' }, missing)).toThrow(`shop: ${chromiumPath} not found, and CI is set: the browser tests must run in CI`);
    expect(() => browserSuite('shop', { CI: '1' }, missing)).toThrow(/CI is set/);
  });

  it('checks the browser a suite names: Firefox from the firefox-esr package', () => {
    const onlyChromium = (path: string) => path === chromiumPath;
    expect(browserSuite('studio', {}, onlyChromium).skip).toBe(false);
    expect(browserSuite('studio', {}, onlyChromium, firefoxBrowser).title).toBe(`studio (skipped: ${firefoxPath} not found; install Debian's firefox-esr package)`);
    expect(() => browserSuite('studio', { CI: 'true' }, onlyChromium, firefoxBrowser)).toThrow(`install Debian's firefox-esr package`);
  });

  it.each([
    [undefined, false], ['', false], ['0', false], ['false', false], ['FALSE', false], ['true', true], ['1', true], ['github', true],
  ])('CI=%s is set: %s', (value, set) => {
    expect(ciIsSet(value === undefined ? {} : { CI: value })).toBe(set);
  });
});
