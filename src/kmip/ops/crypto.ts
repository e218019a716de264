// Encrypt, Decrypt, MAC, MAC Verify, Hash and RNG Seed (KMIP 1.2+), all but RNG Seed also multi-part
// (KMIP 1.3+, streams kept per principal by ../crypto/multipart.ts). The key must be a
// Symmetric Key (or for Encrypt an RSA Public Key, for Decrypt an RSA Private Key: ../crypto/rsa.ts) the
// caller may use for the operation, whose Cryptographic Usage Mask has the operation's bit and whose
// state permits it (./usable.ts): protecting (Encrypt, MAC) needs Active; processing (Decrypt, MAC
// Verify) also works Deactivated or Compromised. Parameters come from the request's Cryptographic
// Parameters, else from the key's own Cryptographic Parameters attribute. The primitives live in
// ../crypto/symmetric.ts. Key and plaintext buffers made here are zeroed after use.
import {
  BlockCipherMode, CryptographicAlgorithm as Alg, HashingAlgorithm as Hash, ObjectType, PaddingMethod,
  ResultReason, Tag, UsageLimitsUnit, ValidityIndicator,
} from '../../dict/index.js';
import { decode } from '../../ttlv/index.js';
import type { StructureItem, TtlvItem } from '../../ttlv/types.js';
import { KmipError, invalidField } from '../errors.js';
import { bytes, child, enm, int, long, read, struct } from '../items.js';
import { onRollback, save, type OpContext, Operation } from '../context.js';
import { first, setOne, uidItem, type ManagedObject } from '../object.js';
import { symmetricKeyBytes, wipe } from '../objects.js';
import * as sym from '../crypto/symmetric.js';
import { MultipartError, storeFor, type StreamState } from '../crypto/multipart.js';
import * as rsa from '../crypto/rsa.js';
import { usableObject } from './usable.js';
import { HASHING_ALGORITHMS, HMAC_HASHES } from '../crypto/hashes.js';

type Use = 'encrypt' | 'decrypt' | 'mac' | 'macVerify';

/** The object types each use takes: Encrypt also a Public Key, Decrypt also a Private Key (RSA, ../crypto/rsa.ts). */
const TYPES: Record<Use, readonly number[]> = {
  encrypt: [ObjectType.SymmetricKey, ObjectType.PublicKey],
  decrypt: [ObjectType.SymmetricKey, ObjectType.PrivateKey],
  mac: [ObjectType.SymmetricKey],
  macVerify: [ObjectType.SymmetricKey],
};

/** Parameters KMIP 2.x names precisely; 1.x had only Invalid Field for them. */
const badParams = (ctx: OpContext, msg: string) => new KmipError(ctx.v >= 20 ? ResultReason.BadCryptographicParameters : ResultReason.InvalidField, msg);
const unsupported = (msg: string) => new KmipError(ResultReason.FeatureNotSupported, msg);

/**
 * Which part of a (possibly multi-part) operation a request is (KMIP 1.3+; 2.1 §6.1 "Multi-part
 * cryptographic operations"): single-part without the three fields, or with Init and Final Indicators
 * both True and no Correlation Value; the first part has Init Indicator True; later parts carry the
 * Correlation Value the first part returned, the last one with Final Indicator True.
 */
type Parts = { kind: 'single' } | { kind: 'init' } | { kind: 'continue'; correlation: Uint8Array; final: boolean };

function partsOf(ctx: OpContext, payload: TtlvItem | undefined): Parts {
  const correlation = read.bytes(child(payload, Tag.CorrelationValue));
  const init = read.bool(child(payload, Tag.InitIndicator)) === true;
  const final = read.bool(child(payload, Tag.FinalIndicator)) === true;
  if (correlation === undefined) {
    if (init === final) return { kind: 'single' };
    if (init) return { kind: 'init' };
    // A last part with nothing to finish.
    throw noStream(ctx, 'Final Indicator without a Correlation Value: a multi-part operation starts with Init Indicator True');
  }
  if (init) throw invalidField('Init Indicator True starts a multi-part operation: it takes no Correlation Value');
  return { kind: 'continue', correlation, final };
}

/** No open stream for the request: 2.x has Invalid Correlation Value; 1.4 §11.30/11.31 say Item Not Found for
 *  an unknown Correlation Value, and a Final part without any Correlation Value is an invalid field. */
