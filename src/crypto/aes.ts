// AES-GCM (128, 192 or 256-bit keys, 12-byte nonces, 12 to 16-byte tags) with additional data.
// Native backend: the key is expanded once in Rust and zeroized there when the object is collected;
// sync methods take about a microsecond less than node:crypto's cipher-object setup, the async ones
// run on the libuv pool. Fallback backend: node:crypto with the key held as a KeyObject. Both give
// byte-identical outputs: sealed data is `ciphertext || tag`.
import { createCipheriv, createDecipheriv, createSecretKey, type CipherGCMTypes, type KeyObject } from 'node:crypto';
import { EMPTY, nativeCrypto, pickBackend, type CryptoBackend, type NativeAesGcmKey } from './backend.js';

export const GCM_NONCE_BYTES = 12;
const MAX_GCM_INPUT = 2 ** 36 - 32;

export interface AesGcmOptions {
  /** Tag length in bytes, 12 to 16 (default 16). Shorter tags are the leading bytes of the full tag. */
  tagLength?: number;
  /** Defaults to 'native' when the addon has the crypto exports, else 'node'. */
  backend?: CryptoBackend;
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array)) throw new TypeError('kmipkit: the key must be a Uint8Array');
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError('kmipkit: AES-GCM needs a 16, 24 or 32-byte key');
}

function checkNonce(nonce: Uint8Array): void {
  if (!(nonce instanceof Uint8Array) || nonce.length !== GCM_NONCE_BYTES)
    throw new RangeError('kmipkit: AES-GCM here takes a 12-byte nonce');
}

export class AesGcm {
  readonly tagLength: number;
  readonly backend: CryptoBackend;
  readonly #native?: NativeAesGcmKey;
  readonly #key?: KeyObject;
  readonly #algorithm: CipherGCMTypes;

  /** Copies `key`; the caller may zeroize its own copy afterwards. */
  constructor(key: Uint8Array, options: AesGcmOptions = {}) {
    checkKey(key);
    const tagLength = options.tagLength ?? 16;
    if (!Number.isInteger(tagLength) || tagLength < 12 || tagLength > 16)
      throw new RangeError('kmipkit: AES-GCM tag length must be 12 to 16 bytes');
    this.tagLength = tagLength;
    this.backend = pickBackend(options.backend);
    this.#algorithm = `aes-${key.length * 8}-gcm` as CipherGCMTypes;
    if (this.backend === 'native') this.#native = new nativeCrypto!.AesGcmKey(key, tagLength);
    else this.#key = createSecretKey(Buffer.from(key));
  }

  /** `ciphertext || tag` of `plaintext`. */
  encryptSync(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY): Buffer {
    const out = Buffer.allocUnsafe(plaintext.length + this.tagLength);
    this.encryptInto(nonce, plaintext, out, aad);
    return out;
  }

