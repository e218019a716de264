// Derive Key (KMIP 1.0+; 1.4 §4.6, 2.1 §6.1.14, Derivation Parameters 1.4 Tables 182-183 / 2.1 §7.12):
// a Symmetric Key or Secret Data derived from the material of one or two managed objects, registered as a
// new object and linked both ways (Derivation Base Object Link on it, Derived Key Link on each base).
//
// The first Unique Identifier is the derivation key (Symmetric Key or Secret Data). A second one, a
// Secret Data object, supplies the Derivation Data instead of the Derivation Data field (both at once is
// Invalid Message, 1.4 Table 333). Every base object needs the Derive Key usage bit, an Active state and
// material. The methods:
//   PBKDF2   PKCS#5 / RFC 8018 over the base material (the password) with Salt and Iteration Count; PRF
//            HMAC with the Hashing Algorithm (or HMAC Cryptographic Algorithm) asked for, HMAC-SHA-1 when
//            none is (PKCS#5's default; the OASIS cases TC-DERIVEKEY-3/4 rely on it).
//   HASH     hash of the base material (the spec: "over the derivation key or the derivation data"; with a
//            key always given, Derivation Data is refused rather than guessed at).
//   HMAC     HMAC(base material, Derivation Data); the hash from an HMAC key's algorithm, else from the
//            Hashing Algorithm.
//   ENCRYPT  the Derivation Data encrypted under the base key (AES ECB, CBC or CTR; the Initialization
//            Vector, all zeros when absent: "an empty IV is assumed").
//   NIST800-108-C/-F/-DPI  SP 800-108 counter, feedback and double-pipeline modes with HMAC or AES-CMAC
//            as the PRF: a 32-bit big-endian counter, the fixed input Derivation Data || [L]32 (KMIP:
//            "Derivation Data is Label||0x00||Context"; L is the output length in bits, appended here).
//            Counter mode: K(i) = PRF(KI, [i] || fixed). Feedback: K(i) = PRF(KI, K(i-1) || [i] || fixed)
//            with K(0) the Initialization Vector (empty when absent). Double pipeline: A(0) = fixed,
//            A(i) = PRF(KI, A(i-1)), K(i) = PRF(KI, A(i) || [i] || fixed).
//   HKDF     RFC 5869 (KMIP 2.0+): IKM the base material, salt the Salt, info the Derivation Data; SHA-256
//            unless a Hashing Algorithm is given (2.1 §7.12).
// Asymmetric Key (ECDH) and AWS Signature Version 4 are answered Feature Not Supported.
//
// Output length: the Cryptographic Length attribute (required), a positive multiple of 8 up to
// MAX_DERIVED_BITS; more than a method can produce (HASH, HMAC, ENCRYPT, HKDF's 255 blocks) is
// Cryptographic Failure, as 1.4 Table 333 says. Derived bytes are truncated to the length asked for.
//
// Refusals of a base object: at 1.x the Derive Key error table (1.4 §11.7) gives Invalid Field for a wrong
// type and for an object "not able to be used to derive a new key"; at 2.x the convention of ./usable.ts
// (Invalid Object Type, Incompatible Cryptographic Usage Mask, a lifecycle refusal). A destroyed base
// is Key Value Not Present, an unknown one Item Not Found / Object Not Found, an archived one Object Archived.
import { hkdfSync, pbkdf2 as pbkdf2Cb } from 'node:crypto';
import {
  BlockCipherMode, CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, DerivationMethod as Method, HashingAlgorithm as Hash,
  LinkType, ObjectType, PaddingMethod, ResultReason, SecretDataType, Tag,
} from '../../dict/index.js';
import { decode, encode } from '../../ttlv/index.js';
import type { StructureItem, TtlvItem } from '../../ttlv/types.js';
import type { Attr } from '../attributes/model.js';
import { KmipError, invalidField } from '../errors.js';
import { bytes, child, children, enm, read, struct, text } from '../items.js';
import { load, save, type OpContext, Operation } from '../context.js';
import { dateOf, first, stateOf, toRecord, uidItem, type ManagedObject } from '../object.js';
import { symmetricKey, symmetricKeyBytes, wipe } from '../objects.js';
import { canProtect, isDestroyed } from '../lifecycle.js';
import { protectionStorageFor } from '../policy.js';
import { GRANT_ATTRIBUTE, checkGrantChange, syncGrants } from '../grants.js';
import * as sym from '../crypto/symmetric.js';
import { lifecycleRefusal, maskRefusal, noKeyValue, wrongObjectType } from './usable.js';
import { checkClientAttributes, checkNamesUnique, newObject, requestAttributes } from './common.js';
import { HASHING_ALGORITHMS, HASH_BYTES, HMAC_HASHES } from '../crypto/hashes.js';

