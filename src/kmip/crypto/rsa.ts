// RSA Encrypt (with a Public Key) and Decrypt (with a Private Key): RSAES-OAEP and RSAES-PKCS1-v1_5
// (RFC 8017 §7).
//
// OAEP takes its hash from the Cryptographic Parameters' Hashing Algorithm, its mask generation from
// Mask Generator (MGF1 only) and Mask Generator Hashing Algorithm, and its label from P Source. Where the
// parameters leave them out: SHA-1 for both hashes and an empty label, the defaults of KMIP (1.4 §3.6,
// 2.1 §4.16: "Mask Generator Hashing Algorithm ... if omitted defaults to SHA-1", "P Source ... defaults
// to an empty byte string") and of RFC 8017 (RSAES-OAEP-params). When both hashes are the same, OpenSSL
// does the padding (node:crypto's oaepHash/oaepLabel); node:crypto cannot give MGF1 a hash of its own, so
// otherwise EME-OAEP is encoded and decoded here around the raw RSA primitive (RSA_NO_PADDING, which
// OpenSSL blinds), the decoding without data-dependent branches and with one error for every defect.
//
// PKCS#1 v1.5 decryption uses *implicit rejection* (draft-irtf-cfrg-rsa-guidance, as OpenSSL 3.2+
// does): a ciphertext whose padding is bad does not fail, it decrypts (Success) to a synthetic message
// derived from the private key and the ciphertext, the same on every call, chosen without
// data-dependent branches, so no answer tells good padding from bad and the server is no
// Bleichenbacher / Marvin oracle. A caller that sends a corrupted ciphertext gets random-looking bytes
// back, not an error: protocols above PKCS#1 v1.5 must check what they decrypt. Node 20's OpenSSL 3.0
// has no implicit rejection, and node:crypto refuses RSA_PKCS1_PADDING in privateDecrypt
// (CVE-2023-46809), so the raw RSA primitive (RSA_NO_PADDING, blinded by OpenSSL) is followed by the
// decoding of src/crypto/rsa-pkcs1.ts (the Rust addon's, or the same in TypeScript). Only a ciphertext
// that is not k bytes long or not below the modulus (public facts) gets Cryptographic Failure.
import { constants, createHash, privateDecrypt, publicEncrypt, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import {
  CryptographicAlgorithm as Alg, HashingAlgorithm as Hash, MaskGenerator, ObjectType, PaddingMethod, ResultReason, Tag,
} from '../../dict/index.js';
import type { TtlvItem } from '../../ttlv/types.js';
import { KmipError, invalidField } from '../errors.js';
import { bytes, child, read } from '../items.js';
import type { OpContext } from '../context.js';
import { first, uidItem, type ManagedObject } from '../object.js';
import { DIGESTS as HASHES, keyObjectOfStored } from '../asymmetric.js';
import { rsaPkcs1Decrypt } from '../../crypto/rsa-pkcs1.js';


export type RsaPlan =
  | { padding: 'oaep'; hash: string; hashBytes: number; mgf1Hash: string; label: Buffer }
  | { padding: 'pkcs1' };

/** A defect of the request's parameters: the RSA module's own error, mapped to a Result Reason by the caller. */
export class RsaError extends Error {
  constructor(readonly kind: 'params' | 'unsupported' | 'length' | 'crypto', message: string) {
    super(message);
    this.name = 'RsaError';
  }
}

/** The padding scheme the Cryptographic Parameters ask for (undefined params: none given). */
export function rsaPlan(params: TtlvItem | undefined): RsaPlan {
  const alg = read.enum(child(params, Tag.CryptographicAlgorithm));
  if (alg !== undefined && alg !== Alg.RSA) throw new RsaError('params', 'the Cryptographic Parameters name an algorithm other than the key\'s (RSA)');
  if (child(params, Tag.BlockCipherMode)) throw new RsaError('params', 'RSA encryption takes no Block Cipher Mode');
  const padding = read.enum(child(params, Tag.PaddingMethod));
  if (padding === undefined) throw new RsaError('params', 'RSA encryption needs a Padding Method (OAEP, or PKCS1 v1.5) in the request or the key\'s Cryptographic Parameters');
  if (padding === PaddingMethod.PKCS1V1_5) return { padding: 'pkcs1' };
  if (padding === PaddingMethod.None) throw new RsaError('unsupported', 'raw RSA (Padding Method None) is not offered: use OAEP');
  if (padding !== PaddingMethod.OAEP) throw new RsaError('params', 'RSA encryption pads with OAEP or PKCS1 v1.5');
  const mg = read.enum(child(params, Tag.MaskGenerator));
  if (mg !== undefined && mg !== MaskGenerator.MGF1) throw new RsaError('unsupported', 'OAEP supports the MGF1 Mask Generator only');
  const hashEnum = read.enum(child(params, Tag.HashingAlgorithm)) ?? Hash.SHA_1;
  const mgfEnum = read.enum(child(params, Tag.MaskGeneratorHashingAlgorithm)) ?? Hash.SHA_1;
  const h = HASHES[hashEnum];
  const m = HASHES[mgfEnum];
  if (!h || !m) throw new RsaError('unsupported', 'OAEP supports SHA-1, SHA-2 (224 to 512) and SHA-3 hashes');
  const label = read.bytes(child(params, Tag.PSource));
  return { padding: 'oaep', hash: h.name, hashBytes: h.bytes, mgf1Hash: m.name, label: Buffer.from(label ?? new Uint8Array(0)) };
}

const modulusBytes = (key: KeyObject): number => Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);

