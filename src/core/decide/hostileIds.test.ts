import { describe, expect, it } from 'vitest';
import { checkCaps, emptyCapState, MAX_CAPPED_ACTIONS, mergeCapStates, recordClick, recordDismiss, recordImpression } from './caps.js';
import { applyInteraction, readInteraction } from './interactions.js';

/** Ids come from clients: none may reach Object.prototype or an inherited method. */
describe('hostile ids in interactions and cap state', () => {
  const at = Date.parse('2026-03-02T10:00:00Z');
  const event = (properties: Record<string, unknown>) => ({ type: 'track', name: 'Decision Viewed', timestamp: at, properties, context: null });

  it('reads only ids an action or placement could have; an impossible channel counts as web', () => {
    expect(readInteraction(event({ decisionId: 'd', actionId: 'Bad Id', placement: 'hero' }))).toBeNull();
    expect(readInteraction(event({ decisionId: 'd', actionId: 'a', placement: '__proto__' }))).toBeNull();
    expect(readInteraction(event({ decisionId: 'd', actionId: 'a', placement: 'hero', channel: '__proto__' }))?.channel).toBe('web');
    expect(readInteraction(event({ decisionId: 'd', actionId: 'constructor', placement: 'hero', channel: 'email' }))).toMatchObject({ actionId: 'constructor', channel: 'email' });
  });

  it('ids named like Object.prototype members are plain keys: no throw, no pollution, correct counts', () => {
    const state = emptyCapState();
    for (const id of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const check = { actionId: id, placementId: id, channel: id, now: at + 1 };
      expect(checkCaps(state, { perProfile: [{ max: 1, window: '24h' }], perPlacement: [{ max: 1, window: 'day' }], perChannelPerDay: 1 }, check)).toEqual({ ok: true });
      recordImpression(state, { actionId: id, placementId: id, channel: id, at });
      recordDismiss(state, { actionId: id, at });
      recordClick(state, { actionId: id, at });
      expect(checkCaps(state, { perProfile: [{ max: 1, window: '24h' }] }, check)).toMatchObject({ ok: false, cap: 'perProfile' });
    }
    const interaction = readInteraction(event({ decisionId: 'd', actionId: 'constructor', placement: 'constructor', channel: 'constructor' }))!;
    applyInteraction(state, interaction);
    expect(state.a['constructor']?.n).toBe(2);
    expect(Object.keys(state.c['constructor']!)).toEqual(['2026-03-02']);
    expect(Object.prototype).not.toHaveProperty('2026-03-02');
    expect(Object.getPrototypeOf(state.c)).toBe(Object.prototype);
    expect(mergeCapStates(state, state).a['constructor']?.n).toBe(4);
  });

  it('keeps at most MAX_CAPPED_ACTIONS actions per profile, forgetting the one shown longest ago', () => {
    const state = emptyCapState();
    for (let i = 0; i <= MAX_CAPPED_ACTIONS; i++) recordImpression(state, { actionId: `a${i}`, placementId: 'p', channel: 'web', at: at + i });
    expect(Object.keys(state.a)).toHaveLength(MAX_CAPPED_ACTIONS);
    expect(state.a['a0']).toBeUndefined();
    expect(state.a[`a${MAX_CAPPED_ACTIONS}`]?.n).toBe(1);
  });
});
