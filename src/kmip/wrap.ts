// Key wrapping (KMIP 1.4 §2.1.3-2.1.6; 2.1 §3.1-3.3 and §7.18): a Key Block's Key Value encrypted
// under a key the server holds. Wrapping Method Encrypt only, with an AES key (RFC 3394 "NIST Key Wrap",
// RFC 5649 "AES Key Wrap with Padding", through src/crypto/keywrap.ts) or an RSA key (OAEP, one hash
// for OAEP and MGF1, as node:crypto does it). The wrapping key must be one the caller may use, with the
// Wrap Key (or Unwrap Key) bit of its Cryptographic Usage Mask and a state that permits it: wrapping
// protects (Active), unwrapping processes (Active, Deactivated, Compromised). Plaintext made here is
// zeroed once it has been wrapped or decoded; no key material reaches an error message.
import type { KeyObject } from 'node:crypto';
import { RsaError, rsaDecrypt, rsaEncrypt, rsaPlan, type RsaPlan } from './crypto/rsa.js';
import {
  BlockCipherMode, CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, EncodingOption, HashingAlgorithm, KeyFormatType, LinkType,
  MaskGenerator, ObjectType, PaddingMethod, ResultReason, Tag, WrappingMethod,
} from '../dict/index.js';
import { decode, encode } from '../ttlv/index.js';
import { ItemType, type StructureItem, type TtlvItem } from '../ttlv/types.js';
import { AesKeyWrap } from '../crypto/keywrap.js';
import { keyForName, toAttribute1x, toAttribute2x, type Attr } from './attributes/model.js';
import { KmipError, invalidField } from './errors.js';
import { bytes, child, children, enm, read, struct, text } from './items.js';
import { load, wrongState, type OpContext } from './context.js';
import { first, stateOf, values, type ManagedObject } from './object.js';
import { keyBlockOf, symmetricKeyBytes, wipe } from './objects.js';
import { keyObjectOf } from './asymmetric.js';
import { canProcess, canProtect, isDestroyed } from './lifecycle.js';

/** A Key Wrapping Specification (request) or Key Wrapping Data (Key Block), as far as it is used here. */
export interface WrapInfo {
  /** Unique Identifier in the Encryption Key Information. */
  uid: string;
  /** The Encryption Key Information's Cryptographic Parameters, as given. */
  params?: StructureItem;
  /** Encoding Option as given; absent means TTLV Encoding. */
  encoding?: number;
  /** Attribute keys to wrap with the key material (Key Wrapping Specification only). */
  attributeKeys: string[];
}

type OaepPlan = Extract<RsaPlan, { padding: 'oaep' }>;
type Algorithm = { kind: 'kw' } | { kind: 'kwp' } | { kind: 'oaep'; plan: OaepPlan };

const unsupported = (msg: string) => new KmipError(ResultReason.FeatureNotSupported, msg);
const badParams = (ctx: OpContext, msg: string) => new KmipError(ctx.v >= 20 ? ResultReason.BadCryptographicParameters : ResultReason.InvalidField, msg);
const encodingError = (msg: string) => new KmipError(ResultReason.EncodingOptionError, msg);
/** "Object specified is not able to be used" is Permission Denied in 1.x. */
const unusable = (ctx: OpContext, reason2x: number, msg: string) => new KmipError(ctx.v >= 20 ? reason2x : ResultReason.PermissionDenied, msg);

/** Reads a Key Wrapping Specification or Key Wrapping Data: only Wrapping Method Encrypt is performed. */
export function parseWrapInfo(item: TtlvItem, what: 'Key Wrapping Specification' | 'Key Wrapping Data'): WrapInfo {
  const s = read.struct(item)!;
  const method = read.enum(child(s, Tag.WrappingMethod));
  if (method === undefined) throw invalidField(`${what} needs a Wrapping Method`);
  if (method !== WrappingMethod.Encrypt) {
    throw unsupported('only Wrapping Method Encrypt is supported (MAC/sign wrapping and TR-31 are not)');
  }
  if (child(s, Tag.MACSignatureKeyInformation) || child(s, Tag.MACSignature)) {
    throw unsupported('MAC/Signature Key Information is not supported: use Wrapping Method Encrypt alone');
  }
  if (child(s, Tag.IVCounterNonce)) throw unsupported('an IV/Counter/Nonce is not used by the supported wrapping algorithms');
  const eki = read.struct(child(s, Tag.EncryptionKeyInformation));
  if (!eki) throw invalidField(`${what} needs Encryption Key Information`);
  const uid = read.text(child(eki, Tag.UniqueIdentifier));
  if (uid === undefined) throw invalidField('Encryption Key Information needs the Unique Identifier of the wrapping key');
  const params = read.struct(child(eki, Tag.CryptographicParameters));
  const encoding = read.enum(child(s, Tag.EncodingOption));
  if (encoding !== undefined && encoding !== EncodingOption.NoEncoding && encoding !== EncodingOption.TTLVEncoding) {
    throw encodingError('Encoding Option must be No Encoding or TTLV Encoding');
  }
  const attributeKeys = children(s, Tag.AttributeName).map((n) => keyForName(read.text(n)!));
  if (encoding === EncodingOption.NoEncoding && attributeKeys.length > 0) {
    throw encodingError('with No Encoding only the key material is wrapped: Attribute Names need TTLV Encoding');
  }
  return { uid, params, encoding, attributeKeys };
}