/** The longest message `plan` encrypts under a k-byte modulus (RFC 8017 §7.1.1, §7.2.1). */
export function maxMessage(k: number, plan: RsaPlan): number {
  return plan.padding === 'oaep' ? k - 2 * plan.hashBytes - 2 : k - 11;
}

/** MGF1 (RFC 8017 §B.2.1). */
function mgf1(hash: string, seed: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  const counter = Buffer.alloc(4);
  for (let done = 0, i = 0; done < length; i++) {
    counter.writeUInt32BE(i, 0);
    const block = createHash(hash).update(seed).update(counter).digest();
    done += block.copy(out, done);
  }
  return out;
}

function xorInto(target: Buffer, mask: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i] ^= mask[i];
}

/** EME-OAEP encoding (RFC 8017 §7.1.1 step 2) of `msg` into k bytes. */
export function oaepEncode(k: number, plan: Extract<RsaPlan, { padding: 'oaep' }>, msg: Uint8Array, seed: Uint8Array = randomBytes(plan.hashBytes)): Buffer {
  const hLen = plan.hashBytes;
  if (msg.length > k - 2 * hLen - 2) throw new RsaError('length', `OAEP with this key and hash encrypts at most ${Math.max(0, k - 2 * hLen - 2)} bytes`);
  const db = Buffer.alloc(k - hLen - 1);
  createHash(plan.hash).update(plan.label).digest().copy(db, 0);
  db[db.length - msg.length - 1] = 0x01;
  db.set(msg, db.length - msg.length);
  xorInto(db, mgf1(plan.mgf1Hash, seed, db.length));
  const maskedSeed = Buffer.from(seed);
  xorInto(maskedSeed, mgf1(plan.mgf1Hash, db, hLen));
  return Buffer.concat([Buffer.alloc(1), maskedSeed, db]);
}

/**
 * EME-OAEP decoding (RFC 8017 §7.1.2 step 3). Every check is made whatever the others found, and all
 * failures are one error, so neither the result nor the path taken tells which check failed.
 */
export function oaepDecode(k: number, plan: Extract<RsaPlan, { padding: 'oaep' }>, em: Uint8Array): Buffer {
  const hLen = plan.hashBytes;
  if (em.length !== k || k < 2 * hLen + 2) throw new RsaError('crypto', 'decryption failed');
  const seed = Buffer.from(em.subarray(1, 1 + hLen));
  const db = Buffer.from(em.subarray(1 + hLen));
  xorInto(seed, mgf1(plan.mgf1Hash, db, hLen));
  xorInto(db, mgf1(plan.mgf1Hash, seed, db.length));
  const lHash = createHash(plan.hash).update(plan.label).digest();
  let good = (timingSafeEqual(lHash, db.subarray(0, hLen)) ? 1 : 0) & (((em[0] | 0) - 1) >>> 31);
  let found = 0;
  let index = 0;
  let stray = 0;
  for (let i = hLen; i < db.length; i++) {
    const b = db[i];
    const isOne = ((b ^ 1) - 1) >>> 31;
    const isZero = (b - 1) >>> 31;
    const before = found ^ 1;
    const take = -(before & isOne);
    index = (index & ~take) | (i & take);
    stray |= before & (isZero ^ 1) & (isOne ^ 1);
    found |= isOne;
  }
  good &= found & (stray ^ 1);
  seed.fill(0);
  if (good !== 1) {
    db.fill(0);
    throw new RsaError('crypto', 'decryption failed');
  }
  const out = Buffer.from(db.subarray(index + 1));
  db.fill(0);
  return out;
}

/** Encrypts `msg` with an RSA public key. */
export function rsaEncrypt(key: KeyObject, plan: RsaPlan, msg: Uint8Array): Buffer {
  const k = modulusBytes(key);
  const max = maxMessage(k, plan);
  if (msg.length > max) {
    throw new RsaError('length', `${plan.padding === 'oaep' ? 'OAEP' : 'PKCS#1 v1.5'} with this ${k * 8}-bit key${plan.padding === 'oaep' ? ' and hash' : ''} encrypts at most ${Math.max(0, max)} bytes`);
  }
  try {
    if (plan.padding === 'pkcs1') return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, msg);
    if (plan.hash === plan.mgf1Hash) return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: plan.hash, oaepLabel: plan.label }, msg);
    const em = oaepEncode(k, plan, msg);
    try {
      return publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, em);
    } finally {
      em.fill(0);
    }
  } catch (err) {
    if (err instanceof RsaError) throw err;
    throw new RsaError('crypto', 'the encryption failed');
  }
}

