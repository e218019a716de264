// Encrypt, Decrypt, MAC, MAC Verify, Hash and RNG Seed (KMIP 1.2+), single-part only. The key must be a
// Symmetric Key the caller may use for the operation, whose Cryptographic Usage Mask has the operation's
// bit and whose state permits it: protecting (Encrypt, MAC) needs Active; processing (Decrypt, MAC
// Verify) also works Deactivated or Compromised. Parameters come from the request's Cryptographic
// Parameters, else from the key's own Cryptographic Parameters attribute. The primitives live in
// ../crypto/symmetric.ts. Key and plaintext buffers made here are zeroed after use.
import { randomBytes } from 'node:crypto';
import {
  BlockCipherMode, CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, HashingAlgorithm as Hash, ObjectType, PaddingMethod,
  ResultReason, Tag, UsageLimitsUnit, ValidityIndicator,
} from '../../dict/index.js';
import { decode } from '../../ttlv/index.js';
import type { StructureItem, TtlvItem } from '../../ttlv/types.js';
import { KmipError, invalidField } from '../errors.js';
import { bytes, child, enm, int, long, read, struct } from '../items.js';
import { load, save, uidOf, wrongState, type OpContext, Operation } from '../context.js';
import { dateOf, first, setOne, stateOf, uidItem, type ManagedObject } from '../object.js';
import { symmetricKeyBytes, wipe } from '../objects.js';
import { canProcess, canProtect, isDestroyed } from '../lifecycle.js';
import * as sym from '../crypto/symmetric.js';

type Use = 'encrypt' | 'decrypt' | 'mac' | 'macVerify';

const USE: Record<Use, { op: number; bit: number; protect: boolean; name: string; bitName: string }> = {
  encrypt: { op: Operation.Encrypt, bit: Mask.Encrypt, protect: true, name: 'Encrypt', bitName: 'Encrypt' },
  decrypt: { op: Operation.Decrypt, bit: Mask.Decrypt, protect: false, name: 'Decrypt', bitName: 'Decrypt' },
  mac: { op: Operation.MAC, bit: Mask.MACGenerate, protect: true, name: 'MAC', bitName: 'MAC Generate' },
  macVerify: { op: Operation.MACVerify, bit: Mask.MACVerify, protect: false, name: 'MAC Verify', bitName: 'MAC Verify' },
};

/** Parameters KMIP 2.x names precisely; 1.x had only Invalid Field for them. */
const badParams = (ctx: OpContext, msg: string) => new KmipError(ctx.v >= 20 ? ResultReason.BadCryptographicParameters : ResultReason.InvalidField, msg);
const unsupported = (msg: string) => new KmipError(ResultReason.FeatureNotSupported, msg);
/** "Object specified is not able to be used for ..." is Permission Denied in 1.x. */
const unusable = (ctx: OpContext, reason2x: number, msg: string) => new KmipError(ctx.v >= 20 ? reason2x : ResultReason.PermissionDenied, msg);

/** Refuses the parts of multi-part (streaming) operations: only single-part requests are performed. */
function singlePart(payload: TtlvItem | undefined): void {
  const correlation = child(payload, Tag.CorrelationValue);
  const init = read.bool(child(payload, Tag.InitIndicator));
  const final = read.bool(child(payload, Tag.FinalIndicator));
  if (correlation !== undefined || (init === true && final !== true) || final === false) {
    throw unsupported('multi-part cryptographic operations (Correlation Value, Init and Final Indicators) are not supported: send the data in one request');
  }
}

