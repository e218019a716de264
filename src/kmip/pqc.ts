// Post-quantum keys in the server: the KMIP 3.0 (draft) algorithms ML-KEM (FIPS 203), ML-DSA (FIPS 204)
// and SLH-DSA (FIPS 205), behind the setting EngineOptions.kmip30Algorithms (createServer:
// compatibility.kmip30Algorithms), and the Quantum Safe attribute's rule (KMIP 2.0+).
//
// Code points. The Cryptographic Algorithm values 0x39-0x4A are those of src/dict/generated/enums.ts
// (KMIP3_UNVERIFIED): an extraction of the KMIP 3.0 specification's Cryptographic Algorithm table and the
// Cosmian KMS enumeration agree on them. The operations Encapsulate (0x41) and Decapsulate (0x42) are
// NOT in that extraction (its Operation table ends at Deactivate, 0x40); the only evidence found is a
// third-party server that cites the KMIP 3.0 "PQC Updates" working draft (WD19 / CSD02): Encapsulate
// 0x41 answers the Unique Identifier of a new Secret Data object holding the shared secret and the
// ciphertext in Data; Decapsulate 0x42 takes the ciphertext in Data and answers the Unique Identifier of
// a new Secret Data object. Until the standard is final every one of these values stays behind the
// setting (off by default).
//
// Keys are held in Key Format Type Raw: the FIPS encodings (ML-KEM ek / expanded dk, ML-DSA pk / expanded
// sk, SLH-DSA pk / sk), which every ML-KEM/ML-DSA/SLH-DSA library reads. Get converts them to PKCS#8
// (private) and X.509 SubjectPublicKeyInfo (public), and Register / Import take those formats and store
// them Raw (src/kmip/pqc-der.ts). Cryptographic Length follows
// OpenSSL's EVP_PKEY_bits, which Cosmian KMS records: the parameter set for ML-KEM (512, 768, 1024), eight
// times the public key's length for ML-DSA and SLH-DSA. Signatures are pure ML-DSA / SLH-DSA of the Data
// with an empty context (no pre-hash).
import { CryptographicAlgorithm as Alg, CryptographicUsageMask as Use, KeyFormatType, ObjectType, ResultReason, Tag, ValidityIndicator } from '../dict/index.js';
import { MlDsa, MlKem, SlhDsa, type MlDsaLevel, type MlKemLevel, type SlhDsaParam } from '../crypto/index.js';
import { decode } from '../ttlv/index.js';
import type { StructureItem, TtlvItem } from '../ttlv/types.js';
import type { Attr } from './attributes/model.js';
import { KmipError, invalidField } from './errors.js';
import { bytes, child, enm, int, read, struct } from './items.js';
import { AfterCommit, load, uidOf, type OpContext, Operation } from './context.js';
import { Limiter, LimiterBusy, slowJobConcurrency } from './limiter.js';
import { lifecycleRefusal, maskRefusal, noKeyValue, wrongObjectType } from './ops/usable.js';
import { canProcess, canProtect, isDestroyed } from './lifecycle.js';
import { dateOf, first, fromRecord, stateOf, uidItem, type ManagedObject } from './object.js';
import { keyBlockOf, wipe } from './objects.js';

/** KMIP 3.0 draft operation code points (see the header: one implementation's evidence, not final). */
export const OP_ENCAPSULATE = 0x41;
export const OP_DECAPSULATE = 0x42;

export type PqcFamily = 'ml-kem' | 'ml-dsa' | 'slh-dsa';

export interface PqcParams {
  readonly algorithm: number;
  readonly family: PqcFamily;
  /** FIPS name, e.g. 'ML-KEM-768'. */
  readonly name: string;
  /** The parameter set as the crypto wrappers take it: 512 | 768 | 1024, 44 | 65 | 87, 'SHA2-128s' ... */
  readonly param: number | string;
  readonly publicKey: number;
  readonly secretKey: number;
  /** Ciphertext (ML-KEM) or signature (ML-DSA, SLH-DSA) length in bytes. */
  readonly output: number;
  /** The Cryptographic Length recorded (see the header). */
  readonly bits: number;
}

