// AES key wrap under a 16, 24 or 32-byte key-encryption key: RFC 3394 (KW: 16 bytes or more, in
// 8-byte steps) and RFC 5649 (KWP: 1 byte or more). Native backend: the RustCrypto aes-kw crate with
// the KEK expanded once and zeroized in Rust; fallback: node:crypto's id-aes*-wrap(-pad) ciphers.
// Unwrapping returns null when the integrity check fails; bad lengths throw RangeError.
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { nativeCrypto, pickBackend, type CryptoBackend, type NativeAesKeyWrapKey } from './backend.js';

/** RFC 3394 2.2.3.1 default IV and RFC 5649 3 alternative IV prefix, which node:crypto wants given. */
const KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const KWP_IV = Buffer.from('a65959a6', 'hex');
const MAX_INPUT = 2 ** 32 - 1;

export interface AesKeyWrapOptions {
  backend?: CryptoBackend;
}

function kwLengthOk(n: number): boolean {
  return n >= 16 && n % 8 === 0 && n <= MAX_INPUT;
}

export class AesKeyWrap {
  readonly backend: CryptoBackend;
  readonly #native?: NativeAesKeyWrapKey;
  readonly #kek?: KeyObject;
  readonly #bits: number;

  /** Copies `kek`; the caller may zeroize its own copy afterwards. */
  constructor(kek: Uint8Array, options: AesKeyWrapOptions = {}) {
    if (!(kek instanceof Uint8Array)) throw new TypeError('kmipkit: the key-encryption key must be a Uint8Array');
    if (kek.length !== 16 && kek.length !== 24 && kek.length !== 32)
      throw new RangeError('kmipkit: AES key wrap needs a 16, 24 or 32-byte key-encryption key');
    this.#bits = kek.length * 8;
    this.backend = pickBackend(options.backend);
    if (this.backend === 'native') this.#native = new nativeCrypto!.AesKeyWrapKey(kek);
    else this.#kek = createSecretKey(Buffer.from(kek));
  }

  /** RFC 3394 wrap of `key` (16 bytes or more, a multiple of 8): key.length + 8 bytes. */
  wrap(key: Uint8Array): Buffer {
    if (!kwLengthOk(key.length)) throw new RangeError('kmipkit: AES key wrap (RFC 3394) takes 16 bytes or more, in steps of 8');
    if (this.#native) {
      const out = Buffer.allocUnsafe(key.length + 8);
      this.#native.wrapInto(key, out);
      return out;
    }
    const c = createCipheriv(`id-aes${this.#bits}-wrap`, this.#kek!, KW_IV);
    return Buffer.concat([c.update(key), c.final()]);
  }

  /** RFC 3394 unwrap: the key, or null when the integrity check fails. */
  unwrap(wrapped: Uint8Array): Buffer | null {
    if (wrapped.length < 24 || !kwLengthOk(wrapped.length - 8))
      throw new RangeError('kmipkit: an RFC 3394 wrapped key is 24 bytes or more, in steps of 8');
    const out = Buffer.alloc(wrapped.length - 8);
    if (this.#native) return this.#native.unwrapInto(wrapped, out) ? out : null;
    return this.#nodeUnwrap(`id-aes${this.#bits}-wrap`, KW_IV, wrapped);
  }

  /** RFC 5649 wrap of `key` (1 byte or more): ceil(key.length / 8) * 8 + 8 bytes. */
  wrapPadded(key: Uint8Array): Buffer {
    if (key.length < 1 || key.length > MAX_INPUT) throw new RangeError('kmipkit: AES key wrap with padding (RFC 5649) takes 1 byte or more');
    if (this.#native) {
      const out = Buffer.allocUnsafe(Math.ceil(key.length / 8) * 8 + 8);
      this.#native.wrapPaddedInto(key, out);
      return out;
    }
    const c = createCipheriv(`id-aes${this.#bits}-wrap-pad`, this.#kek!, KWP_IV);
    return Buffer.concat([c.update(key), c.final()]);
  }

  /** RFC 5649 unwrap: the key, or null when the integrity check fails. */
  unwrapPadded(wrapped: Uint8Array): Buffer | null {
    if (wrapped.length < 16 || !kwLengthOk(wrapped.length))
      throw new RangeError('kmipkit: an RFC 5649 wrapped key is 16 bytes or more, in steps of 8');
    if (this.#native) {
      const out = Buffer.alloc(wrapped.length - 8);
      const n = this.#native.unwrapPaddedInto(wrapped, out);
      if (n < 0) return null;
      // A copy of the right length, then the padded buffer cleared.
      const key = Buffer.from(out.subarray(0, n));
      out.fill(0);
      return key;
    }
    return this.#nodeUnwrap(`id-aes${this.#bits}-wrap-pad`, KWP_IV, wrapped);
  }

  #nodeUnwrap(algorithm: string, iv: Buffer, wrapped: Uint8Array): Buffer | null {
    const d = createDecipheriv(algorithm, this.#kek!, iv);
    let body: Buffer;
    try {
      body = d.update(wrapped);
      const tail = d.final();
      return tail.length ? Buffer.concat([body, tail]) : body;
    } catch {
      return null;
    }
  }
}
