import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt's work factor. OWASP's Password Storage Cheat Sheet: N = 2^17, r = 8, p = 1 (128 MiB,
 * about a tenth of a second). `N` is configurable (ATTUNE_PASSWORD_COST is its log2) so that
 * tests, and small machines, can pay less; each stored hash names its own parameters, so a
 * change applies to passwords set from then on and old hashes keep verifying.
 */
export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const owaspScryptCost: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

const keyLength = 32;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  // Node refuses parameters needing more than maxmem (32 MiB by default): allow what N and r need.
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

/**
 * A password as stored: `scrypt$N$r$p$salt$hash` (salt and hash in base64url). Node's scrypt
 * is OpenSSL's: maintained, constant-memory-hard, and no native dependency to build.
 *
 * @example await hashPassword('correct horse battery staple', { N: 1024, r: 8, p: 1 })
 */
export async function hashPassword(password: string, cost: ScryptCost): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether a password matches a stored hash (false for a hash of another shape), in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return false;
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await derive(password, Buffer.from(parts[4]!, 'base64url'), { N, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