/** PBKDF2 Iteration Count above which a request is refused: each iteration is a PRF call on the server. */
export const MAX_ITERATION_COUNT = 2_000_000;
/** PBKDF2 work cap: iterations times output blocks (a long output multiplies the iterations). */
export const MAX_PBKDF2_WORK = 4_000_000;
/** Longest derived object (bits), like the longest generated one in Create. */
export const MAX_DERIVED_BITS = 4096;

/** Key lengths (bits) a derived symmetric key may have, per algorithm; others: any multiple of 8 up to MAX_DERIVED_BITS. */
const SYMMETRIC_LENGTHS: Readonly<Record<number, readonly number[]>> = {
  [Alg.AES]: [128, 192, 256],
  [Alg.Camellia]: [128, 192, 256],
  [Alg.ChaCha20]: [256],
  [Alg.ChaCha20Poly1305]: [256],
  [Alg.DES3]: [128, 192],
  [Alg.DES]: [64],
};

// Derive Key takes the SHA-1/SHA-2/SHA-3 family: MD5 is refused as a PRF or derivation hash.
const HASHES: Partial<Record<number, sym.HashName>> = Object.fromEntries(Object.entries(HASHING_ALGORITHMS).filter(([, name]) => name !== 'md5'));
const HMAC_HASH = HMAC_HASHES;

/** Parameters KMIP 2.x names precisely; 1.x has Invalid Field for them ("Invalid Derivation Parameters"). */
const badParams = (ctx: OpContext, msg: string) => new KmipError(ctx.v >= 20 ? ResultReason.BadCryptographicParameters : ResultReason.InvalidField, msg);
const unsupportedParams = (ctx: OpContext, msg: string) => new KmipError(ctx.v >= 20 ? ResultReason.UnsupportedCryptographicParameters : ResultReason.InvalidField, msg);
/** "The specified length exceeds the output of the derivation method" (1.4 Table 333). */
const tooLong = (msg: string) => new KmipError(ResultReason.CryptographicFailure, msg);

// ------------------------------------------------------------------------------------ primitives

export type Prf = { kind: 'hmac'; hash: sym.HashName } | { kind: 'cmac' };

const prfBytes = (prf: Prf): number => (prf.kind === 'hmac' ? HASH_BYTES[prf.hash] : 16);
const prfCall = (prf: Prf, key: Uint8Array, msg: Uint8Array): Buffer => (prf.kind === 'hmac' ? sym.hmac(prf.hash, key, msg) : sym.cmacAes(key, msg));

export type Kbkdf = 'counter' | 'feedback' | 'pipeline';

/**
 * NIST SP 800-108 (rev. 1) KDF with the fixed input data given whole (as the CAVP vectors give it): a
 * `counterBytes`-wide big-endian counter before it, after K(i-1) in feedback mode, after A(i) in
 * double-pipeline mode. `iv` is K(0) of feedback mode. Returns `outBytes` bytes; every block is zeroed.
 */
