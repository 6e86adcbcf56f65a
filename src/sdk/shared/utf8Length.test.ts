import { describe, expect, it } from 'vitest';
import { utf8Length } from './utf8Length.js';

describe('utf8Length', () => {
  it.each(['', 'abc', 'Grüezi', '東京', 'emoji 😀 ok', '\ud800 lone surrogate'])('matches the UTF-8 encoding of %j', (text) => {
    expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
  });
});