/** Loads the key for `use`, enforcing object type, material, state and usage mask; its raw bytes (zero them when done). */
async function keyFor(ctx: OpContext, payload: TtlvItem | undefined, use: Use): Promise<{ uid: string; obj: ManagedObject; key: Uint8Array; body: StructureItem }> {
  const u = USE[use];
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, u.op);
  if (obj.objectType !== ObjectType.SymmetricKey) {
    throw unusable(ctx, ResultReason.InvalidObjectType, `${u.name} needs a Symmetric Key`);
  }
  const state = stateOf(obj);
  if (isDestroyed(state) || !obj.hasMaterial) throw new KmipError(ResultReason.KeyValueNotPresent, 'the key is destroyed: its material is gone');
  if (!(u.protect ? canProtect(state) : canProcess(state))) {
    throw ctx.v >= 20
      ? wrongState(ctx, u.protect ? `${u.name} needs an Active key` : `${u.name} needs an Active, Deactivated or Compromised key`)
      : new KmipError(ResultReason.PermissionDenied, `the key's state does not permit ${u.name}`);
  }
  // Protect Stop Date ends protection; Process Start Date begins processing (KMIP 2.1 §4.42, §4.43).
  const protectStop = dateOf(obj, 'Protect Stop Date');
  const processStart = dateOf(obj, 'Process Start Date');
  if (u.protect ? protectStop !== undefined && protectStop <= ctx.now : processStart !== undefined && processStart > ctx.now) {
    // The OASIS test case CS-BC-M-14 expects Permission Denied up to 2.0 and Wrong Key Lifecycle State at 2.1.
    throw new KmipError(ctx.v >= 21 ? ResultReason.WrongKeyLifecycleState : ResultReason.PermissionDenied,
      u.protect ? `the key's Protect Stop Date has passed: no ${u.name}` : `the key's Process Start Date has not come: no ${u.name}`);
  }
  const mask = read.int(first(obj, 'Cryptographic Usage Mask')) ?? 0;
  if ((mask & u.bit) === 0) {
    throw unusable(ctx, ResultReason.IncompatibleCryptographicUsageMask, `the key's Cryptographic Usage Mask does not include ${u.bitName}`);
  }
  const material = await ctx.tx.getMaterial(uid);
  if (!material) throw new KmipError(ResultReason.KeyValueNotPresent, 'the key holds no material');
  const body = decode(material) as StructureItem;
  material.fill(0);
  const raw = symmetricKeyBytes(body);
  if (!raw) {
    wipe(body);
    throw new KmipError(ResultReason.KeyValueNotPresent, 'the key material is wrapped or in a format the server cannot use');
  }
  const key = Buffer.from(raw);
  wipe(body);
  return { uid, obj, key, body };
}

/** The request's Cryptographic Parameters, else the key's own (first) Cryptographic Parameters attribute. */
function paramsFor(payload: TtlvItem | undefined, obj: ManagedObject): TtlvItem | undefined {
  return read.struct(child(payload, Tag.CryptographicParameters)) ?? read.struct(first(obj, 'Cryptographic Parameters'));
}

const keyAlgorithm = (obj: ManagedObject, body: StructureItem): number | undefined =>
  read.enum(first(obj, 'Cryptographic Algorithm')) ?? read.enum(child(child(body, Tag.KeyBlock), Tag.CryptographicAlgorithm));

function data(payload: TtlvItem | undefined, name: string, tag: number = Tag.Data): Uint8Array {
  const d = read.bytes(child(payload, tag));
  if (d === undefined) throw invalidField(`${name} needs ${tag === Tag.Data ? 'Data' : 'MAC Data'}`);
  return d;
}

interface CipherPlan {
  mode: sym.Mode;
  pad: boolean;
  ivLength: number; // bytes; 0 for ECB; the length a server-made IV gets
  /** Whether a given IV must be exactly ivLength (GCM takes any length unless IV Length says). */
  ivFixed: boolean;
  tagLength: number; // bytes; 0 when not authenticated
  randomIv: boolean;
  /** ChaCha20: the block counter the keystream starts at. */
  counter: number;
}

const MODES: Partial<Record<number, sym.Mode>> = {
  [BlockCipherMode.GCM]: 'gcm',
  [BlockCipherMode.CBC]: 'cbc',
  [BlockCipherMode.CTR]: 'ctr',
  [BlockCipherMode.ECB]: 'ecb',
};
const GCM_TAG_LENGTHS = new Set([4, 8, 12, 13, 14, 15, 16]);

