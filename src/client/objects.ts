// Managed objects in and out of Register and Get: key material, secret data, certificates and opaque
// objects as plain fields; anything else as its TTLV structure.
import { Tag, tagByName } from '../dict/index.js';
import { bytes, child, read, struct, text } from '../kmip/items.js';
import { ItemType, type TtlvItem } from '../ttlv/types.js';
import { fromItem, toItem } from './values.js';
import { cryptographicParametersItem, readCryptographicParameters, type CryptographicParameters } from './params.js';

/** How a key's material is wrapped (the Key Block's Key Wrapping Data): what Get answers with when asked
 *  for a wrapped key, and what Register and Import take for a key the client wrapped itself. */
export interface KeyWrappingData {
  /** Default 'Encrypt'. */
  wrappingMethod?: string;
  /** The key that wrapped it (Encryption Key Information). */
  wrappingKeyUid?: string;
  cryptographicParameters?: CryptographicParameters;
  ivCounterNonce?: Uint8Array;
  /** 'NoEncoding' (the key material's bytes were wrapped) or 'TTLVEncoding' (its Key Value structure). */
  encodingOption?: string;
}

/** A key (symmetric, private, public) or secret data: its Key Block's fields. */
export interface KeyObjectInput {
  objectType: 'SymmetricKey' | 'PrivateKey' | 'PublicKey' | 'SecretData';
  keyMaterial: Uint8Array;
  /** Default: Raw for symmetric keys, Opaque for secret data, PKCS_8 for private and X_509 for public keys. */
  keyFormatType?: string;
  cryptographicAlgorithm?: string;
  cryptographicLength?: number;
  /** Secret data only; default 'Password'. */
  secretDataType?: string;
  /** Set when `keyMaterial` holds wrapped bytes: how they were wrapped. */
  keyWrappingData?: KeyWrappingData;
}

export interface CertificateInput {
  objectType: 'Certificate';
  /** Default 'X_509'. */
  certificateType?: string;
  /** DER bytes. */
  value: Uint8Array;
}

export interface OpaqueObjectInput {
  objectType: 'OpaqueObject';
  /** An Opaque Data Type value (the spec defines only extension values) or its name. */
  opaqueDataType: string | number;
  value: Uint8Array;
}

/** Any other object type: its structure as TTLV (tag = the object type's tag). */
export interface RawObjectInput {
  objectType: string;
  item: TtlvItem;
}

export type ObjectInput = KeyObjectInput | CertificateInput | OpaqueObjectInput | RawObjectInput;

/** What Get returns; `item` is the object structure as received. */
export interface ManagedObject {
  objectType: string;
  keyMaterial?: Uint8Array;
  keyFormatType?: string;
  cryptographicAlgorithm?: string;
  cryptographicLength?: number;
  secretDataType?: string;
  certificateType?: string;
  opaqueDataType?: string | number;
  /** Certificate or opaque object bytes. */
  value?: Uint8Array;
  /** For a wrapped key: the wrapped bytes (the Key Value) and how they were wrapped; keyMaterial is then absent. */
  wrapped?: KeyWrappingData & { bytes: Uint8Array };
  item: TtlvItem;
}

const DEFAULT_FORMAT: Record<string, string> = { SymmetricKey: 'Raw', SecretData: 'Opaque', PrivateKey: 'PKCS_8', PublicKey: 'X_509' };

export function objectTag(objectType: string): number {
  const tag = tagByName(objectType);
  if (tag === undefined) throw new TypeError(`unknown object type ${JSON.stringify(objectType)}`);
  return tag;
}

export function objectItem(o: ObjectInput): TtlvItem {
  const tag = objectTag(o.objectType);
  if ('item' in o) return { ...o.item, tag } as TtlvItem;
  if ('keyMaterial' in o) {
    const w = o.keyWrappingData;
    const block = struct(Tag.KeyBlock, [
      toItem(Tag.KeyFormatType, ItemType.Enumeration, o.keyFormatType ?? DEFAULT_FORMAT[o.objectType]),
      // A wrapped key's Key Value is the wrapped bytes themselves (a Byte String), not a structure.
      w ? bytes(Tag.KeyValue, o.keyMaterial) : struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, o.keyMaterial)]),
      o.cryptographicAlgorithm !== undefined ? toItem(Tag.CryptographicAlgorithm, ItemType.Enumeration, o.cryptographicAlgorithm) : undefined,
      o.cryptographicLength !== undefined ? toItem(Tag.CryptographicLength, ItemType.Integer, o.cryptographicLength) : undefined,
      w ? keyWrappingDataItem(w) : undefined,
    ]);
    if (o.objectType === 'SecretData') return struct(tag, [toItem(Tag.SecretDataType, ItemType.Enumeration, o.secretDataType ?? 'Password'), block]);
    return struct(tag, [block]);
  }
  if (o.objectType === 'Certificate') {
    const c = o as CertificateInput;
    return struct(tag, [toItem(Tag.CertificateType, ItemType.Enumeration, c.certificateType ?? 'X_509'), bytes(Tag.CertificateValue, c.value)]);
  }
  const op = o as OpaqueObjectInput;
  return struct(tag, [toItem(Tag.OpaqueDataType, ItemType.Enumeration, op.opaqueDataType), bytes(Tag.OpaqueDataValue, op.value)]);
}