const SLH_SIZES: Readonly<Record<string, { n: number; sig: number }>> = {
  '128s': { n: 16, sig: 7856 }, '128f': { n: 16, sig: 17088 },
  '192s': { n: 24, sig: 16224 }, '192f': { n: 24, sig: 35664 },
  '256s': { n: 32, sig: 29792 }, '256f': { n: 32, sig: 49856 },
};

function table(): Map<number, PqcParams> {
  const m = new Map<number, PqcParams>();
  const add = (p: PqcParams) => m.set(p.algorithm, Object.freeze(p));
  const kem: [number, MlKemLevel, number, number, number][] = [
    [Alg.ML_KEM_512, 512, 800, 1632, 768], [Alg.ML_KEM_768, 768, 1184, 2400, 1088], [Alg.ML_KEM_1024, 1024, 1568, 3168, 1568],
  ];
  for (const [algorithm, level, pk, sk, ct] of kem) add({ algorithm, family: 'ml-kem', name: `ML-KEM-${level}`, param: level, publicKey: pk, secretKey: sk, output: ct, bits: level });
  const dsa: [number, MlDsaLevel, number, number, number][] = [
    [Alg.ML_DSA_44, 44, 1312, 2560, 2420], [Alg.ML_DSA_65, 65, 1952, 4032, 3309], [Alg.ML_DSA_87, 87, 2592, 4896, 4627],
  ];
  for (const [algorithm, level, pk, sk, sig] of dsa) add({ algorithm, family: 'ml-dsa', name: `ML-DSA-${level}`, param: level, publicKey: pk, secretKey: sk, output: sig, bits: pk * 8 });
  const slh: [number, string][] = [
    [Alg.SLH_DSA_SHA2_128s, 'SHA2-128s'], [Alg.SLH_DSA_SHA2_128f, 'SHA2-128f'], [Alg.SLH_DSA_SHA2_192s, 'SHA2-192s'], [Alg.SLH_DSA_SHA2_192f, 'SHA2-192f'],
    [Alg.SLH_DSA_SHA2_256s, 'SHA2-256s'], [Alg.SLH_DSA_SHA2_256f, 'SHA2-256f'], [Alg.SLH_DSA_SHAKE_128s, 'SHAKE-128s'], [Alg.SLH_DSA_SHAKE_128f, 'SHAKE-128f'],
    [Alg.SLH_DSA_SHAKE_192s, 'SHAKE-192s'], [Alg.SLH_DSA_SHAKE_192f, 'SHAKE-192f'], [Alg.SLH_DSA_SHAKE_256s, 'SHAKE-256s'], [Alg.SLH_DSA_SHAKE_256f, 'SHAKE-256f'],
  ];
  for (const [algorithm, param] of slh) {
    const s = SLH_SIZES[param.slice(-4)];
    add({ algorithm, family: 'slh-dsa', name: `SLH-DSA-${param}`, param, publicKey: 2 * s.n, secretKey: 4 * s.n, output: s.sig, bits: 16 * s.n });
  }
  return m;
}

/** Every parameter set, by Cryptographic Algorithm value. */
export const PQC: ReadonlyMap<number, PqcParams> = table();

export const pqcOf = (algorithm: number | undefined): PqcParams | undefined => (algorithm === undefined ? undefined : PQC.get(algorithm));

const enabled = (ctx: OpContext): boolean => ctx.server.kmip30Algorithms === true;

/**
 * Refuses a KMIP 3.0 algorithm the server is not set to serve: the value is then as unknown to it as any
 * other (KMIP 2.x Unknown Enumeration, "an enumerated value is not known by the server"; 1.x has only
 * Invalid Field). With the setting on, they are accepted in KMIP 2.x messages.
 */
export function checkPqcAllowed(ctx: OpContext, p: PqcParams): void {
  if (!enabled(ctx)) {
    throw new KmipError(ctx.v >= 20 ? ResultReason.UnknownEnumeration : ResultReason.InvalidField,
      `${p.name} is a KMIP 3.0 (draft) algorithm this server is not set to serve (compatibility.kmip30Algorithms)`);
  }
  if (ctx.v < 20) throw invalidField(`${p.name} is served in KMIP 2.0 and later messages only`);
}