function cipherPlan(ctx: OpContext, params: TtlvItem | undefined, algorithm: number | undefined): CipherPlan {
  const asked = read.enum(child(params, Tag.CryptographicAlgorithm));
  if (asked !== undefined && algorithm !== undefined && asked !== algorithm) {
    throw badParams(ctx, 'the Cryptographic Parameters name an algorithm other than the key\'s');
  }
  const alg = algorithm ?? asked;
  const modeEnum = read.enum(child(params, Tag.BlockCipherMode));
  const padding = read.enum(child(params, Tag.PaddingMethod));
  const ivBits = read.int(child(params, Tag.IVLength));
  const tagLen = read.int(child(params, Tag.TagLength));
  const randomIv = read.bool(child(params, Tag.RandomIV)) ?? false;
  const counter = read.int(child(params, Tag.InitialCounterValue)) ?? 0;
  if (ivBits !== undefined && (ivBits <= 0 || ivBits % 8 !== 0)) throw badParams(ctx, 'IV Length must be a positive multiple of 8 bits');
  let mode: sym.Mode;
  if (alg === Alg.AES) {
    if (modeEnum === undefined) throw badParams(ctx, 'AES needs a Block Cipher Mode (in the request or the key\'s Cryptographic Parameters)');
    const m = MODES[modeEnum];
    if (!m) throw unsupported('supported Block Cipher Modes for AES: GCM, CBC, CTR, ECB');
    mode = m;
  } else if (alg === Alg.ChaCha20) {
    mode = 'chacha20';
  } else if (alg === Alg.ChaCha20Poly1305) {
    mode = 'chacha20-poly1305';
  } else {
    throw unsupported('Encrypt and Decrypt support AES, ChaCha20 and ChaCha20-Poly1305 keys');
  }
  let pad = false;
  if (mode === 'cbc' || mode === 'ecb') {
    // No Padding Method means none, as the OASIS test cases (CS-BC-M-4 and others) expect.
    if (padding === PaddingMethod.PKCS5) pad = true;
    else if (padding !== undefined && padding !== PaddingMethod.None) throw unsupported('CBC and ECB support Padding Method PKCS5 or None');
  } else if (padding !== undefined && padding !== PaddingMethod.None) {
    throw badParams(ctx, 'padding applies to CBC and ECB only');
  }
  const defaultIv = mode === 'ecb' ? 0 : mode === 'gcm' || mode === 'chacha20' || mode === 'chacha20-poly1305' ? 12 : 16;
  const ivLength = ivBits === undefined ? defaultIv : ivBits / 8;
  if (mode === 'ecb' && ivBits !== undefined) throw badParams(ctx, 'ECB takes no IV');
  if ((mode === 'cbc' || mode === 'ctr') && ivLength !== 16) throw badParams(ctx, `${mode.toUpperCase()} needs a 128-bit IV`);
  if (mode === 'chacha20' && ivLength !== 12 && ivLength !== 8) throw badParams(ctx, 'ChaCha20 needs a 64 or 96-bit nonce');
  if (mode === 'chacha20-poly1305' && ivLength !== 12) throw badParams(ctx, 'ChaCha20-Poly1305 needs a 96-bit nonce');
  if (mode === 'gcm' && ivLength > 128) throw badParams(ctx, 'GCM IVs up to 1024 bits are accepted');
  const aead = mode === 'gcm' || mode === 'chacha20-poly1305';
  const tagLength = aead ? (tagLen ?? 16) : 0;
  if (aead && !tagLengthOk(mode, tagLength)) {
    throw badParams(ctx, mode === 'gcm' ? 'GCM Tag Length must be 4, 8 or 12 to 16 bytes' : 'ChaCha20-Poly1305 Tag Length must be 4 to 16 bytes');
  }
  if (mode === 'chacha20' && (counter < 0 || !Number.isInteger(counter))) throw badParams(ctx, 'Initial Counter Value must not be negative');
  // A GCM IV of any length the client gives is used when IV Length does not fix one.
  return { mode, pad, ivLength, ivFixed: mode !== 'gcm' || ivBits !== undefined, tagLength, randomIv, counter };
}

/** GCM tags per SP 800-38D; ChaCha20-Poly1305 tags may be truncated (the OASIS test cases check 12). */
const tagLengthOk = (mode: sym.Mode, n: number): boolean => (mode === 'gcm' ? GCM_TAG_LENGTHS.has(n) : n >= 4 && n <= 16);

/** The IV the primitive takes: ChaCha20's is OpenSSL's 16 bytes, a little-endian block counter then the nonce. */
function primitiveIv(plan: CipherPlan, iv: Uint8Array): Uint8Array {
  if (plan.mode !== 'chacha20') return iv;
  // 96-bit nonce (RFC 8439): a 32-bit counter; 64-bit nonce (the original ChaCha20): a 64-bit counter.
  const out = Buffer.alloc(16);
  if (iv.length === 8) out.writeBigUInt64LE(BigInt(plan.counter), 0);
  else out.writeUInt32LE(plan.counter >>> 0, 0);
  out.set(iv, 16 - iv.length);
  return out;
}

function checkIv(plan: CipherPlan, iv: Uint8Array | undefined): void {
  if (iv === undefined || plan.ivLength === 0) return;
  const ok = !plan.ivFixed ? iv.length > 0 && iv.length <= 128 : plan.mode === 'chacha20' ? iv.length === 8 || iv.length === 12 : iv.length === plan.ivLength;
  if (!ok) {
    throw invalidField(plan.ivFixed ? `the IV/Counter/Nonce must be ${plan.ivLength} bytes` : 'a GCM IV is 1 to 128 bytes');
  }
}

