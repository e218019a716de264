// The cryptographic operations (Encrypt, Decrypt, Sign, Signature Verify, MAC, MAC Verify, Hash) and the
// key-pair and derivation ones (Create Key Pair, Re-key Key Pair, Derive Key) as OpSpecs. Inputs are
// checked when the spec is made: a wrong type is a TypeError before anything is sent (and, in a batch,
// when the item is added). Byte inputs are Uint8Array; Cryptographic Parameters are a friendly object
// whose enumerations are dictionary names ({ blockCipherMode: 'GCM', hashingAlgorithm: 'SHA_256' }).
//
// Retry policy (OpSpec.idempotent): Signature Verify, MAC Verify and Hash only read, so they are sent
// again after a transport failure; everything else is sent once: Create Key Pair, Re-key Key Pair and
// Derive Key make objects, Encrypt with a server-made IV answers differently each time, and Encrypt,
// Decrypt, Sign and MAC may count against the key's Usage Limits. A call that carries a Correlation
// Value or an Init/Final Indicator (a multi-part stream whose state lives on the server) is never resent.
import { Tag } from '../dict/index.js';
import { bool, bytes, child, int, interval, read, struct, text } from '../kmip/items.js';
import { ItemType, type TtlvItem } from '../ttlv/types.js';
import { KmipProtocolError } from './errors.js';
import type { VersionNumber } from './messages.js';
import { attr1x, attr2x, type OpSpec } from './ops.js';
import { fromItem, toItem, toWireAttributes, type Attributes, type WireAttribute } from './values.js';

export { cryptographicParametersItem, type CryptographicParameters } from './params.js';
import { cryptographicParametersItem, type CryptographicParameters } from './params.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

// ------------------------------------------------------------------------------------ checks