/** The wrapping algorithm that Cryptographic Parameters name for a key of this type and algorithm. */
function algorithmOf(ctx: OpContext, keyType: 'aes' | 'rsa', params: TtlvItem | undefined): Algorithm {
  if (keyType === 'aes') {
    const mode = read.enum(child(params, Tag.BlockCipherMode));
    if (mode === undefined || mode === BlockCipherMode.NISTKeyWrap) return { kind: 'kw' };
    if (mode === BlockCipherMode.AESKeyWrapPadding) return { kind: 'kwp' };
    throw unsupported('an AES wrapping key wraps with Block Cipher Mode NIST Key Wrap (RFC 3394) or AES Key Wrap Padding (RFC 5649)');
  }
  const padding = read.enum(child(params, Tag.PaddingMethod));
  if (padding !== undefined && padding !== PaddingMethod.OAEP) throw unsupported('an RSA wrapping key wraps with Padding Method OAEP only');
  // The same OAEP as Encrypt (src/kmip/crypto/rsa.ts): SHA-1 by default for both the hash and MGF1 (the spec's
  // defaults), any SHA-2/SHA-3 pair, P Source as the label. OAEP is the default padding when none is named.
  const withOaep = padding === undefined ? struct(Tag.CryptographicParameters, [...(read.struct(params)?.value ?? []), enm(Tag.PaddingMethod, PaddingMethod.OAEP)]) : params;
  let plan: RsaPlan;
  try {
    plan = rsaPlan(withOaep);
  } catch (e) {
    if (!(e instanceof RsaError)) throw e;
    throw e.kind === 'unsupported' ? unsupported(e.message) : badParams(ctx, e.message);
  }
  if (plan.padding !== 'oaep') throw unsupported('an RSA wrapping key wraps with Padding Method OAEP only');
  return { kind: 'oaep', plan };
}

const sameAlgorithm = (a: Algorithm, b: Algorithm): boolean =>
  a.kind === b.kind &&
  (a.kind !== 'oaep' ||
    (b.kind === 'oaep' && a.plan.hash === b.plan.hash && a.plan.mgf1Hash === b.plan.mgf1Hash && a.plan.label.equals(b.plan.label)));

/** A wrapping key, loaded and checked, with the material the algorithm needs (zero `aes` when done). */
interface WrappingKey {
  uid: string;
  keyType: 'aes' | 'rsa';
  aes?: Uint8Array;
  rsa?: KeyObject;
  obj: ManagedObject;
}

function asWrappingError(ctx: OpContext, err: unknown, uid: string): unknown {
  if (!(err instanceof KmipError)) return err;
  if (err.reason === ResultReason.ObjectNotFound || err.reason === ResultReason.ItemNotFound) {
    return new KmipError(ctx.v >= 20 ? ResultReason.WrappingObjectNotFound : ResultReason.ItemNotFound, `no wrapping key ${JSON.stringify(uid)}`);
  }
  if (err.reason === ResultReason.ObjectArchived) {
    return new KmipError(ctx.v >= 20 ? ResultReason.WrappingObjectArchived : ResultReason.ObjectArchived, 'the wrapping key is archived');
  }
  return err;
}

async function loadWrappingObject(ctx: OpContext, uid: string, op: number): Promise<ManagedObject> {
  try {
    return await load(ctx, uid, op);
  } catch (err) {
    throw asWrappingError(ctx, err, uid);
  }
}

