// RSAES-PKCS1-v1_5 decryption with implicit rejection (draft-irtf-cfrg-rsa-guidance; what OpenSSL
// 3.2+ does by default): a ciphertext whose padding is bad does not fail, it decrypts to a synthetic
// message derived from the private key and the ciphertext, the same on every call, so a caller cannot
// tell good padding from bad (no Bleichenbacher / Marvin padding oracle).
//
// The raw RSA decryption is node:crypto's (RSA_NO_PADDING; OpenSSL blinds it). The decoding:
//   DH  = SHA-256(I2OSP(d, k))                         (once per key: rsaPkcs1KeyHash)
//   KDK = HMAC-SHA256(DH, C)
//   PRF(label, n) = first n bytes of HMAC-SHA256(KDK, I2OSP(i, 2) || label || I2OSP(8n, 2)), i = 0, 1, …
//   synthetic message = the last L bytes of PRF("message", k), L = the last of the 128 big-endian
//   16-bit words of PRF("length", 256), masked to the bit length of k - 10, that is below k - 10.
// The padding checks and the choice of message use masks, not branches or secret-dependent indexes;
// the result's length is public either way. Native backend: crate/core/src/rsa_pkcs1.rs (AWS-LC HMAC);
// fallback: the same arithmetic here over node:crypto's HMAC. Both give the same bytes.
import { constants, createHash, createHmac, privateDecrypt, type KeyObject } from 'node:crypto';
import { codecInfo } from '../ttlv/native.js';
import { nativeCrypto, pickBackend, type CryptoBackend } from './backend.js';

export interface RsaPkcs1Options {
  backend?: CryptoBackend;
}

interface NativeRsaPkcs1 {
  rsaPkcs1UnpadInto(keyHash: Uint8Array, ciphertext: Uint8Array, em: Uint8Array, out: Uint8Array): number;
}

const native = nativeCrypto as unknown as Partial<NativeRsaPkcs1> | undefined;
const nativeUnpad = typeof native?.rsaPkcs1UnpadInto === 'function' ? native.rsaPkcs1UnpadInto.bind(native) : undefined;

/** The backend for a call: an addon built before this export counts as absent (an error when asked for). */
function backendFor(requested: CryptoBackend | undefined): CryptoBackend {
  const b = pickBackend(requested);
  if (b === 'native' && !nativeUnpad) {
    if (requested === 'native' || codecInfo.mode === 'require') {
      throw new Error('kmipkit: the native addon has no RSA PKCS#1 v1.5 decoding (rebuild it: node scripts/build-native.mjs --force)');
    }
    return 'node';
  }
  return b;
}

/** The backend rsaPkcs1Unpad uses when the caller does not choose one. */
export const defaultRsaPkcs1Backend: CryptoBackend = nativeCrypto && nativeUnpad ? 'native' : 'node';

const MIN_K = 11;
const MAX_K = 8191;
const LENGTH_TRIES = 128;

/** Bytes of an RSA key's modulus. */
export function modulusBytes(key: KeyObject): number {
  return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
}

/** One DER TLV at `at`: its content's start and end. Throws on anything malformed. */
function tlv(der: Uint8Array, at: number, tag: number): { start: number; end: number } {
  if (der[at] !== tag) throw new Error('kmipkit: unexpected RSA private key encoding');
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3) throw new Error('kmipkit: unexpected RSA private key encoding');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  const end = start + len;
  if (end > der.length) throw new Error('kmipkit: unexpected RSA private key encoding');
  return { start, end };
}

const keyHashes = new WeakMap<KeyObject, Buffer>();

/**
 * SHA-256 of the private exponent d as a k-byte big-endian string (the DH of the draft), from an RSA
 * private KeyObject; kept per KeyObject (a hash of d, never d). The DER export holding d is zeroed.
 */
export function rsaPkcs1KeyHash(key: KeyObject): Buffer {
  const cached = keyHashes.get(key);
  if (cached) return cached;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa') throw new TypeError('kmipkit: PKCS#1 v1.5 decryption needs an RSA private key');
  const k = modulusBytes(key);
  if (k < MIN_K || k > MAX_K) throw new RangeError('kmipkit: RSA modulus must be 11 to 8191 bytes for PKCS#1 v1.5 decryption');
  // RSAPrivateKey ::= SEQUENCE { version, n, e, d, ... } (RFC 8017 A.1.2).
  const der = key.export({ format: 'der', type: 'pkcs1' });
  const padded = Buffer.alloc(k);
  try {
    let at = tlv(der, 0, 0x30).start;
    for (let i = 0; i < 3; i++) at = tlv(der, at, 0x02).end;
    let { start, end } = tlv(der, at, 0x02);
    while (start < end && der[start] === 0) start++;
    if (end - start > k) throw new Error('kmipkit: the private exponent is longer than the modulus');
    der.copy(padded, k - (end - start), start, end);
    const hash = createHash('sha256').update(padded).digest();
    keyHashes.set(key, hash);
    return hash;
  } finally {
    der.fill(0);
    padded.fill(0);
  }
}

