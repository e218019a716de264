// The symmetric primitives the KMIP engine's cryptographic operations call (Encrypt, Decrypt, MAC, MAC
// Verify, Hash), kept behind this one small module so that the provider (node:crypto today) can be
// swapped for native ones. Nothing here knows KMIP: inputs are plain bytes and names, failures are a
// SymmetricError whose message never holds key or data bytes.
import { createCipheriv, createDecipheriv, createHash, createHmac, timingSafeEqual, type CipherGCM, type DecipherGCM } from 'node:crypto';

export type Mode = 'gcm' | 'cbc' | 'ctr' | 'ecb' | 'chacha20' | 'chacha20-poly1305';

/** Why a primitive refused: bad input the caller should have caught ('input'), or the data itself ('crypto': bad tag, bad padding). */
export class SymmetricError extends Error {
  constructor(readonly kind: 'input' | 'crypto', message: string) {
    super(message);
    this.name = 'SymmetricError';
  }
}

export interface CipherInput {
  mode: Mode;
  key: Uint8Array;
  /** IV, counter block or nonce; empty for ECB. For ChaCha20: the 16-byte OpenSSL form (LE counter || nonce). */
  iv: Uint8Array;
  data: Uint8Array;
  /** PKCS#5/7 padding (CBC and ECB only). */
  pad?: boolean;
  aad?: Uint8Array;
  /** Authenticated modes: the tag length in bytes (encrypt) or the tag to check (decrypt). */
  tagLength?: number;
  tag?: Uint8Array;
}

const AES_LENGTHS = new Set([16, 24, 32]);

function cipherName(mode: Mode, keyLength: number): string {
  if (mode === 'chacha20' || mode === 'chacha20-poly1305') {
    if (keyLength !== 32) throw new SymmetricError('input', 'ChaCha20 keys are 256 bits');
    return mode;
  }
  if (!AES_LENGTHS.has(keyLength)) throw new SymmetricError('input', 'AES keys are 128, 192 or 256 bits');
  return `aes-${keyLength * 8}-${mode}`;
}

const authenticated = (mode: Mode) => mode === 'gcm' || mode === 'chacha20-poly1305';

function concat(parts: Buffer[]): Buffer {
  const out = Buffer.concat(parts);
  for (const p of parts) p.fill(0);
  return out;
}

export function encrypt(input: CipherInput): { data: Buffer; tag?: Buffer } {
  const name = cipherName(input.mode, input.key.length);
  const aead = authenticated(input.mode);
  const options = aead ? { authTagLength: input.tagLength ?? 16 } : undefined;
  let cipher: CipherGCM;
  try {
    cipher = createCipheriv(name, input.key, input.mode === 'ecb' ? null : input.iv, options as never) as unknown as CipherGCM;
  } catch {
    throw new SymmetricError('input', `the IV or tag length does not suit ${name}`);
  }
  if (input.mode === 'cbc' || input.mode === 'ecb') cipher.setAutoPadding(input.pad ?? true);
  if (aead && input.aad) cipher.setAAD(input.aad, { plaintextLength: input.data.length });
  try {
    const data = concat([cipher.update(input.data), cipher.final()]);
    return aead ? { data, tag: cipher.getAuthTag() } : { data };
  } catch {
    throw new SymmetricError('input', 'the data does not suit the mode (a multiple of the block size is needed without padding)');
  }
}

/** The plaintext; the caller zeroes it when done. */
export function decrypt(input: CipherInput): Buffer {
  const name = cipherName(input.mode, input.key.length);
  const aead = authenticated(input.mode);
  if (aead && !input.tag) throw new SymmetricError('input', 'an authenticated mode needs the tag to decrypt');
  let decipher: DecipherGCM;
  try {
    decipher = createDecipheriv(name, input.key, input.mode === 'ecb' ? null : input.iv, (aead ? { authTagLength: input.tag!.length } : undefined) as never) as unknown as DecipherGCM;
    if (aead) decipher.setAuthTag(input.tag!);
  } catch {
    throw new SymmetricError('input', `the IV or tag length does not suit ${name}`);
  }
  if (input.mode === 'cbc' || input.mode === 'ecb') decipher.setAutoPadding(input.pad ?? true);
  if (aead && input.aad) decipher.setAAD(input.aad, { plaintextLength: input.data.length });
  const first = decipher.update(input.data);
  try {
    return concat([first, decipher.final()]);
  } catch {
    first.fill(0);
    throw new SymmetricError('crypto', aead ? 'authentication failed: the tag does not match' : 'decryption failed (bad padding or length)');
  }
}

/** Block size of a mode's cipher, for checks before the primitive runs. */
export const BLOCK = 16;

export type HashName = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'sha512-224' | 'sha512-256' | 'sha3-224' | 'sha3-256' | 'sha3-384' | 'sha3-512';

export function digest(hash: HashName, data: Uint8Array): Buffer {
  return createHash(hash).update(data).digest();
}

export function hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac(hash, key).update(data).digest();
}

// CMAC (NIST SP 800-38B, RFC 4493) over AES from the ECB and CBC primitives.
function aesBlock(key: Uint8Array, block: Uint8Array): Buffer {
  const c = createCipheriv(cipherName('ecb', key.length), key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

function double(b: Buffer): Buffer {
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) out[i] = ((b[i] << 1) | (i < 15 ? b[i + 1] >> 7 : 0)) & 0xff;
  if (b[0] & 0x80) out[15] ^= 0x87;
  return out;
}

export function cmacAes(key: Uint8Array, data: Uint8Array): Buffer {
  const l = aesBlock(key, Buffer.alloc(16));
  const k1 = double(l);
  const k2 = double(k1);
  const n = Math.max(1, Math.ceil(data.length / 16));
  const complete = data.length > 0 && data.length % 16 === 0;
  const last = Buffer.alloc(16);
  const tailStart = (n - 1) * 16;
  Buffer.from(data.buffer, data.byteOffset + tailStart, data.length - tailStart).copy(last);
  if (!complete) last[data.length - tailStart] = 0x80;
  const sub = complete ? k1 : k2;
  for (let i = 0; i < 16; i++) last[i] ^= sub[i];
  // CBC-MAC with a zero IV over the first n-1 blocks and the adjusted last one: the last cipher block is the MAC.
  const c = createCipheriv(cipherName('cbc', key.length), key, Buffer.alloc(16));
  c.setAutoPadding(false);
  const head = c.update(Buffer.from(data.buffer, data.byteOffset, tailStart));
  const tail = c.update(last);
  c.final();
  for (const b of [l, k1, k2, last, head]) b.fill(0);
  return tail;
}

/** Constant-time comparison of two MACs (false when the lengths differ). */
export function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