// ------------------------------------------------------------------------------------------ primitives

/** SLH-DSA from src/crypto/slhdsa.ts; an addon built before it (or a missing fallback) is Feature Not Supported. */
function slhDsa(param: string): SlhDsa {
  try {
    return new SlhDsa(param as SlhDsaParam);
  } catch {
    throw new KmipError(ResultReason.FeatureNotSupported, 'SLH-DSA is not available in this build (the native addon predates it)');
  }
}

function signer(p: PqcParams): { keygen(): { publicKey: Buffer; secretKey: Buffer }; sign(m: Uint8Array, sk: Uint8Array): Buffer; verify(s: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean } {
  if (p.family === 'ml-dsa') return new MlDsa(p.param as MlDsaLevel);
  if (p.family === 'slh-dsa') return slhDsa(p.param as string);
  throw new KmipError(ResultReason.InvalidField, `${p.name} keys do not sign`);
}

/** SLH-DSA key generation and signing (src/kmip/limiter.ts): a few pool threads at most, 32 waiting. */
export const slowJobs = new Limiter(slowJobConcurrency(), 32);

/** Runs slow SLH-DSA work under slowJobs; a full queue is refused with General Failure (try again later). */
async function slow<T>(what: string, job: () => Promise<T>): Promise<T> {
  try {
    return await slowJobs.run(job);
  } catch (err) {
    if (err instanceof LimiterBusy) throw new KmipError(ResultReason.GeneralFailure, `the server is busy with SLH-DSA work (${err.message}); try the ${what} again later`);
    throw err;
  }
}

/** A fresh key pair of the parameter set, in the FIPS encodings. SLH-DSA runs off the event loop (the
 *  addon's async form, on the libuv pool): its 's' sets take tenths of a second, the SHAKE ones seconds. */
export async function pqcKeygen(p: PqcParams): Promise<{ publicKey: Buffer; secretKey: Buffer }> {
  const gen = p.family === 'ml-kem' ? new MlKem(p.param as MlKemLevel) : signer(p);
  let pair: { publicKey: Buffer; secretKey: Buffer };
  try {
    pair = p.family === 'slh-dsa' ? await slow('key generation', () => (gen as SlhDsa).keygenAsync()) : gen.keygen();
  } catch (err) {
    if (err instanceof KmipError) throw err;
    throw new KmipError(ResultReason.CryptographicFailure, `${p.name} key generation failed`);
  }
  if (pair.publicKey.length !== p.publicKey || pair.secretKey.length !== p.secretKey) {
    pair.secretKey.fill(0);
    throw new KmipError(ResultReason.CryptographicFailure, `${p.name} key generation gave keys of unexpected lengths`);
  }
  return pair;
}

/** The Key Block of one half: Raw material, algorithm and length. */
export function pqcKeyBody(tag: number, p: PqcParams, material: Uint8Array): StructureItem {
  return struct(tag, [
    struct(Tag.KeyBlock, [
      enm(Tag.KeyFormatType, KeyFormatType.Raw),
      struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, material)]),
      enm(Tag.CryptographicAlgorithm, p.algorithm),
      int(Tag.CryptographicLength, p.bits),
    ]),
  ]);
}

// ------------------------------------------------------------------------------------------ key use

/** What an operation on a post-quantum key needs of it. */
export interface KeyUse {
  op: number;
  name: string;
  objectType: number;
  bit: number;
  bitName: string;
  /** Protecting (Encapsulate, Sign: Active, before the Protect Stop Date) or processing (Decapsulate, Verify). */
  protect: boolean;
  families: readonly PqcFamily[];
}

export const USES = {
  sign: { op: Operation.Sign, name: 'Sign', objectType: ObjectType.PrivateKey, bit: Use.Sign, bitName: 'Sign', protect: true, families: ['ml-dsa', 'slh-dsa'] },
  verify: { op: Operation.SignatureVerify, name: 'Signature Verify', objectType: ObjectType.PublicKey, bit: Use.Verify, bitName: 'Verify', protect: false, families: ['ml-dsa', 'slh-dsa'] },
  encapsulate: { op: OP_ENCAPSULATE, name: 'Encapsulate', objectType: ObjectType.PublicKey, bit: Use.Encrypt, bitName: 'Encrypt', protect: true, families: ['ml-kem'] },
  decapsulate: { op: OP_DECAPSULATE, name: 'Decapsulate', objectType: ObjectType.PrivateKey, bit: Use.Decrypt, bitName: 'Decrypt', protect: false, families: ['ml-kem'] },
} as const satisfies Record<string, KeyUse>;