/** The counter-mode PRF: `n` bytes (n < 8192) of HMAC-SHA256 keyed with `kdk`. */
function prf(kdk: Uint8Array, label: string, n: number): Buffer {
  const out = Buffer.alloc(n);
  const head = Buffer.alloc(2);
  const bits = Buffer.alloc(2);
  bits.writeUInt16BE((n * 8) & 0xffff, 0);
  for (let i = 0, pos = 0; pos < n; i++, pos += 32) {
    head.writeUInt16BE(i, 0);
    const block = createHmac('sha256', kdk).update(head).update(label, 'latin1').update(bits).digest();
    block.copy(out, pos, 0, Math.min(32, n - pos));
    block.fill(0);
  }
  return out;
}

// Masks on non-negative integers below 2^31: -1 (all ones) for true, 0 for false.
const ltMask = (a: number, b: number): number => (a - b) >> 31;
const isZeroMask = (x: number): number => (x - 1) >> 31;
const select = (mask: number, a: number, b: number): number => (mask & a) | (~mask & b);

function unpadNode(keyHash: Uint8Array, ciphertext: Uint8Array, em: Uint8Array): Buffer {
  const k = em.length;
  const kdk = createHmac('sha256', keyHash).update(ciphertext).digest();
  const synthetic = prf(kdk, 'message', k);
  const candidates = prf(kdk, 'length', LENGTH_TRIES * 2);
  kdk.fill(0);

  const maxSepOffset = k - 10;
  let lenMask = maxSepOffset;
  lenMask |= lenMask >> 1;
  lenMask |= lenMask >> 2;
  lenMask |= lenMask >> 4;
  lenMask |= lenMask >> 8;
  let syntheticLen = 0;
  for (let i = 0; i < candidates.length; i += 2) {
    const candidate = ((candidates[i] << 8) | candidates[i + 1]) & lenMask;
    syntheticLen = select(ltMask(candidate, maxSepOffset), candidate, syntheticLen);
  }
  candidates.fill(0);

  let good = isZeroMask(em[0]) & isZeroMask(em[1] ^ 2);
  let found = 0;
  let zeroIndex = 0;
  for (let i = 2; i < k; i++) {
    const isZero = isZeroMask(em[i]);
    zeroIndex = select(~found & isZero, i, zeroIndex);
    found |= isZero;
  }
  good &= ~ltMask(zeroIndex, 10);
  const msgIndex = select(good, zeroIndex + 1, k - syntheticLen);

  // The start (so the length) is public from here; both sources are read at every index.
  const out = Buffer.alloc(k - msgIndex);
  const g = good & 0xff;
  for (let i = msgIndex, j = 0; i < k; i++, j++) out[j] = (g & em[i]) | (~g & synthetic[i]);
  synthetic.fill(0);
  return out;
}

/**
 * Decodes `em`, the raw RSA decryption of the k-byte `ciphertext`, with implicit rejection: the
 * message when the padding is good, the synthetic message otherwise. `keyHash` is rsaPkcs1KeyHash of
 * the private key. Throws (RangeError) only for wrong lengths, which are public.
 */
export function rsaPkcs1Unpad(keyHash: Uint8Array, ciphertext: Uint8Array, em: Uint8Array, options: RsaPkcs1Options = {}): Buffer {
  const backend = backendFor(options.backend);
  const k = em.length;
  if (keyHash.length !== 32) throw new RangeError('kmipkit: the RSA key hash must be 32 bytes');
  if (k < MIN_K || k > MAX_K) throw new RangeError('kmipkit: RSA modulus must be 11 to 8191 bytes for PKCS#1 v1.5 decryption');
  if (ciphertext.length !== k) throw new RangeError('kmipkit: the ciphertext and encoded message must both be k bytes');
  if (backend === 'native') {
    const out = Buffer.alloc(k);
    const n = nativeUnpad!(keyHash, ciphertext, em, out);
    return out.subarray(0, n);
  }
  return unpadNode(keyHash, ciphertext, em);
}

/**
 * RSAES-PKCS1-v1_5 decryption of `ciphertext` (exactly k bytes, below the modulus) with an RSA
 * private key and implicit rejection. Throws only when the ciphertext has the wrong length or is not
 * below the modulus (public facts); a badly padded ciphertext returns its synthetic message.
 */
export function rsaPkcs1Decrypt(key: KeyObject, ciphertext: Uint8Array, options: RsaPkcs1Options = {}): Buffer {
  const keyHash = rsaPkcs1KeyHash(key);
  const k = modulusBytes(key);
  if (ciphertext.length !== k) throw new RangeError(`kmipkit: the ciphertext must be ${k} bytes for this key`);
  const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext);
  try {
    return rsaPkcs1Unpad(keyHash, ciphertext, em, options);
  } finally {
    em.fill(0);
  }
}
