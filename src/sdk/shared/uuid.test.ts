import { describe, expect, it } from 'vitest';
import { uuidFromBytes } from './uuid.js';

describe('uuidFromBytes', () => {
  it('makes a version 4, RFC 4122 variant UUID', () => {
    const id = uuidFromBytes(Array.from({ length: 16 }, (_, i) => i * 17));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