/** The post-quantum parameter set of a stored object, or undefined when it is no such key. */
export const pqcOfObject = (obj: ManagedObject): PqcParams | undefined => pqcOf(read.enum(first(obj, 'Cryptographic Algorithm')));

/**
 * Whether the payload's key (Unique Identifier or ID Placeholder) is a post-quantum key. A peek without
 * access checks, used only to route: the routed operation loads the object with every check.
 */
export async function isPqcKeyRequest(ctx: OpContext, payload: TtlvItem | undefined): Promise<boolean> {
  const uid = read.text(child(payload, Tag.UniqueIdentifier)) ?? ctx.placeholder;
  if (uid === undefined) return false;
  const rec = await ctx.tx.get(uid);
  if (!rec) return false;
  return pqcOfObject(fromRecord(rec)) !== undefined;
}

/**
 * Loads the key of `payload` for `use` with the checks Encrypt/Decrypt and Sign/Verify make, in their
 * order and with their Result Reasons (src/kmip/ops/usable.ts): access, object type and algorithm,
 * destroyed, state, Protect Stop / Process Start Date, usage mask; then its raw material (the caller
 * zeroes it).
 */
export async function pqcKeyFor(ctx: OpContext, payload: TtlvItem | undefined, use: KeyUse): Promise<{ uid: string; obj: ManagedObject; p: PqcParams; key: Buffer }> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, use.op);
  const p = pqcOfObject(obj);
  if (obj.objectType !== use.objectType || !p || !use.families.includes(p.family)) {
    const want = `${use.objectType === ObjectType.PrivateKey ? 'Private' : 'Public'} Key of ${use.families.map((f) => f.toUpperCase()).join(' or ')}`;
    throw wrongObjectType(ctx, `${use.name} needs a ${want}`);
  }
  checkPqcAllowed(ctx, p);
  const state = stateOf(obj);
  if (isDestroyed(state) || !obj.hasMaterial) throw noKeyValue();
  if (!(use.protect ? canProtect(state) : canProcess(state))) {
    throw lifecycleRefusal(ctx, use.protect ? `${use.name} needs an Active key` : `${use.name} needs an Active, Deactivated or Compromised key`);
  }
  const stop = dateOf(obj, 'Protect Stop Date');
  const start = dateOf(obj, 'Process Start Date');
  if (use.protect ? stop !== undefined && stop <= ctx.now : start !== undefined && start > ctx.now) {
    throw lifecycleRefusal(ctx, use.protect ? `the key's Protect Stop Date has passed: no ${use.name}` : `the key's Process Start Date has not come: no ${use.name}`);
  }
  const mask = read.int(first(obj, 'Cryptographic Usage Mask')) ?? 0;
  if ((mask & use.bit) === 0) {
    throw maskRefusal(ctx, `the key's Cryptographic Usage Mask does not include ${use.bitName}`);
  }
  const material = await ctx.tx.getMaterial(uid);
  if (!material) throw new KmipError(ResultReason.KeyValueNotPresent, 'the key holds no material');
  const body = decode(material) as StructureItem;
  material.fill(0);
  try {
    const kb = keyBlockOf(body);
    const km = child(child(kb, Tag.KeyValue), Tag.KeyMaterial);
    const raw = read.bytes(km);
    if (!kb || child(kb, Tag.KeyWrappingData) || read.enum(child(kb, Tag.KeyFormatType)) !== KeyFormatType.Raw || raw === undefined) {
      throw new KmipError(ResultReason.KeyFormatTypeNotSupported, `${p.name} keys are used in Key Format Type Raw only`);
    }
    const expected = use.objectType === ObjectType.PrivateKey ? p.secretKey : p.publicKey;
    if (raw.length !== expected) throw new KmipError(ResultReason.CryptographicFailure, `the key material is not a ${p.name} key`);
    return { uid, obj, p, key: Buffer.from(raw) };
  } finally {
    wipe(body);
  }
}

