import { describe, expect, it } from 'vitest';
import { withField } from './withField.js';

describe('withField', () => {
  it.each([
    ['a new key goes last', { actionId: 'a', priority: 2, value: 0 }, 'contextual', { probability: 0.5 }],
    ['an existing key keeps its place and takes the value', { strategy: 's', contextual: 1, shadow: 2 }, 'contextual', 3],
    ['an empty object', {}, 'k', null],
  ] as [string, Record<string, unknown>, string, unknown][])('is the spread with one more property: %s', (_name, object, key, value) => {
    const before = { ...object };
    const got = withField(object, key, value);
    const spread = { ...object, [key]: value };
    expect(got).toEqual(spread);
    expect(Object.keys(got)).toEqual(Object.keys(spread));
    expect(got).not.toBe(object);
    expect(object).toEqual(before);
  });
});
