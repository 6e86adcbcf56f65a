import { describe, expect, it } from 'vitest';
import { cookieValue, sessionCookie } from './sessionCookie.js';

describe('the session cookie', () => {
  it.each([
    ['the only cookie', 'attune_session=abc', 'abc'],
    ['among others, with spaces', 'theme=dark;  attune_session=abc ; lang=fr', 'abc'],
    ['a value with "="', 'attune_session=a=b', 'a=b'],
    ['a name that only ends like it', 'xattune_session=abc', null],
    ['an empty value', 'attune_session=', null],
    ['no Cookie header', undefined, null],
  ] as const)('reads %s', (_name, header, expected) => {
    expect(cookieValue(header, 'attune_session')).toBe(expected);
  });

  it('is written with its flags, and cleared with Max-Age=0', () => {
    expect(sessionCookie('v', 3600.7, true)).toBe('__Host-attune_session=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure');
    expect(sessionCookie('', 0, false)).toBe('attune_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
  });
});
