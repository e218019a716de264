// The symmetric primitives the KMIP engine's cryptographic operations call (Encrypt, Decrypt, MAC, MAC
// Verify, Hash), kept behind this one small module so that the provider can be swapped. Nothing here
// knows KMIP: inputs are plain bytes and names, failures are a SymmetricError whose message never holds
// key or data bytes. Providers: node:crypto for everything; AES-GCM with a 96-bit IV and a 12 to
// 16-byte tag goes through the Rust addon (src/crypto/aes.ts, aws-lc-rs) when it is loaded, which
// saves node:crypto's per-call cipher-object setup, and runs on the libuv pool for large inputs.
import {
  createCipheriv, createDecipheriv, createHash, createHmac, randomFillSync, timingSafeEqual, type Cipher, type CipherGCM, type Decipher, type DecipherGCM, type Hmac,
} from 'node:crypto';
import { AesGcm, aesGcmOpenOnce, aesGcmSealOnce } from '../../crypto/aes.js';
import { defaultCryptoBackend } from '../../crypto/backend.js';

export type Mode = 'gcm' | 'cbc' | 'ctr' | 'ecb' | 'xts' | 'chacha20' | 'chacha20-poly1305';
/** The block cipher under a mode ('aes' unless said; ChaCha20 modes ignore it). */
export type BlockCipher = 'aes' | '3des';

/** Why a primitive refused: bad input the caller should have caught ('input'), or the data itself ('crypto': bad tag, bad padding). */
export class SymmetricError extends Error {
  constructor(readonly kind: 'input' | 'crypto', message: string) {
    super(message);
    this.name = 'SymmetricError';
  }
}

