import { describe, expect, it } from 'vitest';
import cases from './channel.cases.json' with { type: 'json' };
import { deviceType, entryChannel, type DeviceType, type EntryChannel } from './channel.js';

/** `[name, utm_medium, referrer host, own host, expected]` */
type ChannelCase = readonly [string, string | null, string | null, string | null, EntryChannel];
/** `[name, declared context.device.type, user agent, expected]` */
type DeviceCase = readonly [string, string | null, string | null, DeviceType];

describe('entryChannel (channel.cases.json)', () => {
  it.each(cases.entryChannel as unknown as readonly ChannelCase[])('%s', (_name, medium, referrer, own, expected) => {
    expect(entryChannel(medium, referrer, own)).toBe(expected);
  });
});

describe('deviceType (channel.cases.json)', () => {
  it.each(cases.deviceType as unknown as readonly DeviceCase[])('%s', (_name, declared, userAgent, expected) => {
    expect(deviceType(declared, userAgent)).toBe(expected);
  });
});
