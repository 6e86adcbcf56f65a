import { describe, expect, it } from 'vitest';
import { draftWritten } from './saveThroughReview.js';

describe('draftWritten', () => {
  it('names what a new draft awaits', () => {
    expect(draftWritten({ kind: 'action', targetId: 'welcome', approval: { satisfied: false, missing: ['an approval by a brand reviewer'] } }))
      .toBe('Draft of action "welcome" written: it awaits review (an approval by a brand reviewer).');
  });

  it('says a draft the policy asks no approval of can be published, not that it awaits review ()', () => {
    expect(draftWritten({ kind: 'segment', targetId: 'gold', approval: { satisfied: true, missing: [] } }))
      .toBe('Draft of segment "gold" written: it needs no approval; publish it on the Review page.');
  });
});