/** Refuses what pure ML-DSA / SLH-DSA signing does not do: streaming, pre-hashed data, other schemes. */
function checkSignRequest(payload: TtlvItem | undefined, p: PqcParams): Uint8Array {
  for (const tag of [Tag.CorrelationValue, Tag.InitIndicator, Tag.FinalIndicator]) {
    if (child(payload, tag)) throw new KmipError(ResultReason.FeatureNotSupported, 'multi-part (streamed) signatures are not supported: send the data in one request');
  }
  if (child(payload, Tag.DigestedData)) throw new KmipError(ResultReason.FeatureNotSupported, `${p.name} signs the message itself (pure mode): send Data, not Digested Data`);
  const params = child(payload, Tag.CryptographicParameters);
  const alg = read.enum(child(params, Tag.CryptographicAlgorithm));
  if (alg !== undefined && alg !== p.algorithm) throw invalidField('the Cryptographic Algorithm does not fit the key');
  for (const tag of [Tag.DigitalSignatureAlgorithm, Tag.HashingAlgorithm, Tag.PaddingMethod]) {
    if (child(params, tag)) throw invalidField(`${p.name} is pure: no Digital Signature Algorithm, Hashing Algorithm or Padding Method applies`);
  }
  const data = read.bytes(child(payload, Tag.Data));
  if (data === undefined) throw invalidField('Data missing');
  return data;
}

/** Sign with an ML-DSA or SLH-DSA Private Key (called by src/kmip/ops/sign.ts for such keys). SLH-DSA
 *  signing takes from ~10 ms (SHA2-128f) to seconds (SHAKE-256s): it runs on the libuv pool, under
 *  slowJobs, and after the batch's transaction has ended when the batch has only this item
 *  (AfterCommit), so other requests are not held up behind it. */