/** A missing IV is Invalid Message, as the OASIS test cases (CS-BC-M-11 to 13, at 1.x and 2.x) expect,
 *  rather than 2.x's Missing Initialization Vector. */
const missingIv = (message: string) => new KmipError(ResultReason.InvalidMessage, message);

/**
 * Encrypt obtains an allocation from the key's Usage Limits, when it has them (KMIP 2.1 §6.1.17): the
 * data's length in bytes, or one per operation for unit Object. Usage Limits Count is what is left
 * (the Total until the first use). Returns the attribute to store once the operation has succeeded.
 */
function allocate(obj: ManagedObject, bytesUsed: number): TtlvItem | undefined {
  const limits = read.struct(first(obj, 'Usage Limits'));
  if (!limits) return undefined;
  const total = read.long(child(limits, Tag.UsageLimitsTotal));
  const left = read.long(child(limits, Tag.UsageLimitsCount)) ?? total;
  if (left === undefined) return undefined;
  const unit = read.enum(child(limits, Tag.UsageLimitsUnit));
  const need = BigInt(unit === UsageLimitsUnit.Object ? 1 : bytesUsed);
  if (need > left) throw new KmipError(ResultReason.PermissionDenied, 'the key\'s Usage Limits do not allow this much more use');
  return struct(Tag.UsageLimits, [
    total !== undefined ? long(Tag.UsageLimitsTotal, total) : undefined,
    long(Tag.UsageLimitsCount, left - need),
    unit !== undefined ? enm(Tag.UsageLimitsUnit, unit) : undefined,
  ]);
}

function cryptoError(err: unknown): KmipError {
  if (err instanceof sym.SymmetricError) {
    return new KmipError(err.kind === 'crypto' ? ResultReason.CryptographicFailure : ResultReason.InvalidField, err.message);
  }
  return new KmipError(ResultReason.CryptographicFailure, 'the cryptographic operation failed');
}

export async function encrypt(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  singlePart(payload);
  const { uid, obj, key, body } = await keyFor(ctx, payload, 'encrypt');
  try {
    const plan = cipherPlan(ctx, paramsFor(payload, obj), keyAlgorithm(obj, body));
    const plaintext = data(payload, 'Encrypt');
    let iv = read.bytes(child(payload, Tag.IVCounterNonce));
    let generated = false;
    if (plan.ivLength > 0 && iv === undefined) {
      if (!plan.randomIv) {
        throw missingIv('the mode needs an IV/Counter/Nonce, or Random IV in the Cryptographic Parameters');
      }
      iv = randomBytes(plan.ivLength);
      generated = true;
    }
    if (plan.ivLength === 0 && iv !== undefined && iv.length > 0) throw badParams(ctx, 'ECB takes no IV');
    checkIv(plan, iv);
    if ((plan.mode === 'cbc' || plan.mode === 'ecb') && !plan.pad && plaintext.length % sym.BLOCK !== 0) {
      throw invalidField('without padding the data must be a multiple of 16 bytes');
    }
    const used = allocate(obj, plaintext.length);
    let out;
    try {
      out = sym.encrypt({ mode: plan.mode, key, iv: primitiveIv(plan, iv ?? new Uint8Array(0)), data: plaintext, pad: plan.pad, aad: read.bytes(child(payload, Tag.AuthenticatedEncryptionAdditionalData)), tagLength: plan.tagLength || undefined });
    } catch (err) {
      throw cryptoError(err);
    }
    if (used) {
      setOne(obj, 'Usage Limits', used);
      await save(ctx, obj);
    }
    ctx.placeholder = uid;
    return [
      uidItem(uid),
      bytes(Tag.Data, out.data),
      generated ? bytes(Tag.IVCounterNonce, iv!) : undefined,
      out.tag ? bytes(Tag.AuthenticatedEncryptionTag, out.tag) : undefined,
    ].filter((x): x is TtlvItem => x !== undefined);
  } finally {
    key.fill(0);
  }
}