export function kbkdf(mode: Kbkdf, prf: Prf, key: Uint8Array, fixed: Uint8Array, outBytes: number, opts: { iv?: Uint8Array; counterBytes?: number } = {}): Buffer {
  const h = prfBytes(prf);
  const n = Math.ceil(outBytes / h);
  const width = opts.counterBytes ?? 4;
  if (n > 2 ** (8 * width) - 1) throw new RangeError('the output needs more blocks than the counter can number');
  const out = Buffer.alloc(n * h);
  const counter = Buffer.alloc(width);
  let previous: Buffer = Buffer.from(opts.iv ?? new Uint8Array(0));
  let a: Buffer = Buffer.from(fixed);
  for (let i = 1; i <= n; i++) {
    counter.writeUIntBE(i, 0, width);
    let block: Buffer;
    if (mode === 'counter') {
      block = prfCall(prf, key, Buffer.concat([counter, fixed]));
    } else if (mode === 'feedback') {
      const input = Buffer.concat([previous, counter, fixed]);
      block = prfCall(prf, key, input);
      input.fill(0);
      previous.fill(0);
      previous = Buffer.from(block);
    } else {
      const next = prfCall(prf, key, a);
      a.fill(0);
      a = next;
      const input = Buffer.concat([a, counter, fixed]);
      block = prfCall(prf, key, input);
      input.fill(0);
    }
    block.copy(out, (i - 1) * h);
    block.fill(0);
  }
  previous.fill(0);
  a.fill(0);
  const result = Buffer.from(out.subarray(0, outBytes));
  out.fill(0);
  return result;
}

const pbkdf2 = (password: Uint8Array, salt: Uint8Array, iterations: number, outBytes: number, hash: sym.HashName): Promise<Buffer> =>
  new Promise((resolve, reject) => pbkdf2Cb(password, salt, iterations, outBytes, hash, (err, key) => (err ? reject(err) : resolve(key))));

const be32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};

// ------------------------------------------------------------------------------------ the operation

interface Base {
  uid: string;
  obj: ManagedObject;
  material: Buffer;
}

/** Loads one base object and checks it may be used to derive (type, material, state, usage mask). */
async function loadBase(ctx: OpContext, uid: string): Promise<Base> {
  const obj = await load(ctx, uid, Operation.DeriveKey);
  const refuse1x = (msg: string) => new KmipError(ResultReason.InvalidField, msg);
  if (obj.objectType !== ObjectType.SymmetricKey && obj.objectType !== ObjectType.SecretData) {
    const msg = 'Derive Key derives from Symmetric Keys and Secret Data';
    throw ctx.v >= 20 ? wrongObjectType(ctx, msg) : refuse1x(msg);
  }
  const state = stateOf(obj);
  if (isDestroyed(state) || !obj.hasMaterial) throw noKeyValue('the base object is destroyed: its material is gone');
  if (!canProtect(state)) {
    const msg = 'Derive Key needs an Active base object';
    throw ctx.v >= 20 ? lifecycleRefusal(ctx, msg) : refuse1x(msg);
  }
  const stop = dateOf(obj, 'Protect Stop Date');
  if (stop !== undefined && stop <= ctx.now) {
    const msg = 'the base object\'s Protect Stop Date has passed: no Derive Key';
    throw ctx.v >= 20 ? lifecycleRefusal(ctx, msg) : refuse1x(msg);
  }
  const mask = read.int(first(obj, 'Cryptographic Usage Mask')) ?? 0;
  if ((mask & Mask.DeriveKey) === 0) {
    const msg = 'the base object\'s Cryptographic Usage Mask does not include Derive Key';
    throw ctx.v >= 20 ? maskRefusal(ctx, msg) : refuse1x(msg);
  }
  const stored = await ctx.tx.getMaterial(uid);
  if (!stored) throw noKeyValue('the base object holds no material');
  const body = decode(stored) as StructureItem;
  stored.fill(0);
  const raw = symmetricKeyBytes(body);
  const material = raw ? Buffer.from(raw) : undefined;
  wipe(body);
  if (!material) throw noKeyValue('the base object\'s material is wrapped or in a format the server cannot derive from');
  return { uid, obj, material };
}

