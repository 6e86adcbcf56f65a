import { describe, expect, it } from 'vitest';
import { AttuneError } from '../../core/errors/AttuneError.js';
import { emptyKnowledge, type KnowledgeState } from '../../core/knowledge/KnowledgeState.js';
import { knowledgeCodec, sqlVisibleKeys } from './knowledgeCodec.js';

const T0 = Date.parse('2026-12-07T17:51:04.438Z');

/** A document shaped like the memory benchmark's profiles: features, session, memberships, activity, items, purchases. */
function typical(): KnowledgeState {
  return {
    f: {
      order_count: { v: 6 }, last_order_at: { s: '2026-12-07T17:51:41.570Z', t: T0 + 37_132 },
      category_affinity: { k: [['Footwear', 17.9998266887, T0], ['Kitchen', 5.99996021417, T0 + 9]] },
      page_views_24h: { b: [499_073, 12] }, spend_90d: { b: [5545, 414] },
    },
    s: { count: 1, start: T0, last: T0 + 40_888, pages: 12, events: 33, section: 'home', seconds: [['home', 23.383]], searchTerms: ['organic cotton'], channel: 'direct', campaign: null, referrer: null, device: 'desktop' },
    c: { analytics: [true, T0, 'api'] },
    m: { buyer: T0, direct_traffic: T0, active_session: T0 + 5881, hot_right_now: T0 + 37_867 },
    r: { v: [['prod_5126', 0, T0 + 32_737]], p: [['prod_2231', T0 + 37_132]] },
    h: { t: T0, h: { web: Array.from({ length: 24 }, (_, i) => (i === 17 ? 33 : 0)) } },
    x: { exp1: { a: 'b', t: T0, v: { orders: 2 } } },
  } as unknown as KnowledgeState;
}

describe('knowledgeCodec', () => {
  it('encode is serialize then pack (the storage thread runs the pack): the same bytes', () => {
    for (const knowledge of [typical(), emptyKnowledge()]) {
      const text = knowledgeCodec.serialize(knowledge);
      expect({ state: text.state, packed: knowledgeCodec.pack(text.rest) }).toEqual(knowledgeCodec.encode(knowledge));
    }
  });

  it('gives back the document with its keys in the order written, whichever fields it has', () => {
    for (const knowledge of [typical(), emptyKnowledge(), { ...emptyKnowledge(), q: [['properties.price', 2]] } as KnowledgeState]) {
      const { state, packed } = knowledgeCodec.encode(knowledge);
      expect(JSON.stringify(knowledgeCodec.decode(state, packed))).toBe(JSON.stringify(knowledge));
    }
  });

  it('keeps exactly the fields SQL reads as JSON text in state, and deflates the rest to well under its JSON', () => {
    const knowledge = typical();
    const { state, packed } = knowledgeCodec.encode(knowledge);
    const visible = JSON.parse(state) as Record<string, unknown>;
    expect(Object.keys(visible).sort()).toEqual(Object.keys(knowledge).filter((k) => sqlVisibleKeys.has(k)).sort());
    expect(visible['x']).toEqual(knowledge.x);
    expect(state).not.toContain('buyer');
    expect(packed.length).toBeLessThan(0.6 * (JSON.stringify(knowledge).length - state.length));
  });

  it('stores activity hours sparse, and reads them back as arrays of 24 in either form', () => {
    const knowledge = typical();
    const { state } = knowledgeCodec.encode(knowledge);
    const stored = (JSON.parse(state) as { h: unknown }).h;
    expect(stored).toEqual({ t: T0, h: { web: { 17: 33 } } });
    expect(knowledgeCodec.decodeActivity(stored)).toEqual(knowledge.h);
    expect(knowledgeCodec.decodeActivity(knowledge.h)).toEqual(knowledge.h);
    // Not 24 numbers: stored as it is.
    const odd = { t: T0, h: { web: [1, 2] } };
    expect((JSON.parse(knowledgeCodec.encode({ ...emptyKnowledge(), h: odd }).state) as { h: unknown }).h).toEqual(odd);
  });

  it('reads a row written before packing (packed null) as the whole document in state', () => {
    const knowledge = typical();
    expect(knowledgeCodec.decode(JSON.stringify(knowledge), null)).toEqual(knowledge);
  });

  it('a field of state wins over its placeholder, and a placeholder without its field is dropped', () => {
    const { packed } = knowledgeCodec.encode(typical());
    const decoded = knowledgeCodec.decode('{"c":{}}', packed) as unknown as Record<string, unknown>;
    expect(decoded['c']).toEqual({});
    expect(Object.hasOwn(decoded, 'h')).toBe(false);
    expect(Object.hasOwn(decoded, 'x')).toBe(false);
    expect(decoded['m']).toEqual(typical().m);
  });

  it('refuses a packed format it does not know with ATTUNE_STORE_NEWER_VERSION', () => {
    const { state, packed } = knowledgeCodec.encode(typical());
    packed[0] = 9;
    let caught: unknown;
    try {
      knowledgeCodec.decode(state, packed);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AttuneError);
    expect((caught as AttuneError).code).toBe('ATTUNE_STORE_NEWER_VERSION');
  });
});