  /** Writes `ciphertext || tag` into `out`, exactly plaintext.length + tagLength bytes. */
  encryptInto(nonce: Uint8Array, plaintext: Uint8Array, out: Uint8Array, aad: Uint8Array = EMPTY): void {
    checkNonce(nonce);
    if (plaintext.length > MAX_GCM_INPUT) throw new RangeError('kmipkit: AES-GCM input longer than 2^36 - 32 bytes');
    if (out.length !== plaintext.length + this.tagLength) throw new RangeError('kmipkit: the output buffer has the wrong length');
    if (this.#native) return this.#native.encryptInto(nonce, aad, plaintext, out);
    const c = createCipheriv(this.#algorithm, this.#key!, nonce, { authTagLength: this.tagLength });
    if (aad.length) c.setAAD(aad);
    const body = c.update(plaintext);
    const tail = c.final();
    out.set(body, 0);
    out.set(tail, body.length);
    out.set(c.getAuthTag(), plaintext.length);
  }

  /** The plaintext of `sealed` (`ciphertext || tag`), or null when it does not authenticate. */
  decryptSync(nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array = EMPTY): Buffer | null {
    if (sealed.length < this.tagLength) throw new RangeError('kmipkit: sealed data shorter than its tag');
    const out = Buffer.alloc(sealed.length - this.tagLength);
    return this.decryptInto(nonce, sealed, out, aad) ? out : null;
  }

  /** Writes the plaintext into `out` (sealed.length - tagLength bytes): true, or false with `out`
   *  zeroed when the data does not authenticate. */
  decryptInto(nonce: Uint8Array, sealed: Uint8Array, out: Uint8Array, aad: Uint8Array = EMPTY): boolean {
    checkNonce(nonce);
    if (sealed.length < this.tagLength) throw new RangeError('kmipkit: sealed data shorter than its tag');
    if (sealed.length - this.tagLength > MAX_GCM_INPUT) throw new RangeError('kmipkit: AES-GCM input longer than 2^36 - 32 bytes');
    if (out.length !== sealed.length - this.tagLength) throw new RangeError('kmipkit: the output buffer has the wrong length');
    if (this.#native) return this.#native.decryptInto(nonce, aad, sealed, out);
    const split = sealed.length - this.tagLength;
    const d = createDecipheriv(this.#algorithm, this.#key!, nonce, { authTagLength: this.tagLength });
    d.setAuthTag(sealed.subarray(split));
    if (aad.length) d.setAAD(aad);
    const body = d.update(sealed.subarray(0, split));
    try {
      d.final();
    } catch {
      body.fill(0);
      out.fill(0);
      return false;
    }
    out.set(body);
    body.fill(0);
    return true;
  }

  /** As encryptSync, off the event loop with the native backend (the fallback computes in place). */
  async encrypt(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY): Promise<Buffer> {
    checkNonce(nonce);
    if (plaintext.length > MAX_GCM_INPUT) throw new RangeError('kmipkit: AES-GCM input longer than 2^36 - 32 bytes');
    if (this.#native) return this.#native.encrypt(nonce, aad, plaintext);
    return this.encryptSync(nonce, plaintext, aad);
  }

  /** As decryptSync, off the event loop with the native backend. */
  async decrypt(nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array = EMPTY): Promise<Buffer | null> {
    checkNonce(nonce);
    if (sealed.length < this.tagLength) throw new RangeError('kmipkit: sealed data shorter than its tag');
    if (this.#native) return this.#native.decrypt(nonce, aad, sealed);
    return this.decryptSync(nonce, sealed, aad);
  }
}

/**
 * One AES-GCM seal under `key` (12-byte nonce, 12 to 16-byte tag) without keeping a key object:
 * `ciphertext || tag`. For a key used once, as a KMIP Encrypt uses the key it reads: the native
 * backend skips creating (and later collecting) an AesGcm, which costs more than sealing 1 KiB.
 */
export function aesGcmSealOnce(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY, tagLength = 16): Buffer {
  if (!nativeCrypto?.aesGcmSealOnce || pickBackend(undefined) !== 'native') return new AesGcm(key, { tagLength }).encryptSync(nonce, plaintext, aad);
  checkKey(key);
  checkNonce(nonce);
  if (!Number.isInteger(tagLength) || tagLength < 12 || tagLength > 16) throw new RangeError('kmipkit: AES-GCM tag length must be 12 to 16 bytes');
  if (plaintext.length > MAX_GCM_INPUT) throw new RangeError('kmipkit: AES-GCM input longer than 2^36 - 32 bytes');
  const out = Buffer.allocUnsafe(plaintext.length + tagLength);
  nativeCrypto.aesGcmSealOnce(key, tagLength, nonce, aad, plaintext, out);
  return out;
}

/** The plaintext of `ciphertext` under `tag` (12 to 16 bytes), or null when it does not authenticate;
 *  the one-shot twin of {@link aesGcmSealOnce}. */
export function aesGcmOpenOnce(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array = EMPTY): Buffer | null {
  if (!nativeCrypto?.aesGcmOpenOnce || pickBackend(undefined) !== 'native') return new AesGcm(key, { tagLength: tag.length }).decryptSync(nonce, Buffer.concat([ciphertext, tag]), aad);
  checkKey(key);
  checkNonce(nonce);
  if (tag.length < 12 || tag.length > 16) throw new RangeError('kmipkit: AES-GCM tag length must be 12 to 16 bytes');
  if (ciphertext.length > MAX_GCM_INPUT) throw new RangeError('kmipkit: AES-GCM input longer than 2^36 - 32 bytes');
  const out = Buffer.alloc(ciphertext.length);
  return nativeCrypto.aesGcmOpenOnce(key, nonce, aad, ciphertext, tag, out) ? out : null;
}
