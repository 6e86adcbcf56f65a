import { describe, expect, it } from 'vitest';
import type { CollectedEvent } from '../../events/CollectedEvent.js';
import { rejectReservedExposure } from './rejectReservedExposure.js';

const event = (over: Partial<CollectedEvent>): CollectedEvent => ({
  type: 'track', messageId: 'm1', generatedMessageId: false, userId: 'u1', anonymousId: null, previousId: null, groupId: null,
  name: 'Experiment Viewed', timestamp: 0, receivedAt: 0, traits: null,
  properties: { experiment_id: 'hero-test', variation_id: 'control' }, context: null, body: {}, ...over,
});

describe('rejectReservedExposure', () => {
  const step = rejectReservedExposure((id) => id === '_program' || id === 'hero-test');

  it.each(['hero-test', '_program'])('rejects an exposure to %s at /properties/experiment_id', (experimentId) => {
    expect(step.run(event({ properties: { experiment_id: experimentId, variation_id: 'x' } }))).toEqual({
      ok: false,
      fault: { code: 'ATTUNE_EVENT_RESERVED', field: '/properties/experiment_id', message: expect.stringContaining('Attune logs exposures to its own experiments itself') },
    });
  });

  it.each([
    ['an experiment Attune does not know', event({ properties: { experiment_id: 'growthbook-test', variation_id: '1' } })],
    ['another event name', event({ name: 'Experiment Started' })],
    ['a page of that name', event({ type: 'page' })],
    ['no properties', event({ properties: null })],
    ['a non-string experiment_id', event({ properties: { experiment_id: 7 } })],
    ['an inherited experiment_id', event({ properties: Object.create({ experiment_id: 'hero-test' }) as Record<string, unknown> })],
  ])('passes %s', (_label, input) => {
    expect(step.run(input)).toEqual({ ok: true, value: input });
  });
});
