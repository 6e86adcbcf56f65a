import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig } from './config.js';

describe('loadConfig: the profile cache settings', () => {
  it('keeps the defaults when nothing is set', () => {
    const config = loadConfig({}, {});
    expect(config.hotProfiles).toBe(defaultConfig.hotProfiles);
    expect(config.profileCacheMegabytes).toBe(defaultConfig.profileCacheMegabytes);
  });

  it('keeps every cached profile decoded unless ATTUNE_HOT_PROFILES is set (packing off)', () => {
    expect(defaultConfig.hotProfiles).toBeNull();
    expect(loadConfig({}, { ATTUNE_HOT_PROFILES: '' }).hotProfiles).toBeNull();
  });

  it('reads ATTUNE_HOT_PROFILES, 0 included (every idle profile packed)', () => {
    expect(loadConfig({}, { ATTUNE_HOT_PROFILES: '250000' }).hotProfiles).toBe(250_000);
    expect(loadConfig({}, { ATTUNE_HOT_PROFILES: '0' }).hotProfiles).toBe(0);
  });

  it.each(['-1', '1.5', 'many', '100000001'])('refuses ATTUNE_HOT_PROFILES=%s naming the variable', (value) => {
    expect(() => loadConfig({}, { ATTUNE_HOT_PROFILES: value })).toThrow(ConfigError);
    expect(() => loadConfig({}, { ATTUNE_HOT_PROFILES: value })).toThrow(/ATTUNE_HOT_PROFILES/);
  });
});