export interface CipherInput {
  mode: Mode;
  /** Default 'aes'. Triple DES: CBC and ECB, 16-byte (two-key) or 24-byte (three-key) keys. */
  cipher?: BlockCipher;
  key: Uint8Array;
  /** IV, counter block, XTS tweak or nonce; empty for ECB. For ChaCha20: the 16-byte OpenSSL form (LE counter || nonce). */
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

/** Inputs at least this long go to the libuv pool (native AES-GCM) rather than run on the event loop. */
export const OFF_LOOP_BYTES = 64 * 1024;

function cipherName(mode: Mode, keyLength: number, cipher: BlockCipher = 'aes'): string {
  if (mode === 'chacha20' || mode === 'chacha20-poly1305') {
    if (keyLength !== 32) throw new SymmetricError('input', 'ChaCha20 keys are 256 bits');
    return mode;
  }
  if (cipher === '3des') {
    if (mode !== 'cbc' && mode !== 'ecb') throw new SymmetricError('input', 'Triple DES is served in CBC and ECB modes');
    if (keyLength !== 24 && keyLength !== 16) throw new SymmetricError('input', 'Triple DES keys are 128 (two-key) or 192 (three-key) bits with parity');
    return `${keyLength === 24 ? 'des-ede3' : 'des-ede'}-${mode}`;
  }
  if (mode === 'xts') {
    // XTS-AES (IEEE 1619): the key is two AES keys of the same length, the data key then the tweak key.
    if (keyLength !== 32 && keyLength !== 64) throw new SymmetricError('input', 'XTS-AES keys are 256 (two AES-128 keys) or 512 bits (two AES-256 keys)');
    return `aes-${keyLength * 4}-xts`;
  }
  if (!AES_LENGTHS.has(keyLength)) throw new SymmetricError('input', 'AES keys are 128, 192 or 256 bits');
  return `aes-${keyLength * 8}-${mode}`;
}

const authenticated = (mode: Mode) => mode === 'gcm' || mode === 'chacha20-poly1305';

/** Block size in bytes of the cipher under a block mode (padding and whole-block checks). */
export const blockSize = (cipher: BlockCipher = 'aes'): number => (cipher === '3des' ? 8 : 16);

/** AES block size, for callers that only know AES. */
export const BLOCK = 16;

function concat(parts: Buffer[]): Buffer {
  const out = Buffer.concat(parts);
  for (const p of parts) p.fill(0);
  return out;
}

// Server-made IVs come from a pool of CSPRNG output (node:crypto's randomFillSync, refilled 4 KiB at a
// time): one system call per few hundred IVs rather than one per Encrypt. Each byte is handed out once
// and zeroed in the pool as it is taken.
const IV_POOL = Buffer.alloc(4096);
let ivPoolAt = IV_POOL.length;

/** `n` fresh random bytes for an IV, nonce or tweak. */
export function randomIv(n: number): Buffer {
  if (n > 256) return randomFillSync(Buffer.alloc(n));
  if (ivPoolAt + n > IV_POOL.length) {
    randomFillSync(IV_POOL);
    ivPoolAt = 0;
  }
  const out = Buffer.from(IV_POOL.subarray(ivPoolAt, ivPoolAt + n));
  IV_POOL.fill(0, ivPoolAt, ivPoolAt + n);
  ivPoolAt += n;
  return out;
}

/** Whether the native AES-GCM path applies: the addon loaded, a 96-bit IV and a 12 to 16-byte tag. */
function nativeGcm(input: CipherInput, tagLength: number): boolean {
  return defaultCryptoBackend === 'native' && input.mode === 'gcm' && input.iv.length === 12 && tagLength >= 12 && tagLength <= 16 && AES_LENGTHS.has(input.key.length);
}

function createEncryptor(input: Omit<CipherInput, 'data'>): CipherGCM {
  const name = cipherName(input.mode, input.key.length, input.cipher);
  const aead = authenticated(input.mode);
  const options = aead ? { authTagLength: input.tagLength ?? 16 } : undefined;
  let cipher: CipherGCM;
  try {
    cipher = createCipheriv(name, input.key, input.mode === 'ecb' ? null : input.iv, options as never) as unknown as CipherGCM;
  } catch (err) {
    if (input.mode === 'xts' && /duplicated keys/.test(String((err as Error)?.message))) throw new SymmetricError('input', 'the two halves of an XTS key must differ');
    throw new SymmetricError('input', `the IV or tag length does not suit ${name}`);
  }
  if (input.mode === 'cbc' || input.mode === 'ecb') cipher.setAutoPadding(input.pad ?? true);
  return cipher;
}

function createDecryptor(input: Omit<CipherInput, 'data'>, tagLength: number): DecipherGCM {
  const name = cipherName(input.mode, input.key.length, input.cipher);
  const aead = authenticated(input.mode);
  let decipher: DecipherGCM;
  try {
    decipher = createDecipheriv(name, input.key, input.mode === 'ecb' ? null : input.iv, (aead ? { authTagLength: tagLength } : undefined) as never) as unknown as DecipherGCM;
  } catch (err) {
    if (input.mode === 'xts' && /duplicated keys/.test(String((err as Error)?.message))) throw new SymmetricError('input', 'the two halves of an XTS key must differ');
    throw new SymmetricError('input', `the IV or tag length does not suit ${name}`);
  }
  if (input.mode === 'cbc' || input.mode === 'ecb') decipher.setAutoPadding(input.pad ?? true);
  return decipher;
}

/** IEEE 1619: a data unit is 1 to 2^20 blocks of 16 bytes (with ciphertext stealing, at least one whole block). */
export const XTS_MAX_BYTES = 2 ** 24;

function checkXtsLength(input: CipherInput): void {
  if (input.mode !== 'xts') return;
  if (input.data.length < 16) throw new SymmetricError('input', 'XTS needs at least 16 bytes of data');
  if (input.data.length > XTS_MAX_BYTES) throw new SymmetricError('input', 'an XTS data unit is at most 2^20 blocks (16 MiB)');
}

export function encrypt(input: CipherInput): { data: Buffer; tag?: Buffer } {
  const aead = authenticated(input.mode);
  const tagLength = input.tagLength ?? 16;
  checkXtsLength(input);
  if (nativeGcm(input, tagLength)) {
    const sealed = aesGcmSealOnce(input.key, input.iv, input.data, input.aad, tagLength);
    return { data: sealed.subarray(0, input.data.length), tag: sealed.subarray(input.data.length) };
  }
  const cipher = createEncryptor(input);
  if (aead && input.aad) cipher.setAAD(input.aad, { plaintextLength: input.data.length });
  try {
    const data = concat([cipher.update(input.data), cipher.final()]);
    return aead ? { data, tag: cipher.getAuthTag() } : { data };
  } catch {
    throw new SymmetricError('input', 'the data does not suit the mode (a multiple of the block size is needed without padding)');
  }
}

/** As encrypt; large AES-GCM inputs are sealed on the libuv pool when the addon is loaded. */
export async function encryptAsync(input: CipherInput): Promise<{ data: Buffer; tag?: Buffer }> {
  const tagLength = input.tagLength ?? 16;
  if (input.data.length >= OFF_LOOP_BYTES && nativeGcm(input, tagLength)) {
    const sealed = await new AesGcm(input.key, { tagLength }).encrypt(input.iv, input.data, input.aad);
    return { data: sealed.subarray(0, input.data.length), tag: sealed.subarray(input.data.length) };
  }
  return encrypt(input);
}

const badTag = () => new SymmetricError('crypto', 'authentication failed: the tag does not match');

/** The plaintext; the caller zeroes it when done. */
export function decrypt(input: CipherInput): Buffer {
  const aead = authenticated(input.mode);
  if (aead && !input.tag) throw new SymmetricError('input', 'an authenticated mode needs the tag to decrypt');
  checkXtsLength(input);
  if (aead && nativeGcm(input, input.tag!.length)) {
    const out = aesGcmOpenOnce(input.key, input.iv, input.data, input.tag!, input.aad);
    if (!out) throw badTag();
    return out;
  }
  const decipher = createDecryptor(input, aead ? input.tag!.length : 0);
  try {
    if (aead) decipher.setAuthTag(input.tag!);
  } catch {
    throw new SymmetricError('input', 'the tag length does not suit the mode');
  }
  if (aead && input.aad) decipher.setAAD(input.aad, { plaintextLength: input.data.length });
  const first = decipher.update(input.data);
  try {
    return concat([first, decipher.final()]);
  } catch {
    first.fill(0);
    throw aead ? badTag() : new SymmetricError('crypto', 'decryption failed (bad padding or length)');
  }
}

/** As decrypt; large AES-GCM inputs are opened on the libuv pool when the addon is loaded. */
export async function decryptAsync(input: CipherInput): Promise<Buffer> {
  if (input.tag && input.data.length >= OFF_LOOP_BYTES && nativeGcm(input, input.tag.length)) {
    const out = await new AesGcm(input.key, { tagLength: input.tag.length }).decrypt(input.iv, Buffer.concat([input.data, input.tag]), input.aad);
    if (!out) throw badTag();
    return out;
  }
  return decrypt(input);
}

/**
 * One direction of a multi-part (streaming) cipher operation over node:crypto: the key lives only in
 * the OpenSSL context, which `close` finalizes (OpenSSL clears the context when it is freed). Output
 * comes as soon as the mode allows (CBC and ECB hold back a block, and the last block when unpadding).
 */
export class CipherStream {
  #c: Cipher | Decipher | undefined;
  readonly #aead: boolean;
  readonly #decrypt: boolean;
  readonly #mode: Mode;
  #tail?: Buffer;

