import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../../common/random.js';
import { checkEventSize, MAX_EVENT_BYTES, MAX_EVENT_DEPTH } from './checkEventSize.js';
import type { RawEventInput } from './types.js';

/** The step as it was before it bounded the size without serialising: every event must be judged the same. */
function reference(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'ATTUNE_EVENT_INVALID';
  const stack: [unknown, number][] = [[raw, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > MAX_EVENT_DEPTH) return 'ATTUNE_EVENT_INVALID';
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return new TextEncoder().encode(JSON.stringify(raw)).length > MAX_EVENT_BYTES ? 'ATTUNE_EVENT_TOO_LARGE' : 'ok';
}

function judge(raw: unknown): string {
  const input: RawEventInput = { raw, routeType: null, batchSentAt: null, batchContext: null, batchIntegrations: null, receivedAt: 0 };
  const result = checkEventSize.run(input);
  return result.ok ? 'ok' : result.fault.code;
}

function randomString(random: Random, length: number): string {
  const alphabet = ['a', 'é', '"', '\\', '\n', '\u0001', '😀', '\ud800', '漢'];
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(random.next() * alphabet.length)]!;
  return s;
}

function randomValue(random: Random, depth: number, budget: number): unknown {
  const r = random.next();
  if (depth > 3 || r < 0.3) return randomString(random, Math.floor(random.next() * budget));
  if (r < 0.4) return [1e21, -1.2345678901234567e-308, -0.0000012345678901234567, Number.NaN, -0, 123][Math.floor(random.next() * 6)];
  if (r < 0.45) return [true, false, null, undefined][Math.floor(random.next() * 4)];
  if (r < 0.42) return new Date(Math.floor(random.next() * 1e12));
  if (r < 0.75) return Array.from({ length: Math.floor(random.next() * 6) }, () => randomValue(random, depth + 1, budget));
  return Object.fromEntries(Array.from({ length: Math.floor(random.next() * 6) }, (_, i) => [`${randomString(random, 3)}${i}`, randomValue(random, depth + 1, budget)]));
}

describe('checkEventSize', () => {
  it('judges random events as serialising them would, near the limit and far below it', () => {
    const random = seededRandom(20261207);
    const seen = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      // Budgets from a few characters to beyond the limit: most events are small, some near or past 32 KB.
      const budget = [20, 400, 3000, 9000][i % 4]!;
      const raw = { type: 'track', properties: randomValue(random, 0, budget), context: randomValue(random, 0, budget) };
      const expected = reference(raw);
      expect(judge(raw), JSON.stringify(raw).slice(0, 200)).toBe(expected);
      seen.set(expected, (seen.get(expected) ?? 0) + 1);
    }
    expect(seen.get('ok')).toBeGreaterThan(100);
    expect(seen.get('ATTUNE_EVENT_TOO_LARGE')).toBeGreaterThan(100);
  });

  it('judges values it cannot bound by serialising them: toJSON, class instances, a bigint', () => {
    const big = 'x'.repeat(MAX_EVENT_BYTES);
    expect(judge({ type: 'track', properties: { at: { toJSON: () => big } } })).toBe('ATTUNE_EVENT_TOO_LARGE');
    expect(judge({ type: 'track', properties: { at: { toJSON: () => 'small' } } })).toBe('ok');
    expect(judge({ type: 'track', properties: { items: new Map([['a', big]]) } })).toBe('ok');
    expect(() => judge({ type: 'track', properties: { n: 1n } })).toThrow(TypeError);
  });

  it('accepts an event of exactly the limit and refuses one byte more', () => {
    const padded = (bytes: number) => {
      const raw = { type: 'track', properties: { padding: '' } };
      raw.properties.padding = 'x'.repeat(bytes - JSON.stringify(raw).length);
      return raw;
    };
    expect(judge(padded(MAX_EVENT_BYTES))).toBe('ok');
    expect(judge(padded(MAX_EVENT_BYTES + 1))).toBe('ATTUNE_EVENT_TOO_LARGE');
  });

  it('refuses an event nested deeper than the limit, before serialising it', () => {
    let deep: Record<string, unknown> = {};
    const raw = { type: 'track', properties: deep };
    for (let i = 0; i < MAX_EVENT_DEPTH; i++) deep = (deep['next'] = {}) as Record<string, unknown>;
    expect(judge(raw)).toBe('ATTUNE_EVENT_INVALID');
    const cyclic: Record<string, unknown> = { type: 'track' };
    cyclic['self'] = cyclic;
    expect(judge(cyclic)).toBe('ATTUNE_EVENT_INVALID');
  });
});
