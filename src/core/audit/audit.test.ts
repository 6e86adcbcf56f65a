import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import cases from './audit.cases.json' with { type: 'json' };
import type { AuditDraft, AuditEntry } from './AuditEntry.js';
import { isAuditAction } from './AuditEntry.js';
import { canonicalJson, type JsonValue } from './canonicalJson.js';
import { chainEntry, entryHash, verifyChain } from './hashChain.js';
import { diffJson } from './jsonDiff.js';
import { recordedPurgeAnchor } from './purgeAnchor.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const T0 = Date.parse('2024-05-01T12:00:00Z');

function draft(n: number, fields: Partial<AuditDraft> = {}): AuditDraft {
  return {
    workspaceId: 'ws_1', at: T0 + n, actor: { kind: 'key', id: `key_${n}`, role: 'secret' }, origin: { via: 'api', ip: '127.0.0.1', userAgent: 'test' },
    action: 'segment.updated', target: { kind: 'segment', id: 'vip' },
    changes: [{ op: 'replace', path: '/rule', was: `a > ${n}`, value: `a > ${n + 1}` }], ...fields,
  };
}

function chainOf(count: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let n = 1; n <= count; n++) entries.push(chainEntry(entries[entries.length - 1], draft(n), sha256));
  return entries;
}

const headOf = (entries: readonly AuditEntry[]) => {
  const last = entries[entries.length - 1];
  return last === undefined ? null : { seq: last.seq, hash: last.hash };
};

describe('canonicalJson', () => {
  it.each(cases.canonicalJson as [string, unknown, string][])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('leaves out fields that are undefined', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it.each([['NaN', Number.NaN], ['Infinity', Number.POSITIVE_INFINITY], ['undefined in an array', [1, undefined]], ['a function', () => 1]])('refuses %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });
});

describe('diffJson', () => {
  // null in the cases stands for an absent document (a creation, a deletion) at the top level only.
  it.each(cases.diffJson as [string, JsonValue, JsonValue, unknown[]][])('%s', (_name, before, after, expected) => {
    expect(diffJson(before ?? undefined, after ?? undefined)).toEqual(expected);
  });

  it('fields that are undefined count as absent', () => {
    expect(diffJson({ a: 1, b: undefined }, { a: 1 })).toEqual([]);
  });
});

describe('the hash chain', () => {
  it('numbers the entries from 1 and links each to the previous hash', () => {
    const [first, second] = chainOf(2);
    expect(first).toMatchObject({ seq: 1, prevHash: null });
    expect(second).toMatchObject({ seq: 2, prevHash: first!.hash });
    expect(first!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes the canonical content, whatever the order of fields', () => {
    const [entry] = chainOf(1);
    const reordered = Object.fromEntries(Object.entries(entry!).reverse()) as unknown as AuditEntry;
    expect(entryHash(reordered, sha256)).toBe(entry!.hash);
  });

  it('verifies an intact chain, an empty one, and returns its head', () => {
    const entries = chainOf(4);
    expect(verifyChain('ws_1', entries, headOf(entries), sha256)).toEqual({ ok: true, entries: 4, head: headOf(entries) });
    expect(verifyChain('ws_1', [], null, sha256)).toEqual({ ok: true, entries: 0, head: null });
  });

  it.each(cases.tamper as [string, number, Record<string, unknown>, { position: number; fault: string }][])('detects: %s', (_name, seq, change, expected) => {
    const entries = chainOf(4);
    const head = headOf(entries);
    const { rehash, ...fields } = change;
    const index = seq - 1;
    const changed = { ...entries[index]!, ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v ?? undefined])) } as AuditEntry;
    entries[index] = rehash === true ? { ...changed, hash: entryHash(changed, sha256) } : changed;
    expect(verifyChain('ws_1', entries, head, sha256)).toMatchObject({ ok: false, ...expected, entries: expected.position - 1 });
  });

  it('detects an entry removed from the middle, and from the end', () => {
    const entries = chainOf(4);
    const head = headOf(entries);
    expect(verifyChain('ws_1', [entries[0]!, entries[2]!, entries[3]!], head, sha256)).toMatchObject({ ok: false, position: 2, fault: 'sequence' });
    expect(verifyChain('ws_1', entries.slice(0, 3), head, sha256)).toMatchObject({ ok: false, position: 4, fault: 'head' });
  });

  it('detects two entries swapped, with or without their numbers', () => {
    const entries = chainOf(4);
    const head = headOf(entries);
    expect(verifyChain('ws_1', [entries[0]!, entries[2]!, entries[1]!, entries[3]!], head, sha256)).toMatchObject({ ok: false, position: 2, fault: 'sequence' });
    const renumbered = [entries[0]!, { ...entries[2]!, seq: 2 }, { ...entries[1]!, seq: 3 }, entries[3]!];
    expect(verifyChain('ws_1', renumbered, head, sha256)).toMatchObject({ ok: false, position: 2, fault: 'link' });
  });

  it('detects a chain rewritten from some entry on, head included, against an anchor kept elsewhere', () => {
    const entries = chainOf(4);
    const anchor = { seq: 3, hash: entries[2]!.hash };
    const rewritten = entries.slice(0, 1);
    for (let n = 2; n <= 4; n++) rewritten.push(chainEntry(rewritten[rewritten.length - 1], draft(n, { action: 'segment.created' }), sha256));
    expect(verifyChain('ws_1', rewritten, headOf(rewritten), sha256)).toMatchObject({ ok: true });
    expect(verifyChain('ws_1', rewritten, headOf(rewritten), sha256, [anchor])).toMatchObject({ ok: false, position: 3, fault: 'anchor' });
    expect(verifyChain('ws_1', entries.slice(0, 2), headOf(entries.slice(0, 2)), sha256, [anchor])).toMatchObject({ ok: false, position: 3, fault: 'anchor' });
  });

  it('a head without entries is a removal', () => {
    expect(verifyChain('ws_1', [], { seq: 2, hash: 'ab' }, sha256)).toMatchObject({ ok: false, position: 1, fault: 'head' });
  });
});