  constructor(direction: 'encrypt' | 'decrypt', input: Omit<CipherInput, 'data'>) {
    this.#aead = authenticated(input.mode);
    this.#decrypt = direction === 'decrypt';
    this.#mode = input.mode;
    const tagLength = input.tagLength ?? 16;
    this.#c = this.#decrypt ? createDecryptor(input, tagLength) : createEncryptor(input);
    if (this.#aead && input.aad && input.aad.length > 0) (this.#c as CipherGCM).setAAD(input.aad);
  }

  /** XTS is one data unit: ciphertext stealing needs the whole message, so parts are held to the end. */
  update(data: Uint8Array): Buffer {
    const c = this.#live();
    if (this.#mode === 'xts') {
      if ((this.#tail?.length ?? 0) + data.length > XTS_MAX_BYTES) throw new SymmetricError('input', 'an XTS data unit is at most 2^20 blocks (16 MiB)');
      this.#tail = this.#tail ? concat([this.#tail, Buffer.from(data)]) : Buffer.from(data);
      return Buffer.alloc(0);
    }
    return c.update(data);
  }

  /** The last output, and the tag when encrypting with an authenticated mode; `tag` is the one to check when decrypting. */
  final(tag?: Uint8Array): { data: Buffer; tag?: Buffer } {
    const c = this.#live();
    this.#c = undefined;
    let head = Buffer.alloc(0);
    if (this.#mode === 'xts') {
      const all = this.#tail ?? Buffer.alloc(0);
      this.#tail = undefined;
      if (all.length < 16) {
        all.fill(0);
        throw new SymmetricError('input', 'XTS needs at least 16 bytes of data');
      }
      head = c.update(all);
      all.fill(0);
    }
    if (this.#decrypt && this.#aead) {
      if (!tag) throw new SymmetricError('input', 'an authenticated mode needs the tag to decrypt');
      try {
        (c as DecipherGCM).setAuthTag(tag);
      } catch {
        throw new SymmetricError('input', 'the tag length does not suit the mode');
      }
    }
    let last: Buffer;
    try {
      last = c.final();
    } catch {
      head.fill(0);
      if (this.#decrypt) throw this.#aead ? badTag() : new SymmetricError('crypto', 'decryption failed (bad padding or length)');
      throw new SymmetricError('input', 'the data does not suit the mode (a multiple of the block size is needed without padding)');
    }
    const data = head.length ? concat([head, last]) : last;
    return !this.#decrypt && this.#aead ? { data, tag: (c as CipherGCM).getAuthTag() } : { data };
  }

  /** Ends the stream without output (abandoned, expired): the OpenSSL context is finalized and dropped. */
  close(): void {
    const c = this.#c;
    this.#c = undefined;
    this.#tail?.fill(0);
    this.#tail = undefined;
    if (!c) return;
    try {
      c.final().fill(0);
    } catch {
      // A stream that cannot finish (partial block, no tag) is dropped all the same.
    }
  }

  get open(): boolean {
    return this.#c !== undefined;
  }

  #live(): Cipher | Decipher {
    if (!this.#c) throw new SymmetricError('input', 'the stream is closed');
    return this.#c;
  }
}

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
  const s = new CmacStream(key);
  s.update(data);
  return s.final();
}

/**
 * Incremental AES-CMAC: a CBC-MAC with a zero IV over every block but the last, which is held back
 * until the end (it is XORed with K1 when whole, padded and XORed with K2 when not).
 */
export class CmacStream {
  #cbc: Cipher | undefined;
  readonly #k1: Buffer;
  readonly #k2: Buffer;
  /** Bytes not yet fed to the CBC-MAC: at most one block, the candidate last block. */
  #pending = Buffer.alloc(0);
  #last = Buffer.alloc(16);

  constructor(key: Uint8Array) {
    const l = aesBlock(key, Buffer.alloc(16));
    this.#k1 = double(l);
    this.#k2 = double(this.#k1);
    l.fill(0);
    this.#cbc = createCipheriv(cipherName('cbc', key.length), key, Buffer.alloc(16));
    this.#cbc.setAutoPadding(false);
  }

  update(data: Uint8Array): void {
    const cbc = this.#cbc;
    if (!cbc) throw new SymmetricError('input', 'the MAC stream is closed');
    const all = this.#pending.length ? Buffer.concat([this.#pending, data]) : Buffer.from(data.buffer, data.byteOffset, data.length);
    // Keep the last (possibly whole) block back; feed the blocks before it.
    const keep = all.length === 0 ? 0 : all.length % 16 === 0 ? 16 : all.length % 16;
    const feed = all.length - keep;
    if (feed > 0) {
      const out = cbc.update(all.subarray(0, feed));
      out.copy(this.#last, 0, out.length - 16);
      out.fill(0);
    }
    this.#pending.fill(0);
    this.#pending = Buffer.from(all.subarray(feed));
  }

  final(): Buffer {
    const cbc = this.#cbc;
    if (!cbc) throw new SymmetricError('input', 'the MAC stream is closed');
    this.#cbc = undefined;
    const last = Buffer.alloc(16);
    this.#pending.copy(last);
    const complete = this.#pending.length === 16;
    if (!complete) last[this.#pending.length] = 0x80;
    const sub = complete ? this.#k1 : this.#k2;
    for (let i = 0; i < 16; i++) last[i] ^= sub[i];
    const tag = cbc.update(last);
    cbc.final();
    this.close();
    last.fill(0);
    return tag;
  }

  close(): void {
    if (this.#cbc) {
      try {
        this.#cbc.final();
      } catch {
        // nothing to flush
      }
      this.#cbc = undefined;
    }
    for (const b of [this.#k1, this.#k2, this.#pending, this.#last]) b.fill(0);
  }
}

/** Streaming HMAC or CMAC, for multi-part MAC and MAC Verify. */
export class MacStream {
  #h: Hmac | CmacStream | undefined;

  constructor(kind: { kind: 'hmac'; hash: HashName } | { kind: 'cmac' }, key: Uint8Array) {
    this.#h = kind.kind === 'hmac' ? createHmac(kind.hash, key) : new CmacStream(key);
  }

  update(data: Uint8Array): void {
    if (!this.#h) throw new SymmetricError('input', 'the MAC stream is closed');
    this.#h.update(data);
  }

  final(): Buffer {
    const h = this.#h;
    if (!h) throw new SymmetricError('input', 'the MAC stream is closed');
    this.#h = undefined;
    return h instanceof CmacStream ? h.final() : h.digest();
  }

  close(): void {
    const h = this.#h;
    this.#h = undefined;
    if (h instanceof CmacStream) h.close();
    else if (h) h.digest().fill(0);
  }
}

/** Streaming hash, for multi-part Hash. */
export class HashStream {
  #h: ReturnType<typeof createHash> | undefined;

  constructor(hash: HashName) {
    this.#h = createHash(hash);
  }

  update(data: Uint8Array): void {
    if (!this.#h) throw new SymmetricError('input', 'the hash stream is closed');
    this.#h.update(data);
  }

  final(): Buffer {
    const h = this.#h;
    if (!h) throw new SymmetricError('input', 'the hash stream is closed');
    this.#h = undefined;
    return h.digest();
  }

  close(): void {
    const h = this.#h;
    this.#h = undefined;
    h?.digest();
  }
}

/** Constant-time comparison of two MACs (false when the lengths differ). */
export function macEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