function bytesArg(v: unknown, what: string, optional = false): Uint8Array | undefined {
  if (v === undefined && optional) return undefined;
  if (!(v instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array, not ${v === null ? 'null' : typeof v}`);
  return v;
}

function uidArg(uid: unknown, what = 'the unique identifier'): string | undefined {
  if (uid === undefined) return undefined;
  if (typeof uid !== 'string' || uid === '') throw new TypeError(`${what} must be a non-empty string`);
  return uid;
}

function boolArg(v: unknown, what: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new TypeError(`${what} must be a boolean`);
  return v;
}

const compact = (items: (TtlvItem | undefined)[]) => items.filter((i): i is TtlvItem => i !== undefined);

/** Options every data operation takes: parameters, and the multi-part stream fields. */
export interface StreamOptions {
  cryptographicParameters?: CryptographicParameters;
  /** The server's handle on a multi-part operation (from a previous answer). */
  correlationValue?: Uint8Array;
  initIndicator?: boolean;
  finalIndicator?: boolean;
}

interface Checked {
  params?: TtlvItem;
  correlation?: TtlvItem;
  init?: TtlvItem;
  final?: TtlvItem;
  streaming: boolean;
}

function checkStream(o: StreamOptions, operation: string): Checked {
  if (!isPlainObject(o as unknown)) throw new TypeError(`${operation} options must be an object`);
  const cv = bytesArg(o.correlationValue, 'correlationValue', true);
  const init = boolArg(o.initIndicator, 'initIndicator');
  const final = boolArg(o.finalIndicator, 'finalIndicator');
  return {
    params: o.cryptographicParameters !== undefined ? cryptographicParametersItem(o.cryptographicParameters) : undefined,
    correlation: cv ? bytes(Tag.CorrelationValue, cv) : undefined,
    init: init !== undefined ? bool(Tag.InitIndicator, init) : undefined,
    final: final !== undefined ? bool(Tag.FinalIndicator, final) : undefined,
    streaming: cv !== undefined || init !== undefined || final !== undefined,
  };
}

const uidItem = (uid: string | undefined) => (uid === undefined ? undefined : text(Tag.UniqueIdentifier, uid));

function uidOf(p: TtlvItem | undefined, operation: string, tag: number = Tag.UniqueIdentifier): string {
  const uid = read.text(child(p, tag));
  if (uid === undefined) throw new KmipProtocolError(`the ${operation} response has no ${tag === Tag.UniqueIdentifier ? 'Unique Identifier' : 'key identifier'}`);
  return uid;
}

function bytesOf(p: TtlvItem | undefined, tag: number, operation: string, what: string): Uint8Array {
  const b = read.bytes(child(p, tag));
  if (b === undefined) throw new KmipProtocolError(`the ${operation} response has no ${what}`);
  return b;
}

const optionalBytes = (p: TtlvItem | undefined, tag: number): Uint8Array | undefined => read.bytes(child(p, tag));

function withCorrelation<T extends object>(out: T, p: TtlvItem | undefined): T & { correlationValue?: Uint8Array } {
  const cv = optionalBytes(p, Tag.CorrelationValue);
  return cv ? { ...out, correlationValue: cv } : out;
}

// ------------------------------------------------------------------------------------ key pairs

export interface KeyPairAttributes {
  /** Attributes of both keys (e.g. cryptographicAlgorithm, cryptographicLength). */
  common?: Attributes;
  privateKey?: Attributes;
  publicKey?: Attributes;
}

export interface KeyPairResult {
  privateKeyUniqueIdentifier: string;
  publicKeyUniqueIdentifier: string;
}

interface WireSets {
  common: WireAttribute[] | undefined;
  priv: WireAttribute[] | undefined;
  pub: WireAttribute[] | undefined;
}

function keyPairSets(a: KeyPairAttributes, operation: string): WireSets {
  if (!isPlainObject(a as unknown)) throw new TypeError(`${operation} takes { common, privateKey, publicKey } attributes`);
  const one = (x: unknown, what: string) => {
    if (x === undefined) return undefined;
    if (!isPlainObject(x)) throw new TypeError(`${operation}: ${what} attributes must be an object`);
    return toWireAttributes(x);
  };
  return { common: one(a.common, 'common'), priv: one(a.privateKey, 'privateKey'), pub: one(a.publicKey, 'publicKey') };
}

/** The three attribute sets: 1.x Template-Attributes (Common/Private Key/Public Key), 2.x Attributes. */
function keyPairItems(v: VersionNumber, s: WireSets): TtlvItem[] {
  const set = (wire: WireAttribute[] | undefined, tag1: number, tag2: number) =>
    wire === undefined ? undefined : v >= 20 ? struct(tag2, wire.map(attr2x)) : struct(tag1, wire.map((a) => attr1x(a)));
  return compact([
    set(s.common, Tag.CommonTemplateAttribute, Tag.CommonAttributes),
    set(s.priv, Tag.PrivateKeyTemplateAttribute, Tag.PrivateKeyAttributes),
    set(s.pub, Tag.PublicKeyTemplateAttribute, Tag.PublicKeyAttributes),
  ]);
}

function keyPairOf(p: TtlvItem | undefined, operation: string): KeyPairResult {
  return {
    privateKeyUniqueIdentifier: uidOf(p, operation, Tag.PrivateKeyUniqueIdentifier),
    publicKeyUniqueIdentifier: uidOf(p, operation, Tag.PublicKeyUniqueIdentifier),
  };
}

export function createKeyPair(attributes: KeyPairAttributes): OpSpec<KeyPairResult> {
  const sets = keyPairSets(attributes, 'createKeyPair');
  return {
    operation: 'CreateKeyPair',
    idempotent: false,
    payload: (v) => keyPairItems(v, sets),
    parse: (p) => keyPairOf(p, 'Create Key Pair'),
  };
}

export interface ReKeyKeyPairOptions extends KeyPairAttributes {
  /** Seconds from now until the new keys become active. */
  offset?: number;
}

export function reKeyKeyPair(privateKeyUid: string | undefined, o: ReKeyKeyPairOptions): OpSpec<KeyPairResult> {
  const uid = uidArg(privateKeyUid, 'the private key unique identifier');
  const sets = keyPairSets(o, 'reKeyKeyPair');
  if (o.offset !== undefined && !(Number.isInteger(o.offset) && o.offset >= 0)) throw new TypeError('offset must be a whole number of seconds >= 0');
  return {
    operation: 'ReKeyKeyPair',
    idempotent: false,
    payload: (v) => compact([
      uid !== undefined ? text(Tag.PrivateKeyUniqueIdentifier, uid) : undefined,
      o.offset !== undefined ? interval(Tag.Offset, o.offset) : undefined,
      ...keyPairItems(v, sets),
    ]),
    parse: (p) => keyPairOf(p, 'Re-key Key Pair'),
  };
}

export interface DeriveKeyOptions {
  /** 'SymmetricKey' (default) or 'SecretData'. */
  objectType?: string;
  /** 'PBKDF2', 'HASH', 'HMAC', 'ENCRYPT', 'NIST800_108_C', 'HKDF', ... */
  derivationMethod: string | number;
  cryptographicParameters?: CryptographicParameters;
  initializationVector?: Uint8Array;
  derivationData?: Uint8Array;
  salt?: Uint8Array;
  iterationCount?: number;
  /** The new object's attributes: cryptographicLength (bits) is required by the spec, and cryptographicAlgorithm for keys. */
  attributes: Attributes;
}

/** Derive Key from one or more objects (the first is the keying material). */
export function deriveKey(uids: string | readonly string[] | undefined, o: DeriveKeyOptions): OpSpec<{ uniqueIdentifier: string }> {
  if (!isPlainObject(o as unknown)) throw new TypeError('deriveKey options must be an object');
  const ids = uids === undefined ? [] : (typeof uids === 'string' ? [uids] : [...uids]).map((u) => uidArg(u)!);
  const objectType = toItem(Tag.ObjectType, ItemType.Enumeration, o.objectType ?? 'SymmetricKey');
  const method = toItem(Tag.DerivationMethod, ItemType.Enumeration, o.derivationMethod);
  if (o.iterationCount !== undefined && !(Number.isInteger(o.iterationCount) && o.iterationCount > 0)) throw new TypeError('iterationCount must be a positive integer');
  const parameters = struct(Tag.DerivationParameters, [
    o.cryptographicParameters !== undefined ? cryptographicParametersItem(o.cryptographicParameters) : undefined,
    o.initializationVector !== undefined ? bytes(Tag.InitializationVector, bytesArg(o.initializationVector, 'initializationVector')!) : undefined,
    o.derivationData !== undefined ? bytes(Tag.DerivationData, bytesArg(o.derivationData, 'derivationData')!) : undefined,
    o.salt !== undefined ? bytes(Tag.Salt, bytesArg(o.salt, 'salt')!) : undefined,
    o.iterationCount !== undefined ? int(Tag.IterationCount, o.iterationCount) : undefined,
  ]);
  if (!isPlainObject(o.attributes)) throw new TypeError('deriveKey needs attributes (at least cryptographicLength)');
  const wire = toWireAttributes(o.attributes);
  return {
    operation: 'DeriveKey',
    idempotent: false,
    payload: (v) => [
      objectType,
      ...ids.map((id) => text(Tag.UniqueIdentifier, id)),
      method,
      parameters,
      v >= 20 ? struct(Tag.Attributes, wire.map(attr2x)) : struct(Tag.TemplateAttribute, wire.map((a) => attr1x(a))),
    ],
    parse: (p) => ({ uniqueIdentifier: uidOf(p, 'Derive Key') }),
  };
}

// ------------------------------------------------------------------------------------ data operations

/** Authenticated-encryption data and tag are KMIP 1.4 fields: below 1.4 they cannot be sent (a TypeError, nothing sent). */
function aead(v: VersionNumber, aad: boolean, tag: Uint8Array | undefined): undefined {
  if (v < 14 && (aad || tag !== undefined)) {
    throw new TypeError(`authenticated-encryption additional data and tag need KMIP 1.4 or later (this connection speaks ${Math.floor(v / 10)}.${v % 10})`);
  }
  return undefined;
}

export interface EncryptOptions extends StreamOptions {
  /** IV, counter or nonce; leave it out (with a mode that needs one) and the server makes one and returns it. */
  ivCounterNonce?: Uint8Array;
  /** KMIP 1.4+: authenticated-encryption additional data (GCM, CCM). */
  authenticatedEncryptionAdditionalData?: Uint8Array;
}

export interface EncryptResult {
  uniqueIdentifier: string;
  data: Uint8Array;
  /** The IV the server made, when it made one. */
  ivCounterNonce?: Uint8Array;
  /** KMIP 1.4+: the authenticated-encryption tag. */
  authenticatedEncryptionTag?: Uint8Array;
  correlationValue?: Uint8Array;
}

export function encrypt(uid: string | undefined, data: Uint8Array | undefined, o: EncryptOptions): OpSpec<EncryptResult> {
  const id = uidArg(uid);
  const d = bytesArg(data, 'the data to encrypt', true);
  const s = checkStream(o, 'encrypt');
  const iv = bytesArg(o.ivCounterNonce, 'ivCounterNonce', true);
  const aad = bytesArg(o.authenticatedEncryptionAdditionalData, 'authenticatedEncryptionAdditionalData', true);
  return {
    operation: 'Encrypt',
    idempotent: false,
    payload: (v) => compact([
      aead(v, aad !== undefined, undefined),
      uidItem(id), s.params, d ? bytes(Tag.Data, d) : undefined, iv ? bytes(Tag.IVCounterNonce, iv) : undefined,
      s.correlation, s.init, s.final, aad ? bytes(Tag.AuthenticatedEncryptionAdditionalData, aad) : undefined,
    ]),
    parse: (p) => {
      const out: EncryptResult = { uniqueIdentifier: uidOf(p, 'Encrypt'), data: optionalBytes(p, Tag.Data) ?? new Uint8Array(0) };
      const ivOut = optionalBytes(p, Tag.IVCounterNonce);
      if (ivOut) out.ivCounterNonce = ivOut;
      const tag = optionalBytes(p, Tag.AuthenticatedEncryptionTag);
      if (tag) out.authenticatedEncryptionTag = tag;
      return withCorrelation(out, p);
    },
  };
}

export interface DecryptOptions extends EncryptOptions {
  /** KMIP 1.4+: the authenticated-encryption tag to check. */
  authenticatedEncryptionTag?: Uint8Array;
}

export interface DecryptResult {
  uniqueIdentifier: string;
  data: Uint8Array;
  correlationValue?: Uint8Array;
}

export function decrypt(uid: string | undefined, data: Uint8Array | undefined, o: DecryptOptions): OpSpec<DecryptResult> {
  const id = uidArg(uid);
  const d = bytesArg(data, 'the data to decrypt', true);
  const s = checkStream(o, 'decrypt');
  const iv = bytesArg(o.ivCounterNonce, 'ivCounterNonce', true);
  const aad = bytesArg(o.authenticatedEncryptionAdditionalData, 'authenticatedEncryptionAdditionalData', true);
  const tag = bytesArg(o.authenticatedEncryptionTag, 'authenticatedEncryptionTag', true);
  return {
    operation: 'Decrypt',
    idempotent: false,
    payload: (v) => compact([
      aead(v, aad !== undefined, tag),
      uidItem(id), s.params, d ? bytes(Tag.Data, d) : undefined, iv ? bytes(Tag.IVCounterNonce, iv) : undefined,
      s.correlation, s.init, s.final,
      aad ? bytes(Tag.AuthenticatedEncryptionAdditionalData, aad) : undefined,
      tag ? bytes(Tag.AuthenticatedEncryptionTag, tag) : undefined,
    ]),
    parse: (p) => withCorrelation({ uniqueIdentifier: uidOf(p, 'Decrypt'), data: optionalBytes(p, Tag.Data) ?? new Uint8Array(0) }, p),
  };
}

export interface SignOptions extends StreamOptions {
  /** Sign this digest instead of data (KMIP 1.4+). */
  digestedData?: Uint8Array;
}

export interface SignResult {
  uniqueIdentifier: string;
  signatureData: Uint8Array;
  correlationValue?: Uint8Array;
}

export function sign(uid: string | undefined, data: Uint8Array | undefined, o: SignOptions): OpSpec<SignResult> {
  const id = uidArg(uid);
  const d = bytesArg(data, 'the data to sign', true);
  const s = checkStream(o, 'sign');
  const digest = bytesArg(o.digestedData, 'digestedData', true);
  return {
    operation: 'Sign',
    idempotent: false,
    payload: () => compact([uidItem(id), s.params, d ? bytes(Tag.Data, d) : undefined, digest ? bytes(Tag.DigestedData, digest) : undefined, s.correlation, s.init, s.final]),
    parse: (p) => withCorrelation({ uniqueIdentifier: uidOf(p, 'Sign'), signatureData: bytesOf(p, Tag.SignatureData, 'Sign', 'Signature Data') }, p),
  };
}

export interface VerifyResult {
  uniqueIdentifier: string;
  /** 'Valid', 'Invalid' or 'Unknown' (a multi-part verification not finished yet). */
  validityIndicator: string;
  /** validityIndicator === 'Valid'. */
  valid: boolean;
  correlationValue?: Uint8Array;
}

function verifyOf(p: TtlvItem | undefined, operation: string): VerifyResult {
  const vi = child(p, Tag.ValidityIndicator);
  if (!vi) throw new KmipProtocolError(`the ${operation} response has no Validity Indicator`);
  const validityIndicator = String(fromItem(vi));
  return withCorrelation({ uniqueIdentifier: uidOf(p, operation), validityIndicator, valid: validityIndicator === 'Valid' }, p);
}

export function signatureVerify(uid: string | undefined, data: Uint8Array | undefined, signature: Uint8Array | undefined, o: SignOptions): OpSpec<VerifyResult> {
  const id = uidArg(uid);
  const d = bytesArg(data, 'the signed data', true);
  const sig = bytesArg(signature, 'the signature', true);
  const s = checkStream(o, 'signatureVerify');
  const digest = bytesArg(o.digestedData, 'digestedData', true);
  return {
    operation: 'SignatureVerify',
    idempotent: !s.streaming,
    payload: () => compact([
      uidItem(id), s.params, d ? bytes(Tag.Data, d) : undefined, digest ? bytes(Tag.DigestedData, digest) : undefined,
      sig ? bytes(Tag.SignatureData, sig) : undefined, s.correlation, s.init, s.final,
    ]),
    parse: (p) => verifyOf(p, 'Signature Verify'),
  };
}

export interface MacResult {
  uniqueIdentifier: string;
  macData: Uint8Array;
  correlationValue?: Uint8Array;
}

export function mac(uid: string | undefined, data: Uint8Array | undefined, o: StreamOptions): OpSpec<MacResult> {
  const id = uidArg(uid);
  const d = bytesArg(data, 'the data to MAC', true);
  const s = checkStream(o, 'mac');
  return {
    operation: 'MAC',
    idempotent: false,
    payload: () => compact([uidItem(id), s.params, d ? bytes(Tag.Data, d) : undefined, s.correlation, s.init, s.final]),
    parse: (p) => withCorrelation({ uniqueIdentifier: uidOf(p, 'MAC'), macData: bytesOf(p, Tag.MACData, 'MAC', 'MAC Data') }, p),
  };
}

export function macVerify(uid: string | undefined, data: Uint8Array | undefined, macData: Uint8Array | undefined, o: StreamOptions): OpSpec<VerifyResult> {
  const id = uidArg(uid);
  const d = bytesArg(data, 'the data', true);
  const m = bytesArg(macData, 'the MAC', true);
  const s = checkStream(o, 'macVerify');
  return {
    operation: 'MACVerify',
    idempotent: !s.streaming,
    payload: () => compact([uidItem(id), s.params, d ? bytes(Tag.Data, d) : undefined, m ? bytes(Tag.MACData, m) : undefined, s.correlation, s.init, s.final]),
    parse: (p) => verifyOf(p, 'MAC Verify'),
  };
}

/** Hash (KMIP 1.2+): a digest computed by the server; cryptographicParameters.hashingAlgorithm is required. */
export function hash(data: Uint8Array | undefined, o: StreamOptions): OpSpec<{ data: Uint8Array; correlationValue?: Uint8Array }> {
  const d = bytesArg(data, 'the data to hash', true);
  const s = checkStream(o, 'hash');
  if (!s.params) throw new TypeError('hash needs cryptographicParameters (with hashingAlgorithm)');
  return {
    operation: 'Hash',
    idempotent: !s.streaming,
    payload: () => compact([s.params, d ? bytes(Tag.Data, d) : undefined, s.correlation, s.init, s.final]),
    parse: (p) => withCorrelation({ data: bytesOf(p, Tag.Data, 'Hash', 'Data') }, p),
  };
}