const enumName = (item: TtlvItem | undefined) => (item ? (fromItem(item) as string) : undefined);

function keyWrappingDataItem(w: KeyWrappingData): TtlvItem {
  return struct(Tag.KeyWrappingData, [
    toItem(Tag.WrappingMethod, ItemType.Enumeration, w.wrappingMethod ?? 'Encrypt'),
    w.wrappingKeyUid !== undefined
      ? struct(Tag.EncryptionKeyInformation, [
          text(Tag.UniqueIdentifier, w.wrappingKeyUid),
          w.cryptographicParameters ? cryptographicParametersItem(w.cryptographicParameters) : undefined,
        ])
      : undefined,
    w.ivCounterNonce ? bytes(Tag.IVCounterNonce, w.ivCounterNonce) : undefined,
    w.encodingOption !== undefined ? toItem(Tag.EncodingOption, ItemType.Enumeration, w.encodingOption) : undefined,
  ]);
}

function readKeyWrappingData(item: TtlvItem): KeyWrappingData {
  const eki = child(item, Tag.EncryptionKeyInformation);
  const params = child(eki, Tag.CryptographicParameters);
  const out: KeyWrappingData = { wrappingMethod: enumName(child(item, Tag.WrappingMethod)) };
  const uid = read.text(child(eki, Tag.UniqueIdentifier));
  if (uid !== undefined) out.wrappingKeyUid = uid;
  if (params) out.cryptographicParameters = readCryptographicParameters(params);
  const iv = read.bytes(child(item, Tag.IVCounterNonce));
  if (iv) out.ivCounterNonce = iv;
  const enc = enumName(child(item, Tag.EncodingOption));
  if (enc !== undefined) out.encodingOption = enc;
  return out;
}

export function readObject(objectType: string, item: TtlvItem): ManagedObject {
  const out: ManagedObject = { objectType, item };
  const block = child(item, Tag.KeyBlock);
  if (block) {
    out.keyFormatType = enumName(child(block, Tag.KeyFormatType));
    out.cryptographicAlgorithm = enumName(child(block, Tag.CryptographicAlgorithm));
    out.cryptographicLength = read.int(child(block, Tag.CryptographicLength));
    const kv = child(block, Tag.KeyValue);
    const kwd = child(block, Tag.KeyWrappingData);
    // A wrapped key's Key Value is the wrapped bytes (a Byte String); wrapped by MAC/signature only, it stays a
    // structure with the material in the clear. A transparent key's material is a structure: kept in `item`.
    if (kwd) out.wrapped = { ...readKeyWrappingData(kwd), bytes: kv?.type === ItemType.ByteString ? kv.value : new Uint8Array(0) };
    const km = kv?.type === ItemType.Structure ? child(kv, Tag.KeyMaterial) : undefined;
    if (km?.type === ItemType.ByteString) out.keyMaterial = km.value;
    else if (km?.type === ItemType.Structure && child(km, Tag.Key)?.type === ItemType.ByteString) out.keyMaterial = read.bytes(child(km, Tag.Key));
  }
  const sdt = child(item, Tag.SecretDataType);
  if (sdt) out.secretDataType = enumName(sdt);
  const ct = child(item, Tag.CertificateType);
  if (ct) out.certificateType = enumName(ct);
  const cv = child(item, Tag.CertificateValue) ?? child(item, Tag.OpaqueDataValue);
  if (cv?.type === ItemType.ByteString) out.value = cv.value;
  const odt = child(item, Tag.OpaqueDataType);
  if (odt) out.opaqueDataType = fromItem(odt) as string | number;
  return out;
}