function noStream(ctx: OpContext, msg: string, given = false): KmipError {
  return new KmipError(ctx.v >= 20 ? ResultReason.InvalidCorrelationValue : given ? ResultReason.ItemNotFound : ResultReason.InvalidField, msg);
}

/** The state of an open multi-part cipher or MAC operation (../crypto/multipart.ts keeps it). */
interface CipherStreamState extends StreamState {
  readonly kind: 'cipher';
  readonly stream: sym.CipherStream;
  readonly aead: boolean;
}
interface MacStreamState extends StreamState {
  readonly kind: 'mac';
  readonly stream: sym.MacStream;
  /** MAC Verify: the MAC Data to check, from the latest part that gave it. */
  expected?: Buffer;
}
interface HashStreamState extends StreamState {
  readonly kind: 'hash';
  readonly stream: sym.HashStream;
}
type OpenStream = CipherStreamState | MacStreamState | HashStreamState;

function multipartError(ctx: OpContext, err: unknown): KmipError {
  if (!(err instanceof MultipartError)) throw err;
  if (err.kind === 'unknown') return noStream(ctx, err.message, true);
  // A server limit: 2.x names it; 1.x has no reason for it but General Failure.
  return new KmipError(ctx.v >= 20 ? ResultReason.ServerLimitExceeded : ResultReason.GeneralFailure, err.message);
}

/**
 * Results of multi-part steps, by request payload and step. When an item of a batch fails, the engine
 * rolls the store back and runs the whole batch again (with savepoints); a stream, unlike the store, is
 * not rolled back, so the second run takes the first run's result (or failure) for each step instead of
 * opening a second stream or feeding one the same part twice. The store side (key checks, Usage Limits)
 * runs again as it must. Payload objects live as long as their request, so nothing accumulates.
 */
const stepResults = new WeakMap<object, Map<string, { ok: unknown } | { error: unknown }>>();

function stepOnce<T>(payload: TtlvItem | undefined, step: string, fn: () => T): T {
  let steps = payload ? stepResults.get(payload) : undefined;
  const prior = steps?.get(step);
  if (prior) {
    if ('error' in prior) throw prior.error;
    return prior.ok as T;
  }
  if (payload && !steps) stepResults.set(payload, (steps = new Map()));
  try {
    const ok = fn();
    steps?.set(step, { ok });
    return ok;
  } catch (error) {
    steps?.set(step, { error });
    throw error;
  }
}

/**
 * The principal's open stream for a later part. The part may leave out the Unique Identifier (the
 * stream's key is used) but may not name another key; the key is checked again (access, state, dates,
 * usage mask) on every part, and a refusal there ends the stream.
 */
async function streamFor(ctx: OpContext, payload: TtlvItem | undefined, use: Use, parts: { correlation: Uint8Array }) {
  const store = storeFor(ctx.server);
  const state = stepOnce(payload, 'find', () => {
    let found: OpenStream;
    try {
      found = store.peek(ctx.principal, parts.correlation, USE_OPS[use]) as OpenStream;
    } catch (err) {
      throw multipartError(ctx, err);
    }
    const named = read.text(child(payload, Tag.UniqueIdentifier));
    if (named !== undefined && named !== found.uid) throw noStream(ctx, 'that Correlation Value belongs to an operation with another key', true);
    return found;
  });
  if (read.text(child(payload, Tag.UniqueIdentifier)) === undefined) ctx.placeholder = state.uid;
  const end = () => store.end(ctx.principal, parts.correlation);
  let target: { uid: string; obj: ManagedObject };
  try {
    target = await usableKey(ctx, payload, use);
  } catch (err) {
    end();
    throw err;
  }
  /** Charges the part's bytes to the stream (MultipartError past the limit, which ends it). */
  const charge = (bytesIn: number) => {
    try {
      store.use(ctx.principal, parts.correlation, bytesIn, USE_OPS[use]);
    } catch (err) {
      throw multipartError(ctx, err);
    }
  };
  return { state, end, target, charge };
}

const USE_OPS: Record<Use, number> = { encrypt: Operation.Encrypt, decrypt: Operation.Decrypt, mac: Operation.MAC, macVerify: Operation.MACVerify };
const EMPTY = new Uint8Array(0);