export async function decrypt(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  singlePart(payload);
  const { uid, obj, key, body } = await keyFor(ctx, payload, 'decrypt');
  try {
    const plan = cipherPlan(ctx, paramsFor(payload, obj), keyAlgorithm(obj, body));
    const ciphertext = data(payload, 'Decrypt');
    const iv = read.bytes(child(payload, Tag.IVCounterNonce));
    if (plan.ivLength > 0 && iv === undefined) throw missingIv('Decrypt needs the IV/Counter/Nonce used to encrypt');
    if (plan.ivLength === 0 && iv !== undefined && iv.length > 0) throw badParams(ctx, 'ECB takes no IV');
    checkIv(plan, iv);
    const tag = read.bytes(child(payload, Tag.AuthenticatedEncryptionTag));
    if (plan.tagLength > 0) {
      if (tag === undefined) throw invalidField('an authenticated mode needs the Authenticated Encryption Tag to decrypt');
      const explicit = read.int(child(paramsFor(payload, obj), Tag.TagLength));
      if (explicit !== undefined ? tag.length !== explicit : !tagLengthOk(plan.mode, tag.length)) {
        throw invalidField('the Authenticated Encryption Tag has the wrong length');
      }
    }
    if ((plan.mode === 'cbc' || plan.mode === 'ecb') && ciphertext.length % sym.BLOCK !== 0) {
      throw new KmipError(ResultReason.CryptographicFailure, 'the data is not a multiple of the block size');
    }
    let plaintext: Buffer;
    try {
      plaintext = sym.decrypt({ mode: plan.mode, key, iv: primitiveIv(plan, iv ?? new Uint8Array(0)), data: ciphertext, pad: plan.pad, aad: read.bytes(child(payload, Tag.AuthenticatedEncryptionAdditionalData)), tag: plan.tagLength > 0 ? tag : undefined });
    } catch (err) {
      throw cryptoError(err);
    }
    // The plaintext leaves in the response: its buffer is the response's, encoded and then dropped.
    ctx.placeholder = uid;
    return [uidItem(uid), bytes(Tag.Data, plaintext)];
  } finally {
    key.fill(0);
  }
}

const HMAC_HASH: Partial<Record<number, sym.HashName>> = {
  [Alg.HMAC_SHA1]: 'sha1', [Alg.HMAC_SHA224]: 'sha224', [Alg.HMAC_SHA256]: 'sha256', [Alg.HMAC_SHA384]: 'sha384', [Alg.HMAC_SHA512]: 'sha512',
  [Alg.HMAC_SHA3_224]: 'sha3-224', [Alg.HMAC_SHA3_256]: 'sha3-256', [Alg.HMAC_SHA3_384]: 'sha3-384', [Alg.HMAC_SHA3_512]: 'sha3-512',
};
const HASHES: Partial<Record<number, sym.HashName>> = {
  [Hash.MD5]: 'md5', [Hash.SHA_1]: 'sha1', [Hash.SHA_224]: 'sha224', [Hash.SHA_256]: 'sha256', [Hash.SHA_384]: 'sha384', [Hash.SHA_512]: 'sha512',
  [Hash.SHA_512_224]: 'sha512-224', [Hash.SHA_512_256]: 'sha512-256',
  [Hash.SHA3_224]: 'sha3-224', [Hash.SHA3_256]: 'sha3-256', [Hash.SHA3_384]: 'sha3-384', [Hash.SHA3_512]: 'sha3-512',
};
const HASH_ALGS: Partial<Record<number, sym.HashName>> = {
  [Alg.SHA3_224]: 'sha3-224', [Alg.SHA3_256]: 'sha3-256', [Alg.SHA3_384]: 'sha3-384', [Alg.SHA3_512]: 'sha3-512',
};

type MacPlan = { kind: 'hmac'; hash: sym.HashName } | { kind: 'cmac' };

/**
 * HMAC when the parameters or the key name an HMAC algorithm (a Hashing Algorithm in the parameters
 * may name the hash of an HMAC key), CMAC for an AES key with Block Cipher Mode CMAC.
 */
