/**
 * A random (version 4) UUID from 16 random bytes. The SDKs prefer the platform's
 * `crypto.randomUUID`; this is for browsers that lack it (it needs a secure context) and
 * takes `crypto.getRandomValues` bytes where those exist.
 */
export function uuidFromBytes(bytes: ArrayLike<number>): string {
  const b: number[] = [];
  for (let i = 0; i < 16; i++) b.push((bytes[i] ?? 0) & 0xff);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