/**
 * Decrypts `ciphertext` with an RSA private key. PKCS#1 v1.5 with implicit rejection: a badly padded
 * ciphertext returns its synthetic message, not an error (see the top of the file).
 */
export function rsaDecrypt(key: KeyObject, plan: RsaPlan, ciphertext: Uint8Array): Buffer {
  const k = modulusBytes(key);
  // One answer for every defect, the length included.
  if (ciphertext.length !== k) throw new RsaError('crypto', 'decryption failed');
  if (plan.padding === 'pkcs1') {
    try {
      return rsaPkcs1Decrypt(key, ciphertext);
    } catch {
      // Only public defects get here (a ciphertext not below the modulus).
      throw new RsaError('crypto', 'decryption failed');
    }
  }
  if (plan.hash === plan.mgf1Hash) {
    try {
      return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: plan.hash, oaepLabel: plan.label }, ciphertext);
    } catch {
      throw new RsaError('crypto', 'decryption failed');
    }
  }
  let em: Buffer;
  try {
    em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext);
  } catch {
    throw new RsaError('crypto', 'decryption failed');
  }
  try {
    return oaepDecode(k, plan, em);
  } finally {
    em.fill(0);
  }
}

// ---- The KMIP side: Encrypt and Decrypt requests whose key is a Public / Private Key ----

/** Whether Encrypt / Decrypt should take the RSA path for this object. */
export const isAsymmetricKey = (obj: ManagedObject): boolean => obj.objectType === ObjectType.PublicKey || obj.objectType === ObjectType.PrivateKey;

function kmipError(ctx: OpContext, err: unknown): KmipError {
  if (err instanceof KmipError) return err;
  if (err instanceof RsaError) {
    if (err.kind === 'params') return new KmipError(ctx.v >= 20 ? ResultReason.BadCryptographicParameters : ResultReason.InvalidField, err.message);
    if (err.kind === 'unsupported') return new KmipError(ResultReason.FeatureNotSupported, err.message);
    if (err.kind === 'length') return invalidField(err.message);
    return new KmipError(ResultReason.CryptographicFailure, err.message);
  }
  return new KmipError(ResultReason.CryptographicFailure, 'the cryptographic operation failed');
}

/** Refuses request fields that belong to symmetric ciphers (and multi-part, already refused by the caller). */
function noSymmetricFields(payload: TtlvItem | undefined): void {
  for (const [tag, name] of [
    [Tag.IVCounterNonce, 'IV/Counter/Nonce'],
    [Tag.AuthenticatedEncryptionAdditionalData, 'Authenticated Encryption Additional Data'],
    [Tag.AuthenticatedEncryptionTag, 'Authenticated Encryption Tag'],
  ] as const) {
    if (child(payload, tag)) throw new RsaError('params', `RSA encryption takes no ${name}`);
  }
}

async function prepare(ctx: OpContext, payload: TtlvItem | undefined, uid: string, obj: ManagedObject, what: string): Promise<{ key: KeyObject; plan: RsaPlan; data: Uint8Array }> {
  const params = read.struct(child(payload, Tag.CryptographicParameters)) ?? read.struct(first(obj, 'Cryptographic Parameters'));
  const data = read.bytes(child(payload, Tag.Data));
  if (data === undefined) throw invalidField(`${what} needs Data`);
  noSymmetricFields(payload);
  const plan = rsaPlan(params);
  const key = keyObjectOfStored(await ctx.tx.getMaterial(uid));
  if (key.asymmetricKeyType !== 'rsa') throw new RsaError('unsupported', `${what} with a Public / Private Key supports RSA keys only`);
  return { key, plan, data };
}

/** Encrypt with a Public Key the caller may use for it (checked by the caller). */
export async function encryptWithPublicKey(ctx: OpContext, payload: TtlvItem | undefined, uid: string, obj: ManagedObject): Promise<TtlvItem[]> {
  try {
    const { key, plan, data } = await prepare(ctx, payload, uid, obj, 'Encrypt');
    const out = rsaEncrypt(key, plan, data);
    ctx.placeholder = uid;
    return [uidItem(uid), bytes(Tag.Data, out)];
  } catch (err) {
    throw kmipError(ctx, err);
  }
}

/** Decrypt with a Private Key the caller may use for it (checked by the caller). */
export async function decryptWithPrivateKey(ctx: OpContext, payload: TtlvItem | undefined, uid: string, obj: ManagedObject): Promise<TtlvItem[]> {
  try {
    const { key, plan, data } = await prepare(ctx, payload, uid, obj, 'Decrypt');
    const out = rsaDecrypt(key, plan, data);
    ctx.placeholder = uid;
    return [uidItem(uid), bytes(Tag.Data, out)];
  } catch (err) {
    throw kmipError(ctx, err);
  }
}