/** The Derivation Parameters' Cryptographic Parameters, else the derivation key's own first ones. */
function paramsFor(dp: StructureItem, key: ManagedObject): StructureItem | undefined {
  return read.struct(child(dp, Tag.CryptographicParameters)) ?? read.struct(first(key, 'Cryptographic Parameters'));
}

/** The hash the parameters name (Hashing Algorithm or an HMAC Cryptographic Algorithm), checked for agreement. */
function namedHash(ctx: OpContext, params: StructureItem | undefined): sym.HashName | undefined {
  const h = read.enum(child(params, Tag.HashingAlgorithm));
  const a = read.enum(child(params, Tag.CryptographicAlgorithm));
  const byHash = h === undefined ? undefined : HASHES[h];
  if (h !== undefined && !byHash) throw unsupportedParams(ctx, 'Derive Key supports the SHA-1, SHA-2 and SHA-3 hashing algorithms');
  const byAlg = a === undefined ? undefined : HMAC_HASH[a];
  if (byHash && byAlg && byHash !== byAlg) throw badParams(ctx, 'the Hashing Algorithm and the HMAC Cryptographic Algorithm disagree');
  return byHash ?? byAlg;
}

/** The PRF of the SP 800-108 methods: HMAC with the named hash (or the key's HMAC algorithm), or AES-CMAC. */
function kbkdfPrf(ctx: OpContext, params: StructureItem | undefined, key: ManagedObject, keyLength: number): Prf {
  const mode = read.enum(child(params, Tag.BlockCipherMode));
  if (mode === BlockCipherMode.CMAC) {
    const a = read.enum(child(params, Tag.CryptographicAlgorithm)) ?? read.enum(first(key, 'Cryptographic Algorithm'));
    if (a !== undefined && a !== Alg.AES) throw unsupportedParams(ctx, 'the CMAC PRF is AES-CMAC');
    if (![16, 24, 32].includes(keyLength)) throw badParams(ctx, 'AES-CMAC needs a 128, 192 or 256-bit derivation key');
    return { kind: 'cmac' };
  }
  if (mode !== undefined) throw unsupportedParams(ctx, 'the SP 800-108 PRF is HMAC or AES-CMAC (Block Cipher Mode CMAC)');
  const hash = namedHash(ctx, params) ?? HMAC_HASH[read.enum(first(key, 'Cryptographic Algorithm')) ?? -1];
  if (!hash) throw badParams(ctx, 'the SP 800-108 methods need a PRF: a Hashing Algorithm (HMAC) or Block Cipher Mode CMAC in the Cryptographic Parameters');
  return { kind: 'hmac', hash };
}

/** The attributes of the object to make, and its length in bytes. */
function outputPlan(objectType: number, attrs: readonly Attr[]): { bits: number; algorithm?: number } {
  const bits = read.int(attrs.find((a) => a.key === 'Cryptographic Length')?.value);
  const algorithm = read.enum(attrs.find((a) => a.key === 'Cryptographic Algorithm')?.value);
  if (bits === undefined) throw invalidField('Derive Key needs the Cryptographic Length of the object to derive');
  if (bits <= 0 || bits % 8 !== 0 || bits > MAX_DERIVED_BITS) {
    throw invalidField(`Cryptographic Length ${bits} is not valid: a positive multiple of 8 up to ${MAX_DERIVED_BITS} bits`);
  }
  if (objectType === ObjectType.SymmetricKey) {
    if (algorithm === undefined) throw invalidField('deriving a Symmetric Key needs its Cryptographic Algorithm');
    const allowed = SYMMETRIC_LENGTHS[algorithm];
    if (allowed && !allowed.includes(bits)) throw invalidField(`Cryptographic Length ${bits} is not valid for this algorithm`);
  }
  return { bits, algorithm };
}

interface DeriveInput {
  method: number;
  dp: StructureItem;
  params: StructureItem | undefined;
  key: Base;
  data: Uint8Array | undefined;
  outBytes: number;
}

