// Managed object bodies (Symmetric Key, Secret Data, Opaque Object, Certificate, Public and Private
// Key, ...): which structure carries which object type, what Register accepts, and the Get-side
// conversions between key format types.
import { hash } from 'node:crypto';
import { HashingAlgorithm, KeyFormatType, ObjectType, ResultReason, Tag } from '../dict/index.js';
import { ItemType, type StructureItem, type TtlvItem } from '../ttlv/types.js';
import { KmipError, invalidField } from './errors.js';
import { bytes, child, enm, int, read, struct } from './items.js';
import type { Attr } from './attributes/model.js';
import { fromAttribute1x } from './attributes/model.js';

export const OBJECT_TAGS: Readonly<Record<number, number>> = {
  [ObjectType.Certificate]: Tag.Certificate,
  [ObjectType.SymmetricKey]: Tag.SymmetricKey,
  [ObjectType.PublicKey]: Tag.PublicKey,
  [ObjectType.PrivateKey]: Tag.PrivateKey,
  [ObjectType.SplitKey]: Tag.SplitKey,
  [ObjectType.SecretData]: Tag.SecretData,
  [ObjectType.OpaqueObject]: Tag.OpaqueObject,
  [ObjectType.PGPKey]: Tag.PGPKey,
  [ObjectType.CertificateRequest]: Tag.CertificateRequest,
  [ObjectType.Template]: Tag.Template,
};

/** Object types Register accepts (Split Key, PGP Key and Certificate Request are not managed yet). */
export const REGISTRABLE: readonly number[] = [
  ObjectType.Certificate,
  ObjectType.SymmetricKey,
  ObjectType.PublicKey,
  ObjectType.PrivateKey,
  ObjectType.SecretData,
  ObjectType.OpaqueObject,
  ObjectType.Template, // KMIP 1.x only
];

const KEY_BLOCK_TYPES = new Set<number>([ObjectType.SymmetricKey, ObjectType.PublicKey, ObjectType.PrivateKey, ObjectType.SecretData]);

export const hasKeyBlock = (objectType: number): boolean => KEY_BLOCK_TYPES.has(objectType);

/** The object structure of a payload for `objectType`, checked for the fields its type requires. */
export function objectFromPayload(payload: TtlvItem, objectType: number): StructureItem {
  const tag = OBJECT_TAGS[objectType];
  if (tag === undefined || !REGISTRABLE.includes(objectType)) {
    throw new KmipError(ResultReason.InvalidField, `object type ${objectType} cannot be registered`);
  }
  const obj = read.struct(child(payload, tag));
  if (!obj) throw invalidField('the payload has no object of the given Object Type');
  if (KEY_BLOCK_TYPES.has(objectType)) {
    const kb = read.struct(child(obj, Tag.KeyBlock));
    if (!kb) throw invalidField('Key Block missing');
    if (read.enum(child(kb, Tag.KeyFormatType)) === undefined) throw invalidField('Key Format Type missing');
    const kv = child(kb, Tag.KeyValue);
    if (!kv) throw invalidField('Key Value missing');
    if (objectType === ObjectType.SecretData && read.enum(child(obj, Tag.SecretDataType)) === undefined) {
      throw invalidField('Secret Data Type missing');
    }
  } else if (objectType === ObjectType.OpaqueObject) {
    if (read.enum(child(obj, Tag.OpaqueDataType)) === undefined) throw invalidField('Opaque Data Type missing');
    if (read.bytes(child(obj, Tag.OpaqueDataValue)) === undefined) throw invalidField('Opaque Data Value missing');
  } else if (objectType === ObjectType.Template) {
    for (const a of obj.value) if (a.tag !== Tag.Attribute) throw invalidField('a Template holds only Attributes');
    for (const a of obj.value) fromAttribute1x(a);
  } else if (objectType === ObjectType.Certificate) {
    if (read.enum(child(obj, Tag.CertificateType)) === undefined) throw invalidField('Certificate Type missing');
    if (read.bytes(child(obj, Tag.CertificateValue)) === undefined) throw invalidField('Certificate Value missing');
  }
  return obj;
}

export const keyBlockOf = (obj: TtlvItem): StructureItem | undefined => read.struct(child(obj, Tag.KeyBlock));

/** Attributes a Key Block states about itself (algorithm, length; 1.x attributes inside Key Value). */
export function keyBlockAttributes(obj: TtlvItem): Attr[] {
  const kb = keyBlockOf(obj);
  if (!kb) return [];
  const out: Attr[] = [];
  const alg = child(kb, Tag.CryptographicAlgorithm);
  const len = child(kb, Tag.CryptographicLength);
  if (alg) out.push({ key: 'Cryptographic Algorithm', value: alg });
  if (len) out.push({ key: 'Cryptographic Length', value: len });
  const kv = child(kb, Tag.KeyValue);
  if (kv?.type === ItemType.Structure) for (const a of kv.value) if (a.tag === Tag.Attribute) out.push(fromAttribute1x(a).attr);
  return out;
}

