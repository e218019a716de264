// The Cryptographic Parameters structure as a plain object, both ways: requests (Encrypt, Sign, Get with a
// Key Wrapping Specification, ...) and answers (a wrapped key's Key Wrapping Data).
import { Tag } from '../dict/index.js';
import { struct } from '../kmip/items.js';
import { ItemType, type TtlvItem } from '../ttlv/types.js';
import { fromItem, toItem } from './values.js';

/**
 * The Cryptographic Parameters structure. Enumerations by their dictionary names ('CBC', 'PKCS5',
 * 'PKCS1V1_5', 'PSS', 'SHA_256', 'SHA_256WithRSAEncryption', 'AES', 'HMAC_SHA256') or their numbers.
 * Fields go on the wire in the spec's order, whatever the order here.
 */
export interface CryptographicParameters {
  blockCipherMode?: string | number;
  paddingMethod?: string | number;
  hashingAlgorithm?: string | number;
  keyRoleType?: string | number;
  digitalSignatureAlgorithm?: string | number;
  cryptographicAlgorithm?: string | number;
  /** Ask the server to make the IV (KMIP 1.2+). */
  randomIV?: boolean;
  /** Bits. */
  ivLength?: number;
  /** Bytes of the authenticated-encryption tag (KMIP 1.2+; required by PyKMIP for GCM). */
  tagLength?: number;
  fixedFieldLength?: number;
  invocationFieldLength?: number;
  counterLength?: number;
  initialCounterValue?: number;
  /** KMIP 1.4+: PSS salt length in bytes. */
  saltLength?: number;
  /** KMIP 1.4+: 'MGF1'. */
  maskGenerator?: string | number;
  maskGeneratorHashingAlgorithm?: string | number;
  /** KMIP 1.4+: OAEP label. */
  pSource?: Uint8Array;
  trailerField?: number;
}

// The spec's field order (KMIP 1.4 section 3.6 / 2.1 section 4.7) and each field's item type.
const PARAMETER_FIELDS: readonly [keyof CryptographicParameters, number, number][] = [
  ['blockCipherMode', Tag.BlockCipherMode, ItemType.Enumeration],
  ['paddingMethod', Tag.PaddingMethod, ItemType.Enumeration],
  ['hashingAlgorithm', Tag.HashingAlgorithm, ItemType.Enumeration],
  ['keyRoleType', Tag.KeyRoleType, ItemType.Enumeration],
  ['digitalSignatureAlgorithm', Tag.DigitalSignatureAlgorithm, ItemType.Enumeration],
  ['cryptographicAlgorithm', Tag.CryptographicAlgorithm, ItemType.Enumeration],
  ['randomIV', Tag.RandomIV, ItemType.Boolean],
  ['ivLength', Tag.IVLength, ItemType.Integer],
  ['tagLength', Tag.TagLength, ItemType.Integer],
  ['fixedFieldLength', Tag.FixedFieldLength, ItemType.Integer],
  ['invocationFieldLength', Tag.InvocationFieldLength, ItemType.Integer],
  ['counterLength', Tag.CounterLength, ItemType.Integer],
  ['initialCounterValue', Tag.InitialCounterValue, ItemType.Integer],
  ['saltLength', Tag.SaltLength, ItemType.Integer],
  ['maskGenerator', Tag.MaskGenerator, ItemType.Enumeration],
  ['maskGeneratorHashingAlgorithm', Tag.MaskGeneratorHashingAlgorithm, ItemType.Enumeration],
  ['pSource', Tag.PSource, ItemType.ByteString],
  ['trailerField', Tag.TrailerField, ItemType.Integer],
];
const PARAMETER_KEYS = new Set<string>(PARAMETER_FIELDS.map(([k]) => k));

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/** Friendly Cryptographic Parameters to their structure; TypeError on an unknown field or a wrong value. */
export function cryptographicParametersItem(p: CryptographicParameters, tag: number = Tag.CryptographicParameters): TtlvItem {
  if (!isPlainObject(p as unknown)) throw new TypeError('cryptographicParameters takes an object of its fields');
  for (const k of Object.keys(p)) {
    if (!PARAMETER_KEYS.has(k)) throw new TypeError(`cryptographicParameters has no field ${JSON.stringify(k)} (fields: ${[...PARAMETER_KEYS].join(', ')})`);
  }
  const fields: TtlvItem[] = [];
  for (const [key, t, type] of PARAMETER_FIELDS) {
    const v = p[key];
    if (v !== undefined) fields.push(toItem(t, type, v));
  }
  return struct(tag, fields);
}


/** A Cryptographic Parameters structure read back to its friendly fields (enumerations by name). */
export function readCryptographicParameters(item: TtlvItem): CryptographicParameters {
  const out: Record<string, unknown> = {};
  if (item.type !== ItemType.Structure) return out;
  for (const [key, t] of PARAMETER_FIELDS) {
    const f = item.value.find((c) => c.tag === t);
    if (f) out[key] = fromItem(f);
  }
  return out as CryptographicParameters;
}