export async function pqcSign(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[] | AfterCommit> {
  const { uid, p, key } = await pqcKeyFor(ctx, payload, USES.sign);
  const answer = (sig: Buffer): TtlvItem[] => [uidItem(uid), bytes(Tag.SignatureData, sig)];
  const failed = (err: unknown): KmipError =>
    err instanceof KmipError ? err : new KmipError(ResultReason.CryptographicFailure, `the ${p.name} signature could not be made`);
  let data: Uint8Array;
  let s: ReturnType<typeof signer>;
  try {
    data = checkSignRequest(payload, p);
    s = signer(p);
  } catch (err) {
    key.fill(0);
    throw err;
  }
  ctx.placeholder = uid;
  if (p.family !== 'slh-dsa') {
    try {
      return answer(s.sign(data, key));
    } catch (err) {
      throw failed(err);
    } finally {
      key.fill(0);
    }
  }
  return new AfterCommit(
    async () => {
      try {
        return answer(await slow('signature', () => (s as SlhDsa).signAsync(data, key)));
      } catch (err) {
        throw failed(err);
      } finally {
        key.fill(0);
      }
    },
    () => key.fill(0),
  );
}

/** Signature Verify with an ML-DSA or SLH-DSA Public Key: a bad or malformed signature is Invalid, not an error. */
export async function pqcVerify(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const { uid, p, key } = await pqcKeyFor(ctx, payload, USES.verify);
  const data = checkSignRequest(payload, p);
  const sig = read.bytes(child(payload, Tag.SignatureData));
  if (sig === undefined) throw invalidField('Signature Data missing');
  let valid = false;
  if (sig.length === p.output) {
    try {
      valid = signer(p).verify(sig, data, key);
    } catch (err) {
      if (err instanceof KmipError) throw err;
      valid = false;
    }
  }
  ctx.placeholder = uid;
  return [uidItem(uid), enm(Tag.ValidityIndicator, valid ? ValidityIndicator.Valid : ValidityIndicator.Invalid)];
}

// ------------------------------------------------------------------------------------------ Quantum Safe

const CLASSICAL_ASYMMETRIC = new Set<number>([
  Alg.RSA, Alg.DSA, Alg.ECDSA, Alg.EC, Alg.DH, Alg.ECDH, Alg.ECMQV, Alg.Ed25519, Alg.Ed448, Alg.SM2, Alg.GOSTR34_10_2012,
]);
/** Algorithms designed against quantum attack, in the 2.0 table (hash- and code-based). */
const PQ_2_0 = new Set<number>([Alg.XMSS, Alg.SPHINCS_256, Alg.McEliece, Alg.McEliece_6960119, Alg.McEliece_8192128]);
/** Symmetric algorithms whose strength is their key length: safe from 256 bits on (Grover halves it). */
const KEYED_256 = new Set<number>([
  Alg.AES, Alg.Camellia, Alg.ARIA, Alg.ChaCha20, Alg.ChaCha20Poly1305, Alg.Twofish,
  Alg.HMAC_SHA256, Alg.HMAC_SHA384, Alg.HMAC_SHA512, Alg.HMAC_SHA3_256, Alg.HMAC_SHA3_384, Alg.HMAC_SHA3_512,
]);

/**
 * Whether an object of this type, algorithm and length counts as quantum safe. KMIP 2.0/2.1 §4.45 leaves
 * the judgement to the server ("required to be Quantum Safe for the given Protection Period and
 * Protection Level"); this server applies one rule whatever the period and level: symmetric keys need
 * 256 bits (a quantum search halves the strength: AES-128 is 64-bit, AES-256 128-bit); 64-bit-block and
 * short-key ciphers (DES, 3DES, Blowfish, ...), HMAC over SHA-1/SHA-224/MD5, and classical public-key
 * algorithms (RSA, DSA, EC, DH, Ed25519, ...) never are; ML-KEM, ML-DSA, SLH-DSA (every parameter set)
 * and the 2.0 hash- and code-based algorithms are; Secret Data without an algorithm is when it has 256
 * bits or more. Anything else is not established as safe, so not.
 */
export function isQuantumSafe(objectType: number, algorithm: number | undefined, bits: number | undefined): boolean {
  if (algorithm === undefined) return objectType === ObjectType.SecretData && bits !== undefined && bits >= 256;
  if (PQC.has(algorithm) || PQ_2_0.has(algorithm)) return true;
  if (CLASSICAL_ASYMMETRIC.has(algorithm)) return false;
  if (KEYED_256.has(algorithm)) return bits !== undefined && bits >= 256;
  return false;
}

/**
 * The server's algorithm policy for a new object's attributes (Create; meant for Register too): a KMIP
 * 3.0 algorithm only with the setting (checkPqcAllowed), and the Quantum Safe rule (checkQuantumSafe).
 */
export function checkAlgorithmPolicy(ctx: OpContext, objectType: number, attrs: readonly Attr[]): void {
  const p = pqcOf(read.enum(attrs.find((a) => a.key === 'Cryptographic Algorithm')?.value));
  if (p) checkPqcAllowed(ctx, p);
  checkQuantumSafe(ctx, objectType, attrs);
}

/**
 * Refuses to make an object the client asks to be Quantum Safe when it would not be: General Failure
 * with NOT_SAFE, as the OASIS Quantum Safe profile's test QS-M-2 expects.
 */
export function checkQuantumSafe(ctx: OpContext, objectType: number, attrs: readonly Attr[]): void {
  if (ctx.v < 20) return;
  const asked = attrs.find((a) => a.key === 'Quantum Safe');
  if (read.bool(asked?.value) !== true) return;
  const algorithm = read.enum(attrs.find((a) => a.key === 'Cryptographic Algorithm')?.value);
  // Secret Data made by Create without a length is 256 bits (src/kmip/ops/create.ts).
  const bits = read.int(attrs.find((a) => a.key === 'Cryptographic Length')?.value) ?? (objectType === ObjectType.SecretData ? 256 : undefined);
  if (isQuantumSafe(objectType, algorithm, bits)) return;
  throw new KmipError(ResultReason.GeneralFailure, 'NOT_SAFE: the object asked to be Quantum Safe would not be (symmetric keys need 256 bits; RSA, EC and other classical public-key algorithms are never quantum safe)');
}