/**
 * Loads the key named for wrapping (a Symmetric Key or a Public Key) or unwrapping (a Symmetric Key or a
 * Private Key; a Public Key named in Key Wrapping Data stands for the Private Key it links to).
 */
async function wrappingKey(ctx: OpContext, uid: string, use: 'wrap' | 'unwrap', op: number): Promise<WrappingKey> {
  let obj = await loadWrappingObject(ctx, uid, op);
  if (use === 'unwrap' && obj.objectType === ObjectType.PublicKey) {
    const link = values(obj, 'Link').find((l) => read.enum(child(l, Tag.LinkType)) === LinkType.PrivateKeyLink);
    const priv = read.text(child(link, Tag.LinkedObjectIdentifier));
    if (priv === undefined) throw unusable(ctx, ResultReason.InvalidObjectType, 'the wrapping Public Key has no Private Key Link: the server cannot unwrap with it');
    obj = await loadWrappingObject(ctx, priv, op);
  }
  const types: number[] = use === 'wrap' ? [ObjectType.SymmetricKey, ObjectType.PublicKey] : [ObjectType.SymmetricKey, ObjectType.PrivateKey];
  if (!types.includes(obj.objectType)) {
    throw unusable(ctx, ResultReason.InvalidObjectType, use === 'wrap' ? 'a wrapping key is a Symmetric Key or a Public Key' : 'an unwrapping key is a Symmetric Key or a Private Key');
  }
  const state = stateOf(obj);
  if (isDestroyed(state) || !obj.hasMaterial) {
    throw new KmipError(ctx.v >= 20 ? ResultReason.WrappingObjectDestroyed : ResultReason.KeyValueNotPresent, 'the wrapping key is destroyed');
  }
  if (!(use === 'wrap' ? canProtect(state) : canProcess(state))) {
    throw wrongState(ctx, use === 'wrap' ? 'wrapping needs an Active wrapping key' : 'unwrapping needs an Active, Deactivated or Compromised key');
  }
  const bit = use === 'wrap' ? Mask.WrapKey : Mask.UnwrapKey;
  if (((read.int(first(obj, 'Cryptographic Usage Mask')) ?? 0) & bit) === 0) {
    throw unusable(ctx, ResultReason.IncompatibleCryptographicUsageMask, `the wrapping key's Cryptographic Usage Mask does not include ${use === 'wrap' ? 'Wrap Key' : 'Unwrap Key'}`);
  }
  const material = await ctx.tx.getMaterial(obj.uid);
  if (!material) throw new KmipError(ctx.v >= 20 ? ResultReason.WrappingObjectDestroyed : ResultReason.KeyValueNotPresent, 'the wrapping key holds no material');
  const body = decode(material) as StructureItem;
  material.fill(0);
  try {
    const kb = keyBlockOf(body);
    if (!kb || child(kb, Tag.KeyWrappingData)) throw new KmipError(ResultReason.KeyValueNotPresent, 'the wrapping key is itself held wrapped');
    const algorithm = read.enum(first(obj, 'Cryptographic Algorithm')) ?? read.enum(child(kb, Tag.CryptographicAlgorithm));
    if (obj.objectType === ObjectType.SymmetricKey) {
      if (algorithm !== Alg.AES) throw unsupported('a symmetric wrapping key must be an AES key');
      const raw = symmetricKeyBytes(body);
      if (!raw || ![16, 24, 32].includes(raw.length)) throw new KmipError(ResultReason.KeyValueNotPresent, 'the AES wrapping key is not 128, 192 or 256 bits');
      return { uid: obj.uid, keyType: 'aes', aes: Buffer.from(raw), obj };
    }
    if (algorithm !== Alg.RSA) throw unsupported('an asymmetric wrapping key must be an RSA key (OAEP)');
    return { uid: obj.uid, keyType: 'rsa', rsa: keyObjectOf(body), obj };
  } finally {
    wipe(body);
  }
}

/**
 * The algorithm for a wrapping key and the Cryptographic Parameters to record. Given parameters must
 * match one of the key's own Cryptographic Parameters (KMIP 1.4 §2.1.6); without them the key's first
 * one applies. A key with none takes the given parameters, or the defaults (RFC 3394; OAEP SHA-1).
 */