describe('isAuditAction', () => {
  it.each([['segment.updated', true], ['key.rotated', true], ['profile.viewed', true], ['recommenderModel.activated', true], ['segment', false], ['Segment.updated', false], ['segment.', false], ['segment updated', false]])('%s: %s', (action, expected) => {
    expect(isAuditAction(action)).toBe(expected);
  });
});

describe('verifyChain from a retention anchor', () => {
  const entries = chainOf(5);
  const from = { seq: entries[1]!.seq, hash: entries[1]!.hash };
  const kept = entries.slice(2);

  it('verifies the entries after the anchor', () => {
    expect(verifyChain('ws_1', kept, headOf(entries), sha256, [], from)).toEqual({ ok: true, entries: 3, head: headOf(entries) });
  });

  it('finds an anchor that does not match the first entry kept, or an entry missing after it', () => {
    expect(verifyChain('ws_1', kept, headOf(entries), sha256, [], { seq: 2, hash: 'x' })).toMatchObject({ ok: false, position: 3, fault: 'link' });
    expect(verifyChain('ws_1', kept.slice(1), headOf(entries), sha256, [], from)).toMatchObject({ ok: false, position: 3, fault: 'sequence' });
  });

  it('holds the start to an anchor kept at it, and cannot check one purged before it', () => {
    expect(verifyChain('ws_1', kept, headOf(entries), sha256, [{ seq: 2, hash: 'other' }], from)).toMatchObject({ ok: false, position: 2, fault: 'anchor' });
    expect(verifyChain('ws_1', kept, headOf(entries), sha256, [from], from)).toMatchObject({ ok: true });
    expect(verifyChain('ws_1', kept, headOf(entries), sha256, [{ seq: 1, hash: 'purged' }], from)).toMatchObject({ ok: true });
  });
});

describe('recordedPurgeAnchor', () => {
  const purged = (value: JsonValue) => chainEntry(undefined, draft(1, { action: 'retention.purged', changes: [{ op: 'add', path: '', value }] }), sha256);
  it.each([
    ['the anchor recorded', { auditAnchor: { seq: 3, hash: 'h' } }, { seq: 3, hash: 'h' }],
    ['none yet', { auditAnchor: null }, null],
    ['no anchor field', { events: 1 }, undefined],
    ['a malformed anchor', { auditAnchor: { seq: '3', hash: 'h' } }, undefined],
  ] as [string, JsonValue, unknown][])('%s', (_name, value, expected) => {
    expect(recordedPurgeAnchor(purged(value))).toEqual(expected);
  });
  it('reads only retention.purged entries', () => {
    expect(recordedPurgeAnchor(chainEntry(undefined, draft(1, { changes: [{ op: 'add', path: '', value: { auditAnchor: null } }] }), sha256))).toBeUndefined();
  });
});