/**
 * Loads the object for `use` and checks that it may be used (./usable.ts: object type, state, dates,
 * usage mask; one convention with Sign and Signature Verify).
 */
function usableKey(ctx: OpContext, payload: TtlvItem | undefined, use: Use): Promise<{ uid: string; obj: ManagedObject }> {
  return usableObject(ctx, payload, use, TYPES[use]);
}

/** A usable Symmetric Key's raw bytes (zero them when done). */
async function withMaterial(ctx: OpContext, target: { uid: string; obj: ManagedObject }): Promise<{ uid: string; obj: ManagedObject; key: Uint8Array; body: StructureItem }> {
  const { uid, obj } = target;
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

/** Loads a Symmetric Key for `use`, checked as usableKey does; its raw bytes (zero them when done). */
async function keyFor(ctx: OpContext, payload: TtlvItem | undefined, use: Use): Promise<{ uid: string; obj: ManagedObject; key: Uint8Array; body: StructureItem }> {
  return withMaterial(ctx, await usableKey(ctx, payload, use));
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
  /** AES, or Triple DES (CBC, ECB); ChaCha20 modes ignore it. */
  cipher: sym.BlockCipher;
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
  [BlockCipherMode.XTS]: 'xts',
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
  let cipher: sym.BlockCipher = 'aes';
  if (alg === Alg.AES) {
    if (modeEnum === undefined) throw badParams(ctx, 'AES needs a Block Cipher Mode (in the request or the key\'s Cryptographic Parameters)');
    const m = MODES[modeEnum];
    if (!m) throw unsupported('supported Block Cipher Modes for AES: GCM, CBC, CTR, ECB, XTS');
    mode = m;
  } else if (alg === Alg.DES3) {
    if (modeEnum === undefined) throw badParams(ctx, 'Triple DES needs a Block Cipher Mode (in the request or the key\'s Cryptographic Parameters)');
    if (modeEnum !== BlockCipherMode.CBC && modeEnum !== BlockCipherMode.ECB) throw unsupported('supported Block Cipher Modes for Triple DES: CBC, ECB');
    mode = MODES[modeEnum]!;
    cipher = '3des';
  } else if (alg === Alg.ChaCha20) {
    mode = 'chacha20';
  } else if (alg === Alg.ChaCha20Poly1305) {
    mode = 'chacha20-poly1305';
  } else {
    throw unsupported('Encrypt and Decrypt support AES, Triple DES, ChaCha20 and ChaCha20-Poly1305 keys');
  }
  let pad = false;
  if (mode === 'cbc' || mode === 'ecb') {
    // No Padding Method means none, as the OASIS test cases (CS-BC-M-4 and others) expect.
    if (padding === PaddingMethod.PKCS5) pad = true;
    else if (padding !== undefined && padding !== PaddingMethod.None) throw unsupported('CBC and ECB support Padding Method PKCS5 or None');
  } else if (padding !== undefined && padding !== PaddingMethod.None) {
    throw badParams(ctx, 'padding applies to CBC and ECB only');
  }
  const block = sym.blockSize(cipher);
  const defaultIv = mode === 'ecb' ? 0 : mode === 'gcm' || mode === 'chacha20' || mode === 'chacha20-poly1305' ? 12 : block;
  const ivLength = ivBits === undefined ? defaultIv : ivBits / 8;
  if (mode === 'ecb' && ivBits !== undefined) throw badParams(ctx, 'ECB takes no IV');
  if ((mode === 'cbc' || mode === 'ctr') && ivLength !== block) throw badParams(ctx, `${mode.toUpperCase()} needs a ${block * 8}-bit IV`);
  // XTS (IEEE 1619, SP 800-38E): the IV/Counter/Nonce is the 128-bit tweak (the data unit's number).
  if (mode === 'xts' && ivLength !== 16) throw badParams(ctx, 'XTS needs a 128-bit tweak as the IV/Counter/Nonce');
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
  return { mode, cipher, pad, ivLength, ivFixed: mode !== 'gcm' || ivBits !== undefined, tagLength, randomIv, counter };
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
function allocate(obj: ManagedObject, bytesUsed: number, firstPart = true): TtlvItem | undefined {
  const limits = read.struct(first(obj, 'Usage Limits'));
  if (!limits) return undefined;
  const total = read.long(child(limits, Tag.UsageLimitsTotal));
  const left = read.long(child(limits, Tag.UsageLimitsCount)) ?? total;
  if (left === undefined) return undefined;
  const unit = read.enum(child(limits, Tag.UsageLimitsUnit));
  // A multi-part operation is one operation: unit Object counts its first part only.
  const need = BigInt(unit === UsageLimitsUnit.Object ? (firstPart ? 1 : 0) : bytesUsed);
  if (need === 0n) return undefined;
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

/** The primitive's input for a plan (the data added by the caller). */
function cipherInput(plan: CipherPlan, key: Uint8Array, iv: Uint8Array | undefined, payload: TtlvItem | undefined): Omit<sym.CipherInput, 'data'> {
  return {
    mode: plan.mode, cipher: plan.cipher, key, iv: primitiveIv(plan, iv ?? EMPTY), pad: plan.pad,
    aad: read.bytes(child(payload, Tag.AuthenticatedEncryptionAdditionalData)), tagLength: plan.tagLength || undefined,
  };
}

const multipartAsymmetric = () => unsupported('multi-part operations are served for symmetric keys only');

/**
 * Opens a multi-part cipher stream and runs the first part's data through it; the Correlation Value
 * and the first output. Key bytes are copied into the OpenSSL context only.
 */
function openCipherStream(ctx: OpContext, use: 'encrypt' | 'decrypt', uid: string, input: Omit<sym.CipherInput, 'data'>, first: Uint8Array): { correlation: Uint8Array; data: Buffer } {
  let stream: sym.CipherStream;
  try {
    stream = new sym.CipherStream(use, input);
  } catch (err) {
    throw cryptoError(err);
  }
  const state: CipherStreamState = { kind: 'cipher', op: USE_OPS[use], uid, stream, aead: (input.tagLength ?? 0) > 0, close: () => stream.close() };
  const { correlation, out } = openStream(ctx, state, first, () => stream.update(first));
  return { correlation, data: out };
}

/**
 * Registers a new stream of the principal and feeds it the first part's data (`feed`): a refusal by the
 * stream store is the multi-part error, a failure to feed ends the stream (its context closed) at once.
 */
function openStream<T>(ctx: OpContext, state: OpenStream, first: Uint8Array, feed: () => T): { correlation: Uint8Array; out: T } {
  const store = storeFor(ctx.server);
  let correlation: Uint8Array;
  try {
    correlation = store.open(ctx.principal, state, first.length);
  } catch (err) {
    throw multipartError(ctx, err);
  }
  let out: T;
  try {
    out = feed();
  } catch (err) {
    store.end(ctx.principal, correlation);
    throw cryptoError(err);
  }
  return { correlation, out };
}

/** An Init's answer, after registering its stream with endOnRollback. */
function opened(ctx: OpContext, items: TtlvItem[]): TtlvItem[] {
  const correlation = read.bytes(items.find((i) => i.tag === Tag.CorrelationValue));
  if (correlation) endOnRollback(ctx, correlation);
  return items;
}

/** A stream this item opened or advanced ends if the batch is rolled back: its cipher, MAC or hash state
 *  cannot be wound back with the store, and a client told the part was undone must not continue it. */
function endOnRollback(ctx: OpContext, correlation: Uint8Array): void {
  const store = storeFor(ctx.server);
  const principal = ctx.principal;
  onRollback(ctx, () => store.end(principal, correlation));
}

/** A later part of a multi-part Encrypt or Decrypt. */
async function continueCipher(ctx: OpContext, payload: TtlvItem | undefined, use: 'encrypt' | 'decrypt', parts: { correlation: Uint8Array; final: boolean }): Promise<TtlvItem[]> {
  const chunk = read.bytes(child(payload, Tag.Data)) ?? EMPTY;
  const { state, end, target, charge } = await streamFor(ctx, payload, use, parts);
  if (state.kind !== 'cipher') throw noStream(ctx, 'that Correlation Value belongs to another operation', true);
  if (child(payload, Tag.AuthenticatedEncryptionAdditionalData) !== undefined) {
    end();
    throw invalidField('Authenticated Encryption Additional Data goes with the first part (Init Indicator True) only: the operation is abandoned');
  }
  let used: TtlvItem | undefined;
  try {
    used = use === 'encrypt' ? allocate(target.obj, chunk.length, false) : undefined;
  } catch (err) {
    end();
    throw err;
  }
  const out = stepOnce(payload, 'run', (): { data: Buffer; tag?: Buffer } => {
    charge(chunk.length);
    try {
      const head = state.stream.update(chunk);
      if (!parts.final) return { data: head };
      const tag = use === 'decrypt' && state.aead ? read.bytes(child(payload, Tag.AuthenticatedEncryptionTag)) : undefined;
      if (use === 'decrypt' && state.aead && tag === undefined) throw invalidField('the last part of an authenticated Decrypt needs the Authenticated Encryption Tag');
      const last = state.stream.final(tag);
      end();
      const data = head.length ? Buffer.concat([head, last.data]) : last.data;
      head.fill(0);
      return { data, tag: last.tag };
    } catch (err) {
      end();
      throw err instanceof KmipError ? err : cryptoError(err);
    }
  });
  if (used) {
    setOne(target.obj, 'Usage Limits', used);
    await save(ctx, target.obj);
  }
  endOnRollback(ctx, parts.correlation);
  ctx.placeholder = state.uid;
  // Later parts answer the Correlation Value again until the last (as the OASIS TC-STREAM test cases expect).
  return [
    uidItem(state.uid),
    out.data.length ? bytes(Tag.Data, out.data) : undefined,
    parts.final ? undefined : bytes(Tag.CorrelationValue, parts.correlation),
    out.tag ? bytes(Tag.AuthenticatedEncryptionTag, out.tag) : undefined,
  ].filter((x): x is TtlvItem => x !== undefined);
}

export async function encrypt(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const parts = partsOf(ctx, payload);
  if (parts.kind === 'continue') return continueCipher(ctx, payload, 'encrypt', parts);
  const target = await usableKey(ctx, payload, 'encrypt');
  if (parts.kind === 'init' && rsa.isAsymmetricKey(target.obj)) throw multipartAsymmetric();
  if (rsa.isAsymmetricKey(target.obj)) return rsa.encryptWithPublicKey(ctx, payload, target.uid, target.obj);
  const { uid, obj, key, body } = await withMaterial(ctx, target);
  try {
    const e = prepareEncrypt(ctx, payload, parts, obj, body, key);
    let out: { data: Buffer; tag?: Buffer };
    let correlation: Uint8Array | undefined;
    if (parts.kind === 'init') {
      const opened = stepOnce(payload, 'open', () => openCipherStream(ctx, 'encrypt', uid, e.input, e.plaintext));
      endOnRollback(ctx, opened.correlation);
      correlation = opened.correlation;
      out = { data: opened.data };
    } else {
      try {
        // Small data synchronously (no promise to wait for); large data may go to the libuv pool.
        out = e.plaintext.length < sym.OFF_LOOP_BYTES ? sym.encrypt({ ...e.input, data: e.plaintext }) : await sym.encryptAsync({ ...e.input, data: e.plaintext });
      } catch (err) {
        throw cryptoError(err);
      }
    }
    if (e.used) {
      setOne(obj, 'Usage Limits', e.used);
      await save(ctx, obj);
    }
    ctx.placeholder = uid;
    return encryptResult(uid, out, e.generated, correlation);
  } finally {
    key.fill(0);
  }
}

/**
 * The rest of a single-part symmetric Encrypt once the key is loaded and checked (usableKey) and its
 * bytes are in hand, done at once: the response payload. Undefined when it would have to write (the
 * key has Usage Limits to count) or wait (data the size that goes to the libuv pool): Encrypt then
 * does it. The Get and Encrypt fast path (../fastpath.ts) answers with it; a refusal throws as in
 * Encrypt.
 */
export function encryptNow(ctx: OpContext, payload: TtlvItem | undefined, uid: string, obj: ManagedObject, body: StructureItem, key: Uint8Array): TtlvItem[] | undefined {
  const e = prepareEncrypt(ctx, payload, { kind: 'single' }, obj, body, key);
  if (e.used || e.plaintext.length >= sym.OFF_LOOP_BYTES) return undefined;
  let out: { data: Buffer; tag?: Buffer };
  try {
    out = sym.encrypt({ ...e.input, data: e.plaintext });
  } catch (err) {
    throw cryptoError(err);
  }
  return encryptResult(uid, out, e.generated, undefined);
}

/** What Encrypt works out from the request and the key before any cipher runs (and checks on the way). */
function prepareEncrypt(ctx: OpContext, payload: TtlvItem | undefined, parts: Parts, obj: ManagedObject, body: StructureItem, key: Uint8Array) {
  const plan = cipherPlan(ctx, paramsFor(payload, obj), keyAlgorithm(obj, body));
  // Data is optional on the first part of a multi-part operation.
  const plaintext = parts.kind === 'init' ? (read.bytes(child(payload, Tag.Data)) ?? EMPTY) : data(payload, 'Encrypt');
  let iv = read.bytes(child(payload, Tag.IVCounterNonce));
  let generated: Uint8Array | undefined;
  if (plan.ivLength > 0 && iv === undefined) {
    if (!plan.randomIv) {
      throw missingIv('the mode needs an IV/Counter/Nonce, or Random IV in the Cryptographic Parameters');
    }
    iv = generated = sym.randomIv(plan.ivLength);
  }
  if (plan.ivLength === 0 && iv !== undefined && iv.length > 0) throw badParams(ctx, 'ECB takes no IV');
  checkIv(plan, iv);
  const block = sym.blockSize(plan.cipher);
  if (parts.kind === 'single' && (plan.mode === 'cbc' || plan.mode === 'ecb') && !plan.pad && plaintext.length % block !== 0) {
    throw invalidField(`without padding the data must be a multiple of ${block} bytes`);
  }
  if (parts.kind === 'single' && plan.mode === 'xts' && plaintext.length < 16) throw invalidField('XTS needs at least 16 bytes of data');
  const used = allocate(obj, plaintext.length);
  return { plaintext, generated, used, input: cipherInput(plan, key, iv, payload) };
}

function encryptResult(uid: string, out: { data: Buffer; tag?: Buffer }, generatedIv: Uint8Array | undefined, correlation: Uint8Array | undefined): TtlvItem[] {
  return [
    uidItem(uid),
    // A part's Data is left out when it has none (as the OASIS TC-STREAM test cases expect).
    correlation && out.data.length === 0 ? undefined : bytes(Tag.Data, out.data),
    generatedIv ? bytes(Tag.IVCounterNonce, generatedIv) : undefined,
    correlation ? bytes(Tag.CorrelationValue, correlation) : undefined,
    out.tag ? bytes(Tag.AuthenticatedEncryptionTag, out.tag) : undefined,
  ].filter((x): x is TtlvItem => x !== undefined);
}

export async function decrypt(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const parts = partsOf(ctx, payload);
  if (parts.kind === 'continue') return continueCipher(ctx, payload, 'decrypt', parts);
  const target = await usableKey(ctx, payload, 'decrypt');
  if (parts.kind === 'init' && rsa.isAsymmetricKey(target.obj)) throw multipartAsymmetric();
  if (rsa.isAsymmetricKey(target.obj)) return rsa.decryptWithPrivateKey(ctx, payload, target.uid, target.obj);
  const { uid, obj, key, body } = await withMaterial(ctx, target);
  try {
    const plan = cipherPlan(ctx, paramsFor(payload, obj), keyAlgorithm(obj, body));
    const ciphertext = parts.kind === 'init' ? (read.bytes(child(payload, Tag.Data)) ?? EMPTY) : data(payload, 'Decrypt');
    const iv = read.bytes(child(payload, Tag.IVCounterNonce));
    if (plan.ivLength > 0 && iv === undefined) throw missingIv('Decrypt needs the IV/Counter/Nonce used to encrypt');
    if (plan.ivLength === 0 && iv !== undefined && iv.length > 0) throw badParams(ctx, 'ECB takes no IV');
    checkIv(plan, iv);
    const input = cipherInput(plan, key, iv, payload);
    if (parts.kind === 'init') {
      // The tag comes with the last part.
      const { correlation, data: out } = stepOnce(payload, 'open', () => openCipherStream(ctx, 'decrypt', uid, input, ciphertext));
      endOnRollback(ctx, correlation);
      ctx.placeholder = uid;
      return [uidItem(uid), out.length ? bytes(Tag.Data, out) : undefined, bytes(Tag.CorrelationValue, correlation)].filter((x): x is TtlvItem => x !== undefined);
    }
    const tag = read.bytes(child(payload, Tag.AuthenticatedEncryptionTag));
    if (plan.tagLength > 0) {
      if (tag === undefined) throw invalidField('an authenticated mode needs the Authenticated Encryption Tag to decrypt');
      const explicit = read.int(child(paramsFor(payload, obj), Tag.TagLength));
      if (explicit !== undefined ? tag.length !== explicit : !tagLengthOk(plan.mode, tag.length)) {
        throw invalidField('the Authenticated Encryption Tag has the wrong length');
      }
    }
    const block = sym.blockSize(plan.cipher);
    if ((plan.mode === 'cbc' || plan.mode === 'ecb') && ciphertext.length % block !== 0) {
      throw new KmipError(ResultReason.CryptographicFailure, 'the data is not a multiple of the block size');
    }
    if (plan.mode === 'xts' && ciphertext.length < 16) throw invalidField('XTS needs at least 16 bytes of data');
    let plaintext: Buffer;
    try {
      const args = { ...input, data: ciphertext, tag: plan.tagLength > 0 ? tag : undefined };
      plaintext = ciphertext.length < sym.OFF_LOOP_BYTES ? sym.decrypt(args) : await sym.decryptAsync(args);
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

const HMAC_HASH = HMAC_HASHES;
const HASHES = HASHING_ALGORITHMS;
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

/** Opens a multi-part MAC or MAC Verify and feeds it the first part's data; the response payload. */
function openMacStream(ctx: OpContext, use: 'mac' | 'macVerify', uid: string, plan: MacPlan, key: Uint8Array, first: Uint8Array, expected?: Uint8Array): TtlvItem[] {
  let stream: sym.MacStream;
  try {
    stream = new sym.MacStream(plan, key);
  } catch (err) {
    throw cryptoError(err);
  }
  const state: MacStreamState = { kind: 'mac', op: USE_OPS[use], uid, stream, close: () => stream.close(), expected: expected && Buffer.from(expected) };
  const { correlation } = openStream(ctx, state, first, () => stream.update(first));
  ctx.placeholder = uid;
  return [uidItem(uid), bytes(Tag.CorrelationValue, correlation)];
}

/** A later part of a multi-part MAC or MAC Verify: the MAC (or the verdict) comes with the last part only. */
async function continueMac(ctx: OpContext, payload: TtlvItem | undefined, use: 'mac' | 'macVerify', parts: { correlation: Uint8Array; final: boolean }): Promise<TtlvItem[]> {
  const chunk = read.bytes(child(payload, Tag.Data)) ?? EMPTY;
  const given = read.bytes(child(payload, Tag.MACData));
  if (use === 'mac' && given !== undefined) throw invalidField('MAC takes no MAC Data');
  const { state, end, charge } = await streamFor(ctx, payload, use, parts);
  if (state.kind !== 'mac') throw noStream(ctx, 'that Correlation Value belongs to another operation', true);
  const result = stepOnce(payload, 'run', (): Buffer | undefined => {
    charge(chunk.length);
    if (given !== undefined) state.expected = Buffer.from(given);
    if (use === 'macVerify' && parts.final && state.expected === undefined) {
      end();
      throw invalidField('MAC Verify needs the MAC Data, with the first part or the last');
    }
    try {
      state.stream.update(chunk);
      if (!parts.final) return undefined;
      const r = state.stream.final();
      end();
      return r;
    } catch (err) {
      end();
      throw cryptoError(err);
    }
  });
  endOnRollback(ctx, parts.correlation);
  ctx.placeholder = state.uid;
  if (!result) return [uidItem(state.uid), bytes(Tag.CorrelationValue, parts.correlation)];
  if (use === 'mac') return [uidItem(state.uid), bytes(Tag.MACData, result)];
  return [uidItem(state.uid), enm(Tag.ValidityIndicator, sym.macEqual(result, state.expected!) ? ValidityIndicator.Valid : ValidityIndicator.Invalid)];
}

export async function mac(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const parts = partsOf(ctx, payload);
  if (parts.kind === 'continue') return continueMac(ctx, payload, 'mac', parts);
  const { uid, obj, key, body } = await keyFor(ctx, payload, 'mac');
  try {
    const plan = macPlan(ctx, paramsFor(payload, obj), keyAlgorithm(obj, body));
    if (plan.kind === 'cmac' && ![16, 24, 32].includes(key.length)) throw invalidField('CMAC needs a 128, 192 or 256-bit AES key');
    if (parts.kind === 'init') return opened(ctx, stepOnce(payload, 'open', () => openMacStream(ctx, 'mac', uid, plan, key, read.bytes(child(payload, Tag.Data)) ?? EMPTY)));
    const out = computeMac(plan, key, data(payload, 'MAC'));
    ctx.placeholder = uid;
    return [uidItem(uid), bytes(Tag.MACData, out)];
  } finally {
    key.fill(0);
  }
}

export async function macVerify(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const parts = partsOf(ctx, payload);
  if (parts.kind === 'continue') return continueMac(ctx, payload, 'macVerify', parts);
  const { uid, obj, key, body } = await keyFor(ctx, payload, 'macVerify');
  try {
    const plan = macPlan(ctx, paramsFor(payload, obj), keyAlgorithm(obj, body));
    if (plan.kind === 'cmac' && ![16, 24, 32].includes(key.length)) throw invalidField('CMAC needs a 128, 192 or 256-bit AES key');
    if (parts.kind === 'init') {
      // The MAC Data to check may come with the first part (as TC-STREAM-MAC-1 sends it) or a later one.
      return opened(ctx, stepOnce(payload, 'open', () => openMacStream(ctx, 'macVerify', uid, plan, key, read.bytes(child(payload, Tag.Data)) ?? EMPTY, read.bytes(child(payload, Tag.MACData)))));
    }
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

/** A later part of a multi-part Hash: the digest comes with the last part. */
function continueHash(ctx: OpContext, payload: TtlvItem | undefined, parts: { correlation: Uint8Array; final: boolean }): TtlvItem[] {
  const chunk = read.bytes(child(payload, Tag.Data)) ?? EMPTY;
  const store = storeFor(ctx.server);
  const state = stepOnce(payload, 'find', () => {
    try {
      return store.peek(ctx.principal, parts.correlation, Operation.Hash) as OpenStream;
    } catch (err) {
      throw multipartError(ctx, err);
    }
  });
  if (state.kind !== 'hash') throw noStream(ctx, 'that Correlation Value belongs to another operation', true);
  const digest = stepOnce(payload, 'run', (): Buffer | undefined => {
    try {
      store.use(ctx.principal, parts.correlation, chunk.length, Operation.Hash);
    } catch (err) {
      throw multipartError(ctx, err);
    }
    state.stream.update(chunk);
    if (!parts.final) return undefined;
    const d = state.stream.final();
    store.end(ctx.principal, parts.correlation);
    return d;
  });
  endOnRollback(ctx, parts.correlation);
  return digest ? [bytes(Tag.Data, digest)] : [bytes(Tag.CorrelationValue, parts.correlation)];
}

export function hash(ctx: OpContext, payload: TtlvItem | undefined): TtlvItem[] {
  const parts = partsOf(ctx, payload);
  if (parts.kind === 'continue') return continueHash(ctx, payload, parts);
  const params = read.struct(child(payload, Tag.CryptographicParameters));
  if (!params) throw invalidField('Hash needs Cryptographic Parameters naming the Hashing Algorithm');
  const h = read.enum(child(params, Tag.HashingAlgorithm));
  const a = read.enum(child(params, Tag.CryptographicAlgorithm));
  if (h === undefined && a === undefined) throw invalidField('Hash needs a Hashing Algorithm');
  const name = h !== undefined ? HASHES[h] : HASH_ALGS[a!];
  if (!name) throw unsupported('Hash supports MD5, SHA-1, SHA-2 and SHA-3');
  if (h !== undefined && a !== undefined && HASH_ALGS[a] !== name) throw invalidField('the Hashing Algorithm and Cryptographic Algorithm disagree');
  if (parts.kind === 'init') {
    return opened(ctx, stepOnce(payload, 'open', () => {
      const stream = new sym.HashStream(name);
      const state: HashStreamState = { kind: 'hash', op: Operation.Hash, uid: '', stream, close: () => stream.close() };
      const first = read.bytes(child(payload, Tag.Data)) ?? EMPTY;
      const { correlation } = openStream(ctx, state, first, () => stream.update(first));
      return [bytes(Tag.CorrelationValue, correlation)];
    }));
  }
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
