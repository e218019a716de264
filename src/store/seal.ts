// Sealing of key material at rest: AES-256-GCM under a key derived from the master key, a fresh 96-bit
// nonce per write, and AAD binding each blob to its uid and format version, so a blob copied onto
// another object, or altered, fails to open.
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
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

function aad(uid: string): Buffer {
  return Buffer.concat([AAD_LABEL, Buffer.of(SEAL_VERSION), Buffer.from(uid, 'utf8')]);
}

export class Sealer {
  private readonly key: KeyObject;
  readonly keyCheckValue: Buffer;

  /** The caller keeps (and zeroizes) `masterKey`; the sealer holds only derived keys. */
  constructor(masterKey: Uint8Array) {
    if (masterKey.byteLength !== MASTER_KEY_BYTES) {
      throw new StoreError('SEAL', `the master key must be ${MASTER_KEY_BYTES} bytes`);
    }
    const sealKey = derive(masterKey, 'seal');
    this.key = createSecretKey(sealKey);
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

  matchesCheckValue(stored: Uint8Array): boolean {
    return stored.byteLength === KCV_BYTES && timingSafeEqual(stored, this.keyCheckValue);
  }

  /** version | nonce | ciphertext | tag. Does not touch `plaintext`, which stays the caller's. */
  seal(uid: string, plaintext: Uint8Array): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
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
