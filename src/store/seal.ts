// Sealing of key material at rest: AES-256-GCM under a key derived from the master key, a fresh 96-bit
// nonce per write, and AAD binding each blob to its uid and format version, so a blob copied onto
// another object, or altered, fails to open.
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { nativeBinding, type NativeSealKey } from '../ttlv/native.js';
import { StoreError } from './types.js';

export const SEAL_VERSION = 1;
export const MASTER_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES;
const AAD_LABEL = Buffer.from('kmipkit/seal\0', 'latin1');
const KCV_BYTES = 16;

// Separate keys for sealing and for the key check value, so the check value says nothing about the
// sealing key beyond "this master key".
function derive(master: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `kmipkit ${info} v1`, 32));
}

/** AAD_LABEL | version | uid in UTF-8, written into one buffer (it is public, so the shared pool will do). */
function aad(uid: string): Buffer {
  const at = AAD_LABEL.length + 1;
  const out = Buffer.allocUnsafe(at + Buffer.byteLength(uid, 'utf8'));
  AAD_LABEL.copy(out, 0);
  out[AAD_LABEL.length] = SEAL_VERSION;
  out.write(uid, at, 'utf8');
  return out;
}

/** Random bytes drawn NONCE_POOL_BYTES at a time: one randomFillSync costs about as much as sealing a
 *  key, so nonces come from a pool refilled every 341 seals. Nonces are public; each is used once. */
const NONCE_POOL_BYTES = 4096;
const noncePool = Buffer.allocUnsafeSlow(NONCE_POOL_BYTES);
let nonceAt = NONCE_POOL_BYTES;

function takeNonce(into: Buffer, offset: number): void {
  if (nonceAt + NONCE_BYTES > NONCE_POOL_BYTES) {
    randomFillSync(noncePool);
    nonceAt = 0;
  }
  noncePool.copy(into, offset, nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
}

export class Sealer {
  private readonly key: KeyObject;
  /** The addon's AES-256-GCM when it loads (a quarter of the cost of node:crypto's cipher objects for
   *  key-sized inputs); same format, so either opens what the other sealed. */
  private readonly native: NativeSealKey | undefined;
  readonly keyCheckValue: Buffer;

  /** The caller keeps (and zeroizes) `masterKey`; the sealer holds only derived keys. */
  constructor(masterKey: Uint8Array, opts: { native?: boolean } = {}) {
    if (masterKey.byteLength !== MASTER_KEY_BYTES) {
      throw new StoreError('SEAL', `the master key must be ${MASTER_KEY_BYTES} bytes`);
    }
    const sealKey = derive(masterKey, 'seal');
    this.key = createSecretKey(sealKey);
    this.native = opts.native !== false && nativeBinding?.SealKey ? new nativeBinding.SealKey(sealKey) : undefined;
    sealKey.fill(0);
    const kcv = derive(masterKey, 'key check');
    this.keyCheckValue = Buffer.from(kcv.subarray(0, KCV_BYTES));
    kcv.fill(0);
  }

  /** A sealer under a random key that lives only in this process (the memory store's). */
  static ephemeral(): Sealer {
    const k = randomBytes(MASTER_KEY_BYTES);
    const s = new Sealer(k);
    k.fill(0);
    return s;
  }

  /** Whether the addon does the AES-GCM (else node:crypto). */
  get usesNative(): boolean {
    return this.native !== undefined;
  }

  matchesCheckValue(stored: Uint8Array): boolean {
    return stored.byteLength === KCV_BYTES && timingSafeEqual(stored, this.keyCheckValue);
  }

  /** version | nonce | ciphertext | tag. Does not touch `plaintext`, which stays the caller's. */
  seal(uid: string, plaintext: Uint8Array): Buffer {
    const nonce = Buffer.allocUnsafe(NONCE_BYTES);
    takeNonce(nonce, 0);
    if (this.native) {
      const blob = Buffer.allocUnsafeSlow(HEADER_BYTES + plaintext.byteLength + TAG_BYTES);
      blob[0] = SEAL_VERSION;
      nonce.copy(blob, 1);
      this.native.sealInto(aad(uid), plaintext, blob);
      return blob;
    }
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(uid));
    const body = cipher.update(plaintext);
    const last = cipher.final();
    return Buffer.concat([Buffer.of(SEAL_VERSION), nonce, body, last, cipher.getAuthTag()]);
  }

  /** The plaintext, which the caller zeroizes. Any failure is StoreError('SEAL') and says nothing more. */
  open(uid: string, blob: Uint8Array): Buffer {
    if (blob.byteLength < HEADER_BYTES + TAG_BYTES || blob[0] !== SEAL_VERSION) {
      throw new StoreError('SEAL', `sealed material of ${uid} has an unknown format`);
    }
    const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    if (this.native) {
      // allocUnsafeSlow: not a slice of Node's shared pool, so the caller's fill(0) covers it alone.
      const plain = Buffer.allocUnsafeSlow(b.byteLength - HEADER_BYTES - TAG_BYTES);
      if (!this.native.openInto(aad(uid), b, plain)) throw new StoreError('SEAL', `sealed material of ${uid} failed authentication`);
      return plain;
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, b.subarray(1, HEADER_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(uid));
    decipher.setAuthTag(b.subarray(b.byteLength - TAG_BYTES));
    const body = decipher.update(b.subarray(HEADER_BYTES, b.byteLength - TAG_BYTES));
    try {
      const last = decipher.final();
      if (last.byteLength === 0) return body;
      // allocUnsafeSlow: not a slice of Node's shared pool, so the caller's view and fill(0) cover it alone.
      const out = Buffer.allocUnsafeSlow(body.byteLength + last.byteLength);
      body.copy(out);
      last.copy(out, body.byteLength);
      body.fill(0);
      last.fill(0);
      return out;
    } catch (e) {
      // Unauthenticated plaintext must not outlive the failure.
      body.fill(0);
      throw new StoreError('SEAL', `sealed material of ${uid} failed authentication`, { cause: e });
    }
  }
}