/** The bytes the Digest attribute is computed over, and the format they are in. */
function digestInput(obj: StructureItem): { data: Uint8Array; format?: number } | undefined {
  const kb = keyBlockOf(obj);
  if (kb) {
    if (child(kb, Tag.KeyWrappingData)) return undefined; // digest of wrapped material is not defined
    const format = read.enum(child(kb, Tag.KeyFormatType));
    const km = child(child(kb, Tag.KeyValue), Tag.KeyMaterial);
    if (km?.type === ItemType.ByteString) return { data: km.value, format };
    if (km?.type === ItemType.Structure && format === KeyFormatType.TransparentSymmetricKey) {
      const key = read.bytes(child(km, Tag.Key));
      return key ? { data: key, format: KeyFormatType.Raw } : undefined;
    }
    return undefined;
  }
  const data = read.bytes(child(obj, Tag.OpaqueDataValue)) ?? read.bytes(child(obj, Tag.CertificateValue));
  return data ? { data } : undefined;
}

/** The Digest attribute (SHA-256) of an object's material, when one is defined. */
export function digestOf(obj: StructureItem): TtlvItem | undefined {
  const input = digestInput(obj);
  if (!input) return undefined;
  // One-shot: a Hash object per Create costs more than the hashing.
  const value = hash('sha256', input.data, 'buffer');
  return struct(Tag.Digest, [
    enm(Tag.HashingAlgorithm, HashingAlgorithm.SHA_256),
    bytes(Tag.DigestValue, value),
    input.format !== undefined ? enm(Tag.KeyFormatType, input.format) : undefined,
  ]);
}

/** A symmetric key body in Raw format. */
export function symmetricKey(material: Uint8Array, algorithm: number, lengthBits: number): StructureItem {
  return struct(Tag.SymmetricKey, [
    struct(Tag.KeyBlock, [
      enm(Tag.KeyFormatType, KeyFormatType.Raw),
      struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, material)]),
      enm(Tag.CryptographicAlgorithm, algorithm),
      int(Tag.CryptographicLength, lengthBits),
    ]),
  ]);
}

/** The raw key bytes of a symmetric key body (Raw or Transparent Symmetric Key), if unwrapped. */
export function symmetricKeyBytes(obj: TtlvItem): Uint8Array | undefined {
  const kb = keyBlockOf(obj);
  if (!kb || child(kb, Tag.KeyWrappingData)) return undefined;
  const km = child(child(kb, Tag.KeyValue), Tag.KeyMaterial);
  if (km?.type === ItemType.ByteString) return km.value;
  if (km?.type === ItemType.Structure) return read.bytes(child(km, Tag.Key));
  return undefined;
}

/**
 * The object as Get returns it in the requested Key Format Type. Symmetric keys convert between Raw and
 * Transparent Symmetric Key; anything else must be asked for in the format it is held in.
 */
export function inFormat(obj: StructureItem, format: number | undefined): StructureItem {
  const kb = keyBlockOf(obj);
  if (!kb || format === undefined) return obj;
  const held = read.enum(child(kb, Tag.KeyFormatType));
  if (held === format) return obj;
  const raw = obj.tag === Tag.SymmetricKey ? symmetricKeyBytes(obj) : undefined;
  const convertible = raw && (format === KeyFormatType.Raw || format === KeyFormatType.TransparentSymmetricKey);
  if (!convertible) throw new KmipError(ResultReason.KeyFormatTypeNotSupported, 'the object cannot be returned in that Key Format Type');
  const material = format === KeyFormatType.Raw ? bytes(Tag.KeyMaterial, raw) : struct(Tag.KeyMaterial, [bytes(Tag.Key, raw)]);
  const kbOut = struct(
    Tag.KeyBlock,
    kb.value.map((c) => {
      if (c.tag === Tag.KeyFormatType) return enm(Tag.KeyFormatType, format);
      if (c.tag === Tag.KeyValue && c.type === ItemType.Structure) return struct(Tag.KeyValue, c.value.map((k) => (k.tag === Tag.KeyMaterial ? material : k)));
      return c;
    }),
  );
  return struct(obj.tag, obj.value.map((c) => (c.tag === Tag.KeyBlock ? kbOut : c)));
}

/** Zeroes every Byte String in a tree (key material held in memory after use). */
export function wipe(item: TtlvItem | undefined): void {
  if (!item) return;
  if (item.type === ItemType.ByteString) item.value.fill(0);
  else if (item.type === ItemType.Structure) for (const c of item.value) wipe(c);
}
