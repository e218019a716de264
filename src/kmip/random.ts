// Where the server's random values come from: node:crypto (OpenSSL's CTR-DRBG, see policy.ts), drawn in
// blocks. One randomFillSync costs about 5 µs whatever its size up to a few KiB, as much as the rest of
// generating a key, so small draws are served from a block refilled when used up.
import { randomFillSync, randomUUID } from 'node:crypto';

/**
 * A fresh Unique Identifier in the UUID version 7 layout (RFC 9562): 48 bits of Unix milliseconds, then
 * 74 random bits. Identifiers made close in time sort together, so the store's unique index takes each
 * new one next to the last instead of on a random page (a 1,000-Create batch dirties far fewer pages).
 * The creation time it shows is the object's Initial Date, which Get Attributes gives anyone who may
 * read the object; the random part stays unguessable. The random bits come from randomUUID, which
 * node:crypto draws in blocks of its own.
 */
export function newUid(): string {
  const ms = Date.now().toString(16).padStart(12, '0');
  const r = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx: keep the variant and the random tail
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${r.slice(15)}`;
}

// Short Unique Identifiers are public random values (key material never comes from this block).
const SUID_BYTES = 32;
const suidPool = Buffer.allocUnsafeSlow(SUID_BYTES * 128);
let suidAt = suidPool.length;

export function shortUid(): Buffer {
  if (suidAt + SUID_BYTES > suidPool.length) {
    randomFillSync(suidPool);
    suidAt = 0;
  }
  const out = Buffer.from(suidPool.subarray(suidAt, suidAt + SUID_BYTES));
  suidAt += SUID_BYTES;
  return out;
}

/**
 * Random bytes for key material. Draws of up to KEY_BLOCK_BYTES / 8 come from a block of their own,
 * and the bytes handed out are wiped from the block at once, so the block holds only bytes no key has
 * yet: what a memory disclosure could learn from it, it could equally learn from the generator's own
 * state, which determines every later output too. Larger draws go to the generator directly.
 */
const KEY_BLOCK_BYTES = 4096;
const keyBlock = Buffer.allocUnsafeSlow(KEY_BLOCK_BYTES);
let keyAt = KEY_BLOCK_BYTES;

export function keyBytes(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`cannot draw ${n} random bytes`);
  const out = Buffer.allocUnsafeSlow(n);
  if (n > KEY_BLOCK_BYTES / 8) return randomFillSync(out);
  if (keyAt + n > KEY_BLOCK_BYTES) {
    randomFillSync(keyBlock);
    keyAt = 0;
  }
  keyBlock.copy(out, 0, keyAt, keyAt + n);
  keyBlock.fill(0, keyAt, keyAt + n);
  keyAt += n;
  return out;
}
