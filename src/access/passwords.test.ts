import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords.js';

const cheap = { N: 1024, r: 8, p: 1 };

describe('passwords', () => {
  it('stores scrypt with its parameters and a fresh salt, and verifies only the same password', async () => {
    const one = await hashPassword('correct horse battery staple', cheap);
    const two = await hashPassword('correct horse battery staple', cheap);
    expect(one).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(one).not.toBe(two);
    expect(await verifyPassword('correct horse battery staple', one)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', one)).toBe(false);
    expect(await verifyPassword('', one)).toBe(false);
  });

  it('verifies with the parameters the hash names, so a change of cost keeps old hashes working', async () => {
    const old = await hashPassword('pass phrase of old', { N: 2048, r: 8, p: 1 });
    expect(await verifyPassword('pass phrase of old', old)).toBe(true);
  });

  it('treats a composed and a decomposed accent as the same password (NFKC)', async () => {
    const stored = await hashPassword('caf\u00e9 au lait tous les jours', cheap);
    expect(await verifyPassword('cafe\u0301 au lait tous les jours', stored)).toBe(true);
  });

  it('refuses hashes of another shape', async () => {
    for (const stored of ['', 'bcrypt$x', 'scrypt$0$8$1$a$b', 'scrypt$1024$8$1$salt']) expect(await verifyPassword('x', stored)).toBe(false);
  });

  it('matches a hash computed independently (RFC 7914 parameters through Node)', async () => {
    // RFC 7914 section 12, second vector: "password", salt "NaCl", N=1024, r=8, p=16, 64 bytes;
    // its first 32 bytes, in the stored shape (NFKC leaves ASCII as it is).
    const expected = Buffer.from('fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162', 'hex').toString('base64url');
    const stored = ['scrypt', 1024, 8, 16, Buffer.from('NaCl').toString('base64url'), expected].join('$');
    expect(await verifyPassword('password', stored)).toBe(true);
  });
});
