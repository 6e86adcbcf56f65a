import { describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { callTypes } from '../core/events/callTypes.js';
import { RetentionPolicy } from './retentionSchemas.js';

const policy = Compile(RetentionPolicy);

/** The policy's schema: what the admin API accepts (the core's `RetentionPolicy` type is its shape). */
describe('RetentionPolicy schema', () => {
  it.each([
    ['the empty policy (keep everything)', {}],
    ['every kind', { events: { keepDays: 365, byEvent: { 'Order Completed': 3650 }, byType: { page: 30, identify: 730 } }, withoutAnalytics: { keepDays: 0 }, decisions: { keepDays: 180 }, audit: { keepDays: 730 } }],
    ['analytics kept', { withoutAnalytics: 'keep' }],
    ['an event name such as __proto__', JSON.parse('{"events":{"byEvent":{"__proto__":3}}}') as unknown],
  ])('accepts %s', (_name, value) => {
    expect(policy.Check(value)).toBe(true);
  });

  it.each([
    ['0 days for events', { events: { keepDays: 0 } }],
    ['a fraction of a day', { decisions: { keepDays: 1.5 } }],
    ['more than a century', { audit: { keepDays: 36_501 } }],
    ['a negative analytics period', { withoutAnalytics: { keepDays: -1 } }],
    ['an unknown call type', { events: { byType: { click: 3 } } }],
    ['an empty event name', { events: { byEvent: { '': 3 } } }],
    ['an unknown kind', { profiles: { keepDays: 3 } }],
    ['another word for keep', { withoutAnalytics: 'forever' }],
  ])('refuses %s', (_name, value) => {
    expect(policy.Check(value)).toBe(false);
  });

  it('names every call type of the core', () => {
    expect(Object.keys(RetentionPolicy.properties.events.properties.byType.properties)).toEqual([...callTypes]);
  });
});
