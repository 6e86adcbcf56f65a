import { describe, expect, it } from 'vitest';
import { AttuneError } from '../errors/AttuneError.js';
import type { LoggedFeedback, LoggedRound } from './LoggedFeedback.js';
import { fitLogisticRewardModel } from './logisticRewardModel.js';

/** Rounds of one cell: `clicks` rewards of 1 among `shown`. */
function cell(shown: number, clicks: number, round: Omit<LoggedRound, 'reward'>): LoggedRound[] {
  return Array.from({ length: shown }, (_, i) => ({ ...round, reward: i < clicks ? 1 : 0 }));
}

describe('fitLogisticRewardModel', () => {
  // Nearly unpenalised, a model with one parameter per cell reproduces the cell means (the logistic MLE).
  it('without context or positions, and almost no penalty, predicts each action\'s mean', () => {
    const logs: LoggedFeedback = { nActions: 3, rounds: [...cell(10, 2, { action: 0 }), ...cell(8, 6, { action: 1 }), ...cell(4, 1, { action: 2 })] };
    const q = fitLogisticRewardModel(logs, { l2: 1e-9 }).rewards(logs.rounds[0]!, 0);
    expect(Array.from(q).map((v) => v.toFixed(6))).toEqual(['0.200000', '0.750000', '0.250000']);
  });

  it('with a huge penalty, predicts the overall mean for every action', () => {
    const logs: LoggedFeedback = { nActions: 2, rounds: [...cell(10, 2, { action: 0 }), ...cell(10, 8, { action: 1 })] };
    const q = fitLogisticRewardModel(logs, { l2: 1e9 }).rewards(logs.rounds[0]!, 0);
    expect(q[0]).toBeCloseTo(0.5, 6);
    expect(q[1]).toBeCloseTo(0.5, 6);
  });

  it('reproduces the means of each action at each position and in each context', () => {
    const logs: LoggedFeedback = {
      nActions: 2,
      rounds: [
        ...cell(10, 1, { action: 0, position: 0, context: [0] }), ...cell(10, 3, { action: 0, position: 1, context: [0] }),
        ...cell(10, 4, { action: 0, position: 0, context: [1] }), ...cell(10, 7, { action: 0, position: 1, context: [1] }),
        ...cell(20, 5, { action: 1, position: 0, context: [0] }), ...cell(20, 10, { action: 1, position: 0, context: [1] }),
      ],
    };
    const model = fitLogisticRewardModel(logs, { l2: 1e-9 });
    // Action 1 was only shown at position 0, and its context effect is additive on the logit: exact.
    expect(model.rewards({ action: 0, reward: 0, position: 0, context: [1] }, 0)[1]).toBeCloseTo(0.5, 6);
    expect(model.rewards({ action: 0, reward: 0, position: 0, context: [0] }, 0)[1]).toBeCloseTo(0.25, 6);
    // Action 0's four cells have three parameters (intercept, position, context): close, not exact.
    const q00 = model.rewards({ action: 0, reward: 0, position: 0, context: [0] }, 0)[0]!;
    const q11 = model.rewards({ action: 0, reward: 0, position: 1, context: [1] }, 0)[0]!;
    expect(q00).toBeGreaterThan(0.05);
    expect(q00).toBeLessThan(0.2);
    expect(q11).toBeGreaterThan(0.6);
    expect(q11).toBeLessThan(0.8);
  });

  it.each([
    [{ nActions: 1, rounds: [{ action: 0, reward: 2 }] }, 'reward'],
    [{ nActions: 1, rounds: [{ action: 0, reward: 1, context: [1, 2] }, { action: 0, reward: 0, context: [1] }] }, 'context'],
  ] as [LoggedFeedback, string][])('refuses %j naming %s', (logs, field) => {
    let caught: unknown;
    try {
      fitLogisticRewardModel(logs);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AttuneError);
    expect((caught as AttuneError).field).toBe(field);
  });
});