/** The derived bytes (exactly outBytes; the caller zeroes them). */
async function derive(ctx: OpContext, d: DeriveInput): Promise<Buffer> {
  const { method, dp, params, key, data, outBytes } = d;
  const salt = read.bytes(child(dp, Tag.Salt));
  const iv = read.bytes(child(dp, Tag.InitializationVector));
  const noData = (name: string) => {
    if (data !== undefined) throw invalidField(`${name} derives from the base object's material alone: Derivation Data is not used`);
  };
  const needData = (name: string): Uint8Array => {
    if (data === undefined) throw invalidField(`${name} needs Derivation Data (or the Unique Identifier of a Secret Data object holding it)`);
    return data;
  };
  const truncate = (full: Buffer, name: string): Buffer => {
    if (full.length < outBytes) {
      full.fill(0);
      throw tooLong(`the Cryptographic Length asked for exceeds the ${full.length * 8} bits ${name} produces`);
    }
    const out = Buffer.from(full.subarray(0, outBytes));
    full.fill(0);
    return out;
  };
  switch (method) {
    case Method.PBKDF2: {
      noData('PBKDF2');
      const count = read.int(child(dp, Tag.IterationCount));
      if (salt === undefined) throw invalidField('PBKDF2 needs a Salt');
      if (count === undefined) throw invalidField('PBKDF2 needs an Iteration Count');
      if (count < 1) throw invalidField('the Iteration Count must be at least 1');
      if (count > MAX_ITERATION_COUNT) throw invalidField(`the Iteration Count ${count} is over this server's limit of ${MAX_ITERATION_COUNT}`);
      const hash = namedHash(ctx, params) ?? 'sha1';
      const work = count * Math.ceil(outBytes / HASH_BYTES[hash]);
      if (work > MAX_PBKDF2_WORK) {
        throw invalidField(`the Iteration Count times the output blocks (${work}) is over this server's limit of ${MAX_PBKDF2_WORK}: ask for fewer iterations or a shorter output`);
      }
      if (iv !== undefined && iv.length > 0) throw badParams(ctx, 'PBKDF2 takes no Initialization Vector');
      return pbkdf2(key.material, salt, count, outBytes, hash);
    }
    case Method.HASH: {
      noData('HASH');
      const hash = namedHash(ctx, params);
      if (!hash || read.enum(child(params, Tag.HashingAlgorithm)) === undefined) throw badParams(ctx, 'HASH needs a Hashing Algorithm in the Cryptographic Parameters');
      return truncate(sym.digest(hash, key.material), 'the hash');
    }
    case Method.HMAC: {
      const msg = needData('HMAC');
      const keyAlg = read.enum(first(key.obj, 'Cryptographic Algorithm'));
      const byKey = keyAlg === undefined ? undefined : HMAC_HASH[keyAlg];
      const asked = namedHash(ctx, params);
      // "The attributes of the derivation key provide enough information about the PRF": an HMAC key's
      // hash wins; one the parameters contradict is refused rather than silently overridden.
      if (byKey && asked && byKey !== asked) throw badParams(ctx, 'the Cryptographic Parameters name a hash other than the HMAC key\'s');
      const hash = byKey ?? asked;
      if (!hash) throw badParams(ctx, 'HMAC needs an HMAC key or a Hashing Algorithm in the Cryptographic Parameters');
      return truncate(sym.hmac(hash, key.material, msg), 'the HMAC');
    }
    case Method.ENCRYPT: {
      const plaintext = needData('ENCRYPT');
      const alg = read.enum(child(params, Tag.CryptographicAlgorithm)) ?? read.enum(first(key.obj, 'Cryptographic Algorithm'));
      if (alg !== Alg.AES) throw unsupportedParams(ctx, 'ENCRYPT derives with AES keys');
      const modeEnum = read.enum(child(params, Tag.BlockCipherMode));
      const mode = modeEnum === BlockCipherMode.ECB ? 'ecb' : modeEnum === BlockCipherMode.CBC ? 'cbc' : modeEnum === BlockCipherMode.CTR ? 'ctr' : undefined;
      if (modeEnum === undefined) throw badParams(ctx, 'ENCRYPT needs a Block Cipher Mode in the Cryptographic Parameters');
      if (!mode) throw unsupportedParams(ctx, 'ENCRYPT supports Block Cipher Modes ECB, CBC and CTR');
      const padding = read.enum(child(params, Tag.PaddingMethod));
      if (padding !== undefined && padding !== PaddingMethod.None && !(padding === PaddingMethod.PKCS5 && mode !== 'ctr')) {
        throw unsupportedParams(ctx, 'ENCRYPT supports Padding Method None, or PKCS5 with ECB and CBC');
      }
      const pad = padding === PaddingMethod.PKCS5;
      if (![16, 24, 32].includes(key.material.length)) throw badParams(ctx, 'AES keys are 128, 192 or 256 bits');
      if (mode === 'ecb' && iv !== undefined && iv.length > 0) throw badParams(ctx, 'ECB takes no Initialization Vector');
      if (mode !== 'ecb' && iv !== undefined && iv.length !== 16) throw badParams(ctx, `${mode.toUpperCase()} needs a 128-bit Initialization Vector`);
      if (!pad && mode !== 'ctr' && plaintext.length % sym.BLOCK !== 0) throw invalidField('without padding the Derivation Data must be a multiple of 16 bytes');
      let out;
      try {
        out = sym.encrypt({ mode, key: key.material, iv: mode === 'ecb' ? new Uint8Array(0) : (iv ?? new Uint8Array(16)), data: plaintext, pad });
      } catch (err) {
        throw new KmipError(err instanceof sym.SymmetricError && err.kind === 'input' ? ResultReason.InvalidField : ResultReason.CryptographicFailure, 'the encryption failed');
      }
      return truncate(out.data, 'the encryption');
    }
    case Method.NIST800_108_C:
    case Method.NIST800_108_F:
    case Method.NIST800_108_DPI: {
      const label = needData('the SP 800-108 methods');
      const prf = kbkdfPrf(ctx, params, key.obj, key.material.length);
      const mode: Kbkdf = method === Method.NIST800_108_C ? 'counter' : method === Method.NIST800_108_F ? 'feedback' : 'pipeline';
      if (mode !== 'feedback' && iv !== undefined && iv.length > 0) throw badParams(ctx, 'only the feedback mode takes an Initialization Vector');
      const fixed = Buffer.concat([label, be32(outBytes * 8)]);
      try {
        return kbkdf(mode, prf, key.material, fixed, outBytes, { iv });
      } finally {
        fixed.fill(0);
      }
    }
    case Method.HKDF: {
      if (ctx.v < 20) throw invalidField('HKDF is a KMIP 2.0 Derivation Method');
      const hash = namedHash(ctx, params) ?? 'sha256';
      if (outBytes > 255 * HASH_BYTES[hash]) throw tooLong(`HKDF produces at most ${255 * HASH_BYTES[hash] * 8} bits with this hash`);
      if (iv !== undefined && iv.length > 0) throw badParams(ctx, 'HKDF takes no Initialization Vector');
      return Buffer.from(hkdfSync(hash, key.material, salt ?? new Uint8Array(0), data ?? new Uint8Array(0), outBytes));
    }
    case Method.AsymmetricKey:
    case Method.AWSSignatureVersion4:
      throw new KmipError(ResultReason.FeatureNotSupported, 'the Asymmetric Key and AWS Signature Version 4 derivation methods are not supported');
    default:
      throw invalidField(`unknown Derivation Method ${method}`);
  }
}