function resolve(ctx: OpContext, key: WrappingKey, given: StructureItem | undefined): { algorithm: Algorithm; params?: StructureItem } {
  const own = values(key.obj, 'Cryptographic Parameters').map((p) => read.struct(p)!);
  const params = given ?? own[0];
  const algorithm = algorithmOf(ctx, key.keyType, params);
  if (given && own.length > 0) {
    const matches = own.some((p) => {
      try {
        return sameAlgorithm(algorithmOf(ctx, key.keyType, p), algorithm);
      } catch {
        return false;
      }
    });
    if (!matches) throw badParams(ctx, "the Cryptographic Parameters match none of the wrapping key's Cryptographic Parameters attributes");
  }
  return { algorithm, params };
}

function wrapBytes(ctx: OpContext, key: WrappingKey, algorithm: Algorithm, data: Uint8Array): Buffer {
  if (algorithm.kind === 'oaep') {
    try {
      return rsaEncrypt(key.rsa!, algorithm.plan, data);
    } catch {
      throw badParams(ctx, 'the value is too long for RSA-OAEP under this key and hash');
    }
  }
  const kw = new AesKeyWrap(key.aes!);
  if (algorithm.kind === 'kwp') return kw.wrapPadded(data);
  if (data.length < 16 || data.length % 8 !== 0) {
    throw badParams(ctx, 'NIST Key Wrap (RFC 3394) wraps 16 bytes or more in steps of 8: use AES Key Wrap Padding (RFC 5649)');
  }
  return kw.wrap(data);
}

function unwrapBytes(key: WrappingKey, algorithm: Algorithm, data: Uint8Array): Buffer {
  const fail = () => new KmipError(ResultReason.CryptographicFailure, 'the wrapped key does not unwrap under the wrapping key (integrity check failed)');
  if (algorithm.kind === 'oaep') {
    try {
      return rsaDecrypt(key.rsa!, algorithm.plan, data);
    } catch {
      throw fail();
    }
  }
  const kw = new AesKeyWrap(key.aes!);
  let out: Buffer | null;
  try {
    out = algorithm.kind === 'kwp' ? kw.unwrapPadded(data) : kw.unwrap(data);
  } catch {
    throw fail(); // a length no wrapping produces
  }
  if (!out) throw fail();
  return out;
}

/** The attributes named in a Key Wrapping Specification, in the negotiated version's Key Value form. */
function attributeItems(ctx: OpContext, obj: ManagedObject, keys: readonly string[]): TtlvItem[] {
  const chosen: Attr[] = obj.attrs.filter((a) => keys.includes(a.key));
  if (chosen.length === 0) return [];
  if (ctx.v >= 20) return [struct(Tag.Attributes, chosen.map(toAttribute2x))];
  const seen = new Map<string, number>();
  return chosen.map((a) => {
    const i = seen.get(a.key) ?? 0;
    seen.set(a.key, i + 1);
    return toAttribute1x(a, i);
  });
}

/**
 * `body` (a plaintext object with a Key Block) with its Key Value wrapped as `info` asks: the Key
 * Value becomes a Byte String and the Key Block gains Key Wrapping Data. `body` is left as it was.
 */
export async function wrapObject(ctx: OpContext, body: StructureItem, obj: ManagedObject, info: WrapInfo, op: number): Promise<StructureItem> {
  const kb = keyBlockOf(body);
  if (!kb) throw unusable(ctx, ResultReason.InvalidObjectType, 'only objects with a Key Block (keys and Secret Data) can be wrapped');
  const kv = read.struct(child(kb, Tag.KeyValue));
  if (!kv) throw new KmipError(ResultReason.KeyValueNotPresent, 'the key holds no plaintext Key Value to wrap');
  const key = await wrappingKey(ctx, info.uid, 'wrap', op);
  let data: Uint8Array | undefined;
  try {
    const { algorithm, params } = resolve(ctx, key, info.params);
    if (info.encoding === EncodingOption.NoEncoding) {
      const km = child(kv, Tag.KeyMaterial);
      if (km?.type !== ItemType.ByteString) throw encodingError('No Encoding wraps Byte String key material only; this key material is a structure: use TTLV Encoding');
      if (kv.value.some((c) => c.tag !== Tag.KeyMaterial)) throw encodingError('the Key Value carries attributes, which No Encoding cannot wrap: use TTLV Encoding');
      data = Buffer.from(km.value);
    } else {
      data = encode(struct(Tag.KeyValue, [...kv.value, ...attributeItems(ctx, obj, info.attributeKeys)]));
    }
    const wrapped = wrapBytes(ctx, key, algorithm, data);
    const kwd = struct(Tag.KeyWrappingData, [
      enm(Tag.WrappingMethod, WrappingMethod.Encrypt),
      struct(Tag.EncryptionKeyInformation, [text(Tag.UniqueIdentifier, info.uid), params]),
      info.encoding !== undefined ? enm(Tag.EncodingOption, info.encoding) : undefined,
    ]);
    const kbOut = struct(Tag.KeyBlock, [
      ...kb.value.filter((c) => c.tag !== Tag.KeyWrappingData).map((c) => (c.tag === Tag.KeyValue ? bytes(Tag.KeyValue, wrapped) : c)),
      kwd,
    ]);
    return struct(body.tag, body.value.map((c) => (c.tag === Tag.KeyBlock ? kbOut : c)));
  } finally {
    data?.fill(0);
    key.aes?.fill(0);
  }
}