function macPlan(ctx: OpContext, params: TtlvItem | undefined, algorithm: number | undefined): MacPlan {
  const asked = read.enum(child(params, Tag.CryptographicAlgorithm));
  const hashing = read.enum(child(params, Tag.HashingAlgorithm));
  const mode = read.enum(child(params, Tag.BlockCipherMode));
  const hmacOf = (alg: number): MacPlan => {
    const hash = HMAC_HASH[alg]!;
    if (hashing !== undefined && HASHES[hashing] !== hash) throw badParams(ctx, 'the Hashing Algorithm does not match the HMAC algorithm');
    return { kind: 'hmac', hash };
  };
  if (asked !== undefined && HMAC_HASH[asked]) return hmacOf(asked);
  if (asked !== undefined && asked !== algorithm && !(asked === Alg.AES && algorithm === undefined)) {
    if (asked === Alg.HMAC_MD5) throw unsupported('HMAC-MD5 is not supported');
    throw badParams(ctx, 'the Cryptographic Parameters name an algorithm the key cannot MAC with');
  }
  if (algorithm !== undefined && HMAC_HASH[algorithm]) return hmacOf(algorithm);
  if (algorithm === Alg.AES || asked === Alg.AES) {
    if (mode === BlockCipherMode.CMAC) return { kind: 'cmac' };
    if (mode === undefined) throw badParams(ctx, 'an AES key MACs with Block Cipher Mode CMAC: name it in the Cryptographic Parameters');
    throw unsupported('AES MACs are CMAC only');
  }
  if (hashing !== undefined && algorithm === undefined) {
    const hash = HASHES[hashing];
    if (!hash || hash === 'md5') throw unsupported('that Hashing Algorithm is not supported for HMAC');
    return { kind: 'hmac', hash };
  }
  throw unsupported('MAC supports HMAC (SHA-1, SHA-2, SHA-3) and CMAC with AES keys');
}

function computeMac(plan: MacPlan, key: Uint8Array, msg: Uint8Array): Buffer {
  try {
    return plan.kind === 'hmac' ? sym.hmac(plan.hash, key, msg) : sym.cmacAes(key, msg);
  } catch (err) {
    throw cryptoError(err);
  }
}

export async function mac(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  singlePart(payload);
  const { uid, obj, key, body } = await keyFor(ctx, payload, 'mac');
  try {
    const plan = macPlan(ctx, paramsFor(payload, obj), keyAlgorithm(obj, body));
    if (plan.kind === 'cmac' && ![16, 24, 32].includes(key.length)) throw invalidField('CMAC needs a 128, 192 or 256-bit AES key');
    const out = computeMac(plan, key, data(payload, 'MAC'));
    ctx.placeholder = uid;
    return [uidItem(uid), bytes(Tag.MACData, out)];
  } finally {
    key.fill(0);
  }
}

export async function macVerify(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  singlePart(payload);
  const { uid, obj, key, body } = await keyFor(ctx, payload, 'macVerify');
  try {
    const plan = macPlan(ctx, paramsFor(payload, obj), keyAlgorithm(obj, body));
    if (plan.kind === 'cmac' && ![16, 24, 32].includes(key.length)) throw invalidField('CMAC needs a 128, 192 or 256-bit AES key');
    const msg = data(payload, 'MAC Verify (HMAC and CMAC need the data that was MACed)');
    const given = data(payload, 'MAC Verify', Tag.MACData);
    const expected = computeMac(plan, key, msg);
    const valid = sym.macEqual(expected, given);
    expected.fill(0);
    ctx.placeholder = uid;
    return [uidItem(uid), enm(Tag.ValidityIndicator, valid ? ValidityIndicator.Valid : ValidityIndicator.Invalid)];
  } finally {
    key.fill(0);
  }
}

export function hash(ctx: OpContext, payload: TtlvItem | undefined): TtlvItem[] {
  singlePart(payload);
  const params = read.struct(child(payload, Tag.CryptographicParameters));
  if (!params) throw invalidField('Hash needs Cryptographic Parameters naming the Hashing Algorithm');
  const h = read.enum(child(params, Tag.HashingAlgorithm));
  const a = read.enum(child(params, Tag.CryptographicAlgorithm));
  if (h === undefined && a === undefined) throw invalidField('Hash needs a Hashing Algorithm');
  const name = h !== undefined ? HASHES[h] : HASH_ALGS[a!];
  if (!name) throw unsupported('Hash supports MD5, SHA-1, SHA-2 and SHA-3');
  if (h !== undefined && a !== undefined && HASH_ALGS[a] !== name) throw invalidField('the Hashing Algorithm and Cryptographic Algorithm disagree');
  void ctx;
  return [bytes(Tag.Data, sym.digest(name, data(payload, 'Hash')))];
}

/**
 * RNG Seed: the server's generator is the operating system's CSPRNG (via node:crypto), which client
 * input does not reseed. The spec lets a server ignore the seed and say so with Data Length 0.
 */
export function rngSeed(_ctx: OpContext, payload: TtlvItem | undefined): TtlvItem[] {
  const seed = data(payload, 'RNG Seed');
  if (seed.length === 0) throw invalidField('RNG Seed needs seed Data');
  return [int(Tag.DataLength, 0)];
}