const link = (type: number, uid: string): TtlvItem => struct(Tag.Link, [enm(Tag.LinkType, type), text(Tag.LinkedObjectIdentifier, uid)]);

export async function deriveKey(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  if (!payload) throw new KmipError(ResultReason.InvalidMessage, 'Request Payload missing');
  const objectType = read.enum(child(payload, Tag.ObjectType));
  if (objectType === undefined) throw invalidField('Derive Key needs the Object Type to derive');
  if (objectType !== ObjectType.SymmetricKey && objectType !== ObjectType.SecretData) {
    const msg = 'Derive Key makes Symmetric Keys and Secret Data';
    throw ctx.v >= 20 ? new KmipError(ResultReason.InvalidObjectType, msg) : invalidField(msg);
  }
  // "The current value of the ID Placeholder SHALL NOT be used in place of a Unique Identifier."
  const uids = children(payload, Tag.UniqueIdentifier).map((u) => read.text(u)!);
  if (uids.length === 0) throw invalidField('Derive Key needs the Unique Identifier of the object to derive from');
  if (uids.length > 2) throw invalidField('Derive Key takes a derivation key and at most one Secret Data object holding the Derivation Data');
  if (new Set(uids).size !== uids.length) throw invalidField('the same Unique Identifier is given twice');
  const method = read.enum(child(payload, Tag.DerivationMethod));
  if (method === undefined) throw invalidField('Derive Key needs a Derivation Method');
  const dp = read.struct(child(payload, Tag.DerivationParameters));
  if (!dp) throw invalidField('Derive Key needs Derivation Parameters');
  const dataItems = children(dp, Tag.DerivationData);
  if (dataItems.length > 1) throw invalidField('one Derivation Data is accepted');
  if (!child(payload, Tag.TemplateAttribute) && !child(payload, Tag.Attributes)) {
    throw invalidField(ctx.v >= 20 ? 'Derive Key needs Attributes (at least the Cryptographic Length)' : 'Derive Key needs a Template-Attribute (at least the Cryptographic Length)');
  }

  const bases: Base[] = [];
  let derived: Buffer | undefined;
  let body: StructureItem | undefined;
  try {
    // The base objects first: a missing or unusable one is the answer whatever else is wrong.
    for (const uid of uids) bases.push(await loadBase(ctx, uid));
    const attrs = await requestAttributes(ctx, payload);
    checkClientAttributes(ctx, attrs);
    await checkNamesUnique(ctx, attrs);
    const { bits, algorithm } = outputPlan(objectType, attrs);
    let data = read.bytes(dataItems[0]);
    if (bases.length === 2) {
      if (bases[1].obj.objectType !== ObjectType.SecretData) {
        const msg = 'a second object must be Secret Data holding the Derivation Data';
        throw ctx.v >= 20 ? wrongObjectType(ctx, msg) : invalidField(msg);
      }
      if (data !== undefined) throw new KmipError(ResultReason.InvalidMessage, 'the Derivation Data is given twice: in the Derivation Parameters and as a Secret Data object');
      data = bases[1].material;
    }
    derived = await derive(ctx, { method, dp, params: paramsFor(dp, bases[0].obj), key: bases[0], data, outBytes: bits / 8 });
    if (derived.length !== bits / 8) throw new KmipError(ResultReason.CryptographicFailure, 'the derivation produced the wrong length');

    body = objectType === ObjectType.SymmetricKey
      ? symmetricKey(derived, algorithm!, bits)
      : struct(Tag.SecretData, [
        enm(Tag.SecretDataType, SecretDataType.Seed),
        struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, 0x02), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, derived)])]),
      ]);
    const obj = newObject(ctx, objectType, attrs, body, protectionStorageFor(payload));
    for (const b of bases) obj.attrs.push({ key: 'Link', value: link(LinkType.DerivationBaseObjectLink, b.uid) });
    checkGrantChange(ctx, obj, attrs);
    const material = encode(body);
    try {
      await ctx.tx.insert(toRecord(obj), material);
    } finally {
      material.fill(0);
    }
    if (obj.attrs.some((a) => a.key === GRANT_ATTRIBUTE)) await syncGrants(ctx, obj);
    for (const b of bases) {
      b.obj.attrs.push({ key: 'Link', value: link(LinkType.DerivedKeyLink, obj.uid) });
      await save(ctx, b.obj);
    }
    ctx.placeholder = obj.uid;
    return [uidItem(obj.uid)];
  } finally {
    for (const b of bases) b.material.fill(0);
    derived?.fill(0);
    wipe(body);
  }
}

