// Which implementation the crypto wrappers use: the Rust addon when it loaded and has the crypto
// exports, node:crypto (and @noble/post-quantum for ML-KEM, ML-DSA and SLH-DSA) otherwise. KMIPKIT_NATIVE=off forces the
// fallback; KMIPKIT_NATIVE=require makes a missing or stale addon an error here too.
import { codecInfo, nativeBinding } from '../ttlv/native.js';

export type CryptoBackend = 'native' | 'node';

/** The AES-GCM object of the addon (crate/node/src/crypto.rs). */
export interface NativeAesGcmKey {
  readonly tagLength: number;
  encryptInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void;
  decryptInto(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, out: Uint8Array): boolean;
  encrypt(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Buffer>;
  decrypt(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Buffer | null>;
}

/** The AES key wrap object of the addon. */
export interface NativeAesKeyWrapKey {
  wrapInto(data: Uint8Array, out: Uint8Array): void;
  unwrapInto(data: Uint8Array, out: Uint8Array): boolean;
  wrapPaddedInto(data: Uint8Array, out: Uint8Array): void;
  /** The key's length, or -1 when the integrity check fails. */
  unwrapPaddedInto(data: Uint8Array, out: Uint8Array): number;
}

export interface NativeCryptoBinding {
  AesGcmKey: new (key: Uint8Array, tagLength: number) => NativeAesGcmKey;
  AesKeyWrapKey: new (key: Uint8Array) => NativeAesKeyWrapKey;
  /** One AES-GCM seal / open without a key object (absent from addons built before them). */
  aesGcmSealOnce?(key: Uint8Array, tagLength: number, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void;
  aesGcmOpenOnce?(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, out: Uint8Array): boolean;
  /** ML-KEM (FIPS 203), parameter set 512, 768 or 1024; outputs into buffers of exact lengths. */
  mlKemKeygenInto(level: number, ek: Uint8Array, dk: Uint8Array): void;
  /** From the 64-byte seed d || z (absent from addons built before it). */
  mlKemKeygenFromSeedInto?(level: number, seed: Uint8Array, ek: Uint8Array, dk: Uint8Array): void;
  mlKemEncapsulateInto(level: number, ek: Uint8Array, ct: Uint8Array, ss: Uint8Array): void;
  mlKemDecapsulateInto(level: number, dk: Uint8Array, ct: Uint8Array, ss: Uint8Array): void;
  /** ML-DSA (FIPS 204), parameter set 44, 65 or 87; an empty seed means a random key. */
  mlDsaKeygenInto(level: number, seed: Uint8Array, pk: Uint8Array, sk: Uint8Array): void;
  mlDsaSignInto(level: number, sk: Uint8Array, msg: Uint8Array, sig: Uint8Array): void;
  mlDsaVerify(level: number, pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean;
  /** SLH-DSA (FIPS 205), parameter set by name ('SHA2-128f' …); an empty seed means a random key. */
  slhDsaKeygenInto(param: string, seed: Uint8Array, pk: Uint8Array, sk: Uint8Array): void;
  /** An empty optRand means hedged signing with fresh random bytes. */
  slhDsaSignInto(param: string, sk: Uint8Array, msg: Uint8Array, ctx: Uint8Array, optRand: Uint8Array, sig: Uint8Array): void;
  slhDsaVerify(param: string, pk: Uint8Array, msg: Uint8Array, ctx: Uint8Array, sig: Uint8Array): boolean;
  /** slhDsaSignInto on the libuv pool, resolving to a new signature buffer. */
  slhDsaSign(param: string, sk: Uint8Array, msg: Uint8Array, ctx: Uint8Array, optRand: Uint8Array): Promise<Buffer>;
  /** slhDsaKeygenInto on the libuv pool, resolving to the secret key (its second half is the public key). */
  slhDsaKeygen(param: string, seed: Uint8Array): Promise<Buffer>;
}

function probe(): NativeCryptoBinding | undefined {
  const b = nativeBinding as unknown as Partial<NativeCryptoBinding> | undefined;
  if (b && typeof b.AesGcmKey === 'function' && typeof b.AesKeyWrapKey === 'function' && typeof b.mlKemKeygenInto === 'function' && typeof b.mlDsaVerify === 'function') return b as NativeCryptoBinding;
  return undefined;
}

/** The addon's crypto exports, or undefined when the addon is off, absent or built before them. */
export const nativeCrypto: NativeCryptoBinding | undefined = probe();

if (codecInfo.mode === 'require' && !nativeCrypto) {
  throw new Error('KMIPKIT_NATIVE=require but the native addon has no crypto exports (rebuild it: node scripts/build-native.mjs --force)');
}

/** The backend used when a caller does not choose one. */
export const defaultCryptoBackend: CryptoBackend = nativeCrypto ? 'native' : 'node';

/** Resolves a caller's choice: asking for 'native' without the addon is an error, not a quiet fallback. */
export function pickBackend(requested: CryptoBackend | undefined): CryptoBackend {
  const b = requested ?? defaultCryptoBackend;
  if (b === 'native' && !nativeCrypto) throw new Error(`kmipkit: the native crypto backend is not available (${codecInfo.detail})`);
  return b;
}

export const EMPTY = new Uint8Array(0);
