import { describe, expect, it } from 'vitest';
import { applyTraits, emptyTraits, mergeTraits, type TraitState } from './traits.js';

const t = (values: Record<string, unknown>, updatedAt: Record<string, number>): TraitState => ({ values, updatedAt });

describe('applyTraits', () => {
  it('writes new traits with the time they were written', () => {
    expect(applyTraits(emptyTraits, { plan: 'pro', seats: 3 }, 100)).toEqual(t({ plan: 'pro', seats: 3 }, { plan: 100, seats: 100 }));
  });

  it('a later write replaces a trait and leaves the others alone', () => {
    const state = t({ plan: 'free', city: 'Oslo' }, { plan: 100, city: 100 });
    expect(applyTraits(state, { plan: 'pro' }, 200)).toEqual(t({ plan: 'pro', city: 'Oslo' }, { plan: 200, city: 100 }));
  });

  it('an earlier write arriving late does not undo a later one', () => {
    const state = t({ plan: 'pro' }, { plan: 200 });
    expect(applyTraits(state, { plan: 'free', city: 'Oslo' }, 100)).toEqual(t({ plan: 'pro', city: 'Oslo' }, { plan: 200, city: 100 }));
  });

  it('ends in the same state whatever order the writes arrive in', () => {
    const writes: [Record<string, unknown>, number][] = [[{ plan: 'free', city: 'Oslo' }, 100], [{ plan: 'pro' }, 300], [{ city: 'Bergen', plan: 'team' }, 200]];
    const orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    const results = orders.map((order) => order.reduce((state, i) => applyTraits(state, ...writes[i]!), emptyTraits));
    for (const result of results) expect(result).toEqual(t({ plan: 'pro', city: 'Bergen' }, { plan: 300, city: 200 }));
  });

  it('on a tie, the write applied last wins', () => {
    const state = t({ plan: 'free' }, { plan: 100 });
    expect(applyTraits(state, { plan: 'pro' }, 100).values).toEqual({ plan: 'pro' });
  });

  it('returns the same object when nothing changes, so callers can skip the write', () => {
    const state = t({ plan: 'pro' }, { plan: 200 });
    expect(applyTraits(state, { plan: 'free' }, 100)).toBe(state);
    expect(applyTraits(state, {}, 300)).toBe(state);
  });

  it('does not change the state it is given', () => {
    const state = t({ plan: 'free' }, { plan: 100 });
    applyTraits(state, { plan: 'pro', city: 'Oslo' }, 200);
    expect(state).toEqual(t({ plan: 'free' }, { plan: 100 }));
  });

  it('stores null and nested values as given', () => {
    const state = applyTraits(t({ plan: 'pro' }, { plan: 100 }), { plan: null, address: { city: 'Oslo' } }, 200);
    expect(state.values).toEqual({ plan: null, address: { city: 'Oslo' } });
  });
});

describe('mergeTraits', () => {
  const survivor = t({ plan: 'pro', city: 'Oslo', tie: 's' }, { plan: 100, city: 300, tie: 200 });
  const absorbed = t({ plan: 'team', city: 'Bergen', email: 'x@example.com', tie: 'a' }, { plan: 200, city: 50, email: 10, tie: 200 });

  it("'latest': per trait, the later write wins; the absorbed profile fills gaps", () => {
    expect(mergeTraits(survivor, absorbed, 'latest')).toEqual(
      t({ plan: 'team', city: 'Oslo', email: 'x@example.com', tie: 's' }, { plan: 200, city: 300, email: 10, tie: 200 }),
    );
  });

  it("'latest': on a tie the survivor's value stays", () => {
    expect(mergeTraits(survivor, absorbed, 'latest').values['tie']).toBe('s');
  });

  it("'survivor': the survivor's traits win even when older; the absorbed profile only fills gaps", () => {
    expect(mergeTraits(survivor, absorbed, 'survivor')).toEqual(
      t({ plan: 'pro', city: 'Oslo', email: 'x@example.com', tie: 's' }, { plan: 100, city: 300, email: 10, tie: 200 }),
    );
  });

  it('merging with an empty profile changes nothing, in either direction', () => {
    for (const strategy of ['latest', 'survivor'] as const) {
      expect(mergeTraits(survivor, emptyTraits, strategy)).toEqual(survivor);
      expect(mergeTraits(emptyTraits, survivor, strategy)).toEqual(survivor);
    }
  });

  it("'latest' is the same whichever profile survives, except for ties", () => {
    const a = t({ x: 1, y: 1 }, { x: 10, y: 30 });
    const b = t({ x: 2, y: 2, z: 2 }, { x: 20, y: 5, z: 1 });
    expect(mergeTraits(a, b, 'latest')).toEqual(mergeTraits(b, a, 'latest'));
  });

  it('a trait of the absorbed profile without a time loses to any timed value of the survivor', () => {
    const untimed = t({ plan: 'legacy' }, {});
    expect(mergeTraits(t({ plan: 'pro' }, { plan: 1 }), untimed, 'latest').values['plan']).toBe('pro');
    expect(mergeTraits(emptyTraits, untimed, 'latest')).toEqual(t({ plan: 'legacy' }, { plan: 0 }));
  });

  it('does not change its inputs', () => {
    const s = structuredClone(survivor);
    const a = structuredClone(absorbed);
    mergeTraits(s, a, 'latest');
    expect([s, a]).toEqual([survivor, absorbed]);
  });
});

describe('trait names that are also Object.prototype members', () => {
  it('merges toString and valueOf like any other trait', () => {
    const survivor: TraitState = { values: { name: 'Ann' }, updatedAt: { name: 1 } };
    const absorbed: TraitState = { values: { toString: 'x', valueOf: 2 }, updatedAt: { toString: 2, valueOf: 2 } };
    expect(mergeTraits(survivor, absorbed, 'latest').values).toEqual({ name: 'Ann', toString: 'x', valueOf: 2 });
    expect(applyTraits(emptyTraits, { hasOwnProperty: true }, 5).values).toEqual({ hasOwnProperty: true });
  });

  it('never stores __proto__, which would replace the prototype of the traits object', () => {
    const traits = JSON.parse('{"__proto__": {"polluted": true}, "city": "Bern"}') as Record<string, unknown>;
    const state = applyTraits(emptyTraits, traits, 1);
    expect(state.values).toEqual({ city: 'Bern' });
    expect(Object.getPrototypeOf(state.values)).toBe(Object.prototype);
    const merged = mergeTraits(emptyTraits, { values: traits, updatedAt: JSON.parse('{"__proto__": 1, "city": 1}') as Record<string, number> }, 'latest');
    expect(Object.getPrototypeOf(merged.values)).toBe(Object.prototype);
    expect(merged.values).toEqual({ city: 'Bern' });
  });
});