/** Whether an object body holds its key wrapped (a Key Block with Key Wrapping Data). */
export const isWrapped = (body: TtlvItem): boolean => child(keyBlockOf(body), Tag.KeyWrappingData) !== undefined;

/**
 * A wrapped object body (its Key Block carries Key Wrapping Data) unwrapped with the key that data
 * names, which the caller must be able to use with the Unwrap Key bit. The result is checked: the
 * integrity check of the wrapping, the TTLV of an encoded Key Value, and a symmetric key's length.
 */
export async function unwrapObject(ctx: OpContext, body: StructureItem, op: number): Promise<StructureItem> {
  const kb = keyBlockOf(body)!;
  const info = parseWrapInfo(child(kb, Tag.KeyWrappingData)!, 'Key Wrapping Data');
  const kv = child(kb, Tag.KeyValue);
  // The Key Value of a wrapped key is a Byte String; some test cases of KMIP 1.4 put the wrapped bytes
  // in a Key Value structure's Key Material instead, which is read the same way.
  const wrapped = kv?.type === ItemType.ByteString ? kv.value : read.bytes(child(kv, Tag.KeyMaterial));
  if (!wrapped) throw invalidField('a wrapped Key Block needs its wrapped Key Value as a Byte String');
  const key = await wrappingKey(ctx, info.uid, 'unwrap', op);
  let plain: Buffer | undefined;
  try {
    const { algorithm } = resolve(ctx, key, info.params);
    plain = unwrapBytes(key, algorithm, wrapped);
    let kvOut: StructureItem;
    if (info.encoding === EncodingOption.NoEncoding) {
      kvOut = struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, new Uint8Array(plain))]);
    } else {
      let decoded: TtlvItem;
      try {
        decoded = decode(plain);
      } catch {
        throw encodingError('the unwrapped bytes are not a TTLV-encoded Key Value (was it wrapped with No Encoding?)');
      }
      if (decoded.tag !== Tag.KeyValue || decoded.type !== ItemType.Structure || !child(decoded, Tag.KeyMaterial)) {
        wipe(decoded);
        throw encodingError('the unwrapped bytes are not a TTLV-encoded Key Value (was it wrapped with No Encoding?)');
      }
      kvOut = decoded;
    }
    const kbOut = struct(Tag.KeyBlock, kb.value.filter((c) => c.tag !== Tag.KeyWrappingData).map((c) => (c.tag === Tag.KeyValue ? kvOut : c)));
    const out = struct(body.tag, body.value.map((c) => (c.tag === Tag.KeyBlock ? kbOut : c)));
    checkUnwrapped(out);
    return out;
  } finally {
    plain?.fill(0);
    key.aes?.fill(0);
  }
}

/** A symmetric key's unwrapped material must be as long as its Key Block's Cryptographic Length says. */
function checkUnwrapped(body: StructureItem): void {
  if (body.tag !== Tag.SymmetricKey) return;
  const kb = keyBlockOf(body)!;
  const stated = read.int(child(kb, Tag.CryptographicLength));
  const format = read.enum(child(kb, Tag.KeyFormatType));
  const raw = format === KeyFormatType.Raw || format === KeyFormatType.TransparentSymmetricKey ? symmetricKeyBytes(body) : undefined;
  if (stated !== undefined && raw !== undefined && raw.length * 8 !== stated) {
    wipe(body);
    throw invalidField(`the unwrapped key is ${raw.length * 8} bits long, but its Cryptographic Length says ${stated}`);
  }
}
